/**
 * Retained events (docs/coordination.md "Retained events", MQTT's retained messages): the
 * last event published with `retain: true` per event type. A new
 * subscription is given the retained events its patterns match before any
 * live one.
 *
 * The events sit in a trie of type segments, so a pattern walks only the
 * branches it can match: `site7.*.temp` over 100,000 retained types visits
 * the `site7` branch, not every type (a pattern such as `**` still visits
 * everything it matches).
 */
import type { UniversalEvent } from './event.js';
import type { CompiledPattern, Segment } from './pattern.js';

class TypeNode {
  readonly children = new Map<string, TypeNode>();
  event: UniversalEvent | null = null;
}

export class RetainedEvents {
  private readonly root = new TypeNode();
  private readonly byType = new Map<string, TypeNode>();

  constructor(readonly limit: number) {}

  get size(): number {
    return this.byType.size;
  }

  /** True when `type` has a retained event now. */
  has(type: string): boolean {
    return this.byType.has(type);
  }

  get(type: string): UniversalEvent | undefined {
    return this.byType.get(type)?.event ?? undefined;
  }

  /** Keeps `e` as the retained event of its type (the caller checked the limit). */
  set(e: UniversalEvent): void {
    let node: TypeNode | undefined = this.byType.get(e.event_type);
    if (node === undefined) {
      let n: TypeNode = this.root;
      for (const seg of e.event_type.split('.')) {
        let next: TypeNode | undefined = n.children.get(seg);
        if (next === undefined) n.children.set(seg, (next = new TypeNode()));
        n = next;
      }
      this.byType.set(e.event_type, n);
      node = n;
    }
    node.event = e;
  }

  /** Forgets the retained event of `type`; true when there was one. */
  clear(type: string): boolean {
    if (!this.byType.delete(type)) return false;
    const path: TypeNode[] = [this.root];
    const segs = type.split('.');
    for (const seg of segs) path.push(path[path.length - 1]!.children.get(seg)!);
    path[path.length - 1]!.event = null;
    // prune the branch back to the first node still in use
    for (let i = segs.length; i > 0; i--) {
      const n = path[i]!;
      if (n.event !== null || n.children.size > 0) break;
      path[i - 1]!.children.delete(segs[i - 1]!);
    }
    return true;
  }

  /** The retained events matching any of `patterns`, each once, in publish (sequence) order. */
  match(patterns: readonly CompiledPattern[]): UniversalEvent[] {
    if (this.byType.size === 0) return [];
    const out = new Set<UniversalEvent>();
    for (const p of patterns) {
      if (p.exact !== null) {
        for (const t of p.exact) {
          const e = this.byType.get(t)?.event;
          if (e) out.add(e);
        }
      } else for (const alt of p.alternatives) walk(this.root, alt, 0, out, new Map());
    }
    return [...out].sort((a, b) => a.sequence - b.sequence);
  }
}

/**
 * Collects the events under `n` that `alt` from segment `i` on matches.
 * `seen` holds the (node, segment) pairs already walked: with several `**`
 * the same pair is reached along many paths (binomially many: a hostile
 * pattern would take exponential time), and walking it again adds nothing.
 */
function walk(n: TypeNode, alt: readonly Segment[], i: number, out: Set<UniversalEvent>, seen: Map<TypeNode, Set<number>>): void {
  let at = seen.get(n);
  if (at === undefined) seen.set(n, (at = new Set()));
  else if (at.has(i)) return;
  at.add(i);
  if (i === alt.length) {
    if (n.event !== null) out.add(n.event);
    return;
  }
  const seg = alt[i]!;
  switch (seg.kind) {
    case 'literal': {
      const c = n.children.get(seg.text);
      if (c !== undefined) walk(c, alt, i + 1, out, seen);
      return;
    }
    case 'star':
      for (const c of n.children.values()) walk(c, alt, i + 1, out, seen);
      return;
    case 'glob':
      for (const [key, c] of n.children) if (seg.glob.test(key)) walk(c, alt, i + 1, out, seen);
      return;
    case 'globstar':
      // a trailing `**` takes the whole branch, this node included
      if (i === alt.length - 1) return collect(n, out);
      walk(n, alt, i + 1, out, seen); // zero segments
      for (const c of n.children.values()) walk(c, alt, i, out, seen); // one more
  }
}

function collect(n: TypeNode, out: Set<UniversalEvent>): void {
  if (n.event !== null) out.add(n.event);
  for (const c of n.children.values()) collect(c, out);
}
