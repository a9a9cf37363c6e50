/**
 * Analysis over the stores: both stores answer countBy/numbersAt/scan alike
 * (SQLite in SQL, memory over its array; property-tested), percentiles and
 * histograms against a plain model, rates over windows, sequences and
 * anomalies on streams built to contain them, and the CLI.
 */
import fc from 'fast-check';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { normalizeQuery } from '../../src/core/query.js';
import type { JsonValue, UniversalEvent } from '../../src/core/event.js';
import { createMemoryStore, openSqliteStore } from '../../src/index.js';
import { fieldStats, histogram, parseDuration, percentile, statsBy } from '../../src/observe/analysis.js';
import { findAnomalies, findSequences } from '../../src/observe/patterns.js';
import type { ExtendedEventStore, AnalysisStore } from '../../src/store/types.js';
import { lastParallelRead, MIN_ROWS_PER_PART } from '../../src/store/parallel-numbers.js';
import type { EventStore } from '../../src/core/types.js';
import { expectCode, expectRejectCode } from '../core/helpers.js';
import { crosstalk } from '../setup/cli.js';
import { EventMaker, tempDir } from '../store/helpers.js';

const tmp = tempDir('crosstalk-analysis-');
afterAll(() => tmp.cleanup());
let dbs = 0;
type Store = EventStore & ExtendedEventStore & AnalysisStore;
const sqlite = (): Store => openSqliteStore(join(tmp.dir, `a${dbs++}.db`), { sweepIntervalMs: 0 });
const memory = (): Store => createMemoryStore({ sweepIntervalMs: 0 });

const T0 = Date.parse('2026-11-22T10:00:00.000Z');

async function filled(open: () => Store, events: UniversalEvent[]): Promise<Store> {
  const s = open();
  for (const e of events) s.append(e);
  await s.flush();
  return s;
}

const sortedNums = (a: Float64Array) => [...a].sort((x, y) => x - y);

describe('both stores answer alike', () => {
  const value = fc.oneof(
    fc.integer({ min: -5, max: 5 }),
    fc.constantFrom(0, 1, 0.5, 1e9, -0.25),
    fc.boolean(),
    fc.constantFrom('1', 'x', null),
    fc.constant(undefined),
    fc.constant({ n: 1 }),
  );
  const event = fc.record({
    type: fc.constantFrom('a.x', 'a.y', 'b', 'c.d.e'),
    component: fc.constantFrom('p', 'q'),
    dt: fc.integer({ min: 0, max: 200_000 }),
    v: value,
  });

  it('countBy, numbersAt and scan (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(event, { maxLength: 60 }), fc.constantFrom(undefined, 'a.*', '{b,c.**}'), async (spec, pattern) => {
        const mk = new EventMaker();
        let t = T0;
        const events = spec.map((s) => {
          t += s.dt;
          const data: Record<string, JsonValue> = {};
          if (s.v !== undefined) data.v = s.v as JsonValue;
          return mk.make(s.type, data, { ts: t, component: s.component });
        });
        const [m, q] = [await filled(memory, events), await filled(sqlite, events)];
        const query = normalizeQuery(pattern ? { event_type: pattern } : {});
        const norm = (gs: { key: unknown; group?: string; count: number; first_ms: number; last_ms: number }[]) =>
          [...gs].sort((a, b) => String(a.group ?? '').localeCompare(String(b.group ?? '')) || String(a.key).localeCompare(String(b.key)));
        for (const by of ['type', 'source', { bucket_ms: 60_000 }, { bucket_ms: 3_600_000, per: 'type' as const }] as const) {
          expect(norm(await q.countBy(query, by)), JSON.stringify(by)).toEqual(norm(await m.countBy(query, by)));
        }
        for (const by of [undefined, 'type' as const]) {
          const [a, b] = [await m.numbersAt(query, 'data.v', by), await q.numbersAt(query, 'data.v', by)];
          expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
          for (const [k, col] of a) {
            expect(b.get(k)!.matched).toBe(col.matched);
            expect(sortedNums(b.get(k)!.values)).toEqual(sortedNums(col.values));
          }
        }
        const rows: unknown[][] = [[], []];
        await m.scan(query, (r) => rows[0]!.push(r));
        await q.scan(query, (r) => rows[1]!.push(r));
        expect(rows[1]).toEqual(rows[0]);
        await q.close();
      }),
      { numRuns: 25 },
    );
  });

  it('numbersAt over a large table, read on several threads, answers as the memory store does', async () => {
    const mk = new EventMaker();
    const values: JsonValue[] = [0, 1, true, false, 2.5, 'x', null, -7, 1e6];
    const events = Array.from({ length: 2 * MIN_ROWS_PER_PART + 10 }, (_, i) => mk.make(i % 3 ? 'a.x' : 'b', { v: values[(i * 7) % values.length]! }, { ts: T0 + i }));
    const [m, q] = [await filled(memory, events), await filled(sqlite, events)];
    const query = normalizeQuery({ event_type: '{a.*,b}' });
    process.env.CROSSTALK_ANALYSIS_THREADS = '2'; // whatever the load: this test is about the threads
    let b;
    try {
      b = await q.numbersAt(query, 'data.v', 'type');
    } finally {
      delete process.env.CROSSTALK_ANALYSIS_THREADS;
    }
    const a = await m.numbersAt(query, 'data.v', 'type');
    expect(lastParallelRead).toEqual({ parts: 2, byWorkers: 1 });
    expect([...b.keys()].sort()).toEqual(['a.x', 'b']);
    for (const [k, col] of a) {
      expect(b.get(k)!.matched).toBe(col.matched);
      expect(sortedNums(b.get(k)!.values)).toEqual(sortedNums(col.values));
    }
    await q.close();
  }, 120_000);

  it('numbers are JSON numbers only: true/false, "1" and null do not count', async () => {
    const mk = new EventMaker();
    const events = [1, 0, true, false, '1', null, 2.5].map((v) => mk.make('t', { v: v as JsonValue }));
    for (const open of [memory, sqlite]) {
      const s = await filled(open, events);
      const col = (await s.numbersAt(normalizeQuery({}), 'data.v')).get('')!;
      expect(col.matched).toBe(7);
      expect(sortedNums(col.values)).toEqual([0, 1, 2.5]);
      await s.close();
    }
  });

  it('bad groupings and paths are INVALID_QUERY', async () => {
    for (const open of [memory, sqlite]) {
      const s = open();
      await expectRejectCode(s.countBy(normalizeQuery({}), 'week' as never), 'INVALID_QUERY');
      await expectRejectCode(s.countBy(normalizeQuery({}), { bucket_ms: 0 }), 'INVALID_QUERY');
      await expectRejectCode(s.countBy(normalizeQuery({}), { bucket_ms: 60_000, per: 'x' as never }), 'INVALID_QUERY');
      await expectRejectCode(s.numbersAt(normalizeQuery({}), 'payload.x'), 'INVALID_QUERY');
      await expectRejectCode(s.numbersAt(normalizeQuery({}), 'data..x'), 'INVALID_QUERY');
      await s.close();
    }
  });
});

describe('percentiles and histograms', () => {
  it('nearest-rank percentiles match the model', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 100 }), (xs, p) => {
        const sorted = Float64Array.from(xs).sort();
        const model = [...xs].sort((a, b) => a - b)[Math.ceil((p / 100) * xs.length) - 1];
        expect(percentile(sorted, p)).toBe(model);
      }),
    );
    expect(percentile(new Float64Array(0), 50)).toBeNull();
  });

  it('histogram bins are contiguous, hold every value once, and reach min and max', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e4, max: 1e4 }), fc.double({ noNaN: true, min: 0.001, max: 1e7 })), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 40 }),
        (xs, bins) => {
          const sorted = Float64Array.from(xs).sort();
          const h = histogram(sorted, bins);
          expect(h.reduce((n, b) => n + b.count, 0)).toBe(xs.length);
          expect(h[0]!.lower).toBeLessThanOrEqual(sorted[0]!);
          expect(h[h.length - 1]!.upper).toBeGreaterThanOrEqual(sorted[sorted.length - 1]!);
          for (let i = 1; i < h.length; i++) expect(h[i]!.lower).toBe(h[i - 1]!.upper);
          // each value lies in the bin that counts it
          let at = 0;
          for (const [i, b] of h.entries()) {
            for (let k = 0; k < b.count; k++, at++) {
              const v = sorted[at]!;
              expect(v).toBeGreaterThanOrEqual(b.lower);
              if (i < h.length - 1) expect(v).toBeLessThan(b.upper);
            }
          }
        },
      ),
    );
  });

  it('durations spanning decades get a 1-2-5 log scale', () => {
    const h = histogram(Float64Array.from([1.5, 3, 40, 45, 700]).sort());
    expect(h.map((b) => [b.lower, b.upper, b.count])).toEqual([
      [1, 2, 1], [2, 5, 1], [5, 10, 0], [10, 20, 0], [20, 50, 2], [50, 100, 0], [100, 200, 0], [200, 500, 0], [500, 1000, 1],
    ]);
  });

  it('fieldStats: overall and per type', async () => {
    const mk = new EventMaker();
    const events = [
      ...[10, 20, 30, 40].map((d) => mk.make('db.query', { duration_ms: d })),
      ...[100, 200].map((d) => mk.make('http.request', { duration_ms: d })),
      mk.make('http.request', { duration_ms: 'slow' }),
    ];
    const s = await filled(sqlite, events);
    const r = await fieldStats(s, normalizeQuery({}), 'data.duration_ms', { by: 'type' });
    expect(r.all).toMatchObject({ matched: 7, count: 6, min: 10, max: 200, p50: 30, p90: 200, mean: 400 / 6 });
    expect(r.groups.map((g) => [g.key, g.count, g.matched, g.p50])).toEqual([['db.query', 4, 4, 20], ['http.request', 2, 3, 100]]);
    await s.close();
  });
});

describe('statsBy', () => {
  it('rates over the --since window, never before the stored history', async () => {
    const mk = new EventMaker();
    const events = Array.from({ length: 120 }, (_, i) => mk.make(i % 3 ? 'order.paid' : 'user.login', {}, { ts: T0 + i * 1000 }));
    const s = await filled(sqlite, events);
    const now = T0 + 120_000;
    const byType = await statsBy(s, normalizeQuery({ start_time: T0 - 3_600_000 }), 'type', now);
    expect(byType.total).toBe(120);
    expect(byType.window.seconds).toBe(120); // clamped to the first stored event
    expect(byType.window.note).toContain("the store's history starts");
    expect(byType.groups.map((g) => [g.key, g.count, g.rate])).toEqual([['order.paid', 80, 80 / 120], ['user.login', 40, 40 / 120]]);
    const minutes = await statsBy(s, normalizeQuery({ event_type: 'order.*', start_time: T0 - 60_000 }), 'minute', now + 61_000);
    expect(minutes.groups.map((g) => g.count)).toEqual([40, 40, 0, 0]); // empty minutes are listed
    expect(minutes.groups[0]!.rate).toBeCloseTo(40 / 60);
    expect(minutes.groups[3]!.key).toBe(new Date(T0 + 180_000).toISOString());
    await expectRejectCode(statsBy(s, normalizeQuery({}), 'week' as never), 'INVALID_OPTION');
    await s.close();
    const long = await filled(memory, [mk.make('a', {}, { ts: T0 }), mk.make('a', {}, { ts: T0 + 10 * 86_400_000 })]);
    const e = await expectRejectCode(statsBy(long, normalizeQuery({}), 'minute', now), 'INVALID_OPTION'); // 14,401 minutes
    expect(e.message).toContain('14,401 rows');
    expect((await statsBy(long, normalizeQuery({}), 'hour', now)).groups).toHaveLength(241);
  });
});

describe('findSequences', () => {
  it('finds A then B, with support, confidence and lift, and not what follows by chance', async () => {
    const mk = new EventMaker();
    const events: UniversalEvent[] = [];
    let t = T0;
    for (let i = 0; i < 40; i++) {
      const corr = `c${i}`;
      events.push(mk.make('order.created', {}, { ts: t, correlation_id: corr }));
      events.push(mk.make('noise', {}, { ts: t + 50 }));
      if (i % 10 !== 0) events.push(mk.make('payment.done', {}, { ts: t + 300, correlation_id: corr }));
      t += 60_000;
    }
    const s = await filled(sqlite, events);
    const r = await findSequences(s, normalizeQuery({}), { windowMs: 2000 });
    const ab = r.findings.find((f) => f.from === 'order.created' && f.to === 'payment.done')!;
    expect(ab).toMatchObject({ support: 36, from_count: 40, confidence: 0.9, median_gap_ms: 300 });
    expect(ab.lift).toBeGreaterThan(10);
    expect(ab.explanation).toBe(`order.created → payment.done: 90% of 40 order.created were followed by payment.done within 2s, typically 300 ms later; ${Math.round(ab.lift)}× what chance gives`);
    expect(r.findings.some((f) => f.from === 'payment.done')).toBe(false); // B is not followed by A within 2 s
    const same = await findSequences(s, normalizeQuery({}), { windowMs: 2000, sameCorrelation: true });
    expect(same.findings.map((f) => `${f.from}>${f.to}`)).toEqual(['order.created>payment.done']); // noise has no correlation id
    await expectRejectCode(findSequences(s, normalizeQuery({}), { windowMs: 0 }), 'INVALID_OPTION');
    await expectRejectCode(findSequences(s, normalizeQuery({}), { minConfidence: 2 }), 'INVALID_OPTION');
    await s.close();
  });
});

describe('findAnomalies', () => {
  it('reports a spike and a silence against each type own baseline', async () => {
    const mk = new EventMaker();
    const events: UniversalEvent[] = [];
    for (let m = 0; m < 30; m++) {
      for (let k = 0; k < 10; k++) if (m !== 20) events.push(mk.make('heartbeat', {}, { ts: T0 + m * 60_000 + k * 6000 }));
      const failures = m === 12 ? 80 : m % 3 === 0 ? 1 : 0;
      for (let k = 0; k < failures; k++) events.push(mk.make('payment.failed', {}, { ts: T0 + m * 60_000 + k * 500 }));
    }
    events.sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
    events.forEach((e, i) => (e.sequence = i + 1));
    const s = await filled(sqlite, events);
    const r = await findAnomalies(s, normalizeQuery({}), { first: T0, last: T0 + 30 * 60_000 - 1 }, { bucketMs: 60_000 });
    expect(r.findings.map((f) => [f.type, f.kind, f.start, f.count])).toEqual([
      ['payment.failed', 'spike', new Date(T0 + 12 * 60_000).toISOString(), 80],
      ['heartbeat', 'drop', new Date(T0 + 20 * 60_000).toISOString(), 0],
    ]);
    expect(r.findings[0]!.explanation).toBe('payment.failed: 80 in 2026-11-22T10:12Z+1m, usually 0.3 — 250× its usual rate (19.3σ above)');
    expect(r.findings[1]!.explanation).toBe('heartbeat: 0 in 2026-11-22T10:20Z+1m, usually 10 — silent (10.4σ below)');
    await s.close();
  });
});

describe('crosstalk stats --by/--field and crosstalk analyze', () => {
  const path = join(tmp.dir, 'cli.db');
  it('prints counts by minute, a field distribution and the analysis', async () => {
    const s = openSqliteStore(path);
    const mk = new EventMaker();
    const now = Date.now();
    for (let i = 0; i < 50; i++) {
      s.append(mk.make('job.started', { n: i }, { ts: now - 50_000 + i * 1000, correlation_id: `j${i}` }));
      s.append(mk.make('job.done', { duration_ms: 10 * (i + 1) }, { ts: now - 50_000 + i * 1000 + 200, correlation_id: `j${i}` }));
    }
    await s.close();
    const store = `sqlite:${path}`;
    const byType = await crosstalk(['stats', '--store', store, '-t', 'job.*', '--since', '10m']);
    expect(byType.code).toBe(0);
    expect(byType.stdout).toMatch(/^job\.\* since \S+: 100 events, /);
    expect(byType.stdout).toMatch(/\n +50 +[\d.]+\/s +50\.0% +job\.done\n/);
    const minutes = await crosstalk(['stats', '--store', store, '--by', 'minute', '--since', '5m', '--json']);
    const m = JSON.parse(minutes.stdout) as { groups: { count: number }[]; total: number };
    expect(m.total).toBe(100);
    expect(m.groups.reduce((n, g) => n + g.count, 0)).toBe(100);
    const field = await crosstalk(['stats', '--store', store, '--field', 'data.duration_ms']);
    expect(field.stdout.split('\n')[0]).toBe('data.duration_ms over all events: 50 numbers among 100 events (50 without a number there)');
    expect(field.stdout.split('\n')[1]).toBe('  min 10 · mean 255 · p50 250 · p90 450 · p99 500 · max 500');
    const a = await crosstalk(['analyze', '--store', store, '--window', '300ms', '--min-support', '10']);
    expect(a.code).toBe(0);
    expect(a.stdout).toContain('job.started → job.done: 100% of 50 job.started were followed by job.done within 300ms, typically 200 ms later');
    const j = JSON.parse((await crosstalk(['analyze', '--store', store, '--only', 'sequences', '--json', '--window', '300ms'])).stdout) as { sequences: unknown[]; events: number };
    expect(j.events).toBe(100);
    expect(j.sequences.length).toBeGreaterThan(0);
  });

  it('bad flags are exit 2 with one line naming the flag', { timeout: 120_000 }, async () => {
    const store = `sqlite:${path}`;
    const cases = [
      [['stats', '--by', 'week'], '--by'],
      [['stats', '--field', 'data..x'], 'data..x'],
      [['stats', '--field', 'data.x', '--by', 'minute'], '--by'],
      [['stats', '--field', 'data.x', '--buckets', '0'], '--buckets'],
      [['stats', '-t', 'a..b'], 'event_type'],
      [['stats', '--since', 'yesterday'], 'start_time'],
      [['analyze', '--window', '0s'], '--window'],
      [['analyze', '--window', 'soon'], '--window'],
      [['analyze', '--bucket', '10ms'], '--bucket'],
      [['analyze', '--only', 'everything'], '--only'],
      [['analyze', '--min-confidence', '2'], '--min-confidence'],
      [['analyze', '--threshold', '-1'], '--threshold'],
    ] as const;
    // four CLI processes at a time: twelve in a row outlast the default timeout on a loaded machine
    const runs: Awaited<ReturnType<typeof crosstalk>>[] = [];
    for (let i = 0; i < cases.length; i += 4) runs.push(...(await Promise.all(cases.slice(i, i + 4).map(([args]) => crosstalk([...args, '--store', store])))));
    for (const [i, [args, flag]] of cases.entries()) {
      const r = runs[i]!;
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toContain(flag);
    }
  });

  it('a bad analyze option is refused before the store is looked at: exit 2 naming it, no file made', async () => {
    const missing = join(tmp.dir, 'never-made.db');
    for (const [flag, value] of [['--min-confidence', '2'], ['--threshold', '-1'], ['--top', '0'], ['--min-support', '0.5']] as const) {
      const r = await crosstalk(['analyze', flag, value, '--store', `sqlite:${missing}`]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(flag);
    }
    expect(existsSync(missing)).toBe(false);
  });

  it('parseDuration', () => {
    expect(parseDuration('1.5s', 'window')).toBe(1500);
    expect(parseDuration('2h', 'window')).toBe(7_200_000);
    expectCode(() => parseDuration('-1s', 'window'), 'INVALID_OPTION');
    expectCode(() => parseDuration('1y', 'window'), 'INVALID_OPTION');
  });
});
