/**
 * The routing index (docs/event-api.md "Patterns"): which subscriptions does an event type reach?
 *
 * - plain types (including brace alternatives that are plain) sit in a hash
 *   table (trie-table.ts): O(1);
 * - globs sit in a segment trie (trie.ts), walked once per type;
 * - a plain type that has subscribers keeps its whole answer (what the globs
 *   add included) from its first lookup until the index changes: a lookup
 *   of a subscribed type is one probe, cold or not. These answers are
 *   bounded by the subscriptions, not by the traffic;
 * - answers of other types are cached per type in a bounded cache (admitted
 *   on their second lookup). Any change to the index empties the cache and
 *   outdates the kept answers, so no answer is ever stale.
 *
 * Values are opaque to the router; a value reached by several alternatives
 * appears once in the answer. Answers are shared: callers must not change them.
 */
import { Bucket, Reached } from './bucket.js';
import type { CompiledPattern, Segment } from './pattern.js';
import { RouteCache } from './route-cache.js';
import { bucketFor, Lookup, remove, TrieNode, walk } from './trie.js';
import { hashOf, Table } from './trie-table.js';

export const DEFAULT_ROUTE_CACHE_SIZE = 10_000;

export class Router<V> {
  private readonly exact = new Table<ExactBucket<V>>();
  private readonly root = new TrieNode<V>();
  private globAlternatives = 0;
  /** alternatives with two or more `**`: only they can reach one trie node twice */
  private multiGlobstar = 0;
  /** alternatives per value; only a value with several can be reached twice */
  private readonly refs = new Map<V, number>();
  private readonly reached = new Reached<V>(this.refs);
  private readonly lookup = new Lookup<V>(this.reached);
  private readonly cache: RouteCache<V> | null;
  /** bumped by every change to the index: a kept answer from before is outdated */
  private version = 0;
  /** the last type hashed and its code: publishers send bursts of one type, which then skip hashing */
  private hashed = '';
  private hashedAs = 0;
  /** the last type cached() found no answer for, its exact bucket, and the index's version then */
  private missed = '';
  private missedExact: ExactBucket<V> | null = null;
  private missedVersion = -1;

  constructor(cacheLimit = DEFAULT_ROUTE_CACHE_SIZE) {
    // a limit of 0 turns the cache off
    this.cache = cacheLimit > 0 ? new RouteCache(cacheLimit) : null;
  }

  /** changes with every change to the index: an answer got before a change may be outdated */
  get changes(): number {
    return this.version;
  }

  get cacheSize(): number {
    return this.cache === null ? 0 : this.cache.size;
  }

  /** Every answer kept so far is outdated. */
  private changed(): void {
    this.cache?.clear();
    this.version++;
  }

  private ref(value: V, delta: number): void {
    const before = this.refs.get(value) ?? 0;
    const after = before + delta;
    if (after <= 0) this.refs.delete(value);
    else this.refs.set(value, after);
    // buckets' `shared` flags go stale
    if (before > 1 !== after > 1) this.reached.epoch++;
  }

  add(value: V, pattern: CompiledPattern): void {
    this.changed();
    for (const alt of pattern.alternatives) {
      this.ref(value, 1);
      const type = plainType(alt);
      if (type !== null) {
        let b = this.exact.get(type);
        if (b === null) this.exact.set(type, (b = new ExactBucket()));
        b.add(value);
      } else {
        this.globAlternatives++;
        if (globstars(alt) > 1) this.multiGlobstar++;
        bucketFor(this.root, alt).add(value);
      }
    }
  }

  remove(value: V, pattern: CompiledPattern): void {
    this.changed();
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

  /**
   * The values whose patterns match `type` (which must be a valid event
   * type). A subscribed plain type answers from its bucket (and never takes
   * room in the cache); any other type from the cache, or the trie.
   */
  route(type: string): readonly V[] {
    let exact: ExactBucket<V> | null;
    // (the version first: it is an integer, and outside publish, where cached() comes first, it differs)
    if (this.missedVersion === this.version && type === this.missed) {
      // cached() just missed for this type: both probes are done
      exact = this.missedExact;
      this.missedVersion = -1;
    } else {
      const h = this.hash(type);
      exact = this.exact.size > 0 ? this.exact.findKey(type, h) : null;
      if (exact === null && this.cache !== null) {
        const hit = this.cache.get(type, h);
        if (hit !== undefined) return hit;
      }
    }
    if (exact !== null) return exact.answerVersion === this.version ? exact.answer! : this.resolve(type, exact);
    const result = this.resolve(type, null);
    if (this.cache !== null) {
      const h = this.hash(type);
      if (this.cache.admit(h)) this.cache.put(type, h, result);
    }
    return result;
  }

  /** The answer kept for `type`, or undefined: lets publish skip type validation for known types. */
  cached(type: string): readonly V[] | undefined {
    const h = this.hash(type);
    const exact = this.exact.size > 0 ? this.exact.findKey(type, h) : null;
    if (exact !== null && exact.answerVersion === this.version) return exact.answer!;
    if (exact === null && this.cache !== null) {
      const hit = this.cache.get(type, h);
      if (hit !== undefined) return hit;
    }
    // a publish asks this, then routes the same type: route() takes over from here
    this.missed = type;
    this.missedExact = exact;
    this.missedVersion = this.version;
    return undefined;
  }

  private hash(type: string): number {
    if (type !== this.hashed) {
      this.hashed = type;
      this.hashedAs = hashOf(type);
    }
    return this.hashedAs;
  }

  /** Walks the index for `type`, whose exact bucket (if it has one) is `exact`; an exact bucket keeps the answer. */
  private resolve(type: string, exact: ExactBucket<V> | null): readonly V[] {
    const out = this.reached;
    out.reset();
    if (exact !== null) out.push(exact);
    if (this.globAlternatives > 0) {
      const l = this.lookup;
      l.read(type);
      l.seen = this.multiGlobstar > 0 ? new Set() : null;
      l.expanded = this.multiGlobstar > 0 ? new Map() : null;
      walk(this.root, l, 0);
    }
    const answer = out.answer();
    if (exact !== null) {
      exact.answer = answer;
      exact.answerVersion = this.version;
    }
    return answer;
  }
}

/** The bucket of a plain type, with the type's whole answer as last computed. */
class ExactBucket<V> extends Bucket<V> {
  answer: readonly V[] | null = null;
  /** the router's version when `answer` was computed */
  answerVersion = -1;
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
