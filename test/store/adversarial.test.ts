/**
 * A hostile pattern through the stores and the CLI (docs/event-api.md "Patterns"): a
 * query's event-type pattern and a `matches` filter, on the memory store,
 * on SQLite (through its type catalog, and through the SQL translation
 * itself, which runs the linear matcher as `ct_match`), and through
 * `crosstalk query -t` and `--where 'data.s matches …'`. Each used to
 * backtrack for minutes; the bound is far above what linear matching needs.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { normalizeQuery } from '../../src/core/query.js';
import { registerFunctions } from '../../src/store/schema.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { conditionSql, typePatternSql } from '../../src/store/sql.js';
import { parseFilters } from '../../src/core/filter.js';
import { crosstalk } from '../setup/cli.js';
import { EventMaker, storeKinds, tempDir } from './helpers.js';

const STARS = `${'*a'.repeat(13)}b*`;
const A200 = 'a'.repeat(200);
const LONG = 'a'.repeat(5000);
const BOUND_MS = 2000;

async function timed<T>(fn: () => Promise<T> | T): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}

const tmp = tempDir('crosstalk-adversarial-');
afterAll(() => tmp.cleanup());

describe.each(storeKinds())('a hostile pattern in a query on $name', ({ open }) => {
  it('as event_type and as a matches filter', async () => {
    const store = open();
    const mk = new EventMaker();
    store.append(mk.make(A200, { s: LONG }));
    store.append(mk.make(`${A200}b`, { s: `${LONG}b` }));
    store.append(mk.make('order.created', { s: 'ab' }));
    await store.flush();
    const byType = await timed(() => store.query(normalizeQuery({ event_type: STARS })));
    expect(byType.value.map((e) => e.sequence)).toEqual([2]);
    expect(byType.ms).toBeLessThan(BOUND_MS);
    const byData = await timed(() => store.query(normalizeQuery({ filters: { 'data.s': ['matches', STARS] } })));
    expect(byData.value.map((e) => e.sequence)).toEqual([2]);
    expect(byData.ms).toBeLessThan(BOUND_MS);
    await store.close();
  });
});

describe('the SQL translation of a hostile pattern (no catalog)', () => {
  it('runs the linear matcher, not a regular expression', async () => {
    const db = new Database(':memory:');
    registerFunctions(db);
    db.exec('CREATE TABLE t (event_type TEXT NOT NULL, body TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO t VALUES (?, ?)');
    for (const type of [A200, `${A200}b`, `x.${A200}`]) insert.run(type, JSON.stringify({ data: { s: LONG } }));
    const hostile = [STARS, `x.${STARS}`, `${'**.a.'.repeat(10)}b`, `{a,b}{a,c}${'*a'.repeat(10)}*z`];
    for (const p of hostile) {
      const w = typePatternSql('event_type', p);
      expect(w.sql).not.toMatch(/REGEXP/i);
      const { ms } = await timed(() => db.prepare(`SELECT count(*) FROM t WHERE ${w.sql}`).pluck().get(...w.params));
      expect(ms).toBeLessThan(BOUND_MS);
    }
    const [cond] = parseFilters({ 'data.s': ['matches', STARS] });
    const c = conditionSql(cond!);
    const { value, ms } = await timed(() => db.prepare(`SELECT count(*) FROM t WHERE ${c.sql}`).pluck().get(...c.params));
    expect(value).toBe(0);
    expect(ms).toBeLessThan(BOUND_MS);
    db.close();
  });
});

describe('crosstalk query with a hostile pattern', () => {
  it('-t and --where matches answer at once', async () => {
    const path = join(tmp.dir, 'hostile.db');
    const s = new SqliteStore(path, { sweepIntervalMs: 0 });
    const mk = new EventMaker();
    s.append(mk.make(A200, { s: LONG }));
    s.append(mk.make(`${A200}b`, { s: `${LONG}b` }));
    await s.close();
    const [byType, byData, bySymbol] = await Promise.all([
      crosstalk(['query', '--store', path, '-t', STARS, '--format', 'jsonl'], { timeoutMs: 20_000 }),
      crosstalk(['query', '--store', path, '--where', `data.s matches ${STARS}`, '--format', 'jsonl'], { timeoutMs: 20_000 }),
      crosstalk(['query', '--store', path, '--where', `data.s~${STARS}`, '--format', 'jsonl'], { timeoutMs: 20_000 }),
    ]);
    for (const r of [byType, byData, bySymbol]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { sequence: number }).sequence)).toEqual([2]);
    }
  });
});
