/**
 * Group commit for the SQLite store.
 *
 * `append` only serialises the event into a pending buffer; one transaction
 * per event-loop turn (or per `maxBatch` events, whichever comes first)
 * inserts the whole buffer. So `publish` never waits on the disk, and a
 * burst of N events costs one commit, not N.
 *
 * Durability: a committed group survives a crash of the process (it is in
 * the WAL, in the OS's page cache); `flush()` also fsyncs the WAL, so what
 * it acknowledges survives a power cut too. With synchronous=NORMAL SQLite
 * syncs the WAL only at checkpoints, so `sync()` runs one small write with
 * synchronous=FULL, whose fsync covers every earlier frame of the file.
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
import { INSERT_SQL, ROW_WIDTH } from './schema.js';

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5000;

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

type WriteGroup = (rows: unknown[], checkpoints: Map<string, number>, types: readonly string[], high: number) => void;

export class GroupWriter {
  /** flat rows, ROW_WIDTH values each, not committed yet */
  private pending: unknown[] = [];
  private checkpoints = new Map<string, number>();
  private high: number;
  private highWritten: number;
  private scheduled: NodeJS.Immediate | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay = RETRY_MIN_MS;
  /** the last commit failure; cleared by the next successful commit */
  private failure: Error | null = null;
  /** writes since the last fsync of the WAL */
  private unsynced = false;
  private stopped = false;
  private readonly counters = { commits: 0, rows: 0, failures: 0, syncs: 0 };
  private readonly writeGroup: WriteGroup;
  private readonly markSynced: Database.Statement;
  // many events share a millisecond: each timestamp string is parsed once
  private lastTimestamp = '';
  private lastTsMs = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly catalog: TypeCatalog,
    private readonly options: GroupWriterOptions,
    highSequence: number,
  ) {
    this.high = this.highWritten = highSequence;
    const insert = db.prepare(INSERT_SQL);
    const addType = db.prepare('INSERT OR IGNORE INTO event_types (event_type) VALUES (?)');
    const setCheckpoint = db.prepare(
      'INSERT INTO checkpoints (name, last_sequence, updated_ms) VALUES (?, ?, ?) ' +
        'ON CONFLICT(name) DO UPDATE SET last_sequence = excluded.last_sequence, updated_ms = excluded.updated_ms',
    );
    const setHigh = db.prepare(
      "INSERT INTO meta (key, value) VALUES ('high_sequence', ?) ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)",
    );
    this.markSynced = db.prepare("INSERT INTO meta (key, value) VALUES ('synced_ms', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    this.writeGroup = db.transaction((rows: unknown[], checkpoints: Map<string, number>, types: readonly string[], high: number) => {
      for (const t of types) addType.run(t);
      for (let i = 0; i < rows.length; i += ROW_WIDTH) {
        insert.run(rows[i], rows[i + 1], rows[i + 2], rows[i + 3], rows[i + 4], rows[i + 5], rows[i + 6], rows[i + 7]);
      }
      const now = Date.now();
      for (const [name, seq] of checkpoints) setCheckpoint.run(name, seq, now);
      if (high > this.highWritten) setHigh.run(high);
    });
  }

  get highSequence(): number {
    return this.high;
  }

  append(event: UniversalEvent): void {
    if (event.timestamp !== this.lastTimestamp) {
      this.lastTimestamp = event.timestamp;
      this.lastTsMs = Date.parse(event.timestamp);
    }
    const ts = this.lastTsMs;
    const ttl = event.ttl_seconds;
    // serialised now, so later changes to the event object cannot change what is stored
    this.pending.push(
      event.sequence,
      event.id,
      event.event_type,
      ts,
      event.source.component,
      event.source.correlation_id ?? null,
      typeof ttl === 'number' ? ts + ttl * 1000 : null,
      JSON.stringify(event),
    );
    this.catalog.note(event.event_type);
    if (event.sequence > this.high) this.high = event.sequence;
    if (this.pending.length >= this.options.maxBatch * ROW_WIDTH) this.commit();
    else this.schedule();
  }

  markSequence(sequence: number): void {
    if (sequence > this.high) this.high = sequence;
  }

  setCheckpoint(name: string, sequence: number): void {
    this.checkpoints.set(name, sequence);
    this.schedule();
  }

  /** a checkpoint set but not committed yet */
  bufferedCheckpoint(name: string): number | undefined {
    return this.checkpoints.get(name);
  }

  /** other writes on the connection (sweeps, indexes) also need the next sync */
  noteWrite(): void {
    this.unsynced = true;
  }

  private schedule(): void {
    if (this.scheduled || this.retryTimer || this.stopped) return;
    this.scheduled = setImmediate(() => {
      this.scheduled = null;
      this.commit();
    });
  }

  /** Commits everything pending in one transaction. Never throws: a failure is kept for flush(). */
  commit(): void {
    if (this.pending.length === 0 && this.checkpoints.size === 0 && this.high <= this.highWritten) return;
    const rows = this.pending;
    const checkpoints = this.checkpoints;
    const types = this.catalog.uncommitted;
    const high = this.high;
    try {
      this.writeGroup(rows, checkpoints, types, high);
    } catch (e) {
      this.failure = e as Error;
      this.counters.failures++;
      this.retryLater();
      return;
    }
    // nothing can append during the synchronous transaction above
    this.pending = [];
    this.checkpoints = new Map();
    this.catalog.committed(types.length);
    this.highWritten = high;
    this.failure = null;
    this.retryDelay = RETRY_MIN_MS;
    this.unsynced = true;
    this.counters.commits++;
    this.counters.rows += rows.length / ROW_WIDTH;
  }

  private retryLater(): void {
    if (this.retryTimer || this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.commit();
      if (this.pending.length > 0 && this.failure === null) this.schedule();
    }, this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS);
  }

  /** Commits, and throws STORE_UNAVAILABLE if what is pending cannot be written. */
  commitOrThrow(where: string): void {
    this.commit();
    if (this.failure === null) return;
    const rows = this.pending.length / ROW_WIDTH;
    throw new CrosstalkError('STORE_UNAVAILABLE', `${where}: cannot write ${rows} pending event(s): ${this.failure.message}`, {
      cause: this.failure,
    });
  }

  /** Commits and makes everything committed so far durable (see the file comment). */
  flush(where: string): void {
    this.commitOrThrow(where);
    if (!this.unsynced) return;
    if (this.options.synchronous === 'normal') {
      try {
        this.db.pragma('synchronous = FULL');
        try {
          this.markSynced.run(Date.now());
        } finally {
          this.db.pragma('synchronous = NORMAL');
        }
      } catch (e) {
        throw new CrosstalkError('STORE_UNAVAILABLE', `${where}: cannot sync: ${(e as Error).message}`, { cause: e });
      }
    }
    this.unsynced = false;
    this.counters.syncs++;
  }

  stats(): WriterStats {
    return { ...this.counters, pending: this.pending.length / ROW_WIDTH };
  }

  /** Stops the timers; what is still pending stays (a later flush can write it). */
  stop(): void {
    this.stopped = true;
    if (this.scheduled) clearImmediate(this.scheduled);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.scheduled = this.retryTimer = null;
  }
}
