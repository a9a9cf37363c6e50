/**
 * What only the SQLite store does: sequences that survive a restart, group
 * commit, durability at flush, failure without loss, expression indexes,
 * read-only readers, and the `--store` spec. The suite runs once per writer
 * (inline and thread); what differs between them has a test of its own.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { normalizeQuery } from '../../src/core/query.js';
import { openStore, parseStoreSpec } from '../../src/store/open.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { EventMaker, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let n = 0;
const freshPath = () => join(tmp.dir, `s${++n}.db`);
const turn = () => new Promise((r) => setImmediate(r));

const WRITERS = ['inline', 'thread'] as const;

describe.each(WRITERS)('SqliteStore (%s writer)', (writer) => {
  it('continues the sequence across a reopen, including marked (unpersisted) sequences', async () => {
    const path = freshPath();
    const a = new SqliteStore(path, { writer, sweepIntervalMs: 0 });
    const mk = new EventMaker(a.lastSequence());
    for (let i = 0; i < 5; i++) a.append(mk.make('x', i));
    await a.close();
    const b = new SqliteStore(path, { writer, sweepIntervalMs: 0 });
    expect(b.lastSequence()).toBe(5);
    b.markSequence(9); // the bus published 6..9 without persisting them
    await b.close();
    const c = new SqliteStore(path, { writer, sweepIntervalMs: 0 });
    expect(c.lastSequence()).toBe(9);
    const mk2 = new EventMaker(c.lastSequence());
    c.append(mk2.make('y'));
    expect((await c.query(normalizeQuery({ order: 'desc', limit: 1 })))[0]!.sequence).toBe(10);
    await c.close();
  });

  it('keeps events pending while the database is locked, fails flush, then writes them', async () => {
    const path = freshPath();
    const s = new SqliteStore(path, { writer, sweepIntervalMs: 0, busyTimeoutMs: 20 });
    const other = new Database(path);
    other.pragma('busy_timeout = 0');
    const mk = new EventMaker();
    s.append(mk.make('before', 0));
    await s.flush();
    other.exec('BEGIN IMMEDIATE'); // another writer holds the write lock
    for (let i = 1; i <= 3; i++) s.append(mk.make('during', i));
    await expect(s.flush()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', message: expect.stringContaining('3 pending') });
    expect(s.writerStats().pending).toBe(3);
    expect(s.writerStats().failures).toBeGreaterThan(0);
    other.exec('COMMIT');
    await s.flush();
    expect((await s.query(normalizeQuery({}))).map((e) => e.data)).toEqual([0, 1, 2, 3]);
    other.close();
    await s.close();
  });

  it('refuses to close while events cannot be written, and closes once they can', async () => {
    const path = freshPath();
    const s = new SqliteStore(path, { writer, sweepIntervalMs: 0, busyTimeoutMs: 20 });
    const other = new Database(path);
    const mk = new EventMaker();
    other.exec('BEGIN IMMEDIATE');
    s.append(mk.make('x'));
    await expect(s.close()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    other.exec('COMMIT');
    other.close();
    await s.close();
    const check = new SqliteStore(path, { readonly: true });
    expect(await check.count()).toBe(1);
    await check.close();
  });

  it('offers expression indexes that the planner uses, with identical results', async () => {
    const s = new SqliteStore(freshPath(), { writer, sweepIntervalMs: 0 });
    const mk = new EventMaker();
    for (let i = 0; i < 2000; i++) s.append(mk.make('m', { x: i % 2 ? i : String(i), y: i % 7 }));
    const q = normalizeQuery({ filters: { 'data.x': { op: '>=', value: 1990 } } });
    const before = (await s.query(q)).map((e) => e.sequence);
    expect(s.explain(q).join(' ')).not.toContain('events_x_');
    const name = await s.createIndex('data.x');
    expect(name).toMatch(/^events_x_data_x_/);
    expect(await s.createIndex('data.x')).toBe(name);
    expect(await s.createIndex('sequence')).toBeNull();
    expect(s.explain(q).join(" ")).toContain(`COVERING INDEX ${name} (<expr>>? AND <expr><?)`);
    expect((await s.query(q)).map((e) => e.sequence)).toEqual(before);
    expect(before).toEqual([1992, 1994, 1996, 1998, 2000]);
    const eq = normalizeQuery({ filters: { 'data.x': 1001 } });
    expect(s.explain(eq).join(" ")).toContain(`COVERING INDEX ${name} (<expr>=?`);
    expect(await s.listIndexes()).toEqual([{ path: 'data.x', name }]);
    expect(await s.dropIndex('data.x')).toBe(true);
    expect(s.explain(q).join(' ')).not.toContain(name);
    await expect(s.createIndex('nope')).rejects.toMatchObject({ code: 'INVALID_QUERY' });
    await s.close();
  });

  it('looks events up by id with an index only when one was asked for', async () => {
    const s = new SqliteStore(freshPath(), { writer, sweepIntervalMs: 0 });
    const mk = new EventMaker();
    const events = Array.from({ length: 500 }, () => mk.make('m', {}));
    for (const e of events) s.append(e);
    const q = normalizeQuery({ filters: { id: events[321]!.id } });
    expect(s.explain(q).join(' ')).not.toContain('USING INDEX');
    const name = await s.createIndex('id');
    expect(name).toMatch(/^events_x_id_/);
    expect(s.explain(q).join(' ')).toContain(name);
    expect((await s.query(q)).map((e) => e.sequence)).toEqual([322]);
    await s.close();
  });

  it('serves a type pattern with a time range and a correlation id from indexes', async () => {
    const s = new SqliteStore(freshPath(), { writer, sweepIntervalMs: 0 });
    const a = s.explain(normalizeQuery({ event_type: 'order.created', start_time: 0, end_time: 10 })).join(' | ');
    expect(a).toContain('events_type_ts (event_type=? AND ts_ms>? AND ts_ms<?)');
    expect(s.explain(normalizeQuery({ correlation_id: 'c' })).join(' ')).toContain('events_correlation (correlation_id=?)');
    await s.close();
  });

  it('passes integrity_check and reads through a read-only connection', async () => {
    const path = freshPath();
    const s = new SqliteStore(path, { writer, sweepIntervalMs: 0 });
    const mk = new EventMaker();
    for (let i = 0; i < 100; i++) s.append(mk.make('i', i, { ttl_seconds: i % 2 ? 1 : 3600, ts: Date.now() - 5000 }));
    await s.flush();
    expect(await s.sweep()).toBe(50);
    expect(s.integrityCheck()).toEqual(['ok']);
    const r = new SqliteStore(path, { readonly: true });
    expect(await r.count()).toBe(50);
    expect(r.lastSequence()).toBe(100);
    expect(() => r.append(mk.make('no'))).toThrow(expect.objectContaining({ code: 'STORE_UNAVAILABLE' }));
    await r.close();
    await s.close();
  });

  it('sweeps on its own when a sweep interval is set', async () => {
    let swept!: (n: number) => void;
    const deleted = new Promise<number>((r) => (swept = r));
    const s = new SqliteStore(freshPath(), { writer, sweepIntervalMs: 20, onSweep: (n) => n > 0 && swept(n) });
    const mk = new EventMaker();
    s.append(mk.make('old', 1, { ts: Date.now() - 5000, ttl_seconds: 1 }));
    s.append(mk.make('new', 2));
    await s.flush();
    expect(await deleted).toBe(1);
    expect((await s.stats()).expired_pending_sweep).toBe(0);
    expect(await s.count()).toBe(1);
    await s.close();
  });

  it('rejects bad options, naming them', () => {
    for (const [o, name] of [[{ maxBatch: 0 }, 'maxBatch'], [{ sweepIntervalMs: -1 }, 'sweepIntervalMs'], [{ synchronous: 'off' }, 'synchronous'], [{ busyTimeoutMs: Number.NaN }, 'busyTimeoutMs'], [{ writer: 'fork' }, 'writer']] as const) {
      expect(() => new SqliteStore(freshPath(), { writer, ...o } as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', option: name }));
    }
  });

  it('reports a missing read-only database and an unusable path as STORE_UNAVAILABLE', () => {
    expect(() => new SqliteStore(join(tmp.dir, 'missing.db'), { readonly: true })).toThrow(
      expect.objectContaining({ code: 'STORE_UNAVAILABLE' }),
    );
    expect(() => new SqliteStore(join(tmp.dir, 'no', 'such', 'dir', 'x.db'), { writer })).toThrow(expect.objectContaining({ code: 'STORE_UNAVAILABLE' }));
  });
});

// its timing is the inline writer's own; thread-writer.test.ts has the writer thread's
describe('SqliteStore: the inline writer', () => {
  it('group-commits: one transaction per event-loop turn, or per maxBatch events', async () => {
    const path = freshPath();
    const s = new SqliteStore(path, { writer: 'inline', sweepIntervalMs: 0, maxBatch: 5000 });
    const reader = new Database(path, { readonly: true });
    const visible = () => reader.prepare('SELECT count(*) FROM events').pluck().get() as number;
    const mk = new EventMaker();
    for (let i = 0; i < 1000; i++) s.append(mk.make('burst', i));
    // appended but not committed: no other connection can see them yet
    expect(visible()).toBe(0);
    expect(s.writerStats()).toMatchObject({ commits: 0, pending: 1000 });
    await turn();
    expect(visible()).toBe(1000);
    expect(s.writerStats()).toMatchObject({ commits: 1, rows: 1000, pending: 0 });
    for (let i = 0; i < 12_000; i++) s.append(mk.make('big', i));
    // two full batches were committed inline; the rest waits for the turn
    expect(s.writerStats()).toMatchObject({ commits: 3, pending: 2000 });
    await s.flush();
    expect(s.writerStats()).toMatchObject({ commits: 4, rows: 13_000, pending: 0, syncs: 1 });
    expect(visible()).toBe(13_000);
    await s.flush(); // nothing new: no second fsync
    expect(s.writerStats().syncs).toBe(1);
    reader.close();
    await s.close();
  });
});

describe('openStore', () => {
  it('parses store specs', () => {
    expect(parseStoreSpec(undefined)).toEqual({ kind: 'sqlite', path: './.crosstalk/events.db' });
    expect(parseStoreSpec('sqlite')).toEqual({ kind: 'sqlite', path: './.crosstalk/events.db' });
    expect(parseStoreSpec('sqlite:/tmp/x.db')).toEqual({ kind: 'sqlite', path: '/tmp/x.db' });
    expect(parseStoreSpec('memory')).toEqual({ kind: 'memory' });
    for (const bad of ['sqlite:', 'postgres://x', 'mem', 5]) {
      expect(() => parseStoreSpec(bad)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    }
  });

  it('creates the database directory', async () => {
    const path = join(tmp.dir, 'nested', 'deeper', 'events.db');
    const s = openStore(`sqlite:${path}`);
    expect(s.kind).toBe('sqlite');
    expect(existsSync(path)).toBe(true);
    await s.close();
    const m = openStore('memory');
    expect(m.kind).toBe('memory');
    await m.close();
  });
});
