/**
 * The values that end at one place of the routing index: an exact type, a
 * trie node, or a node's trailing `**`. A bucket carries a frozen list of
 * its values, rebuilt lazily after a change, so a lookup that reaches one
 * bucket answers with that list as it is.
 */

export const EMPTY: readonly never[] = Object.freeze([]);

/** What `Bucket.only` holds unless the bucket has exactly one value (a symbol, so any value, null too, can be routed). */
export const NONE: unique symbol = Symbol('none');

/**
 * The values that end at one place, each with how many alternatives put it
 * there. Most places hold one value, so one value is kept inline and a Map is
 * made only for a second: a Map of one costs about 190 bytes.
 */
let nextId = 0;

export class Bucket<V> {
  /** names the bucket in visit keys and in the memo of answers */
  readonly id = nextId++;
  /** the value, while there is exactly one (NONE otherwise) */
  only: V | typeof NONE = NONE;
  /**
   * `only !== NONE`, kept as a flag for the hot paths: comparing values of
   * any kind with a symbol makes V8 call its generic comparison
   */
  single = false;
  private onlyCount = 0;
  /** from two values on */
  private counts: Map<V, number> | null = null;
  /** the values, frozen; null while stale */
  list: readonly V[] | null = null;
  /** whether `list` holds a value with several alternatives, valid while `epoch` is the router's */
  shared = false;
  epoch = -1;

  get empty(): boolean {
    return this.only === NONE && this.counts === null;
  }

  add(value: V): void {
    if (this.counts !== null) {
      const c = this.counts.get(value);
      this.counts.set(value, c === undefined ? 1 : c + 1);
      if (c === undefined) this.list = null;
    } else if (this.only === NONE) {
      this.only = value;
      this.single = true;
      this.onlyCount = 1;
      this.list = null;
    } else if (this.only === value) this.onlyCount++;
    else {
      this.counts = new Map([[this.only, this.onlyCount], [value, 1]]);
      this.only = NONE;
      this.single = false;
      this.list = null;
    }
  }

  /** True when `value` was there. */
  remove(value: V): boolean {
    if (this.counts !== null) {
      const c = this.counts.get(value);
      if (c === undefined) return false;
      if (c > 1) this.counts.set(value, c - 1);
      else {
        this.counts.delete(value);
        if (this.counts.size === 0) this.counts = null;
        this.list = null;
      }
      return true;
    }
    if (this.only === NONE || this.only !== value) return false;
    if (--this.onlyCount === 0) {
      this.only = NONE;
      this.single = false;
      this.list = null;
    }
    return true;
  }

  /** The values, in a fresh frozen array. */
  collect(): readonly V[] {
    if (this.counts !== null) return Object.freeze([...this.counts.keys()]);
    return this.only === NONE ? EMPTY : Object.freeze([this.only]);
  }
}

/**
 * One lookup's answer in the making: the buckets reached, counted as they
 * are reached (each is hot then), reused from lookup to lookup (routing is
 * synchronous).
 *
 * (Tried and dropped: a memo of joined answers keyed by which buckets were
 * reached. Once a subscribed type keeps its whole answer, only a third of
 * the lookups at 100,000 subscriptions join buckets at all, and routing was
 * no faster.)
 */
export class Reached<V> {
  readonly buckets: Bucket<V>[] = [];
  count = 0;
  /** values in the buckets reached */
  total = 0;
  /** buckets reached that hold a value with several alternatives: two of them may share it */
  shared = 0;
  /** the router's epoch: bumped whenever a value gains or loses its second alternative */
  epoch = 0;

  constructor(
    /** alternatives per value, the router's: a value with several can be reached twice */
    private readonly refs: Map<V, number>,
  ) {}

  reset(): void {
    this.count = 0;
    this.total = 0;
    this.shared = 0;
  }

  push(b: Bucket<V>): void {
    // a bucket of one value is counted from the bucket, not its list (one cold read less)
    if (b.list === null || b.epoch !== this.epoch) this.refresh(b);
    this.total += b.single ? 1 : b.list!.length;
    if (b.shared) this.shared++;
    this.buckets[this.count++] = b;
  }

  /** One bucket's list is the answer as it is; several are joined, deduplicated only when two may share a value. */
  answer(): readonly V[] {
    if (this.count === 0) return EMPTY;
    if (this.count === 1) return this.buckets[0]!.list!;
    const result: V[] = new Array(this.total);
    let at = 0;
    for (let k = 0; k < this.count; k++) {
      const b = this.buckets[k]!;
      if (b.single) result[at++] = b.only as V;
      else for (let m = 0, list = b.list!; m < list.length; m++) result[at++] = list[m]!;
    }
    return this.shared > 1 ? [...new Set(result)] : result;
  }

  /** Brings `b.list` and `b.shared` up to date. */
  private refresh(b: Bucket<V>): void {
    if (b.list === null) {
      b.list = b.collect();
      b.epoch = -1;
    }
    if (b.epoch !== this.epoch) {
      b.shared = false;
      for (const v of b.list) if (this.refs.get(v)! > 1) b.shared = true;
      b.epoch = this.epoch;
    }
  }
}
