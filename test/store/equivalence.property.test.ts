/**
 * Random queries on random events: the SQLite store must answer exactly as
 * the memory store (which runs the core's filter and pattern code). This
 * hunts the corners of the SQL translation — JSON types, missing paths,
 * containers, mixed-type `in` lists, patterns — that hand-written cases miss.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/core/event.js';
import { normalizeQuery } from '../../src/core/query.js';
import { MemoryStore } from '../../src/store/memory.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { EventMaker } from './helpers.js';

const scalar = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom(0.5, -1.5, 1e9),
  fc.constantFrom('', 'a', 'b', 'ab', 'a.b', 'A', '1', 'x-y'),
  fc.boolean(),
  fc.constant(null),
);
const value: fc.Arbitrary<JsonValue> = fc.oneof(
  { weight: 5, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('k', 'j'), scalar, { maxKeys: 2 }) },
);
const data = fc.dictionary(fc.constantFrom('x', 'y', 'list'), value, { maxKeys: 3 });
const TYPES = ['a', 'a.b', 'a.b.c', 'b.a', 'ab.c', 'x-y.z'];
const event = fc.record({ type: fc.constantFrom(...TYPES), data, meta: fc.option(scalar, { nil: undefined }), ttl: fc.constantFrom(undefined, undefined, 3600, 1) });

const path = fc.constantFrom(
  'data.x', 'data.y', 'data.list', 'data.list[0]', 'data.list.0', 'data.x[0]', 'data.x.k', 'metadata.m', 'data', 'event_type', 'sequence',
);
const condition = fc.oneof(
  // a plain value is equality; a list or an object is written with its op (below)
  scalar,
  // positional, [op, value]
  fc.tuple(fc.constantFrom('=', '!=', 'contains', 'in'), value).map(([op, v]) => [op, op === 'in' ? [v] : v]),
  fc.record({ op: fc.constantFrom('=', '!=', '<', '<=', '>', '>='), value: scalar.filter((v) => v !== null && typeof v !== 'boolean') }),
  fc.record({ op: fc.constantFrom('=', '!=', 'contains'), value }),
  fc.record({ op: fc.constant('in'), value: fc.array(value, { maxLength: 4 }) }),
  fc.record({ op: fc.constant('exists'), value: fc.boolean() }),
  fc.record({ op: fc.constant('matches'), value: fc.constantFrom('a*', '*', 'a.*', '**', '{a,b}', '?', '[ab]*', 'a.**') }),
);
const query = fc.record(
  {
    event_type: fc.constantFrom('a', 'a.*', 'a.**', '*.a', '**.c', '{a,b}.*', 'a*.**', '*'),
    filters: fc.dictionary(path, condition, { minKeys: 1, maxKeys: 2 }),
    after_sequence: fc.integer({ min: 0, max: 20 }),
    limit: fc.integer({ min: 1, max: 30 }),
    order: fc.constantFrom('asc', 'desc'),
  },
  { requiredKeys: [] },
);

describe('SQLite answers as the memory store does', () => {
  it('for random events and queries', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(event, { minLength: 1, maxLength: 25 }), fc.array(query, { minLength: 1, maxLength: 8 }), async (events, queries) => {
        const mem = new MemoryStore({ sweepIntervalMs: 0 });
        const sql = new SqliteStore(':memory:', { sweepIntervalMs: 0 });
        const mk = new EventMaker();
        const now = Date.now();
        for (const e of events) {
          const ev = mk.make(e.type, e.data, {
            ts: e.ttl === 1 ? now - 5000 : now,
            ...(e.meta !== undefined ? { metadata: { m: e.meta } } : {}),
            ...(e.ttl !== undefined ? { ttl_seconds: e.ttl } : {}),
          });
          mem.append(ev);
          sql.append(ev);
        }
        for (const raw of queries) {
          const q = normalizeQuery(raw);
          const want = (await mem.query(q)).map((e) => e.sequence);
          const got = (await sql.query(q)).map((e) => e.sequence);
          expect([JSON.stringify(raw), got]).toEqual([JSON.stringify(raw), want]);
          expect(await sql.countMatching(q)).toBe(await mem.countMatching(q));
        }
        await mem.close();
        await sql.close();
      }),
      { numRuns: 150 },
    );
  });
});
