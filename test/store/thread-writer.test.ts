/**
 * What only the writer thread (`writer: 'thread'`) does: batches committed
 * on another thread and acknowledged, reads that wait for the
 * acknowledgement, backpressure, and a thread that fails to open or dies
 * without losing or duplicating an event. Everything else runs in the shared
 * suites (conformance, sqlite, replay) against both writers.
 */
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { normalizeQuery } from '../../src/core/query.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { EventMaker, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let n = 0;
const freshPath = () => join(tmp.dir, `t${++n}.db`);

/** the writer thread of a store, for tests that kill it */
const threadOf = (s: SqliteStore) => (s as unknown as { writer: { worker: import('node:worker_threads').Worker | null } }).writer.worker!;

describe('SqliteStore with a writer thread', () => {
  it('commits batches on the thread; reads wait for them; flush waits for the commit and the fsync', async () => {
    const path = freshPath();
    const s = new SqliteStore(path, { writer: 'thread', sweepIntervalMs: 0, maxBatch: 5000 });
    expect(s.writerMode).toBe('thread');
    await s.opened();
    const reader = new Database(path, { readonly: true });
    const visible = () => reader.prepare('SELECT count(*) FROM events').pluck().get() as number;
    const mk = new EventMaker();
    for (let i = 0; i < 1000; i++) s.append(mk.make('burst', i));
    // buffered on this thread until the turn ends: nobody can see them yet
    expect(visible()).toBe(0);
    expect(s.writerStats()).toMatchObject({ commits: 0, pending: 1000 });
    // a read sends the buffer and waits for the thread's acknowledgement
    expect(await s.count()).toBe(1000);
    expect(visible()).toBe(1000);
    expect(s.writerStats()).toMatchObject({ commits: 1, rows: 1000, pending: 0 });
    for (let i = 0; i < 12_000; i++) s.append(mk.make('big', i));
    // two full batches went to the thread as they filled; none is acknowledged within this turn
    expect(s.writerStats()).toMatchObject({ rows: 1000, pending: 12_000 });
    await s.flush();
    const st = s.writerStats();
    expect(st).toMatchObject({ rows: 13_000, pending: 0, syncs: 1 });
    // batches that queued up while the thread was busy share a transaction
    expect(st.commits).toBeGreaterThanOrEqual(2);
    expect(st.commits).toBeLessThanOrEqual(4);
    expect(visible()).toBe(13_000);
    await s.flush(); // nothing new: no second fsync
    expect(s.writerStats().syncs).toBe(1);
    reader.close();
    await s.close();
  });

  it('holds a publisher back when the thread falls behind, and stores everything in order', async () => {
    const path = freshPath();
    const s = new SqliteStore(path, { writer: 'thread', sweepIntervalMs: 0, maxBatch: 500 });
    const mk = new EventMaker();
    // one synchronous burst, far past the in-flight limit (20,000 rows)
    for (let i = 0; i < 60_000; i++) s.append(mk.make(`t.${i % 7}`, { i, s: 'x'.repeat(i % 40) }));
    await s.flush();
    expect(s.writerStats()).toMatchObject({ rows: 60_000, pending: 0, failures: 0 });
    const page = await s.query(normalizeQuery({ order: 'desc', limit: 3 }));
    expect(page.map((e) => e.sequence)).toEqual([60_000, 59_999, 59_998]);
    await s.close();
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM events').get()).toEqual({ n: 60_000, lo: 1, hi: 60_000 });
    db.close();
  });

  it('replaces a thread that died and sends it, once, what the old one had not acknowledged', async () => {
    const path = freshPath();
    const s = new SqliteStore(path, { writer: 'thread', sweepIntervalMs: 0, maxBatch: 100 });
    await s.opened();
    const reader = new Database(path, { readonly: true });
    const visible = () => reader.prepare('SELECT count(*) FROM events').pluck().get() as number;
    const mk = new EventMaker();
    // maxBatch 100: each hundred goes to the thread at once
    for (let i = 0; i < 1000; i++) s.append(mk.make('x', i));
    // wait (blocking this thread, so no acknowledgement is read) until some are committed
    const until = Date.now() + 10_000;
    while (visible() < 300 && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    expect(visible()).toBeGreaterThanOrEqual(300);
    // the thread dies with its acknowledgements unread: committed, as far as this side knows, is nothing
    const thread = threadOf(s);
    thread.removeAllListeners('message');
    await thread.terminate();
    expect(s.writerStats()).toMatchObject({ rows: 0, pending: 1000 });
    // a new thread starts on its own after a pause, and gets what the old one left
    for (const end = Date.now() + 10_000; s.writerStats().pending > 0 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
    expect(s.writerStats()).toMatchObject({ rows: 1000, pending: 0 });
    expect(visible()).toBe(1000);
    for (let i = 1000; i < 1200; i++) s.append(mk.make('y', i));
    await s.flush();
    expect(await s.count()).toBe(1200);
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM events').get()).toEqual({ n: 1200, lo: 1, hi: 1200 });
    expect(db.prepare("SELECT count(*) FROM event_types WHERE event_type IN ('x', 'y')").pluck().get()).toBe(2);
    db.close();
    reader.close();
    await s.close();
  });

  it('reports a thread that cannot open the database as STORE_UNAVAILABLE, keeps the rows, and writes them once it can', async () => {
    const path = freshPath();
    const s = new SqliteStore(path, { writer: 'thread', sweepIntervalMs: 0 });
    // the thread opens the file after the store did: gone by then, it finds no schema
    for (const x of ['', '-wal', '-shm']) rmSync(path + x, { force: true });
    await expect(s.opened()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    const mk = new EventMaker();
    for (let i = 0; i < 3; i++) s.append(mk.make('kept', i));
    await expect(s.flush()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', message: expect.stringContaining('3 pending') });
    expect(s.writerStats().pending).toBe(3);
    await expect(s.close()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    // the database is back (another store made it): the next flush starts a thread that can write
    await new SqliteStore(path, { writer: 'inline', sweepIntervalMs: 0 }).close();
    await s.flush();
    expect(s.writerStats()).toMatchObject({ pending: 0, rows: 3 });
    await s.close();
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT seq FROM events ORDER BY seq').pluck().all()).toEqual([1, 2, 3]);
    db.close();
  });

  it('uses no thread for an in-memory database or a read-only store', async () => {
    const m = new SqliteStore(':memory:', { writer: 'thread', sweepIntervalMs: 0 });
    expect(m.writerMode).toBe('inline');
    await m.opened();
    await m.close();
    const path = freshPath();
    await new SqliteStore(path, { writer: 'thread' }).close();
    const r = new SqliteStore(path, { readonly: true, writer: 'thread' });
    expect(r.writerMode).toBe('inline');
    await r.close();
  });
});
