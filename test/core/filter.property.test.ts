/**
 * Filter conditions written positionally (`[op, value]`, the events guide's
 * `{">=", 500}` in Lua) mean exactly what `{op, value}` means, for every op
 * and any operand; and every other shape of condition is INVALID_QUERY,
 * never a filter that silently matches nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFilter, CrosstalkError, type JsonValue, type UniversalEvent } from '../../src/index.js';

const RUNS = Number(process.env.CROSSTALK_FC_RUNS ?? 400);

const scalar = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom('a', 'b', 'ab', ''), fc.boolean(), fc.constant(null));
const json: fc.Arbitrary<JsonValue> = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('a', 'b'), scalar, { maxKeys: 2 }) },
);

/** An op with an operand it accepts. */
const condition = fc.oneof(
  fc.tuple(fc.constantFrom('=', '!=', 'contains'), json),
  fc.tuple(fc.constantFrom('<', '<=', '>', '>='), fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom('a', 'b', ''))),
  fc.tuple(fc.constant('in'), fc.array(scalar, { maxLength: 3 })),
  fc.tuple(fc.constant('exists'), fc.boolean()),
  fc.tuple(fc.constant('matches'), fc.constantFrom('a*', '*b', '?', '**', 'a.*', '[ab]*')),
);

const eventWith = (x: JsonValue | undefined) => ({ data: x === undefined ? {} : { x } }) as unknown as UniversalEvent;

describe('positional filter conditions', () => {
  it('[op, value] and {op, value} agree on every event', () => {
    fc.assert(
      fc.property(condition, fc.array(fc.option(json, { nil: undefined }), { minLength: 1, maxLength: 8 }), ([op, value], xs) => {
        const positional = compileFilter({ 'data.x': [op, value] });
        const named = compileFilter({ 'data.x': { op, value } });
        for (const x of xs) expect(positional(eventWith(x))).toBe(named(eventWith(x)));
      }),
      { numRuns: RUNS },
    );
  });

  it('[ "exists" ] is {op: "exists"}', () => {
    fc.assert(
      fc.property(fc.option(json, { nil: undefined }), (x) => {
        expect(compileFilter({ 'data.x': ['exists'] })(eventWith(x))).toBe(x !== undefined);
      }),
      { numRuns: RUNS },
    );
  });

  it('every other list, and every object without op, is INVALID_QUERY naming the path', () => {
    const notAnOp = json.filter((v) => !['=', '!=', '<', '<=', '>', '>=', 'in', 'contains', 'exists', 'matches'].includes(v as string));
    const badList = fc.oneof(
      fc.constant([]),
      fc.tuple(notAnOp, json),
      fc.array(json, { minLength: 3, maxLength: 5 }),
      fc.tuple(notAnOp),
    );
    const badObject = fc.dictionary(fc.constantFrom('value', 'a', 'operation', 'v'), json, { maxKeys: 3 });
    fc.assert(
      fc.property(fc.oneof(badList, badObject), (cond) => {
        let caught: unknown;
        try {
          compileFilter({ 'data.items[2].x': cond });
        } catch (e) {
          caught = e;
        }
        expect(caught).toBeInstanceOf(CrosstalkError);
        expect((caught as CrosstalkError).code).toBe('INVALID_QUERY');
        expect((caught as CrosstalkError).message).toContain('data.items[2].x');
      }),
      { numRuns: RUNS },
    );
  });
});
