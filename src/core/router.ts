/**
 * The routing index (SPEC §2): which subscriptions does an event type reach?
 *
 * - plain types (including brace alternatives that are plain) sit in a Map: O(1);
 * - globs sit in a segment trie (nested Maps, one node per segment), walked
 *   once per type;
 * - answers are cached per type in a bounded Map; any change to the index
 *   clears the cache, so a cached answer is never stale.
 *
 * Values are opaque to the router; a value reached by several alternatives
 * appears once in the answer.
 */
import type { CompiledPattern, Segment } from './pattern.js';

export const DEFAULT_ROUTE_CACHE_SIZE = 10_000;

interface TrieNode<V> {
  readonly id: number;
  literal: Map<string, TrieNode<V>> | null;
  star: TrieNode<V> | null;
  globstar: TrieNode<V> | null;
  globs: { source: string; re: RegExp; node: TrieNode<V> }[] | null;
  /** values whose alternative ends here, with how many alternatives end here */
  values: Map<V, number> | null;
}

const EMPTY: readonly never[] = Object.freeze([]);

export class Router<V> {
  private readonly exact = new Map<string, Map<V, number>>();
  private root: TrieNode<V>;
  private nextId = 0;
  private globAlternatives = 0;
  /**
   * The route cache in two generations: new answers go to `young`; when it
   * holds half the limit it becomes `old` and the previous `old` is dropped
   * whole. A hit in `old` moves back to `young`, so hot types stay. O(1) per
   * lookup and per eviction (a FIFO Map needs `keys().next()`, which walks
   * every deleted slot at the front of the table).
   */
  private young = new Map<string, readonly V[]>();
  private old = new Map<string, readonly V[]>();
  private readonly half: number;
  /** alternatives with two or more `**`: only they can reach one trie node twice */
  private multiGlobstar = 0;
  /** alternatives per value; only a value with several can be found twice */
  private readonly refs = new Map<V, number>();
  private sharedValues = 0;

  constructor(private readonly cacheLimit = DEFAULT_ROUTE_CACHE_SIZE) {
    this.root = this.node();
    this.half = Math.max(1, cacheLimit >> 1);
  }

  get cacheSize(): number {
    return this.young.size + this.old.size;
  }

  private clearCache(): void {
    if (this.young.size > 0) this.young = new Map();
    if (this.old.size > 0) this.old = new Map();
  }

  private ref(value: V, delta: number): void {
    const before = this.refs.get(value) ?? 0;
    const after = before + delta;
    if (after <= 0) this.refs.delete(value);
    else this.refs.set(value, after);
    if (before <= 1 && after > 1) this.sharedValues++;
    else if (before > 1 && after <= 1) this.sharedValues--;
  }

  add(value: V, pattern: CompiledPattern): void {
    this.clearCache();
    for (const alt of pattern.alternatives) {
      this.ref(value, 1);
      if (alt.every((s) => s.kind === 'literal')) {
        const type = alt.map((s) => (s as { text: string }).text).join('.');
        let set = this.exact.get(type);
        if (!set) this.exact.set(type, (set = new Map()));
        set.set(value, (set.get(value) ?? 0) + 1);
      } else {
        this.globAlternatives++;
        if (globstars(alt) > 1) this.multiGlobstar++;
        let n = this.root;
        for (const seg of alt) n = this.child(n, seg);
        n.values ??= new Map();
        n.values.set(value, (n.values.get(value) ?? 0) + 1);
      }
    }
  }

  remove(value: V, pattern: CompiledPattern): void {
    this.clearCache();
    for (const alt of pattern.alternatives) {
      if (alt.every((s) => s.kind === 'literal')) {
        const type = alt.map((s) => (s as { text: string }).text).join('.');
        const set = this.exact.get(type);
        if (set && decrement(set, value)) {
          this.ref(value, -1);
          if (set.size === 0) this.exact.delete(type);
        }
      } else if (this.removeFrom(this.root, alt, 0, value)) {
        this.ref(value, -1);
        this.globAlternatives--;
        if (globstars(alt) > 1) this.multiGlobstar--;
      }
    }
  }

  /** The values whose patterns match `type` (which must be a valid event type). */
  route(type: string): readonly V[] {
    const hit = this.young.get(type);
    if (hit !== undefined) return hit;
    const aged = this.old.get(type);
    if (aged !== undefined) {
      this.remember(type, aged);
      return aged;
    }
    return this.resolve(type);
  }

  /** The cached answer, or undefined: lets publish skip type validation for known types. */
  cached(type: string): readonly V[] | undefined {
    return this.young.get(type) ?? this.old.get(type);
  }

  private remember(type: string, result: readonly V[]): void {
    if (this.young.size >= this.half) {
      // with a limit of 1 there is no room for an old generation
      this.old = this.cacheLimit > 1 ? this.young : new Map();
      this.young = new Map();
    }
    this.young.set(type, result);
  }

  private resolve(type: string): readonly V[] {
    const exact = this.exact.get(type);
    let result: readonly V[];
    if (this.globAlternatives === 0) {
      result = exact ? [...exact.keys()] : EMPTY;
    } else {
      const out: V[] = exact ? [...exact.keys()] : [];
      this.match(this.root, splitType(type), 0, out, this.multiGlobstar > 0 ? new Set() : null);
      result = out.length === 0 ? EMPTY : this.sharedValues > 0 && out.length > 1 ? [...new Set(out)] : out;
    }
    // a limit of 0 turns the cache off
    if (this.cacheLimit > 0) this.remember(type, result);
    return result;
  }

  private match(n: TrieNode<V>, parts: string[], i: number, out: V[], seen: Set<number> | null): void {
    if (n.globstar) {
      // `**` takes zero or more segments. Several globstars in one alternative
      // could revisit the same (node, position) many times; remembering visits
      // (only then) keeps it linear. With one `**` no node is reached twice.
      for (let j = i; j <= parts.length; j++) {
        if (seen !== null) {
          const key = n.globstar.id * 256 + j;
          if (seen.has(key)) continue;
          seen.add(key);
        }
        this.match(n.globstar, parts, j, out, seen);
      }
    }
    if (i === parts.length) {
      if (n.values) for (const v of n.values.keys()) out.push(v);
      return;
    }
    const part = parts[i]!;
    const lit = n.literal?.get(part);
    if (lit) this.match(lit, parts, i + 1, out, seen);
    if (n.star) this.match(n.star, parts, i + 1, out, seen);
    if (n.globs) for (const g of n.globs) if (g.re.test(part)) this.match(g.node, parts, i + 1, out, seen);
  }

  private node(): TrieNode<V> {
    return { id: this.nextId++, literal: null, star: null, globstar: null, globs: null, values: null };
  }

  private child(n: TrieNode<V>, seg: Segment): TrieNode<V> {
    switch (seg.kind) {
      case 'literal': {
        n.literal ??= new Map();
        let c = n.literal.get(seg.text);
        if (!c) n.literal.set(seg.text, (c = this.node()));
        return c;
      }
      case 'star':
        return (n.star ??= this.node());
      case 'globstar':
        return (n.globstar ??= this.node());
      case 'glob': {
        n.globs ??= [];
        let g = n.globs.find((x) => x.source === seg.re.source);
        if (!g) n.globs.push((g = { source: seg.re.source, re: seg.re, node: this.node() }));
        return g.node;
      }
    }
  }

  /** Removes one alternative; prunes nodes left empty. True when it was there. */
  private removeFrom(n: TrieNode<V>, alt: readonly Segment[], i: number, value: V): boolean {
    if (i === alt.length) return n.values !== null && decrement(n.values, value);
    const seg = alt[i]!;
    let c: TrieNode<V> | null | undefined;
    switch (seg.kind) {
      case 'literal':
        c = n.literal?.get(seg.text);
        break;
      case 'star':
        c = n.star;
        break;
      case 'globstar':
        c = n.globstar;
        break;
      case 'glob':
        c = n.globs?.find((x) => x.source === seg.re.source)?.node;
        break;
    }
    if (!c || !this.removeFrom(c, alt, i + 1, value)) return false;
    if (isEmpty(c)) {
      if (seg.kind === 'literal') {
        n.literal!.delete(seg.text);
        if (n.literal!.size === 0) n.literal = null;
      } else if (seg.kind === 'star') n.star = null;
      else if (seg.kind === 'globstar') n.globstar = null;
      else {
        n.globs = n.globs!.filter((x) => x.node !== c);
        if (n.globs.length === 0) n.globs = null;
      }
    }
    return true;
  }
}

/** `type.split('.')`, about twice as fast: String#split goes through the runtime for strings that are not internalized. */
function splitType(type: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (;;) {
    const dot = type.indexOf('.', start);
    if (dot < 0) {
      parts.push(start === 0 ? type : type.slice(start));
      return parts;
    }
    parts.push(type.slice(start, dot));
    start = dot + 1;
  }
}

function globstars(alt: readonly Segment[]): number {
  let n = 0;
  for (const s of alt) if (s.kind === 'globstar') n++;
  return n;
}

function decrement<V>(m: Map<V, number>, v: V): boolean {
  const c = m.get(v);
  if (c === undefined) return false;
  if (c <= 1) m.delete(v);
  else m.set(v, c - 1);
  return true;
}

function isEmpty<V>(n: TrieNode<V>): boolean {
  return !n.literal && !n.star && !n.globstar && !n.globs && (!n.values || n.values.size === 0);
}
