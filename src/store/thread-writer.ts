/**
 * Group commit on a writer thread (`writer: 'thread'`). The main thread
 * serialises each event into the pending buffer, as the inline writer does,
 * and once per event-loop turn (or per `maxBatch` events) posts the buffer
 * to the worker (sqlite-worker.ts) as one batch. The worker's connection
 * inserts and commits while this thread goes on publishing.
 *
 * A batch travels as bytes: its row arrays, v8.serialize()d once. The bytes
 * are what this side keeps until the worker acknowledges the batch. Keeping
 * the arrays instead made their strings outlive a young-generation GC or
 * two, and copying them to the old generation cost more (measured ~1.8 µs
 * per event) than the serialising.
 *
 * Contract, as for the inline writer:
 * - `settle()` (before every read on the store's own connection) resolves
 *   once the worker acknowledged the commit of everything appended before it;
 * - `flush()` resolves after the worker committed and fsynced it all, and
 *   rejects with STORE_UNAVAILABLE while a commit fails; the rows stay
 *   queued in order and are retried;
 * - batches stay here until acknowledged, so if the thread dies they are
 *   sent again to a new one (started with backoff, or at once by a flush):
 *   an accepted event is never dropped. Each transaction also stores the id of its last batch (meta
 *   `writer_batch`, with a token of this writer), so batches the dead
 *   thread committed without getting to acknowledge them are not sent twice.
 *
 * Backpressure: a publisher faster than the disk would queue without
 * bound. When more than `maxInFlight` rows are unacknowledged, `append`
 * waits (Atomics.wait on a counter the worker bumps after each commit),
 * as an inline commit would have made it wait.
 */
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { serialize } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { CrosstalkError, describeValue } from '../core/errors.js';
import type { RetentionOptions } from '../core/retention.js';
import type { TypeCatalog } from './catalog.js';
import { committedMark, RETRY_MAX_MS, RETRY_MIN_MS } from './group-commit.js';
import { BufferedWriter } from './buffered-writer.js';
import { pendingError, type StoreWriter, type WriterStats } from './sqlite-writer.js';
import {
  PROGRESS_FAILING,
  PROGRESS_ROWS,
  PROGRESS_SLOTS,
  type CloseMessage,
  type FromWorker,
  type RowsMessage,
  type SweepMessage,
  type SyncMessage,
  type ToWorker,
  type WorkerInit,
} from './worker-protocol.js';

export interface ThreadWriterOptions {
  path: string;
  synchronous: 'normal' | 'full';
  maxBatch: number;
  busyTimeoutMs: number;
}

/**
 * The longest a publisher waits for the worker to make progress. A worker
 * that made none for this long may be dead (its exit is only seen once this
 * thread is back in the event loop): rows then queue here until the next
 * acknowledgement, instead of every append waiting again.
 */
const MAX_BACKPRESSURE_WAIT_MS = 10_000;

/**
 * The compiled worker next to this module. Run from the TypeScript sources
 * (the test suites), it is the one in dist/: Node cannot start a thread
 * from a .ts file, so the sources must have been built (npm test does).
 */
function workerUrl(): URL {
  if (import.meta.url.endsWith('.ts')) return new URL('../../dist/store/sqlite-worker.js', import.meta.url);
  return new URL('./sqlite-worker.js', import.meta.url);
}

/** What a thread threw, as an Error with a message (a cloned error may arrive as a plain object). */
function asError(e: unknown): Error {
  if (e instanceof Error && typeof e.message === 'string' && e.message !== '') return e;
  const o = e as { message?: unknown; code?: unknown } | null;
  const what = typeof o?.message === 'string' && o.message !== '' ? o.message : typeof o?.code === 'string' ? o.code : describeValue(e);
  return new Error(`the writer thread failed: ${what}`);
}

type Answer = { error?: string; commitFailed?: boolean; removed?: [string, number][] };

interface Request {
  resolve: (r: Answer) => void;
}

export class ThreadWriter extends BufferedWriter implements StoreWriter {
  private worker: Worker | null = null;
  private progress = new Int32Array(new SharedArrayBuffer(PROGRESS_SLOTS * 4));
  /** rows posted to the current worker (wrapping, compared with PROGRESS_ROWS) */
  private rowsPosted = 0;
  /** checkpoints sent, by the id of the batch that carries them */
  private sentCheckpoints = new Map<string, { sequence: number; batch: number }>();
  /** batches posted and not acknowledged, oldest first */
  private inFlight: RowsMessage[] = [];
  private inFlightRows = 0;
  /** batch id → append time of its oldest row, for commitListener */
  private batchSince = new Map<number, number>();
  private lastBatch = 0;
  /** catalog types already sent in a batch */
  private typesSent = 0;
  private highSent: number;
  private highCommitted: number;
  private respawnTimer: NodeJS.Timeout | null = null;
  private respawnDelay = RETRY_MIN_MS;
  /** the last commit failure (or the thread's death); cleared by the next commit */
  private failure: Error | null = null;
  private unsynced = false;
  /** noteWrite() calls, so a sync that was asked for before one does not count for it */
  private foreignWrites = 0;
  private waiters: { upTo: number; resolve: () => void }[] = [];
  private requests = new Map<number, Request>();
  private lastRequest = 0;
  /** the worker made no progress for MAX_BACKPRESSURE_WAIT_MS: no waiting until it acknowledges again */
  private stalled = false;
  private readonly maxInFlight: number;
  /** settles when the current thread has opened its connection, or failed to */
  private openPromise: Promise<void> = Promise.resolve();
  private markOpen: () => void = () => {};
  private readonly counters = { commits: 0, rows: 0, failures: 0, syncs: 0 };
  private readonly token = randomUUID();

  constructor(
    /** the store's connection, read to learn what a dead thread committed */
    private readonly db: Database.Database,
    catalog: TypeCatalog,
    private readonly options: ThreadWriterOptions,
    highSequence: number,
  ) {
    super(catalog, options.maxBatch, highSequence);
    this.highSent = this.highCommitted = highSequence;
    this.maxInFlight = Math.max(4 * options.maxBatch, 20_000);
    this.spawn();
  }

  bufferedCheckpoint(name: string): number | undefined {
    return this.checkpoints.get(name) ?? this.sentCheckpoints.get(name)?.sequence;
  }

  noteWrite(): void {
    this.unsynced = true;
    this.foreignWrites++;
  }

  protected write(): void {
    this.send();
  }

  protected mayWrite(): boolean {
    return this.closedBy === null;
  }

  /** Posts what is buffered as one batch (kept until the worker acknowledges it). */
  private send(): void {
    if (this.buffer.count === 0 && this.checkpoints.size === 0 && this.high <= this.highSent) return;
    if (this.worker === null) {
      // the thread died: the rows wait for the next one
      this.respawnLater();
      return;
    }
    const types = this.catalog.uncommitted;
    const batch: RowsMessage = {
      t: 'rows',
      id: ++this.lastBatch,
      rows: this.buffer.count,
      bytes: serialize(this.buffer.take()),
      types: types.slice(this.typesSent),
      checkpoints: [...this.checkpoints],
      high: this.high,
    };
    this.typesSent = types.length;
    const since = this.takeOldestAppend();
    if (since > 0) this.batchSince.set(batch.id, since);
    for (const [name, sequence] of this.checkpoints) this.sentCheckpoints.set(name, { sequence, batch: batch.id });
    this.checkpoints = new Map();
    this.highSent = this.high;
    this.inFlight.push(batch);
    this.inFlightRows += batch.rows;
    this.post(batch);
    this.holdBack();
  }

  private post(m: ToWorker): void {
    if (m.t === 'rows') this.rowsPosted = (this.rowsPosted + m.rows) | 0;
    this.worker!.ref(); // an answer is due: keep the process alive for it
    this.worker!.postMessage(m);
  }

  /** Waits while too many rows are unacknowledged, unless the worker is failing or stalled (then they queue). */
  private holdBack(): void {
    const p = this.progress;
    let since = 0;
    let seen = Atomics.load(p, PROGRESS_ROWS);
    while (!this.stalled) {
      const done = Atomics.load(p, PROGRESS_ROWS);
      if (((this.rowsPosted - done) | 0) <= this.maxInFlight || Atomics.load(p, PROGRESS_FAILING) === 1) return;
      if (done !== seen) {
        seen = done;
        since = 0;
      }
      if (since >= MAX_BACKPRESSURE_WAIT_MS) this.stalled = true;
      const t0 = Date.now();
      Atomics.wait(p, PROGRESS_ROWS, done, 100);
      since += Date.now() - t0 + 1;
    }
  }

  private spawn(): void {
    if (this.respawnTimer) clearTimeout(this.respawnTimer);
    this.respawnTimer = null;
    this.progress = new Int32Array(new SharedArrayBuffer(PROGRESS_SLOTS * 4));
    this.rowsPosted = 0;
    this.stalled = false;
    const init: WorkerInit = {
      path: this.options.path,
      synchronous: this.options.synchronous,
      busyTimeoutMs: this.options.busyTimeoutMs,
      high: this.highCommitted,
      token: this.token,
      progress: this.progress.buffer as SharedArrayBuffer,
    };
    let failOpen: (e: Error) => void = () => {};
    this.openPromise = new Promise<void>((resolve, reject) => {
      this.markOpen = resolve;
      failOpen = reject;
    });
    this.openPromise.catch(() => {}); // reported by opened() and flush(), if anyone asks
    const w = new Worker(workerUrl(), { workerData: init });
    w.unref();
    w.on('message', (m: FromWorker) => this.onMessage(m));
    w.on('error', (e: unknown) => {
      if (this.worker !== w) return;
      this.failure = asError(e);
      failOpen(this.failure);
    });
    w.on('exit', (code) => this.onExit(w, code));
    this.worker = w;
    this.resend();
  }

  /** Batches a dead thread left unacknowledged go to the new one first, in order; those it committed are done. */
  private resend(): void {
    if (this.inFlight.length === 0) return;
    let mark: string | undefined;
    try {
      mark = committedMark(this.db);
    } catch {
      // cannot tell: the new thread's inserts fail on the duplicates and flush says so
    }
    const [token, id] = mark?.split(':') ?? [];
    if (token === this.token) this.acknowledge(Number(id), 0, false);
    for (const b of this.inFlight) this.post(b);
  }

  private onExit(w: Worker, code: number): void {
    if (this.worker !== w) return;
    this.worker = null;
    this.failure ??= new Error(`the writer thread exited (code ${code})`);
    this.wakeReaders();
    const requests = this.requests;
    this.requests = new Map();
    for (const r of requests.values()) r.resolve({ error: this.failure.message, commitFailed: true });
    if (this.closedBy === null && this.inFlight.length > 0) this.respawnLater();
  }

  /** A thread that died is replaced after a pause that grows while replacements die too. */
  private respawnLater(): void {
    if (this.respawnTimer) return;
    this.respawnTimer = setTimeout(() => {
      this.respawnTimer = null;
      if (this.worker !== null || this.closedBy !== null) return;
      this.spawn();
      this.send();
    }, this.respawnDelay);
    this.respawnDelay = Math.min(this.respawnDelay * 2, RETRY_MAX_MS);
  }

  private onMessage(m: FromWorker): void {
    switch (m.t) {
      case 'open':
        this.markOpen();
        this.respawnDelay = RETRY_MIN_MS;
        break;
      case 'committed':
        this.acknowledge(m.upTo, m.rows, true);
        break;
      case 'failed':
        this.failure = new Error(m.message);
        this.counters.failures++;
        this.wakeReaders();
        break;
      case 'done': {
        const r = this.requests.get(m.req);
        this.requests.delete(m.req);
        r?.resolve(m);
        break;
      }
    }
    this.releaseIfIdle();
  }

  /** Batches up to `upTo` are committed (`transaction`: by one that just ended, else found after a thread died). */
  private acknowledge(upTo: number, rows: number, transaction: boolean): void {
    let types = 0;
    while (this.inFlight.length > 0 && this.inFlight[0]!.id <= upTo) {
      const b = this.inFlight.shift()!;
      this.inFlightRows -= b.rows;
      const since = this.batchSince.get(b.id);
      if (since !== undefined) {
        this.batchSince.delete(b.id);
        if (transaction) this.reportCommit(b.rows, since);
      }
      if (!transaction) rows += b.rows;
      types += b.types.length;
      if (b.high > this.highCommitted) this.highCommitted = b.high;
    }
    this.catalog.committed(types);
    this.typesSent -= types;
    for (const [name, s] of this.sentCheckpoints) if (s.batch <= upTo) this.sentCheckpoints.delete(name);
    this.failure = null;
    this.stalled = false;
    this.unsynced = true;
    if (transaction) this.counters.commits++;
    this.counters.rows += rows;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      if (w.upTo <= upTo) w.resolve();
      else this.waiters.push(w);
    }
  }

  /** Reads go ahead without the rows that cannot be committed (as inline after a failed commit). */
  private wakeReaders(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve();
  }

  private releaseIfIdle(): void {
    if (this.worker && this.inFlight.length === 0 && this.requests.size === 0) this.worker.unref();
  }

  /** Resolves when the writer thread has opened its connection; STORE_UNAVAILABLE if it could not. */
  async opened(): Promise<void> {
    try {
      await this.openPromise;
    } catch (e) {
      throw new CrosstalkError('STORE_UNAVAILABLE', `SQLite store ${this.options.path}: ${(e as Error).message}`, { cause: e });
    }
  }

  settle(): void | Promise<void> {
    this.send();
    if (this.inFlight.length === 0 || this.failure !== null || this.worker === null) return;
    const upTo = this.lastBatch;
    return new Promise((resolve) => this.waiters.push({ upTo, resolve }));
  }

  /** Posts the message `make` builds for a new request number; resolves with the thread's answer. */
  private request(make: (req: number) => SyncMessage | CloseMessage | SweepMessage): Promise<Answer> {
    const req = ++this.lastRequest;
    return new Promise((resolve) => {
      this.requests.set(req, { resolve });
      this.post(make(req));
    });
  }

  /**
   * Sweeps on the writer thread, in steps between its commits, so neither
   * this thread nor the commits wait for a long delete. Resolves with what
   * each policy removed; STORE_UNAVAILABLE when the thread cannot.
   */
  async sweep(retention: RetentionOptions | null, now: number): Promise<Map<string, number>> {
    if (this.worker === null) this.spawn();
    this.send();
    const r = await this.request((req) => ({ t: 'sweep', req, retention, now }));
    if (r.error !== undefined) {
      throw new CrosstalkError('STORE_UNAVAILABLE', `SQLite store ${this.options.path}: sweep failed: ${r.error}`, { cause: new Error(r.error) });
    }
    this.noteWrite();
    return new Map(r.removed ?? []);
  }

  async flush(where: string): Promise<void> {
    if (this.worker === null) this.spawn();
    this.send();
    if (this.inFlight.length === 0 && !this.unsynced) return;
    const writes = this.foreignWrites;
    const r = await this.request((req) => ({ t: 'sync', req }));
    if (r.error !== undefined) {
      const cause = new Error(r.error);
      if (r.commitFailed) throw pendingError(where, this.buffer.count + this.inFlightRows, cause);
      throw new CrosstalkError('STORE_UNAVAILABLE', `${where}: cannot sync: ${r.error}`, { cause });
    }
    this.unsynced = this.foreignWrites !== writes || this.inFlight.length > 0;
    this.counters.syncs++;
  }

  async close(where: string): Promise<void> {
    // events appended while a flush was waiting need one more
    do await this.flush(where);
    while (this.buffer.count > 0 || this.checkpoints.size > 0 || this.inFlight.length > 0 || this.worker === null);
    // the thread shuts down now: a row appended after this would be lost
    this.closedBy = `SQLite store ${this.options.path}`;
    this.unschedule();
    if (this.respawnTimer) clearTimeout(this.respawnTimer);
    this.respawnTimer = null;
    const w = this.worker;
    const r = await this.request((req) => ({ t: 'close', req }));
    this.worker = null; // its exit is expected now
    await w.terminate();
    // the rows are committed and synced; a failure to close the connection loses nothing
    if (r.error !== undefined) {
      throw new CrosstalkError('STORE_UNAVAILABLE', `${where}: cannot close the writer's connection: ${r.error}`, { cause: new Error(r.error) });
    }
  }

  stats(): WriterStats {
    return { ...this.counters, pending: this.buffer.count + this.inFlightRows };
  }
}
