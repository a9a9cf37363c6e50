/**
 * The routing index (SPEC §2): which subscriptions does an event type reach?
 *
 * - plain types (including brace alternatives that are plain) sit in a hash
 *   table (trie-table.ts): O(1);
 * - globs sit in a segment trie (trie.ts), walked once per type;
 * - answers are cached per type in a bounded cache; any change to the index
 *   empties it, so a cached answer is never stale.
 *
 * Values are opaque to the router; a value reached by several alternatives
 * appears once in the answer. Answers are shared: callers must not change them.
 */
import type { CompiledPattern, Segment } from './pattern.js';
import { Bucket, bucketFor, EMPTY, Lookup, NONE, remove, TrieNode, walk } from './trie.js';
import { hashOf, Table } from './trie-table.js';

export const DEFAULT_ROUTE_CACHE_SIZE = 10_000;

export class Router<V> {
  private readonly exact = new Table<Bucket<V>>();
  private readonly root = new TrieNode<V>();
  private globAlternatives = 0;
  /** alternatives with two or more `**`: only they can reach one trie node twice */
  private multiGlobstar = 0;
  /** alternatives per value; only a value with several can be reached twice */
  private readonly refs = new Map<V, number>();
  /** bumped whenever a value gains or loses its second alternative: buckets' `shared` flags go stale */
  private epoch = 0;
  private readonly lookup = new Lookup<V>();
  private readonly cache: RouteCache<V> | null;
  /** the last type hashed and its hash: publishers send bursts of one type, which then skip hashing */
  private hashed = '';
  private hashedAs = 0;

  constructor(cacheLimit = DEFAULT_ROUTE_CACHE_SIZE) {
    // a limit of 0 turns the cache off
    this.cache = cacheLimit > 0 ? new RouteCache(cacheLimit) : null;
  }

  get cacheSize(): number {
    return this.cache === null ? 0 : this.cache.size;
  }

  private ref(value: V, delta: number): void {
    const before = this.refs.get(value) ?? 0;
    const after = before + delta;
    if (after <= 0) this.refs.delete(value);
    else this.refs.set(value, after);
    if (before > 1 !== after > 1) this.epoch++;
  }

  add(value: V, pattern: CompiledPattern): void {
    this.cache?.clear();
    for (const alt of pattern.alternatives) {
      this.ref(value, 1);
      const type = plainType(alt);
      if (type !== null) {
        let b = this.exact.get(type);
        if (b === null) this.exact.set(type, (b = new Bucket()));
        b.add(value);
      } else {
        this.globAlternatives++;
        if (globstars(alt) > 1) this.multiGlobstar++;
        bucketFor(this.root, alt).add(value);
      }
    }
  }

  remove(value: V, pattern: CompiledPattern): void {
    this.cache?.clear();
    for (const alt of pattern.alternatives) {
      const type = plainType(alt);
      if (type !== null) {
        const b = this.exact.get(type);
        if (b !== null && b.remove(value)) {
          this.ref(value, -1);
          if (b.empty) this.exact.delete(type);
        }
      } else if (remove(this.root, alt, 0, value)) {
        this.ref(value, -1);
        this.globAlternatives--;
        if (globstars(alt) > 1) this.multiGlobstar--;
      }
    }
  }

  /** The values whose patterns match `type` (which must be a valid event type). */
  route(type: string): readonly V[] {
    const cache = this.cache;
    if (cache === null) return this.resolve(type, this.hash(type));
    const h = this.hash(type);
    const hit = cache.get(type, h);
    if (hit !== undefined) return hit;
    const result = this.resolve(type, h);
    cache.put(type, h, result);
    return result;
  }

  /** The cached answer, or undefined: lets publish skip type validation for known types. */
  cached(type: string): readonly V[] | undefined {
    return this.cache === null ? undefined : this.cache.get(type, this.hash(type));
  }

  private hash(type: string): number {
    if (type !== this.hashed) {
      this.hashed = type;
      this.hashedAs = hashOf(type);
    }
    return this.hashedAs;
  }

  private resolve(type: string, h: number): readonly V[] {
    const out = this.lookup;
    out.reached = 0;
    const exact = this.exact.size > 0 ? this.exact.find(type, 0, type.length, h) : null;
    if (exact !== null) out.push(exact);
    if (this.globAlternatives > 0) {
      out.read(type);
      out.seen = this.multiGlobstar > 0 ? new Set() : null;
      out.expanded = this.multiGlobstar > 0 ? new Map() : null;
      walk(this.root, out, 0);
    }
    return this.merge(out);
  }

  /** One bucket's list is the answer as it is; several are joined, deduplicated only when two may share a value. */
  private merge(out: Lookup<V>): readonly V[] {
    if (out.reached === 0) return EMPTY;
    if (out.reached === 1) return this.ready(out.buckets[0]!);
    let total = 0;
    let shared = 0;
    // a bucket of one value is read from the bucket, not its list (one cold read less)
    for (let k = 0; k < out.reached; k++) {
      const b = out.buckets[k]!;
      this.ready(b);
      total += b.only !== NONE ? 1 : b.list!.length;
      if (b.shared) shared++;
    }
    const result: V[] = new Array(total);
    let at = 0;
    for (let k = 0; k < out.reached; k++) {
      const b = out.buckets[k]!;
      if (b.only !== NONE) result[at++] = b.only;
      else for (let m = 0, list = b.list!; m < list.length; m++) result[at++] = list[m]!;
    }
    return shared > 1 ? [...new Set(result)] : result;
  }

  /** Brings `b.list` and `b.shared` up to date; returns the list. */
  private ready(b: Bucket<V>): readonly V[] {
    if (b.list === null) {
      b.list = b.collect();
      b.epoch = -1;
    }
    if (b.epoch !== this.epoch) {
      b.shared = false;
      for (const v of b.list) if (this.refs.get(v)! > 1) b.shared = true;
      b.epoch = this.epoch;
    }
    return b.list;
  }
}

/**
 * The route cache: at most `limit` answers in sets of four slots, LRU within
 * a set, the set chosen by the type's hash. A miss costs one probe of one set
 * and a write into it, with no allocation; `clear` is O(1), since a slot
 * counts only while it carries the current stamp. On a Zipf mix it keeps a
 * few percent more answers than two generations of Maps did, and misses cost
 * less; a hit pays for hashing the type in JS, which a Map would not (V8
 * keeps a string's hash), about 20 ns. The table grows with use up to the
 * limit.
 */
class RouteCache<V> {
  /** [stamp, hash, type, answer] per slot, `ways` slots per set, most recent first */
  private slots: (number | string | (readonly V[]))[] = [];
  private sets = 0;
  private readonly maxSets: number;
  private readonly ways: number;
  private stamp = 1;
  size = 0;

  constructor(limit: number) {
    this.ways = Math.min(4, limit);
    this.maxSets = Math.floor(limit / this.ways);
  }

  get(type: string, h: number): readonly V[] | undefined {
    if (this.sets === 0) return undefined;
    const s = this.slots;
    const at = (h % this.sets) * this.ways * 4;
    for (let w = 0; w < this.ways; w++) {
      const x = at + 4 * w;
      if (s[x] === this.stamp && s[x + 1] === h && s[x + 2] === type) {
        const answer = s[x + 3] as readonly V[];
        if (w > 0) this.toFront(at, x, h, type, answer);
        return answer;
      }
    }
    return undefined;
  }

  put(type: string, h: number, answer: readonly V[]): void {
    // below the limit, a full set makes the table grow rather than drop an answer
    if (this.sets < this.maxSets && (this.sets === 0 || this.slots[this.lastOf(h)] === this.stamp)) this.grow();
    this.place(type, h, answer);
  }

  clear(): void {
    if (this.size === 0) return;
    this.size = 0;
    if (++this.stamp > 0x3fffffff) {
      this.stamp = 1;
      this.slots.fill(0);
    }
  }

  private lastOf(h: number): number {
    return ((h % this.sets) * this.ways + this.ways - 1) * 4;
  }

  /** Puts the answer first in its set; the least recent slot falls out. */
  private place(type: string, h: number, answer: readonly V[]): void {
    const last = this.lastOf(h);
    if (this.slots[last] !== this.stamp) this.size++;
    this.toFront(last - (this.ways - 1) * 4, last, h, type, answer);
  }

  /** Moves the slots from `at` up to `x` one place back and writes the answer at `at`. */
  private toFront(at: number, x: number, h: number, type: string, answer: readonly V[]): void {
    const s = this.slots;
    for (let k = x + 3; k >= at + 4; k--) s[k] = s[k - 4]!;
    s[at] = this.stamp;
    s[at + 1] = h;
    s[at + 2] = type;
    s[at + 3] = answer;
  }

  /** Starts at 256 sets, then quadruples up to the limit, keeping what it holds. */
  private grow(): void {
    const old = this.slots;
    this.sets = Math.min(this.maxSets, Math.max(256, this.sets * 4));
    this.slots = new Array<number | string | (readonly V[])>(this.sets * this.ways * 4).fill(0);
    this.size = 0;
    // least recent first, so that each set keeps its most recent answers
    for (let x = old.length - 4; x >= 0; x -= 4) {
      if (old[x] === this.stamp) this.place(old[x + 2] as string, old[x + 1] as number, old[x + 3] as readonly V[]);
    }
  }
}

/** The type an alternative of only literal segments stands for; null for a glob. */
function plainType(alt: readonly Segment[]): string | null {
  for (const s of alt) if (s.kind !== 'literal') return null;
  // join makes one flat string; `+` would make a rope that costs more and is flattened on first use
  return alt.map((s) => (s as { text: string }).text).join('.');
}

function globstars(alt: readonly Segment[]): number {
  let n = 0;
  for (const s of alt) if (s.kind === 'globstar') n++;
  return n;
}
