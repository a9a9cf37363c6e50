/**
 * Random filter expressions on random events: the SQL the SQLite store runs
 * must select exactly what the in-memory predicate accepts (the memory store
 * runs it). The expressions are written as text, the way a user types them,
 * so the parser is exercised too; NOT over missing paths, mixed JSON types
 * and relative times are where SQL's NULLs and the predicate could part.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/core/event.js';
import { compileExpression } from '../../src/core/expression.js';
import { normalizeQuery } from '../../src/core/query.js';
import { MemoryStore } from '../../src/store/memory.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { EventMaker } from './helpers.js';

const scalar = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom(0.5, -1.5),
  fc.constantFrom('', 'a', 'b', 'ab', 'a.b', "it's", 'A'),
  fc.boolean(),
  fc.constant(null),
);
const value: fc.Arbitrary<JsonValue> = fc.oneof(
  { weight: 5, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('k'), scalar, { maxKeys: 1 }) },
);
const data = fc.dictionary(fc.constantFrom('x', 'y', 'list'), value, { maxKeys: 3 });
const TYPES = ['a', 'a.b', 'a.b.c', 'b.a', 'ab.c'];
const NOW = Date.parse('2026-11-22T12:00:00.000Z');
const event = fc.record({
  type: fc.constantFrom(...TYPES),
  data,
  component: fc.constantFrom('web', 'critical', 'a.b'),
  ago: fc.integer({ min: 0, max: 120 }), // minutes before NOW
});

/** A value as the language writes it. */
function literal(v: JsonValue): string {
  if (typeof v === 'string') return `'${v.replace(/'/g, "''")}'`;
  if (Array.isArray(v)) return `[${v.map(literal).join(', ')}]`;
  return JSON.stringify(v);
}

const path = fc.constantFrom('data.x', 'data.y', 'data.list', 'data.list[0]', 'data.x.k', 'source', 'sequence', 'priority');
const orderable = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('a', 'b', ''));
const leaf: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(path, fc.constantFrom('=', '!=', '<>'), scalar.filter((v) => typeof v !== 'object' || v === null)).map(([p, o, v]) => `${p} ${o} ${literal(v)}`),
  fc.tuple(path, fc.constantFrom('<', '<=', '>', '>='), orderable).map(([p, o, v]) => `${p} ${o} ${literal(v)}`),
  fc.tuple(path, scalar).map(([p, v]) => `${p} CONTAINS ${literal(v)}`),
  fc.tuple(path, fc.array(scalar, { maxLength: 3 })).map(([p, vs]) => `${p} IN (${vs.map(literal).join(', ')})`),
  fc.tuple(path, fc.boolean()).map(([p, n]) => `${p} ${n ? 'NOT ' : ''}EXISTS`),
  fc.tuple(path, fc.boolean()).map(([p, n]) => `${p} IS ${n ? 'NOT ' : ''}NULL`),
  fc.tuple(fc.constantFrom('data.x', 'source'), fc.constantFrom('a*', '*', 'a.*', '**', '{a,b}', '?', '[ab]*')).map(([p, v]) => `${p} LIKE '${v}'`),
  fc.constantFrom('a', 'a.*', 'a.**', '*.a', '**.c', '{a,b}.*', 'a*.**').map((p) => `type LIKE '${p}'`),
  fc.tuple(fc.constantFrom('<', '<=', '>', '>=', '=', '!='), fc.integer({ min: 0, max: 120 })).map(([o, m]) => `timestamp ${o} now - ${m}m`),
  fc.tuple(fc.constantFrom('<', '>='), fc.integer({ min: 0, max: 120 })).map(([o, m]) => `timestamp ${o} '${new Date(NOW - m * 60_000).toISOString()}'`),
);
const expression: fc.Arbitrary<string> = fc.letrec<{ x: string }>((tie) => ({
  x: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.tuple(tie('x'), fc.constantFrom('AND', 'OR'), tie('x')).map(([a, o, b]) => `(${a}) ${o} (${b})`),
    tie('x').map((a) => `NOT (${a})`),
  ),
})).x;

describe('SQL and the in-memory predicate agree on expressions', () => {
  it('for random events and expressions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(event, { minLength: 1, maxLength: 20 }), fc.array(expression, { minLength: 1, maxLength: 6 }), async (events, exprs) => {
        const mem = new MemoryStore({ sweepIntervalMs: 0 });
        const sql = new SqliteStore(':memory:', { sweepIntervalMs: 0 });
        const mk = new EventMaker();
        const made = events.map((e) => mk.make(e.type, e.data, { ts: NOW - e.ago * 60_000, component: e.component }));
        for (const ev of made) {
          mem.append(ev);
          sql.append(ev);
        }
        for (const where of exprs) {
          const q = normalizeQuery({ where, now: NOW, limit: 100 });
          const model = made.filter(compileExpression(where, NOW)).map((e) => e.sequence);
          const got = (await sql.query(q)).map((e) => e.sequence);
          expect([where, got]).toEqual([where, model]);
          expect([where, (await mem.query(q)).map((e) => e.sequence)]).toEqual([where, model]);
          expect(await sql.countMatching(q)).toBe(model.length);
        }
        await mem.close();
        await sql.close();
      }),
      { numRuns: 200 },
    );
  });
});
