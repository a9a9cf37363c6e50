/**
 * The segment trie behind the router (SPEC §2): one node per pattern segment,
 * walked once per event type. `*`, `**` and in-segment globs (`exec*`, `v?`,
 * `[ab]`) have their own edges; literal children sit in a hash table that is
 * probed with the type's segments in place (bounds and hash), so a walk
 * neither slices the type nor hashes fresh strings.
 *
 * Values sit in buckets: a node is the bucket of the alternatives that end at
 * it, `rest` holds those that end with a trailing `**` there (no node of its
 * own), and the router keeps one per exact type. A bucket carries a frozen
 * list of its values, rebuilt lazily after a change, so a lookup that reaches
 * one bucket answers with that list as it is.
 */
import type { GlobHint, Segment, SegmentGlob } from './pattern.js';
import { finish, Table } from './trie-table.js';

export const EMPTY: readonly never[] = Object.freeze([]);

/** What `Bucket.only` holds unless the bucket has exactly one value (a symbol, so any value, null too, can be routed). */
export const NONE: unique symbol = Symbol('none');

/**
 * The values that end at one place, each with how many alternatives put it
 * there. Most places hold one value, so one value is kept inline and a Map is
 * made only for a second: a Map of one costs about 190 bytes.
 */
export class Bucket<V> {
  /** the value, while there is exactly one (NONE otherwise) */
  only: V | typeof NONE = NONE;
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
      this.onlyCount = 1;
      this.list = null;
    } else if (this.only === value) this.onlyCount++;
    else {
      this.counts = new Map([[this.only, this.onlyCount], [value, 1]]);
      this.only = NONE;
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

/** An in-segment glob edge; the hint's fields are copied in, so a lookup reads one object. */
interface Glob<V> extends GlobHint {
  readonly source: string;
  readonly glob: SegmentGlob;
  /** the hint alone decides (characters and one star) */
  readonly hintDecides: boolean;
  readonly node: TrieNode<V>;
}

let nextId = 0;
/** More segments than any type has; a small integer, so node fields stay integers */
const UNBOUNDED = 1 << 20;

/** A node is itself the bucket of the alternatives that end at it. */
export class TrieNode<V> extends Bucket<V> {
  readonly id = nextId++;
  literal: Table<TrieNode<V>> | null = null;
  star: TrieNode<V> | null = null;
  globstar: TrieNode<V> | null = null;
  globs: Glob<V>[] | null = null;
  rest: Bucket<V> | null = null;
  /**
   * On a node reached by `**`: how many segments the alternatives through it
   * still take after it, at least and at most (UNBOUNDED past another `**`),
   * so the walk tries only the positions where `**` can stop. Adding widens
   * the range; removing leaves it (still right, only less tight).
   */
  minRest = UNBOUNDED;
  maxRest = 0;
}

/**
 * One lookup's scratch, reused from lookup to lookup (routing is
 * synchronous): the type's segments as bounds and hashes, and the buckets
 * reached.
 */
export class Lookup<V> {
  type = '';
  /** segments in `type` */
  count = 0;
  readonly start: number[] = [];
  readonly end: number[] = [];
  readonly hash: number[] = [];
  readonly buckets: Bucket<V>[] = [];
  reached = 0;
  /** (node, position) pairs visited; only kept when an alternative has two or more `**` */
  seen: Set<number> | null = null;
  /** per `**` node, the lowest position it was expanded from (kept with `seen`) */
  expanded: Map<number, number> | null = null;

  /** Reads `type` (an event type, at most 255 characters) in one pass. */
  read(type: string): void {
    if (type === this.type) return;
    this.type = type;
    let n = 0;
    let from = 0;
    let h = 0;
    for (let i = 0; i < type.length; i++) {
      const c = type.charCodeAt(i);
      if (c !== DOT) h = (Math.imul(h, 31) + c) | 0;
      else {
        this.segment(n++, from, i, h);
        from = i + 1;
        h = 0;
      }
    }
    this.segment(n++, from, type.length, h);
    this.count = n;
  }

  private segment(n: number, from: number, to: number, h: number): void {
    this.start[n] = from;
    this.end[n] = to;
    this.hash[n] = finish(h);
  }

  push(b: Bucket<V>): void {
    this.buckets[this.reached++] = b;
  }
}

const DOT = 46;

/** The bucket where `alt` ends, created as needed. */
export function bucketFor<V>(root: TrieNode<V>, alt: readonly Segment[]): Bucket<V> {
  const rest = trailingGlobstar(alt);
  let n = root;
  for (let i = 0; i < alt.length - (rest ? 1 : 0); i++) {
    n = child(n, alt[i]!);
    if (alt[i]!.kind === 'globstar') {
      const after = alt.slice(i + 1);
      const fixed = after.filter((s) => s.kind !== 'globstar').length;
      n.minRest = Math.min(n.minRest, fixed);
      n.maxRest = Math.max(n.maxRest, fixed < after.length ? UNBOUNDED : fixed);
    }
  }
  return rest ? (n.rest ??= new Bucket()) : n;
}

function trailingGlobstar(alt: readonly Segment[]): boolean {
  return alt[alt.length - 1]!.kind === 'globstar';
}

function child<V>(n: TrieNode<V>, seg: Segment): TrieNode<V> {
  switch (seg.kind) {
    case 'literal': {
      n.literal ??= new Table();
      let c = n.literal.get(seg.text);
      if (c === null) n.literal.set(seg.text, (c = new TrieNode()));
      return c;
    }
    case 'star':
      return (n.star ??= new TrieNode());
    case 'globstar':
      return (n.globstar ??= new TrieNode());
    case 'glob': {
      n.globs ??= [];
      const { glob } = seg;
      let g = n.globs.find((x) => x.source === glob.source);
      if (!g) {
        const { min, max, prefix, suffix, hintDecides, source } = glob;
        n.globs.push((g = { source, glob, hintDecides, min, max, prefix, suffix, node: new TrieNode() }));
      }
      return g.node;
    }
  }
}

/** Removes one alternative's `value`; prunes nodes left empty. True when it was there. */
export function remove<V>(n: TrieNode<V>, alt: readonly Segment[], i: number, value: V): boolean {
  if (i === alt.length) return n.remove(value);
  if (i === alt.length - 1 && trailingGlobstar(alt)) {
    if (n.rest === null || !n.rest.remove(value)) return false;
    if (n.rest.empty) n.rest = null;
    return true;
  }
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
      c = n.globs?.find((x) => x.source === seg.glob.source)?.node;
      break;
  }
  if (!c || !remove(c, alt, i + 1, value)) return false;
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

function isEmpty<V>(n: TrieNode<V>): boolean {
  return n.empty && n.rest === null && n.literal === null && n.star === null && n.globstar === null && n.globs === null;
}

/** Collects into `out` the buckets where the type's segments from `i` on can end, starting at `n`. */
export function walk<V>(n: TrieNode<V>, out: Lookup<V>, i: number): void {
  const count = out.count;
  if (n.rest !== null && firstVisit(out, n, REST)) out.push(n.rest);
  const g = n.globstar;
  if (g !== null) {
    // `**` takes zero or more segments: it stops where what follows it can still end
    const from = Math.max(i, count - g.maxRest);
    let last = count - g.minRest;
    const expanded = out.expanded;
    if (expanded !== null) {
      // an expansion from a lower position stopped at every position from there on:
      // each `**` node then costs O(segments) per lookup, not O(segments²)
      const done = expanded.get(g.id);
      if (done !== undefined) last = Math.min(last, done - 1);
      if (done === undefined || from < done) expanded.set(g.id, from);
    }
    for (let j = from; j <= last; j++) if (firstVisit(out, g, j)) walk(g, out, j);
  }
  if (i === count) {
    if (!n.empty) out.push(n);
    return;
  }
  if (n.literal !== null) {
    const c = n.literal.find(out.type, out.start[i]!, out.end[i]!, out.hash[i]!);
    if (c !== null) walk(c, out, i + 1);
  }
  if (n.star !== null) walk(n.star, out, i + 1);
  const globs = n.globs;
  if (globs !== null) {
    for (let k = 0; k < globs.length; k++) if (globTakes(globs[k]!, out, i)) walk(globs[k]!.node, out, i + 1);
  }
}

/** Does glob `g` take segment i? The hint rules out most segments without running the matcher. */
function globTakes<V>(g: Glob<V>, out: Lookup<V>, i: number): boolean {
  const from = out.start[i]!;
  const to = out.end[i]!;
  const type = out.type;
  return (
    to - from >= g.min &&
    to - from <= g.max &&
    type.startsWith(g.prefix, from) &&
    type.startsWith(g.suffix, to - g.suffix.length) &&
    (g.hintDecides || g.glob.test(type, from, to))
  );
}

/** The visit key of a node's `rest` (positions are at most 128). */
const REST = 255;

/**
 * Several `**` in one alternative could reach the same (node, position) many
 * times over; remembering visits (only then) keeps the walk linear. With one
 * `**` per alternative no node is reached twice.
 */
function firstVisit<V>(out: Lookup<V>, n: TrieNode<V>, j: number): boolean {
  const seen = out.seen;
  if (seen === null) return true;
  const key = n.id * 256 + j;
  if (seen.has(key)) return false;
  seen.add(key);
  return true;
}
