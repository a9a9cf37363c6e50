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
  private readonly cache = new Map<string, readonly V[]>();

  constructor(private readonly cacheLimit = DEFAULT_ROUTE_CACHE_SIZE) {
    this.root = this.node();
  }

  get cacheSize(): number {
    return this.cache.size;
  }

  add(value: V, pattern: CompiledPattern): void {
    this.cache.clear();
    for (const alt of pattern.alternatives) {
      if (alt.every((s) => s.kind === 'literal')) {
        const type = alt.map((s) => (s as { text: string }).text).join('.');
        let set = this.exact.get(type);
        if (!set) this.exact.set(type, (set = new Map()));
        set.set(value, (set.get(value) ?? 0) + 1);
      } else {
        this.globAlternatives++;
        let n = this.root;
        for (const seg of alt) n = this.child(n, seg);
        n.values ??= new Map();
        n.values.set(value, (n.values.get(value) ?? 0) + 1);
      }
    }
  }

  remove(value: V, pattern: CompiledPattern): void {
    this.cache.clear();
    for (const alt of pattern.alternatives) {
      if (alt.every((s) => s.kind === 'literal')) {
        const type = alt.map((s) => (s as { text: string }).text).join('.');
        const set = this.exact.get(type);
        if (set && decrement(set, value) && set.size === 0) this.exact.delete(type);
      } else if (this.removeFrom(this.root, alt, 0, value)) {
        this.globAlternatives--;
      }
    }
  }

  /** The values whose patterns match `type` (which must be a valid event type). */
  route(type: string): readonly V[] {
    const hit = this.cache.get(type);
    if (hit !== undefined) return hit;
    return this.resolve(type);
  }

  /** The cached answer, or undefined: lets publish skip type validation for known types. */
  cached(type: string): readonly V[] | undefined {
    return this.cache.get(type);
  }

  private resolve(type: string): readonly V[] {
    const exact = this.exact.get(type);
    let result: readonly V[];
    if (this.globAlternatives === 0) {
      result = exact ? [...exact.keys()] : EMPTY;
    } else {
      const out = new Set<V>(exact?.keys());
      this.match(this.root, type.split('.'), 0, out, null);
      result = out.size === 0 ? EMPTY : [...out];
    }
    // a limit of 0 turns the cache off (it used to keep one entry)
    if (this.cacheLimit > 0) {
      if (this.cache.size >= this.cacheLimit) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(type, result);
    }
    return result;
  }

  private match(n: TrieNode<V>, parts: string[], i: number, out: Set<V>, seen: Set<number> | null): void {
    if (n.globstar) {
      // `**` takes zero or more segments. Several globstars could revisit the
      // same (node, position) many times; remembering visits keeps it linear.
      seen ??= new Set();
      for (let j = i; j <= parts.length; j++) {
        const key = n.globstar.id * 256 + j;
        if (seen.has(key)) continue;
        seen.add(key);
        this.match(n.globstar, parts, j, out, seen);
      }
    }
    if (i === parts.length) {
      if (n.values) for (const v of n.values.keys()) out.add(v);
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
