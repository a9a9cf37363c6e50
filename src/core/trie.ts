/**
 * The segment trie behind the router (docs/event-api.md "Patterns"): one node per pattern segment,
 * walked once per event type. `*`, `**` and in-segment globs (`exec*`, `v?`,
 * `[ab]`) have their own edges; literal children sit in a hash table that is
 * probed with the type's segments in place (bounds and code), so a walk
 * neither slices the type nor hashes fresh strings.
 *
 * Values sit in buckets (bucket.ts): `end` holds the alternatives that end
 * at a node, `rest` those that end with a trailing `**` there (no node of
 * its own), and the router keeps one per exact type.
 *
 * At scale most lookups are cold: the nodes are not in the CPU's caches, and
 * a step costs the cold reads on its way. A node's fields that every visit
 * reads come first; a node probes its literal table's storage directly (not
 * through the Table object), and a short segment is compared by its code
 * alone (trie-table.ts), so a literal step reads the node, one slot of its
 * table, and the child. The in-segment globs of a node are screened by their
 * hints packed in an Int32Array (length range, first two and last two
 * characters) before a glob object is read.
 *
 * (Tried and dropped: the whole trie as records in one Int32Array, literal
 * segments interned as numbers, and one (node, segment) → child table. A
 * step then compares integers, but each probe lands anywhere in the table,
 * where per-node tables keep a hot node's children together: it routed
 * 13 % slower at 10,000 and 100,000 subscriptions. Also dropped: one pass
 * over the type for its code and its segments' codes together (segment
 * hashes derived from the prefix hashes): walks were 8–10 % faster, but
 * every lookup the route cache or a kept answer serves paid for the segment
 * bookkeeping, 12–20 % slower; and stepping through literal-only nodes in
 * the caller without a call, which changed nothing measurable.)
 */
import { Bucket, type Reached } from './bucket.js';
import type { GlobHint, Segment, SegmentGlob } from './pattern.js';
import { codeOf, find, type Slots, Table } from './trie-table.js';

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

/**
 * A node. What a walk reads on every visit comes first, so that it shares a
 * cache line with the object's header.
 */
export class TrieNode<V> {
  /** `literal.slots`, kept here so that a walk reads them without reading the Table */
  literals: Slots<TrieNode<V>> | null = null;
  star: TrieNode<V> | null = null;
  globstar: TrieNode<V> | null = null;
  /** the alternatives that end here with a trailing `**` */
  rest: Bucket<V> | null = null;
  globs: Glob<V>[] | null = null;
  /** the alternatives that end here */
  end: Bucket<V> | null = null;
  /** the globs' hints, packed (see packGlobs) */
  globScreen: Int32Array | null = null;
  /** the literal children; changed only through child() and remove(), which keep `literals` in step */
  literal: Table<TrieNode<V>> | null = null;
  /**
   * On a node reached by `**`: how many segments the alternatives through it
   * still take after it, at least and at most (UNBOUNDED past another `**`),
   * so the walk tries only the positions where `**` can stop. Adding widens
   * the range; removing leaves it (still right, only less tight).
   */
  minRest = UNBOUNDED;
  maxRest = 0;
  readonly id = nextId++;
}

/**
 * One lookup's scratch, reused from lookup to lookup (routing is
 * synchronous): the type's segments as bounds and codes, and where the
 * buckets reached go.
 */
export class Lookup<V> {
  type = '';
  /** segments in `type` */
  count = 0;
  /** per segment: where it starts and ends in `type`, and its code (trie-table.ts codeOf) */
  start = new Int32Array(SEGMENTS);
  end = new Int32Array(SEGMENTS);
  code = new Int32Array(SEGMENTS);
  /** (node, position) pairs visited; only kept when an alternative has two or more `**` */
  seen: Set<number> | null = null;
  /** per `**` node, the lowest position it was expanded from (kept with `seen`) */
  expanded: Map<number, number> | null = null;

  constructor(readonly out: Reached<V>) {}

  /** Reads `type` in one pass: each segment's bounds and code (hashOf's, per segment); the loop only hashes. */
  read(type: string): void {
    this.type = type;
    const length = type.length;
    // an event type has at most 255 characters, so 128 segments; anything longer gets room
    if (length >= 2 * this.start.length) this.reserve(length);
    const { start, end, code } = this;
    let n = 0;
    let from = 0;
    let h = 0;
    for (let i = 0; i < length; i++) {
      const c = type.charCodeAt(i);
      if (c !== DOT) h = (Math.imul(h, 31) + c) | 0;
      else {
        start[n] = from;
        end[n] = i;
        code[n++] = codeOf(type, from, i, h);
        from = i + 1;
        h = 0;
      }
    }
    start[n] = from;
    end[n] = length;
    code[n++] = codeOf(type, from, length, h);
    this.count = n;
  }

  private reserve(length: number): void {
    const size = (length >> 1) + 1;
    this.start = new Int32Array(size);
    this.end = new Int32Array(size);
    this.code = new Int32Array(size);
  }
}

/** Segments an event type can have (255 characters) */
const SEGMENTS = 128;

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
  return rest ? (n.rest ??= new Bucket()) : (n.end ??= new Bucket());
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
      // set may have grown the table into new storage
      n.literals = n.literal.slots;
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
        n.globScreen = packGlobs(n.globs);
      }
      return g.node;
    }
  }
}

/** Removes one alternative's `value`; prunes nodes left empty. True when it was there. */
export function remove<V>(n: TrieNode<V>, alt: readonly Segment[], i: number, value: V): boolean {
  if (i === alt.length) {
    if (n.end === null || !n.end.remove(value)) return false;
    if (n.end.empty) n.end = null;
    return true;
  }
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
      if (n.literal!.size === 0) n.literal = n.literals = null;
    } else if (seg.kind === 'star') n.star = null;
    else if (seg.kind === 'globstar') n.globstar = null;
    else {
      n.globs = n.globs!.filter((x) => x.node !== c);
      n.globScreen = n.globs.length > 0 ? packGlobs(n.globs) : null;
      if (n.globs.length === 0) n.globs = null;
    }
  }
  return true;
}

function isEmpty<V>(n: TrieNode<V>): boolean {
  return n.end === null && n.rest === null && n.literal === null && n.star === null && n.globstar === null && n.globs === null;
}

/** Collects into `out` the buckets where the type's segments from `i` on can end, starting at `n`. */
export function walk<V>(n: TrieNode<V>, out: Lookup<V>, i: number): void {
  const count = out.count;
  // (`seen === null ||` keeps the common case from calling firstVisit, which V8 does not inline here)
  if (n.rest !== null && (out.seen === null || firstVisit(out, n, REST))) out.out.push(n.rest);
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
    for (let j = from; j <= last; j++) if (out.seen === null || firstVisit(out, g, j)) walk(g, out, j);
  }
  if (i === count) {
    if (n.end !== null) out.out.push(n.end);
    return;
  }
  if (n.literals !== null) {
    const c = find(n.literals, out.type, out.start[i]!, out.end[i]!, out.code[i]!);
    if (c !== null) walk(c, out, i + 1);
  }
  if (n.star !== null) walk(n.star, out, i + 1);
  if (n.globs !== null) walkGlobs(n.globs, n.globScreen!, out, i);
}

/** Follows each glob that takes segment i; the packed hints rule out most without reading the glob. */
function walkGlobs<V>(globs: readonly Glob<V>[], screen: Int32Array, out: Lookup<V>, i: number): void {
  const type = out.type;
  const from = out.start[i]!;
  const to = out.end[i]!;
  const len = to - from;
  const first = pairAt(type, from, from, to);
  const last = pairAt(type, to - 2, from, to);
  for (let k = 0, x = 0; k < globs.length; k++, x += 6) {
    if (len < screen[x]! || len > screen[x + 1]! || (first & screen[x + 3]!) !== screen[x + 2]! || (last & screen[x + 5]!) !== screen[x + 4]!) continue;
    if (globTakes(globs[k]!, out, i)) walk(globs[k]!.node, out, i + 1);
  }
}

/**
 * The globs' hints packed for screening, 6 integers each: the length range,
 * then the first two characters of the prefix and the last two of the
 * suffix, each as `(c0 << 16) | c1` with the mask of the characters the hint
 * has (none, one, or two).
 */
function packGlobs<V>(globs: readonly Glob<V>[]): Int32Array {
  const sc = new Int32Array(6 * globs.length);
  globs.forEach((g, k) => {
    sc[6 * k] = g.min;
    sc[6 * k + 1] = Math.min(g.max, UNBOUNDED);
    sc[6 * k + 2] = pair(g.prefix, 0);
    sc[6 * k + 3] = PREFIX_MASKS[Math.min(2, g.prefix.length)]!;
    sc[6 * k + 4] = pair(g.suffix, g.suffix.length - 2);
    sc[6 * k + 5] = SUFFIX_MASKS[Math.min(2, g.suffix.length)]!;
  });
  return sc;
}

/** which characters of a pair a hint of 0, 1, 2+ characters fixes: a prefix the first ones, a suffix the last */
const PREFIX_MASKS = [0, 0xffff0000 | 0, -1];
const SUFFIX_MASKS = [0, 0x0000ffff, -1];

/** The characters at i and i + 1 of s (0 where there is none), packed. */
function pair(s: string, i: number): number {
  const a = i >= 0 && i < s.length ? s.charCodeAt(i) : 0;
  const b = i + 1 >= 0 && i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
  return (a << 16) | b;
}

/** pair() of type[i, i + 2) within the segment [from, to): a position outside it reads as 0. */
function pairAt(type: string, i: number, from: number, to: number): number {
  const a = i >= from && i < to ? type.charCodeAt(i) : 0;
  const b = i + 1 >= from && i + 1 < to ? type.charCodeAt(i + 1) : 0;
  return (a << 16) | b;
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

/** What a trie holds, counted (for tests): an empty trie is its root alone. */
export function trieShape<V>(root: TrieNode<V>): { nodes: number; literals: number; globs: number; buckets: number } {
  const shape = { nodes: 0, literals: 0, globs: 0, buckets: 0 };
  const visit = (n: TrieNode<V>) => {
    shape.nodes++;
    if (n.end !== null) shape.buckets++;
    if (n.rest !== null) shape.buckets++;
    for (const c of n.literal?.values() ?? []) {
      shape.literals++;
      visit(c);
    }
    if (n.star !== null) visit(n.star);
    if (n.globstar !== null) visit(n.globstar);
    for (const g of n.globs ?? []) {
      shape.globs++;
      visit(g.node);
    }
  };
  visit(root);
  return shape;
}
