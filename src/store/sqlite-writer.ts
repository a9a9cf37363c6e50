/**
 * Group commit for the SQLite store, on the store's own connection (the
 * `inline` writer; thread-writer.ts is the other one).
 *
 * `append` only serialises the event into a pending buffer; one transaction
 * per event-loop turn (or per `maxBatch` events, whichever comes first)
 * inserts the whole buffer. So `publish` never waits on the disk, and a
 * burst of N events costs one commit, not N.
 *
 * Durability: a committed group survives a crash of the process (it is in
 * the WAL, in the OS's page cache); `flush()` also fsyncs the WAL, so what
 * it acknowledges survives a power cut too (GroupCommit.sync).
 *
 * Failure: a failed commit keeps its rows pending (in order: later events
 * wait behind them, so sequences become visible in order), retries with
 * backoff, and makes `flush()` reject with STORE_UNAVAILABLE until it
 * succeeds. An accepted event is never dropped.
 */
import type Database from 'better-sqlite3';
import { CrosstalkError } from '../core/errors.js';
import type { UniversalEvent } from '../core/event.js';
import type { TypeCatalog } from './catalog.js';
import { GroupCommit, RETRY_MAX_MS, RETRY_MIN_MS } from './group-commit.js';
import { BufferedWriter } from './buffered-writer.js';
import { rowCount, type RowChunks } from './rows.js';

/** Counters of the group-commit writer. */
export interface WriterStats {
  /** transactions committed */
  commits: number;
  /** events written */
  rows: number;
  /** events appended but not committed yet */
  pending: number;
  /** failed commit attempts */
  failures: number;
  /** fsyncs of the WAL made by flush/close */
  syncs: number;
}

export interface GroupWriterOptions {
  synchronous: 'normal' | 'full';
  maxBatch: number;
}

/** What the store needs of a writer, inline or on a thread. */
export interface StoreWriter {
  /** the highest sequence appended or marked */
  readonly highSequence: number;
  /** told of each group commit: rows, and seconds from the oldest row's append to the commit */
  commitListener: ((rows: number, seconds: number) => void) | null;
  append(event: UniversalEvent): void;
  markSequence(sequence: number): void;
  setCheckpoint(name: string, sequence: number): void;
  /** a checkpoint set but not committed yet */
  bufferedCheckpoint(name: string): number | undefined;
  /** other writes to the database (sweeps, indexes) also need the next sync */
  noteWrite(): void;
  /**
   * Resolves once everything appended before the call is committed, or its
   * commit failed (the failure is kept for flush): after it, a read sees
   * every event that can be seen.
   */
  settle(): void | Promise<void>;
  /** Resolves when the writer can write (a writer thread has opened its connection); STORE_UNAVAILABLE if it cannot. */
  opened(): Promise<void>;
  /** Commits and makes everything committed durable; STORE_UNAVAILABLE when pending rows cannot be written. */
  flush(where: string): Promise<void>;
  /** Flushes and stops; on failure it stays usable, the rows pending, and a later close retries. */
  close(where: string): Promise<void>;
  stats(): WriterStats;
}

export function pendingError(where: string, rows: number, cause: Error): CrosstalkError {
  return new CrosstalkError('STORE_UNAVAILABLE', `${where}: cannot write ${rows} pending event(s): ${cause.message}`, { cause });
}

export class GroupWriter extends BufferedWriter implements StoreWriter {
  /** rows of a failed commit, written before anything buffered after them */
  private retained: RowChunks = [];
  private highWritten: number;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay = RETRY_MIN_MS;
  /** the last commit failure; cleared by the next successful commit */
  private failure: Error | null = null;
  /** writes since the last fsync of the WAL */
  private unsynced = false;
  private stopped = false;
  private readonly counters = { commits: 0, rows: 0, failures: 0, syncs: 0 };
  private readonly group: GroupCommit;

  constructor(db: Database.Database, catalog: TypeCatalog, options: GroupWriterOptions, highSequence: number) {
    super(catalog, options.maxBatch, highSequence);
    this.highWritten = highSequence;
    this.group = new GroupCommit(db, options.synchronous, highSequence);
  }

  private get pending(): number {
    return rowCount(this.retained) + this.buffer.count;
  }

  bufferedCheckpoint(name: string): number | undefined {
    return this.checkpoints.get(name);
  }

  noteWrite(): void {
    this.unsynced = true;
  }

  protected write(): void {
    this.commit();
  }

  protected mayWrite(): boolean {
    return this.retryTimer === null && !this.stopped;
  }

  /** Commits everything pending in one transaction. Never throws: a failure is kept for flush(). */
  commit(): void {
    // rows retained after a failure lose their append time: only first attempts are timed
    const since = this.retained.length === 0 ? this.takeOldestAppend() : (this.takeOldestAppend(), 0);
    if (this.buffer.count > 0) {
      // what failed before goes first, in one list of chunks
      const taken = this.buffer.take();
      this.retained = this.retained.length === 0 ? taken : this.retained.concat(taken);
    }
    if (this.retained.length === 0 && this.checkpoints.size === 0 && this.high <= this.highWritten) return;
    const chunks = this.retained;
    const types = this.catalog.uncommitted;
    const high = this.high;
    try {
      this.group.write({ chunks, types, checkpoints: [...this.checkpoints], high });
    } catch (e) {
      this.failure = e as Error;
      this.counters.failures++;
      this.retryLater();
      return;
    }
    // nothing can append during the synchronous transaction above
    this.retained = [];
    this.checkpoints = new Map();
    this.catalog.committed(types.length);
    this.highWritten = high;
    this.failure = null;
    this.retryDelay = RETRY_MIN_MS;
    this.unsynced = true;
    this.counters.commits++;
    const rows = rowCount(chunks);
    this.counters.rows += rows;
    this.reportCommit(rows, since);
  }

  async opened(): Promise<void> {}

  settle(): void {
    this.commit();
  }

  private retryLater(): void {
    if (this.retryTimer || this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.commit();
      if (this.buffer.count > 0 && this.failure === null) this.schedule();
    }, this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS);
  }

  /** Commits, and throws STORE_UNAVAILABLE if what is pending cannot be written. */
  private commitOrThrow(where: string): void {
    this.commit();
    if (this.failure !== null) throw pendingError(where, this.pending, this.failure);
  }

  async flush(where: string): Promise<void> {
    this.flushNow(where);
  }

  private flushNow(where: string): void {
    this.commitOrThrow(where);
    if (!this.unsynced) return;
    try {
      this.group.sync();
    } catch (e) {
      throw new CrosstalkError('STORE_UNAVAILABLE', `${where}: cannot sync: ${(e as Error).message}`, { cause: e });
    }
    this.unsynced = false;
    this.counters.syncs++;
  }

  async close(where: string): Promise<void> {
    this.stop();
    this.flushNow(where);
    this.closedBy = where;
  }

  stats(): WriterStats {
    return { ...this.counters, pending: this.pending };
  }

  /** Stops the timers; what is still pending stays (a later flush can write it). */
  private stop(): void {
    this.stopped = true;
    this.unschedule();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }
}
