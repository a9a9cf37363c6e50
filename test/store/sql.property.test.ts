/**
 * The SQL translation of patterns against the grammar itself: for generated
 * patterns and types (the core's pattern generators), SQLite must select
 * exactly the types `compilePattern(p).test` accepts, both for the event
 * type column (GLOB/REGEXP/IN) and for `matches` on JSON strings (ct_match).
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { compilePattern } from '../../src/core/pattern.js';
import { parseFilters } from '../../src/core/filter.js';
import { registerFunctions } from '../../src/store/schema.js';
import { conditionSql, typePatternSql } from '../../src/store/sql.js';
import { eventType, instantiate, patternTree, render } from '../core/grammar.js';

const db = new Database(':memory:');
registerFunctions(db);
db.exec('CREATE TABLE t (event_type TEXT NOT NULL, body TEXT NOT NULL); CREATE INDEX t_type ON t(event_type);');
const insert = db.prepare('INSERT INTO t (event_type, body) VALUES (?, ?)');
afterAll(() => db.close());

function load(types: string[]): void {
  db.exec('DELETE FROM t');
  for (const t of types) insert.run(t, JSON.stringify({ data: { s: t } }));
}

const sample = fc.tuple(patternTree, fc.array(eventType, { minLength: 1, maxLength: 12 }), fc.integer());

describe('pattern → SQL', () => {
  it('selects exactly the types the grammar matches', () => {
    fc.assert(
      fc.property(sample, ([tree, types, seed]) => {
        const p = render(tree, '.');
        const hit = instantiate(tree, seed);
        const all = hit ? [...types, hit] : types;
        load(all);
        const cp = compilePattern(p);
        const want = all.filter((t) => cp.test(t)).sort();
        const w = typePatternSql('event_type', p);
        const got = (db.prepare(`SELECT event_type FROM t WHERE ${w.sql}`).pluck().all(...w.params) as string[]).sort();
        expect(got).toEqual(want);
        const [cond] = parseFilters({ 'data.s': { op: 'matches', value: p } });
        const m = conditionSql(cond!);
        const got2 = (db.prepare(`SELECT event_type FROM t WHERE ${m.sql}`).pluck().all(...m.params) as string[]).sort();
        expect(got2).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it('uses the type index for exact types and literal prefixes', () => {
    const plan = (p: string) => {
      const w = typePatternSql('event_type', p);
      return (db.prepare(`EXPLAIN QUERY PLAN SELECT event_type FROM t WHERE ${w.sql}`).all(...w.params) as { detail: string }[])
        .map((r) => r.detail)
        .join(' | ');
    };
    expect(plan('agent.started')).toContain('USING COVERING INDEX t_type (event_type=?)');
    expect(plan('{agent,tool}.started')).toContain('t_type (event_type=?)');
    expect(plan('agent.**')).toMatch(/t_type/);
    expect(plan('agent.*.started')).toContain('t_type (event_type>? AND event_type<?)');
  });
});
