/**
 * The routing index (SPEC §2): which subscriptions does an event type reach?
 *
 * - plain types (including brace alternatives that are plain) sit in a Map: O(1);
 * - globs sit in a segment trie (trie.ts), walked once per type;
 * - answers are cached per type in a bounded cache; any change to the index
 *   empties it, so a cached answer is never stale.
 *
 * Values are opaque to the router; a value reached by several alternatives
 * appears once in the answer. Answers are shared: callers must not change them.
 */
import type { CompiledPattern, Segment } from './pattern.js';
import { Bucket, bucketFor, EMPTY, hashOf, Lookup, remove, TrieNode, walk } from './trie.js';

export const DEFAULT_ROUTE_CACHE_SIZE = 10_000;

export class Router<V> {
  private readonly exact = new Map<string, Bucket<V>>();
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
        if (!b) this.exact.set(type, (b = new Bucket()));
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
        if (b && b.remove(value)) {
          this.ref(value, -1);
          if (b.counts === null) this.exact.delete(type);
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
    if (cache === null) return this.resolve(type);
    const h = this.hash(type);
    const hit = cache.get(type, h);
    if (hit !== undefined) return hit;
    const result = this.resolve(type);
    cache.put(type, h, result);
    return result;
  }

  /** The cached answer, or undefined: lets publish skip type validation for known types. */
  cached(type: string): readonly V[] | undefined {
    return this.cache === null ? undefined : this.cache.get(type, this.hash(type));
  }

  /** hashOf(type), remembered for the last type: publish asks `cached` and then `route` about one type. */
  private hash(type: string): number {
    if (type !== this.hashed) {
      this.hashed = type;
      this.hashedAs = hashOf(type);
    }
    return this.hashedAs;
  }

  private resolve(type: string): readonly V[] {
    const out = this.lookup;
    out.reached = 0;
    const exact = this.exact.get(type);
    if (exact !== undefined) out.push(exact);
    if (this.globAlternatives > 0) {
      out.read(type);
      out.seen = this.multiGlobstar > 0 ? new Set() : null;
      walk(this.root, out, 0);
    }
    return this.merge(out);
  }

  /** One bucket's list is the answer as it is; several are joined, deduplicated only when two may share a value. */
  private merge(out: Lookup<V>): readonly V[] {
    if (out.reached === 0) return EMPTY;
    if (out.reached === 1) return this.listOf(out.buckets[0]!);
    let total = 0;
    let shared = 0;
    for (let k = 0; k < out.reached; k++) {
      const b = out.buckets[k]!;
      total += this.listOf(b).length;
      if (b.shared) shared++;
    }
    const result: V[] = new Array(total);
    let at = 0;
    for (let k = 0; k < out.reached; k++) {
      const list = out.buckets[k]!.list!;
      for (let m = 0; m < list.length; m++) result[at++] = list[m]!;
    }
    return shared > 1 ? [...new Set(result)] : result;
  }

  private listOf(b: Bucket<V>): readonly V[] {
    if (b.list === null) {
      b.list = Object.freeze([...b.counts!.keys()]);
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
 * The route cache: at most `limit` answers in sets of four slots (LRU within
 * a set), the set chosen by a hash of the type. O(1) per lookup with no
 * allocation, and `clear` is O(1): a slot counts only while it carries the
 * current stamp. The table grows with use up to the limit.
 *
 * Against the two Maps it replaces (young and old generations), a miss costs
 * one probe instead of two lookups and an insertion, and the hit rate on a
 * Zipf mix is a little higher; a hit pays for hashing the type in JS.
 */
class RouteCache<V> {
  /** [stamp, hash, type, answer] per slot, `ways` slots per set, most recent first */
  private slots: (number | string | (readonly V[]) | null)[] = [];
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
    if (this.sets === 0) this.grow();
    const at = (h % this.sets) * this.ways * 4;
    const last = at + 4 * (this.ways - 1);
    if (this.slots[last] !== this.stamp) this.size++;
    else if (this.sets < this.maxSets) {
      // a full set while below the limit: make room rather than drop an answer
      this.grow();
      this.put(type, h, answer);
      return;
    }
    this.toFront(at, last, h, type, answer);
  }

  clear(): void {
    if (this.size === 0) return;
    this.size = 0;
    if (++this.stamp > 0x3fffffff) {
      this.stamp = 1;
      this.slots.fill(0);
    }
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
    this.slots = new Array<number | string | (readonly V[]) | null>(this.sets * this.ways * 4).fill(0);
    this.size = 0;
    // least recent first, so each set keeps its most recent answers
    for (let x = old.length - 4; x >= 0; x -= 4) {
      if (old[x] === this.stamp) this.put(old[x + 2] as string, old[x + 1] as number, old[x + 3] as readonly V[]);
    }
  }
}

/** The type an alternative of only literal segments stands for; null for a glob. */
function plainType(alt: readonly Segment[]): string | null {
  let type = '';
  for (let i = 0; i < alt.length; i++) {
    const s = alt[i]!;
    if (s.kind !== 'literal') return null;
    type = i === 0 ? s.text : `${type}.${s.text}`;
  }
  return type;
}

function globstars(alt: readonly Segment[]): number {
  let n = 0;
  for (const s of alt) if (s.kind === 'globstar') n++;
  return n;
}
