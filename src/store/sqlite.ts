/**
 * The default store: SQLite through better-sqlite3, in WAL mode.
 *
 * Writes go through a group-commit writer: `append` buffers, one
 * transaction per event-loop turn writes the buffer, `flush()` makes it
 * durable. Reads see every event appended before them. The writer runs the
 * transactions on a worker thread with a connection of its own
 * (`writer: 'thread'`, thread-writer.ts), so SQLite's work overlaps
 * publishing, or on this connection (`'inline'`, sqlite-writer.ts). Reads,
 * sweeps and index changes always use this connection (WAL: readers see
 * every committed group).
 *
 * Single writer: one process writes a database file (the sequence comes from
 * the writing bus). Any number of processes may read it at the same time,
 * with `readonly: true` (WAL readers never block the writer).
 */
import Database from 'better-sqlite3';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { CrosstalkError, describeValue } from '../core/errors.js';
import type { UniversalEvent } from '../core/event.js';
import type { EventQuery, EventStore } from '../core/types.js';
import { TypeCatalog } from './catalog.js';
import { checkCheckpointName } from './checkpoint.js';
import { collectStats } from './sqlite-stats.js';
import { countBy, numbersAt, scan } from './sqlite-analysis.js';
import { numbersAtParallel } from './parallel-numbers.js';
import { checkGroupBy } from './analysis-args.js';
import { GroupWriter, type StoreWriter, type WriterStats } from './sqlite-writer.js';
import { ThreadWriter } from './thread-writer.js';
import { acquireWriterLock } from './writer-lock.js';
import { configureReader, configureWriter, registerFunctions, SCHEMA_SQL, SCHEMA_VERSION } from './schema.js';
import { indexExpressionsFor, whereSql, type SqlPart } from './sql.js';
import { parsePath } from '../core/filter.js';
import type { AnalysisStore, ExtendedEventStore, GroupBy, GroupCount, LightRow, NumberColumn, StoreStats, SweepReport } from './types.js';
import { resolveRetention, type ResolvedRetention, type RetentionOptions } from '../core/retention.js';
import { fileBytes, truncateWal, vacuum, type CompactProgress, type CompactReport } from './compact.js';
import { SqliteSweep, sweepBudget } from './sweep.js';

export type { WriterStats } from './sqlite-writer.js';

export interface SqliteStoreOptions {
  /** `normal` (default): fsync at flush/close; `full`: fsync every group commit */
  synchronous?: 'normal' | 'full';
  /** commit as soon as this many events are pending, without waiting for the turn to end; default 5000 */
  maxBatch?: number;
  /** how often expired events are deleted, in ms; 0 turns the sweeper off; default 60000 */
  sweepIntervalMs?: number;
  /** open an existing database for reading only (query, tail, stats, export) */
  readonly?: boolean;
  /** how long a statement waits for another connection's lock, in ms; default 5000 */
  busyTimeoutMs?: number;
  /** called after each sweep by the sweeper: how many events it deleted (or the error), and how many each policy removed */
  onSweep?: (deleted: number, error?: unknown, byPolicy?: Record<string, number>) => void;
  /** retention policies the sweeper applies besides expiry (docs/persistence.md "Retention"); default none */
  retention?: RetentionOptions | null;
  /**
   * where group commits run: `thread` (default), a worker thread with its own
   * connection, so inserting overlaps publishing; `inline`, this thread, on
   * the store's connection. A `:memory:` database is always inline (a
   * thread cannot share it).
   */
  writer?: 'thread' | 'inline';
}

export const DEFAULT_SQLITE_OPTIONS: Required<Omit<SqliteStoreOptions, 'onSweep' | 'retention'>> = {
  synchronous: 'normal',
  maxBatch: 5000,
  sweepIntervalMs: 60_000,
  readonly: false,
  busyTimeoutMs: 5000,
  writer: 'thread',
};

const STATEMENT_CACHE = 128;

function checkOptions(o: Required<Omit<SqliteStoreOptions, 'onSweep' | 'retention'>>): void {
  const bad = (name: string, expected: string, got: unknown) =>
    new CrosstalkError('INVALID_OPTION', `Expected \`${name}\` to be ${expected}, got ${describeValue(got)}`, { option: name });
  if (o.synchronous !== 'normal' && o.synchronous !== 'full') throw bad('synchronous', '"normal" or "full"', o.synchronous);
  if (o.writer !== 'thread' && o.writer !== 'inline') throw bad('writer', '"thread" or "inline"', o.writer);
  if (!Number.isInteger(o.maxBatch) || o.maxBatch < 1) throw bad('maxBatch', 'an integer >= 1', o.maxBatch);
  for (const k of ['sweepIntervalMs', 'busyTimeoutMs'] as const) {
    if (typeof o[k] !== 'number' || !Number.isFinite(o[k]) || o[k] < 0) throw bad(k, 'a finite number of ms >= 0', o[k]);
  }
}

/** Why `path` cannot hold a database file, before SQLite says something vaguer ("disk I/O error"); null when it may. */
function notAFile(path: string): string | null {
  if (isMemoryPath(path)) return null;
  try {
    const st = statSync(path);
    if (st.isDirectory()) return 'it is a directory, not a database file';
    if (!st.isFile()) return 'it is not a regular file';
  } catch {
    // missing: SQLite creates it, or says it must exist
  }
  return null;
}

/** SQLite's reason for a failed open, in words naming the cause. */
function openFailure(path: string, e: unknown): string {
  const code = (e as { code?: unknown }).code;
  const message = (e as Error).message;
  if (code === 'SQLITE_NOTADB') return 'the file is not a SQLite database (file is not a database)';
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code === 'SQLITE_IOERR_READ') {
    try {
      accessSync(path, fsConstants.R_OK);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EACCES') return `permission denied (${message})`;
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return `no such file (${message})`;
    }
  }
  return message;
}

function unavailable(message: string, cause?: unknown): CrosstalkError {
  return new CrosstalkError('STORE_UNAVAILABLE', message, cause === undefined ? {} : { cause });
}

export class SqliteStore implements EventStore, ExtendedEventStore, AnalysisStore {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  private readonly options: Required<Omit<SqliteStoreOptions, 'onSweep' | 'retention'>> & Pick<SqliteStoreOptions, 'onSweep'>;
  /** the policies as given (they cross to the writer thread) and resolved */
  private readonly retentionOptions: RetentionOptions | null;
  readonly retention: ResolvedRetention | null;
  private sweeping: Promise<SweepReport> | null = null;
  /** null for a read-only store */
  private readonly writer: StoreWriter | null;
  private readonly catalog: TypeCatalog;
  private readonly minExpiry: Database.Statement;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly commitListeners = new Set<(rows: number, seconds: number) => void>();
  /** what a read-only store last read as the high-water mark */
  private readHigh = 0;
  private sweeper: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;
  /** gives up this process's writer lock on the file (writer-lock.ts) */
  private readonly unlock: () => void;
  private closed = false;

  constructor(readonly path: string, options: SqliteStoreOptions = {}) {
    const { retention, ...rest } = options;
    this.options = { ...DEFAULT_SQLITE_OPTIONS, ...rest };
    checkOptions(this.options);
    this.retention = resolveRetention(retention);
    this.retentionOptions = this.retention === null ? null : (retention as RetentionOptions);
    const notFile = notAFile(path);
    if (notFile !== null) throw unavailable(`cannot open SQLite store ${path}: ${notFile}`);
    try {
      this.db = new Database(path, this.options.readonly ? { readonly: true, fileMustExist: true } : {});
    } catch (e) {
      throw unavailable(`cannot open SQLite store ${path}: ${openFailure(path, e)}`, e);
    }
    try {
      // before the first write: another live writer of this file means no writing here at all
      this.unlock = this.options.readonly || isMemoryPath(path) ? () => undefined : acquireWriterLock(path);
    } catch (e) {
      this.db.close();
      throw e;
    }
    try {
      registerFunctions(this.db);
      if (this.options.readonly) configureReader(this.db, this.options.busyTimeoutMs);
      else {
        // before the first table: a new database gives freed pages back in steps (compact.ts); no effect on an older one
        this.db.pragma('auto_vacuum = INCREMENTAL');
        configureWriter(this.db, this.options.synchronous, this.options.busyTimeoutMs);
        this.db.exec(SCHEMA_SQL);
        this.db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)").run(SCHEMA_VERSION);
      }
      this.catalog = new TypeCatalog(this.db, !this.options.readonly);
      this.minExpiry = this.db.prepare('SELECT min(expires_ms) FROM events WHERE expires_ms IS NOT NULL').pluck();
      this.readHigh = this.readHighSequence();
      this.writer = this.options.readonly ? null : this.makeWriter();
    } catch (e) {
      this.db.close();
      this.unlock();
      if (e instanceof CrosstalkError) throw e;
      throw unavailable(`cannot use SQLite store ${path}: ${openFailure(path, e)}`, e);
    }
    if (this.writer && this.options.sweepIntervalMs > 0) {
      this.sweeper = setInterval(() => {
        // a failed sweep is retried at the next interval; expired rows are never returned anyway
        this.sweepReport().then(
          (r) => this.options.onSweep?.(r.removed, undefined, r.by_policy),
          (e) => this.options.onSweep?.(0, e),
        );
      }, this.options.sweepIntervalMs);
      this.sweeper.unref();
    }
  }

  private makeWriter(): StoreWriter {
    const { synchronous, maxBatch, busyTimeoutMs } = this.options;
    if (this.options.writer === 'thread' && !isMemoryPath(this.path)) {
      return new ThreadWriter(this.db, this.catalog, { path: this.path, synchronous, maxBatch, busyTimeoutMs }, this.readHigh);
    }
    return new GroupWriter(this.db, this.catalog, { synchronous, maxBatch }, this.readHigh);
  }

  /** which writer runs the group commits (`inline` for a read-only store) */
  get writerMode(): 'thread' | 'inline' {
    return this.writer instanceof ThreadWriter ? 'thread' : 'inline';
  }

  /** max(seq) and the recorded high-water mark, so a restarted bus continues past both */
  private readHighSequence(): number {
    const maxSeq = (this.db.prepare('SELECT max(seq) FROM events').pluck().get() as number | null) ?? 0;
    const mark = this.db.prepare("SELECT value FROM meta WHERE key = 'high_sequence'").pluck().get() as number | undefined;
    return Math.max(maxSeq, mark ?? 0);
  }

  /**
   * The writer knows its own high-water mark; a reader asks the database
   * each time, so `tail` in another process starts after the latest event.
   */
  lastSequence(): number {
    if (this.writer) return this.writer.highSequence;
    if (!this.closed) {
      try {
        this.readHigh = Math.max(this.readHigh, this.readHighSequence());
      } catch {
        /* keep what we know */
      }
    }
    return this.readHigh;
  }

  markSequence(sequence: number): void {
    this.writer?.markSequence(sequence);
  }

  private writable(): StoreWriter {
    if (this.closed) throw unavailable(`SQLite store ${this.path} is closed`);
    if (!this.writer) throw unavailable(`SQLite store ${this.path} is open read-only`);
    return this.writer;
  }

  append(event: UniversalEvent): void {
    this.writable().append(event);
  }

  async flush(): Promise<void> {
    if (this.closed || !this.writer) return;
    await this.writer.flush(`SQLite store ${this.path}`);
  }

  /**
   * Resolves once the store can write: at once for the inline writer; with a
   * writer thread, when the thread has opened its connection (it starts in
   * the background; events appended before then wait for it). Rejects with
   * STORE_UNAVAILABLE when the thread cannot start or open the database.
   */
  async opened(): Promise<void> {
    if (this.closed) throw unavailable(`SQLite store ${this.path} is closed`);
    await this.writer?.opened();
  }

  /**
   * Calls `listener(rows, seconds)` after each group commit: how many events
   * it wrote, and how long the oldest of them waited from `append` to the
   * commit (the store write latency metrics report). Returns a function
   * that removes the listener. A read-only store never commits.
   */
  onCommit(listener: (rows: number, seconds: number) => void): () => void {
    const writer = this.writer;
    if (writer === null) return () => {};
    this.commitListeners.add(listener);
    const update = () => {
      const ls = [...this.commitListeners];
      writer.commitListener = ls.length === 0 ? null : ls.length === 1 ? ls[0]! : (rows, s) => ls.forEach((l) => l(rows, s));
    };
    update();
    return () => {
      this.commitListeners.delete(listener);
      update();
    };
  }

  writerStats(): WriterStats {
    return this.writer ? this.writer.stats() : { commits: 0, rows: 0, pending: 0, failures: 0, syncs: 0 };
  }

  private statement(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      if (this.statements.size >= STATEMENT_CACHE) this.statements.delete(this.statements.keys().next().value!);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Before a read: open, and everything appended so far committed (read-your-writes). */
  private async ready(): Promise<void> {
    if (this.closed) throw unavailable(`SQLite store ${this.path} is closed`);
    await this.writer?.settle();
    if (this.closed) throw unavailable(`SQLite store ${this.path} is closed`);
  }

  private run<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof CrosstalkError) throw e;
      throw unavailable(`SQLite store ${this.path}: ${what} failed: ${(e as Error).message}`, e);
    }
  }

  /**
   * The expiry test, or nothing when no stored event has expired (the usual
   * case between sweeps): leaving it out lets indexes answer alone.
   */
  private liveClause(now: number): SqlPart {
    const min = this.minExpiry.get() as number | null;
    return min === null || min > now ? { sql: '', params: [] } : { sql: ' AND (expires_ms IS NULL OR expires_ms > ?)', params: [now] };
  }

  private selectSql(q: EventQuery, now: number): SqlPart {
    const where = whereSql(q, (p) => this.catalog.resolve(p));
    const live = this.liveClause(now);
    const dir = q.order === 'desc' ? 'DESC' : 'ASC';
    // The inner select finds the page's sequences from the indexes alone; only
    // those rows' bodies are read, instead of every candidate's before sorting.
    return {
      sql:
        `SELECT body FROM events WHERE seq IN (SELECT seq FROM events WHERE ${where.sql}${live.sql} ` +
        `ORDER BY seq ${dir} LIMIT ?) ORDER BY seq ${dir}`,
      params: [...where.params, ...live.params, q.limit],
    };
  }

  async query(q: EventQuery): Promise<UniversalEvent[]> {
    await this.ready();
    // one read transaction: the expiry check and the select see the same snapshot
    return this.run('query', () =>
      this.db.transaction(() => {
        const s = this.selectSql(q, Date.now());
        const rows = this.statement(s.sql).pluck().all(...s.params) as string[];
        return rows.map((b) => JSON.parse(b) as UniversalEvent);
      })(),
    );
  }

  /** The plan SQLite chooses for a query (for tests and tuning). */
  explain(q: EventQuery): string[] {
    const s = this.selectSql(q, Date.now());
    return (this.db.prepare(`EXPLAIN QUERY PLAN ${s.sql}`).all(...s.params) as { detail: string }[]).map((r) => r.detail);
  }

  async countMatching(q: EventQuery): Promise<number> {
    await this.ready();
    return this.run('count', () =>
      this.db.transaction(() => {
        const now = Date.now();
        const where = whereSql(q, (p) => this.catalog.resolve(p));
        const live = this.liveClause(now);
        const sql = `SELECT count(*) FROM events WHERE ${where.sql}${live.sql}`;
        return this.statement(sql).pluck().get(...where.params, ...live.params) as number;
      })(),
    );
  }

  /** The WHERE clause of `q` with the expiry test, for the analysis queries. */
  private analysisWhere(q: EventQuery): SqlPart {
    const where = whereSql(q, (p) => this.catalog.resolve(p));
    const live = this.liveClause(Date.now());
    return { sql: where.sql + live.sql, params: [...where.params, ...live.params] };
  }

  /** Matching events counted by type, by source.component or by time bucket, in SQL. */
  async countBy(q: EventQuery, by: GroupBy): Promise<GroupCount[]> {
    checkGroupBy(by);
    await this.ready();
    return this.run('count by', () => this.db.transaction(() => countBy(this.db, this.analysisWhere(q), by))());
  }

  /** The JSON numbers at `path` among matching events, read by SQLite without building events. */
  async numbersAt(q: EventQuery, path: string, by?: 'type' | 'source'): Promise<Map<string, NumberColumn>> {
    checkGroupBy(by ?? 'type');
    parsePath(path);
    await this.ready();
    if (isMemoryPath(this.path)) return this.run('numbers', () => this.db.transaction(() => numbersAt(this.db, this.analysisWhere(q), path, by))());
    // a file: large tables are read on several cores (parallel-numbers.ts)
    const where = this.analysisWhere(q);
    try {
      return await numbersAtParallel(this.db, this.path, where, path, by);
    } catch (e) {
      if (e instanceof CrosstalkError) throw e;
      throw unavailable(`SQLite store ${this.path}: numbers failed: ${(e as Error).message}`, e);
    }
  }

  /** Matching events, light, in sequence order. */
  async scan(q: EventQuery, fn: (row: LightRow) => void): Promise<number> {
    await this.ready();
    return this.run('scan', () => this.db.transaction(() => scan(this.db, this.analysisWhere(q), fn))());
  }

  async count(): Promise<number> {
    await this.ready();
    // all rows minus the expired ones: both counts are served by indexes, no table scan
    const sql = 'SELECT (SELECT count(*) FROM events) - (SELECT count(*) FROM events WHERE expires_ms <= ?)';
    return this.run('count', () => this.statement(sql).pluck().get(Date.now()) as number);
  }

  async sweep(): Promise<number> {
    return (await this.sweepReport()).removed;
  }

  /**
   * Deletes expired events and applies the retention policies; resolves
   * with how many each policy removed. One sweep runs at a time: a call
   * during one shares its result. With the writer thread the deletes run
   * there, in steps between its commits; otherwise on this connection, in
   * steps between turns of the event loop.
   */
  sweepReport(): Promise<SweepReport> {
    this.sweeping ??= this.runSweep().finally(() => {
      this.sweeping = null;
    });
    return this.sweeping;
  }

  private async runSweep(): Promise<SweepReport> {
    await this.ready();
    if (!this.writer) return { removed: 0, by_policy: {} };
    const now = Date.now();
    let removed: Map<string, number>;
    if (this.writer instanceof ThreadWriter) removed = await this.writer.sweep(this.retentionOptions, now);
    else {
      const run = this.run('sweep', () => new SqliteSweep(this.db, this.retention, now));
      // on the publishing thread: what else ran between two steps (publishes, commits) earns the sweep a share of it
      let busy = 0;
      while (!this.closed && !this.run('sweep', () => run.step(sweepBudget(busy)))) {
        const stepped = performance.now();
        await new Promise((r) => setImmediate(r));
        busy = performance.now() - stepped;
      }
      removed = run.removed;
      if (run.total > 0) this.writer.noteWrite();
    }
    const by_policy = Object.fromEntries(removed);
    let total = 0;
    for (const n of removed.values()) total += n;
    return { removed: total, by_policy };
  }

  /**
   * Sweeps, then gives the freed space back to the file system and
   * truncates the WAL (compact.ts). `onProgress` hears each phase.
   */
  async compact(options: { onProgress?: (p: CompactProgress) => void } = {}): Promise<CompactReport> {
    this.writable();
    const progress = options.onProgress ?? (() => undefined);
    const bytesBefore = fileBytes(this.path);
    progress({ phase: 'sweep', done: 0, total: null });
    const swept = await this.sweepReport();
    progress({ phase: 'sweep', done: swept.removed, total: swept.removed });
    await this.ready();
    let v: { mode: 'incremental' | 'full'; pages: number };
    try {
      v = await vacuum(this.db, progress, () => new Promise((r) => setImmediate(r)));
    } catch (e) {
      throw unavailable(`SQLite store ${this.path}: vacuum failed: ${(e as Error).message}`, e);
    }
    this.statements.clear();
    progress({ phase: 'checkpoint', done: 0, total: 1 });
    const truncated = this.run('checkpoint', () => truncateWal(this.db));
    progress({ phase: 'checkpoint', done: 1, total: 1 });
    this.writer!.noteWrite();
    return {
      removed: swept.by_policy,
      bytes_before: bytesBefore,
      bytes_after: fileBytes(this.path),
      vacuum: v.mode,
      pages_freed: v.pages,
      wal_truncated: truncated,
    };
  }

  async getCheckpoint(name: string): Promise<number | null> {
    checkCheckpointName(name);
    const buffered = this.writer?.bufferedCheckpoint(name);
    if (buffered !== undefined) return buffered;
    await this.ready();
    const v = this.run('checkpoint read', () =>
      this.statement('SELECT last_sequence FROM checkpoints WHERE name = ?').pluck().get(name),
    );
    return typeof v === 'number' ? v : null;
  }

  setCheckpoint(name: string, sequence: number): void {
    checkCheckpointName(name);
    this.writable().setCheckpoint(name, sequence);
  }

  /**
   * Indexes `json_extract(body, path)` so filters on that path (`data.x >= v`,
   * `data.user = u`) use it; returns the index name. Idempotent.
   */
  async createIndex(path: string): Promise<string | null> {
    this.writable();
    await this.ready();
    const expression = indexExpressionsFor(path);
    if (expression === null) return null; // a column with its own index, or the primary key
    const name = `events_x_${path.replace(/[^A-Za-z0-9]/g, '_')}_${hash(path)}`;
    this.run('create index', () => {
      this.db.exec(`CREATE INDEX IF NOT EXISTS "${name}" ON events(${expression})`);
      // statistics let the planner choose between this index and a scan in sequence order
      this.db.exec(`ANALYZE "${name}"`);
      this.db.prepare('INSERT OR REPLACE INTO json_indexes (path, name, expression) VALUES (?, ?, ?)').run(path, name, expression);
    });
    this.writer!.noteWrite();
    this.statements.clear();
    return name;
  }

  async dropIndex(path: string): Promise<boolean> {
    this.writable();
    await this.ready();
    const row = this.db.prepare('SELECT name FROM json_indexes WHERE path = ?').get(path) as { name: string } | undefined;
    if (!row) return false;
    this.run('drop index', () => {
      this.db.exec(`DROP INDEX IF EXISTS "${row.name}"`);
      this.db.prepare('DELETE FROM json_indexes WHERE path = ?').run(path);
    });
    this.statements.clear();
    return true;
  }

  async listIndexes(): Promise<{ path: string; name: string }[]> {
    await this.ready();
    return this.db.prepare('SELECT path, name FROM json_indexes ORDER BY path').all() as { path: string; name: string }[];
  }

  async stats(): Promise<StoreStats> {
    await this.ready();
    return this.run('stats', () => collectStats(this.db, this.path));
  }

  /** SQLite's own check of the file; `['ok']` when sound. */
  integrityCheck(): string[] {
    const rows = this.db.pragma('integrity_check') as { integrity_check: string }[];
    return rows.map((r) => r.integrity_check);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    // one shutdown at a time; after a failed one, the next close() tries again
    this.closing ??= this.shutdown().finally(() => {
      this.closing = null;
    });
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    if (this.writer) {
      // on failure the database stays open, the rows pending: a later close() retries
      await this.writer.close(`SQLite store ${this.path}: close`);
      try {
        this.db.pragma('optimize');
      } catch {
        /* statistics are an optimisation */
      }
    }
    this.closed = true;
    this.db.close();
    this.unlock();
  }
}

/** short stable suffix so `data.a_b` and `data.a-b` get different index names */
function hash(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36);
}

/** an in-memory database lives in one connection: a writer thread could not see it */
function isMemoryPath(path: string): boolean {
  return path === '' || path === ':memory:' || path.startsWith('file::memory:');
}

export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): SqliteStore {
  return new SqliteStore(path, options);
}
