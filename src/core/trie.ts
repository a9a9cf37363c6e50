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
import type { Segment } from './pattern.js';

export const EMPTY: readonly never[] = Object.freeze([]);

/** The values that end at one place, counted per alternative. */
export class Bucket<V> {
  counts: Map<V, number> | null = null;
  /** the values of `counts`, frozen; null while stale */
  list: readonly V[] | null = null;
  /** whether `list` holds a value with several alternatives, valid while `epoch` is the router's */
  shared = false;
  epoch = -1;

  add(value: V): void {
    this.counts ??= new Map();
    const c = this.counts.get(value);
    this.counts.set(value, c === undefined ? 1 : c + 1);
    if (c === undefined) this.list = null;
  }

  /** True when `value` was there. */
  remove(value: V): boolean {
    const c = this.counts?.get(value);
    if (c === undefined) return false;
    if (c > 1) this.counts!.set(value, c - 1);
    else {
      this.counts!.delete(value);
      if (this.counts!.size === 0) this.counts = null;
      this.list = null;
    }
    return true;
  }
}

interface Glob<V> {
  readonly source: string;
  readonly re: RegExp;
  readonly node: TrieNode<V>;
}

let nextId = 0;

export class TrieNode<V> extends Bucket<V> {
  readonly id = nextId++;
  literal: Children<V> | null = null;
  star: TrieNode<V> | null = null;
  globstar: TrieNode<V> | null = null;
  globs: Glob<V>[] | null = null;
  rest: Bucket<V> | null = null;
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
  /** segments sliced out of `type`, only for glob tests */
  private readonly texts: (string | null)[] = [];
  readonly buckets: Bucket<V>[] = [];
  reached = 0;
  /** (node, position) pairs visited; only kept when an alternative has two or more `**` */
  seen: Set<number> | null = null;

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
    this.texts[n] = null;
  }

  text(i: number): string {
    return (this.texts[i] ??= this.type.slice(this.start[i], this.end[i]));
  }

  push(b: Bucket<V>): void {
    this.buckets[this.reached++] = b;
  }
}

const DOT = 46;

/** A string's hash, 30 bits so that it stays a small integer; `Lookup.read` computes the same per segment. */
export function hashOf(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return finish(h);
}

function finish(h: number): number {
  return (h ^ (h >>> 15)) & 0x3fffffff;
}

/** The bucket where `alt` ends, created as needed. */
export function bucketFor<V>(root: TrieNode<V>, alt: readonly Segment[]): Bucket<V> {
  const rest = trailingGlobstar(alt);
  let n = root;
  for (let i = 0; i < alt.length - (rest ? 1 : 0); i++) n = child(n, alt[i]!);
  return rest ? (n.rest ??= new Bucket()) : n;
}

function trailingGlobstar(alt: readonly Segment[]): boolean {
  return alt[alt.length - 1]!.kind === 'globstar';
}

function child<V>(n: TrieNode<V>, seg: Segment): TrieNode<V> {
  switch (seg.kind) {
    case 'literal': {
      n.literal ??= new Children();
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
      let g = n.globs.find((x) => x.source === seg.re.source);
      if (!g) n.globs.push((g = { source: seg.re.source, re: seg.re, node: new TrieNode() }));
      return g.node;
    }
  }
}

/** Removes one alternative's `value`; prunes nodes left empty. True when it was there. */
export function remove<V>(n: TrieNode<V>, alt: readonly Segment[], i: number, value: V): boolean {
  if (i === alt.length) return n.remove(value);
  if (i === alt.length - 1 && trailingGlobstar(alt)) {
    if (n.rest === null || !n.rest.remove(value)) return false;
    if (n.rest.counts === null) n.rest = null;
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
      c = n.globs?.find((x) => x.source === seg.re.source)?.node;
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
  return n.counts === null && n.rest === null && n.literal === null && n.star === null && n.globstar === null && n.globs === null;
}

/** Collects into `out` the buckets where the type's segments from `i` on can end, starting at `n`. */
export function walk<V>(n: TrieNode<V>, out: Lookup<V>, i: number): void {
  const count = out.count;
  if (n.rest !== null && firstVisit(out, n, REST)) out.push(n.rest);
  const g = n.globstar;
  // `**` takes zero or more segments
  if (g !== null) for (let j = i; j <= count; j++) if (firstVisit(out, g, j)) walk(g, out, j);
  if (i === count) {
    if (n.counts !== null) out.push(n);
    return;
  }
  if (n.literal !== null) {
    const c = n.literal.find(out.type, out.start[i]!, out.end[i]!, out.hash[i]!);
    if (c !== null) walk(c, out, i + 1);
  }
  if (n.star !== null) walk(n.star, out, i + 1);
  const globs = n.globs;
  if (globs !== null) {
    const part = out.text(i);
    for (let k = 0; k < globs.length; k++) if (globs[k]!.re.test(part)) walk(globs[k]!.node, out, i + 1);
  }
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

/**
 * A node's literal children: an open-addressing table (linear probing) laid
 * out flat as [hash, text, node] triples, so a probe reads one array.
 */
export class Children<V> {
  private slots: (number | string | TrieNode<V> | null)[] = [0, null, null, 0, null, null];
  size = 0;

  /** The child for the segment type[from, to) whose hash is `h`, or null. */
  find(type: string, from: number, to: number, h: number): TrieNode<V> | null {
    const slots = this.slots;
    const mask = slots.length / 3 - 1;
    for (let j = h & mask; ; j = (j + 1) & mask) {
      const text = slots[3 * j + 1] as string | null;
      if (text === null) return null;
      if (slots[3 * j] === h && text.length === to - from && type.startsWith(text, from)) return slots[3 * j + 2] as TrieNode<V>;
    }
  }

  get(text: string): TrieNode<V> | null {
    return this.find(text, 0, text.length, hashOf(text));
  }

  /** Adds `text`, which must not be there yet. */
  set(text: string, node: TrieNode<V>): void {
    if ((this.size + 1) * 2 > this.slots.length / 3) this.grow();
    this.place(hashOf(text), text, node);
    this.size++;
  }

  delete(text: string): void {
    const slots = this.slots;
    const mask = slots.length / 3 - 1;
    let j = hashOf(text) & mask;
    while (slots[3 * j + 1] !== text) {
      if (slots[3 * j + 1] === null) return;
      j = (j + 1) & mask;
    }
    // backward-shift deletion: pull later entries of the probe run into the gap
    for (let k = (j + 1) & mask; slots[3 * k + 1] !== null; k = (k + 1) & mask) {
      const home = (slots[3 * k] as number) & mask;
      // the entry at k may fill the gap at j unless its home lies cyclically in (j, k]
      if (j < k ? home <= j || home > k : home <= j && home > k) {
        slots[3 * j] = slots[3 * k]!;
        slots[3 * j + 1] = slots[3 * k + 1]!;
        slots[3 * j + 2] = slots[3 * k + 2]!;
        j = k;
      }
    }
    slots[3 * j] = 0;
    slots[3 * j + 1] = null;
    slots[3 * j + 2] = null;
    this.size--;
  }

  *values(): IterableIterator<TrieNode<V>> {
    for (let j = 2; j < this.slots.length; j += 3) if (this.slots[j] !== null) yield this.slots[j] as TrieNode<V>;
  }

  private place(h: number, text: string, node: TrieNode<V>): void {
    const slots = this.slots;
    const mask = slots.length / 3 - 1;
    let j = h & mask;
    while (slots[3 * j + 1] !== null) j = (j + 1) & mask;
    slots[3 * j] = h;
    slots[3 * j + 1] = text;
    slots[3 * j + 2] = node;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = [];
    for (let j = 0; j < old.length * 2; j += 3) this.slots.push(0, null, null);
    for (let j = 0; j < old.length; j += 3) if (old[j + 1] !== null) this.place(old[j] as number, old[j + 1] as string, old[j + 2] as TrieNode<V>);
  }
}
