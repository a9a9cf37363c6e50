/**
 * The route cache (set-associative, keys in an Int32Array, a doorkeeper that
 * admits a type on its second lookup) against a plain Map model: an answer it
 * gives is always the last one put for that very type since the last clear,
 * a type just put is found, and it never holds more than its limit. Hashes
 * come from a small range so that types collide in sets and in slots.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RouteCache } from '../../src/core/route-cache.js';

type Op = { k: 'put'; t: number } | { k: 'get'; t: number } | { k: 'clear' };

describe('RouteCache against a Map model', () => {
  // a type's hash is a function of the type (as in the router), but many types share one
  const hashOf = (t: number, spread: number) => (t * 7919) % spread;
  const op = (types: number): fc.Arbitrary<Op> =>
    fc.oneof(
      { weight: 4, arbitrary: fc.record({ k: fc.constant('put' as const), t: fc.nat(types) }) },
      { weight: 5, arbitrary: fc.record({ k: fc.constant('get' as const), t: fc.nat(types) }) },
      { weight: 1, arbitrary: fc.record({ k: fc.constant('clear' as const) }) },
    );

  it('never answers with another type\'s or an outdated answer, finds what it just took, stays within its limit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 2000 }), fc.array(op(200), { maxLength: 400 }), (limit, spread, ops) => {
        const cache = new RouteCache<number>(limit);
        const model = new Map<string, readonly number[]>();
        let serial = 0;
        for (const o of ops) {
          if (o.k === 'clear') {
            cache.clear();
            model.clear();
            expect(cache.size).toBe(0);
            continue;
          }
          const type = `t${o.t}`;
          const h = hashOf(o.t, spread);
          if (o.k === 'put') {
            const answer = Object.freeze([serial++]);
            cache.put(type, h, answer);
            model.set(type, answer);
            expect(cache.get(type, h)).toBe(answer);
          } else {
            const got = cache.get(type, h);
            if (got !== undefined) expect(got).toBe(model.get(type));
          }
          expect(cache.size).toBeLessThanOrEqual(limit);
        }
      }),
      { numRuns: Number(process.env.CROSSTALK_FC_RUNS ?? 300) },
    );
  });

  it('the doorkeeper admits a hash on its second sighting, not its first', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1 << 30), { maxLength: 500 }), (hashes) => {
        const cache = new RouteCache<number>(100);
        // 16 × the limit rounds up to 8,192 bits; its window (1,024 sightings) is not reached here
        const seen = new Set<number>();
        for (const h of hashes) {
          expect(cache.admit(h)).toBe(seen.has(h & 8191));
          seen.add(h & 8191);
        }
      }),
      { numRuns: Number(process.env.CROSSTALK_FC_RUNS ?? 300) },
    );
  });
});
