/**
 * The retained-event index: a pattern walks the type trie and finds exactly
 * what a scan with compilePattern().test finds, in publish order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RetainedEvents } from '../../src/core/retained.js';
import { compilePattern, type UniversalEvent } from '../../src/index.js';
import { eventType, patternTree, render } from './grammar.js';

let seq = 0;
const ev = (event_type: string): UniversalEvent =>
  ({ id: String(++seq), event_type, timestamp: '', version: '1.0', sequence: seq, source: {}, data: 1, metadata: {}, priority: 'normal' }) as never;

describe('RetainedEvents', () => {
  it('keeps the last event per type; clearing prunes the branch', () => {
    const r = new RetainedEvents(10);
    const a1 = ev('a.b.c');
    const d = ev('a.d');
    const a2 = ev('a.b.c');
    r.set(a1);
    r.set(d);
    r.set(a2);
    expect(r.size).toBe(2);
    expect(r.match([compilePattern('a.**')])).toEqual([d, a2]);
    expect(r.clear('a.b.c')).toBe(true);
    expect(r.clear('a.b.c')).toBe(false);
    expect(r.match([compilePattern('**')])).toEqual([d]);
    expect((r as unknown as { root: { children: Map<string, { children: Map<string, unknown> }> } }).root.children.get('a')!.children.has('b')).toBe(false);
  });

  it('matches what a scan matches, for every pattern form', () => {
    fc.assert(
      fc.property(fc.uniqueArray(eventType, { maxLength: 30 }), fc.array(patternTree, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 5 }), (types, trees, clears) => {
        const r = new RetainedEvents(100);
        const events = types.map((t) => ev(t));
        for (const e of events) r.set(e);
        for (const c of clears) if (types.length) r.clear(types[c % types.length]!);
        const live = events.filter((e) => r.has(e.event_type));
        const patterns = trees.map((t) => compilePattern(render(t, '.')));
        const want = live.filter((e) => patterns.some((p) => p.test(e.event_type)));
        expect(r.match(patterns)).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });
});
