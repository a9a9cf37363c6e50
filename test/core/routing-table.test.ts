/**
 * The fixed routing table, checked against the pattern compiler, the router
 * on its own, and the bus end to end (subscribe every pattern, publish every
 * type, compare deliveries).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compilePattern, createBus } from '../../src/index.js';
import { Router } from '../../src/internal.js';
import { ROUTING_TABLE } from '../fixtures/routing-table.js';

const patterns = [...new Set(ROUTING_TABLE.map((r) => r[0]))];
const types = [...new Set(ROUTING_TABLE.map((r) => r[1]))];

describe('the routing table', () => {
  it('has the JSON twin the benchmarks read, row for row', () => {
    const json: unknown = JSON.parse(readFileSync(new URL('../fixtures/routing-table.json', import.meta.url), 'utf8'));
    expect(json).toEqual(ROUTING_TABLE);
  });

  it('is big enough, has both answers, and no row twice', () => {
    expect(ROUTING_TABLE.length).toBeGreaterThanOrEqual(80);
    expect(ROUTING_TABLE.filter((r) => r[2]).length).toBeGreaterThan(40);
    expect(ROUTING_TABLE.filter((r) => !r[2]).length).toBeGreaterThan(40);
    expect(new Set(ROUTING_TABLE.map(([p, t]) => `${p}\u0000${t}`)).size).toBe(ROUTING_TABLE.length);
  });

  it('holds the docs/event-api.md "Patterns" examples', () => {
    const has = (p: string, t: string, m: boolean) => ROUTING_TABLE.some((r) => r[0] === p && r[1] === t && r[2] === m);
    expect(has('agent.*', 'agent.started', true)).toBe(true);
    expect(has('agent.*', 'agent.execution.started', false)).toBe(true);
    expect(has('agent.**', 'agent', true)).toBe(true);
    expect(has('**.error', 'a.b.error', true)).toBe(true);
    expect(has('agent.?.started', 'agent.1.started', true)).toBe(true);
    expect(has('{agent,tool}.started', 'tool.started', true)).toBe(true);
  });
});

describe('routing by the table', () => {
  it('compilePattern().test gives every row its answer', () => {
    const wrong = ROUTING_TABLE.filter(([p, t, m]) => compilePattern(p).test(t) !== m);
    expect(wrong).toEqual([]);
  });

  it('the router gives every row its answer', () => {
    const router = new Router<string>();
    for (const p of patterns) router.add(p, compilePattern(p));
    const routed = new Map(types.map((t) => [t, new Set(router.route(t))]));
    const wrong = ROUTING_TABLE.filter(([p, t, m]) => routed.get(t)!.has(p) !== m);
    expect(wrong).toEqual([]);
    // and nothing beyond what the patterns match
    for (const t of types) {
      expect([...routed.get(t)!].sort()).toEqual(patterns.filter((p) => compilePattern(p).test(t)).sort());
    }
  });

  for (const cacheSize of [10_000, 3, 0]) {
    it(`the bus delivers every row's answer (route cache ${cacheSize})`, () => {
      const bus = createBus({ route_cache_size: cacheSize });
      const subs = patterns.map((p) => bus.subscribe(p));
      // twice, so the second round is served from the cache where there is one
      for (let round = 0; round < 2; round++) for (const t of types) bus.publish(t, { round });
      const got = new Map<string, string[]>();
      for (const s of subs) got.set(s.patterns[0]!, s.drain(100_000).map((e) => e.event_type));
      const wrong = ROUTING_TABLE.filter(([p, t, m]) => got.get(p)!.includes(t) !== m);
      expect(wrong).toEqual([]);
      for (const p of patterns) {
        const expected = types.filter((t) => compilePattern(p).test(t));
        expect(got.get(p)).toEqual([...expected, ...expected]);
      }
      expect(bus.stats().route_cache_size).toBeLessThanOrEqual(cacheSize);
    });
  }

  it('one subscription holding every pattern receives each matching event once', () => {
    const bus = createBus();
    const all = bus.subscribe(patterns);
    for (const t of types) bus.publish(t);
    const expected = types.filter((t) => patterns.some((p) => compilePattern(p).test(t)));
    expect(all.drain(100_000).map((e) => e.event_type)).toEqual(expected);
  });
});
