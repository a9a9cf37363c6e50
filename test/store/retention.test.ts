/**
 * Retention policies on every store: ages by type (first pattern wins), the
 * default age, `forever`, max_events and max_bytes oldest first, expiry by
 * ttl_seconds, what each policy removed in stats, compaction, and bad
 * options.
 */
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveRetention, type RetentionOptions } from '../../src/core/retention.js';
import { MemoryStore } from '../../src/store/memory.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { expectCode } from '../core/helpers.js';
import { EventMaker, tempDir } from './helpers.js';

const DAY = 86_400_000;
const dirs: (() => void)[] = [];
afterAll(() => dirs.forEach((d) => d()));

function dbPath(): string {
  const t = tempDir();
  dirs.push(t.cleanup);
  return join(t.dir, 'events.db');
}

type AnyStore = SqliteStore | MemoryStore;
const kinds: { name: string; open(retention: RetentionOptions | null, path?: string): AnyStore }[] = [
  { name: 'memory', open: (retention) => new MemoryStore({ sweepIntervalMs: 0, retention }) },
  { name: 'sqlite (inline writer)', open: (retention, path) => new SqliteStore(path ?? dbPath(), { sweepIntervalMs: 0, writer: 'inline', retention }) },
  { name: 'sqlite (writer thread)', open: (retention, path) => new SqliteStore(path ?? dbPath(), { sweepIntervalMs: 0, writer: 'thread', retention }) },
];

const types = async (s: AnyStore) => (await s.query({ limit: 10_000, order: 'asc' })).map((e) => `${e.event_type}@${e.data}`);

describe.each(kinds)('retention: $name', (kind) => {
  it('ages by type (first pattern wins), the default, forever and ttl', async () => {
    const s = kind.open({ default: '30d', by_type: { 'error.**': '365d', 'audit.login': 'forever', 'audit.**': '7y' } });
    const mk = new EventMaker();
    const now = Date.now();
    const add = (type: string, daysAgo: number, ttl?: number) =>
      s.append(mk.make(type, daysAgo, { ts: now - daysAgo * DAY, ...(ttl !== undefined ? { ttl_seconds: ttl } : {}) }));
    add('order.paid', 40); // default: too old
    add('order.paid', 10);
    add('error.db', 400); // 365d: too old
    add('error.db', 200);
    add('audit.login', 9000); // forever
    add('audit.logout', 3000); // 7y = 2555d: too old
    add('audit.logout', 2000);
    add('session.ping', 0, 1); // expires in 1 s ...
    s.append(mk.make('session.ping', 'expired', { ts: now - 5000, ttl_seconds: 1 }));
    const r = await s.sweepReport();
    expect(r.by_policy).toEqual({ default: 1, 'type:error.**': 1, 'type:audit.**': 1, ttl: 1 });
    expect(r.removed).toBe(4);
    expect(await types(s)).toEqual(['order.paid@10', 'error.db@200', 'audit.login@9000', 'audit.logout@2000', 'session.ping@0']);
    const stats = await s.stats();
    expect(Object.fromEntries((stats.retention ?? []).map((x) => [x.policy, x.removed]))).toEqual(r.by_policy);
    // a second sweep finds nothing; the counts stay
    expect((await s.sweepReport()).removed).toBe(0);
    expect((await s.stats()).retention?.find((x) => x.policy === 'default')?.removed).toBe(1);
    await s.close();
  });

  it('max_events removes the oldest events first', async () => {
    const s = kind.open({ max_events: 100 });
    const mk = new EventMaker();
    for (let i = 0; i < 250; i++) s.append(mk.make(i % 2 ? 'a.x' : 'b.y', i));
    const r = await s.sweepReport();
    expect(r.by_policy).toEqual({ max_events: 150 });
    const left = await s.query({ limit: 1000, order: 'asc' });
    expect(left.map((e) => e.data)).toEqual(Array.from({ length: 100 }, (_, i) => i + 150));
    await s.close();
  });

  it('max_bytes removes the oldest events until the store fits', async () => {
    const cap = 2_000_000;
    const s = kind.open({ max_bytes: cap });
    const mk = new EventMaker();
    const text = 'x'.repeat(1000);
    for (let i = 0; i < 5000; i++) s.append(mk.make('blob.saved', { i, text }));
    const r = await s.sweepReport();
    const removed = r.by_policy.max_bytes ?? 0;
    expect(removed).toBeGreaterThan(2000);
    const left = await s.query({ limit: 10_000, order: 'asc' });
    expect(left.length).toBe(5000 - removed);
    expect((left[0]!.data as { i: number }).i).toBe(removed); // the oldest went
    if (s instanceof SqliteStore) {
      const db = new Database(s.path, { readonly: true });
      const used = ((db.pragma('page_count', { simple: true }) as number) - (db.pragma('freelist_count', { simple: true }) as number)) * 4096;
      db.close();
      expect(used).toBeLessThanOrEqual(cap);
    } else expect(left.reduce((n, e) => n + JSON.stringify(e).length, 0)).toBeLessThanOrEqual(cap);
    await s.close();
  });

  it('events published during a sweep are kept', async () => {
    const s = kind.open({ default: '1d' });
    const mk = new EventMaker();
    for (let i = 0; i < 20_000; i++) s.append(mk.make('old.x', i, { ts: Date.now() - 2 * DAY }));
    await s.flush();
    const sweeping = s.sweepReport();
    for (let i = 0; i < 5000; i++) s.append(mk.make('new.x', i));
    const r = await sweeping;
    expect(r.by_policy).toEqual({ default: 20_000 });
    expect(await s.count()).toBe(5000);
    await s.close();
  });

  it('compact sweeps and reports', async () => {
    const s = kind.open({ default: '1d' });
    const mk = new EventMaker();
    for (let i = 0; i < 3000; i++) s.append(mk.make('old.x', { i, pad: 'y'.repeat(500) }, { ts: Date.now() - 2 * DAY }));
    await s.flush();
    const phases: string[] = [];
    const r = await s.compact({ onProgress: (p) => phases.push(p.phase) });
    expect(r.removed).toEqual({ default: 3000 });
    expect(await s.count()).toBe(0);
    if (s instanceof SqliteStore) {
      expect(r.vacuum).toBe('incremental');
      expect(r.pages_freed).toBeGreaterThan(300);
      expect(r.bytes_after).toBeLessThan(r.bytes_before / 2);
      expect(phases).toEqual(expect.arrayContaining(['sweep', 'vacuum', 'checkpoint']));
    }
    await s.close();
  });
});

describe('retention on SQLite', () => {
  it('what each policy removed outlives the process and reads from a read-only connection', async () => {
    const path = dbPath();
    const s = new SqliteStore(path, { sweepIntervalMs: 0, retention: { default: '1d' } });
    const mk = new EventMaker();
    for (let i = 0; i < 10; i++) s.append(mk.make('old.x', i, { ts: Date.now() - 2 * DAY }));
    await s.sweep();
    await s.close();
    const reader = new SqliteStore(path, { readonly: true, sweepIntervalMs: 0 });
    const stats = await reader.stats();
    expect(stats.retention).toEqual([{ policy: 'default', removed: 10, last_removed_at: expect.any(String) }]);
    await reader.close();
  });

  it('the sweeper applies the policies on its own and reports them', async () => {
    const reports: Record<string, number>[] = [];
    let done!: () => void;
    const swept = new Promise<void>((r) => (done = r));
    const s = new SqliteStore(dbPath(), {
      sweepIntervalMs: 20,
      retention: { by_type: { 'tmp.**': '1h' } },
      onSweep: (n, _err, by) => {
        if (n > 0) {
          reports.push(by!);
          done();
        }
      },
    });
    const mk = new EventMaker();
    s.append(mk.make('tmp.file', 1, { ts: Date.now() - 2 * 3_600_000 }));
    s.append(mk.make('tmp.file', 2));
    await swept;
    expect(reports[0]).toEqual({ 'type:tmp.**': 1 });
    expect(await s.count()).toBe(1);
    await s.close();
  });

  it('a database made before incremental vacuuming is vacuumed in full once, then in steps', async () => {
    const path = dbPath();
    const raw = new Database(path);
    raw.pragma('journal_mode = WAL');
    raw.exec('CREATE TABLE placeholder (x)'); // tables first: auto_vacuum stays NONE
    raw.close();
    const s = new SqliteStore(path, { sweepIntervalMs: 0, writer: 'inline', retention: { max_events: 10 } });
    const mk = new EventMaker();
    for (let i = 0; i < 2000; i++) s.append(mk.make('x.y', 'z'.repeat(300)));
    await s.flush();
    const first = await s.compact();
    expect(first.vacuum).toBe('full');
    expect(first.removed).toEqual({ max_events: 1990 });
    for (let i = 0; i < 2000; i++) s.append(mk.make('x.y', 'z'.repeat(300)));
    await s.flush();
    const second = await s.compact();
    expect(second.vacuum).toBe('incremental');
    expect(statSync(path).size).toBeLessThan(200_000);
    await s.close();
  });
});

describe('bad retention options are INVALID_OPTION naming the field', () => {
  it.each([
    [{ default: '90x' }, 'retention.default'],
    [{ default: 0 }, 'retention.default'],
    [{ default: -1 }, 'retention.default'],
    [{ default: '' }, 'retention.default'],
    [{ default: true }, 'retention.default'],
    [{ by_type: { 'a.{b': '1d' } }, 'retention.by_type["a.{b"]'],
    [{ by_type: { 'a.*': '1 fortnight' } }, 'retention.by_type["a.*"]'],
    [{ by_type: ['a.*'] }, 'retention.by_type'],
    [{ max_events: 0 }, 'retention.max_events'],
    [{ max_events: 1.5 }, 'retention.max_events'],
    [{ max_bytes: '10 GB please' }, 'retention.max_bytes'],
    [{ max_bytes: 0 }, 'retention.max_bytes'],
    [{ maxAge: '1d' }, 'maxAge'],
    ['90d', 'retention'],
  ])('%j', (o, option) => {
    const e = expectCode(() => resolveRetention(o), 'INVALID_OPTION');
    expect(e.option).toBe(option);
  });

  it('at open, nothing is created', () => {
    const path = dbPath();
    expectCode(() => new SqliteStore(path, { retention: { default: 'soon' } }), 'INVALID_OPTION');
    expect(() => statSync(path)).toThrow();
  });

  it('reads ages and sizes as documented', () => {
    const r = resolveRetention({ default: 90, by_type: { 'error.**': '365d', 'audit.**': '7y', 'x.*': '12h', 'y.*': '1.5w' }, max_bytes: '10GiB' })!;
    expect(r.rules.map((x) => [x.name, x.maxAgeMs])).toEqual([
      ['type:error.**', 365 * DAY],
      ['type:audit.**', 2555 * DAY],
      ['type:x.*', 12 * 3_600_000],
      ['type:y.*', 10.5 * DAY],
      ['default', 90 * DAY],
    ]);
    expect(r.maxBytes).toBe(10 * 1024 ** 3);
    expect(resolveRetention({ max_bytes: '500 MB' })!.maxBytes).toBe(500e6);
    expect(resolveRetention({})).toBeNull();
  });
});
