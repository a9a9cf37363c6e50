/**
 * The SQLite schema and connection setup, shared by the store, its readers
 * and the benchmark's bare-insert baseline (so the baseline writes exactly
 * the rows and indexes the store does).
 *
 * `seq` is the event's sequence and the rowid: paging by `after_sequence`
 * and ordering are primary-key range scans, and every index carries `seq`
 * for free. `body` is the whole event as JSON; filters read it with
 * json_extract. The other columns are copies the indexes need; the
 * (event_type, ts_ms, expires_ms) index answers a type + time query,
 * expiry included, without reading the table.
 *
 * `retention_stats` counts what each retention policy removed (store/sweep.ts).
 *
 * `event_types` is the catalog of every type ever stored (written in the
 * same transaction as the events), so a glob can be resolved to the exact
 * types it matches.
 */
import type Database from 'better-sqlite3';
import { jsonEqual } from '../core/filter.js';
import { compilePattern } from '../core/pattern.js';

export const SCHEMA_VERSION = 1;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS events (
  seq            INTEGER PRIMARY KEY,
  id             TEXT    NOT NULL,
  event_type     TEXT    NOT NULL,
  ts_ms          INTEGER NOT NULL,
  component      TEXT    NOT NULL,
  correlation_id TEXT,
  expires_ms     INTEGER,
  body           TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS events_type_ts ON events(event_type, ts_ms, expires_ms);
CREATE INDEX IF NOT EXISTS events_correlation ON events(correlation_id) WHERE correlation_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_expires ON events(expires_ms) WHERE expires_ms IS NOT NULL;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (
  name          TEXT PRIMARY KEY,
  last_sequence INTEGER NOT NULL,
  updated_ms    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS event_types (event_type TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS json_indexes (path TEXT PRIMARY KEY, name TEXT NOT NULL, expression TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS retention_stats (policy TEXT PRIMARY KEY, removed INTEGER NOT NULL, last_ms INTEGER NOT NULL) WITHOUT ROWID;
`;

/**
 * The insert the store runs per event. There is deliberately no index on
 * `id`: ids are random UUIDs, so such an index takes writes all over its
 * B-tree and every group commit rewrites most of its pages (measured: it
 * halves insert throughput). The bus refuses duplicate ids; a deployment that
 * looks events up by id can add the index with `createIndex('id')`.
 */
export const INSERT_SQL =
  'INSERT INTO events (seq, id, event_type, ts_ms, component, correlation_id, expires_ms, body) ' +
  'VALUES (?, ?, ?, ?, ?, ?, ?, ?)';

/** Values per row in the store's flat pending buffer (the INSERT's placeholders). */
export const ROW_WIDTH = 8;

/**
 * Rows per multi-row INSERT. One statement call binds and inserts a whole
 * chunk: the per-call cost (crossing into C++, stepping and resetting the
 * statement) is paid once per chunk instead of once per row. 50–200 measured
 * alike; 100 keeps each statement at 800 parameters.
 */
export const CHUNK_ROWS = 100;

/** The INSERT for CHUNK_ROWS rows at once. */
export const INSERT_CHUNK_SQL = INSERT_SQL + ', (?, ?, ?, ?, ?, ?, ?, ?)'.repeat(CHUNK_ROWS - 1);

/**
 * Pragmas for a writing connection. WAL lets readers in other processes
 * query while this one writes. synchronous=NORMAL: a committed group
 * survives a crash of this process (it is in the OS's page cache) but not
 * necessarily a power cut; `flush()` closes that gap with one fsync of the
 * WAL (see SqliteStore.sync).
 */
export function configureWriter(db: Database.Database, synchronous: 'normal' | 'full', busyTimeoutMs = 5000): void {
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  // 64 MiB page cache: index pages stay in memory between group commits
  db.pragma('cache_size = -65536');
  // fewer, larger checkpoints: each one fsyncs; the WAL is cut back after
  db.pragma('wal_autocheckpoint = 4000');
  db.pragma('journal_size_limit = 67108864');
  db.pragma('temp_store = MEMORY');
}

export function configureReader(db: Database.Database, busyTimeoutMs = 5000): void {
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
  db.pragma('cache_size = -65536');
  db.pragma('temp_store = MEMORY');
}

/**
 * SQL functions the translated queries use. All are the core's own code,
 * so SQL and the memory store agree: `ct_match(s, pattern)` is
 * `compilePattern(pattern).test(s)` (linear time, compiled patterns cached), and
 * `ct_json_equal(a, b)` is the filter module's JSON equality.
 */
export function registerFunctions(db: Database.Database): void {
  const opts = { deterministic: true, varargs: false };
  db.function('ct_match', opts, (s: unknown, pattern: unknown) =>
    typeof s === 'string' && typeof pattern === 'string' && compilePattern(pattern).test(s) ? 1 : 0,
  );
  db.function('ct_json_equal', opts, (a: unknown, b: unknown) => {
    if (typeof a !== 'string' || typeof b !== 'string') return 0;
    try {
      return jsonEqual(JSON.parse(a), JSON.parse(b)) ? 1 : 0;
    } catch {
      return 0;
    }
  });
}
