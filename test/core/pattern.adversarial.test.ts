/**
 * Hostile patterns cost linear time (docs/event-api.md "Patterns"): many in-segment
 * stars, many `**`, braces and long types, through every place the grammar
 * is used in core (compilePattern().test, the router's trie, a bus
 * subscription, a `matches` filter). A backtracking matcher takes minutes on
 * these (the first case hung a host for about three minutes); the bound
 * below is a thousand times what the linear matcher needs, so it only
 * fails on a real blow-up.
 */
import { describe, expect, it } from 'vitest';
import { compileFilter, compilePattern, createBus } from '../../src/index.js';
import { Router } from '../../src/internal.js';
import type { UniversalEvent } from '../../src/core/event.js';

/** A generous bound: the linear matcher needs well under a millisecond per case. */
const BOUND_MS = 1000;

function timed<T>(fn: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = fn();
  return { value, ms: performance.now() - t0 };
}

const STARS = `${'*a'.repeat(13)}b*`; // *a*a*…*ab*, the pattern of the report
const A200 = 'a'.repeat(200);

/** [pattern, type, expected] — each a known worst case for backtracking */
export const ADVERSARIAL: [string, string, boolean][] = [
  [STARS, A200, false],
  [STARS, `${A200}b`, true],
  [`${'*a'.repeat(40)}*b`, 'a'.repeat(254), false],
  [`${'?*'.repeat(30)}b`, 'a'.repeat(250), false],
  [`${'[a-z]*'.repeat(20)}[0-9]`, 'a'.repeat(230), false],
  // many `**`: each can stop at every position
  [`${'**.a.'.repeat(20)}b`, Array(127).fill('a').join('.'), false],
  [`${'**.*.'.repeat(20)}**.b`, Array(127).fill('a').join('.'), false],
  [`**.${'*a*.**.'.repeat(10)}x`, Array(60).fill('aaa').join('.'), false],
  // braces multiply alternatives (bounded at 256), each one a hostile glob
  [`{a,b}{a,c}{a,d}{a,e}{a,f}{a,g}{a,h}{a,i}${'*a'.repeat(10)}*z`, 'a'.repeat(240), false],
];

describe('adversarial patterns run in linear time', () => {
  it.each(ADVERSARIAL)('compilePattern(%j).test(type of %#)', (pattern, type, expected) => {
    const c = compilePattern(pattern);
    const { value, ms } = timed(() => c.test(type));
    expect(value).toBe(expected);
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('the router (trie walk and in-segment globs) answers each at once', () => {
    const r = new Router<string>(0);
    for (const [p] of ADVERSARIAL) r.add(p, compilePattern(p));
    for (const [p, t, expected] of ADVERSARIAL) {
      const { value, ms } = timed(() => r.route(t));
      expect({ p, hit: value.includes(p) }).toEqual({ p, hit: expected });
      expect(ms).toBeLessThan(BOUND_MS);
    }
  });

  it('a bus subscription routes a 200-character type past the reported pattern', async () => {
    const bus = createBus();
    const hostile = bus.subscribe(STARS);
    const plain = bus.subscribe('a*');
    const { ms } = timed(() => {
      bus.publish(A200, {});
      bus.publish(`${A200}b`, {});
    });
    expect(ms).toBeLessThan(BOUND_MS);
    expect((await hostile.receive(0))?.event_type).toBe(`${A200}b`);
    expect(plain.stats().queue_size).toBe(2);
    await bus.close();
  });

  it('retained events: a subscription with many `**` walks the retained types once', async () => {
    const bus = createBus();
    const deep = Array(127).fill('a').join('.');
    bus.publish(deep, 1, { retain: true });
    bus.publish(`${Array(126).fill('a').join('.')}.b`, 2, { retain: true });
    const { value: sub, ms } = timed(() => bus.subscribe(`${'**.a.'.repeat(20)}b`, { retained: true }));
    expect(ms).toBeLessThan(BOUND_MS);
    expect((await sub.receive(0))?.data).toBe(2);
    expect(await sub.receive(0)).toBeNull();
    await bus.close();
  });

  it('a `matches` filter on a long string (no length limit there) stays linear', () => {
    const event = (s: string) => ({ data: { s } }) as unknown as UniversalEvent;
    const f = compileFilter({ 'data.s': { op: 'matches', value: STARS } });
    const long = 'a'.repeat(20_000);
    const { value, ms } = timed(() => [f(event(long)), f(event(`${long}b`)), f(event(`${'a.'.repeat(5000)}a`))]);
    expect(value).toEqual([false, true, false]);
    expect(ms).toBeLessThan(BOUND_MS);
    const dots = compileFilter({ 'data.s': { op: 'matches', value: `${'**.a.'.repeat(20)}b` } });
    const { value: v2, ms: ms2 } = timed(() => dots(event(Array(5000).fill('a').join('.'))));
    expect(v2).toBe(false);
    expect(ms2).toBeLessThan(BOUND_MS);
  });
});
