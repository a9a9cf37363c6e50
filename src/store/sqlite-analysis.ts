/**
 * Analysis over the SQLite store without materialising events: counts
 * grouped in SQL over the indexed columns, and the numbers at a JSON path
 * read by SQLite's json_extract and handed to JS through an aggregate
 * function (no row objects: ≈ the cost of reading the bodies). The WHERE
 * clause comes from the store (query translation and expiry).
 */
import type Database from 'better-sqlite3';
import { parsePath } from '../core/filter.js';
import { NumberColumns } from './number-column.js';
import { jsonPath, lit, pathExpression, type SqlPart } from './sql.js';
import type { GroupBy, GroupCount, LightRow, NumberColumn } from './types.js';

interface GroupRow {
  k: string | number;
  g?: string;
  n: number;
  first: number;
  last: number;
}

export function countBy(db: Database.Database, where: SqlPart, by: GroupBy): GroupCount[] {
  const column = (x: 'type' | 'source') => (x === 'type' ? 'event_type' : 'component');
  // an integer literal (checkGroupBy made sure): a bound JS number would be a REAL, and ts_ms / 60000.0 no bucket
  const key = typeof by === 'object' ? `(ts_ms / ${by.bucket_ms}) * ${by.bucket_ms}` : column(by);
  const per = typeof by === 'object' && by.per !== undefined ? `${column(by.per)} AS g, ` : '';
  const rows = db
    .prepare(`SELECT ${per}${key} AS k, count(*) AS n, min(ts_ms) AS first, max(ts_ms) AS last FROM events WHERE ${where.sql} GROUP BY ${per ? 'g, ' : ''}k`)
    .all(...where.params) as GroupRow[];
  return rows.map((r) => ({ key: r.k, ...(r.g !== undefined ? { group: r.g } : {}), count: r.n, first_ms: r.first, last_ms: r.last }));
}

/** What the aggregate below feeds; set for the duration of one statement. */
let collecting: { columns: NumberColumns; ambiguous: [string, number, number][] } | null = null;
const registered = new WeakSet<Database.Database>();

function register(db: Database.Database): void {
  if (registered.has(db)) return;
  registered.add(db);
  const step = (count: number, key: unknown, value: unknown, seq: unknown): number => {
    const c = collecting!;
    const k = typeof key === 'string' ? key : '';
    if (typeof value !== 'number' && typeof value !== 'bigint') c.columns.add(k, undefined);
    else {
      const v = Number(value);
      // json_extract gives JSON true/false as 1/0: those rows are asked their type afterwards
      if (v === 0 || v === 1) {
        c.columns.add(k, undefined);
        c.ambiguous.push([k, v, Number(seq)]);
      } else c.columns.add(k, v);
    }
    return count + 1;
  };
  // better-sqlite3 reads the argument count from step.length (3 after the accumulator)
  db.aggregate('ct_numbers', { start: 0, step: step as unknown as (total: number, next: number) => number });
}

const AMBIGUOUS_CHUNK = 500;

/** Numbers at `path` among the rows `where` matches (within `range` of sequences when given). */
export function numbersAt(
  db: Database.Database,
  where: SqlPart,
  path: string,
  by?: 'type' | 'source',
  range?: readonly [number, number],
): Map<string, NumberColumn> {
  if (range !== undefined) where = { sql: `(${where.sql}) AND seq BETWEEN ? AND ?`, params: [...where.params, range[0], range[1]] };
  register(db);
  const steps = parsePath(path);
  // ungrouped rows pass NULL for a key: no string to make per row
  const key = by === 'type' ? 'event_type' : by === 'source' ? 'component' : 'NULL';
  // LIMIT -1 keeps the subquery a co-routine, so json_extract runs once per row;
  // the sequence goes along only for 0 and 1, the values a boolean also reads as
  const sql =
    `SELECT ct_numbers(k, v, CASE WHEN v IN (0, 1) THEN s END) FROM ` +
    `(SELECT ${key} AS k, ${pathExpression(steps)} AS v, seq AS s FROM events WHERE ${where.sql} LIMIT -1)`;
  const c = { columns: new NumberColumns(), ambiguous: [] as [string, number, number][] };
  collecting = c;
  try {
    db.prepare(sql).pluck().get(...where.params);
  } finally {
    collecting = null;
  }
  // 0 and 1 count only when they are JSON numbers, not booleans
  const typeOf = `json_type(body, ${lit(jsonPath(steps))})`;
  for (let i = 0; i < c.ambiguous.length; i += AMBIGUOUS_CHUNK) {
    const chunk = c.ambiguous.slice(i, i + AMBIGUOUS_CHUNK);
    const rows = db
      .prepare(`SELECT seq, ${typeOf} FROM events WHERE seq IN (${chunk.map(() => '?').join(',')})`)
      .raw()
      .all(...chunk.map((a) => a[2])) as [number, string][];
    const numeric = new Set(rows.filter((r) => r[1] === 'integer' || r[1] === 'real').map((r) => r[0]));
    for (const [k, v, seq] of chunk) if (numeric.has(seq)) c.columns.push(k, v);
  }
  return c.columns.result();
}

/** The row callback the scan aggregate feeds; set for the duration of one statement. */
let scanning: ((row: LightRow) => void) | null = null;
const scanRegistered = new WeakSet<Database.Database>();

/**
 * Matching events in sequence order, handed over by an aggregate function
 * (no row arrays to build); the subquery stays a co-routine (LIMIT -1), so
 * the aggregate sees its rows in its ORDER BY.
 */
export function scan(db: Database.Database, where: SqlPart, fn: (row: LightRow) => void): number {
  if (!scanRegistered.has(db)) {
    scanRegistered.add(db);
    const step = (count: number, seq: unknown, ts: unknown, type: unknown, corr: unknown): number => {
      scanning!({ sequence: Number(seq), ts: Number(ts), type: String(type), correlation_id: typeof corr === 'string' ? corr : null });
      return count + 1;
    };
    db.aggregate('ct_scan', { start: 0, step: step as unknown as (total: number, next: number) => number });
  }
  scanning = fn;
  try {
    const sql = `SELECT ct_scan(seq, ts_ms, event_type, correlation_id) FROM (SELECT seq, ts_ms, event_type, correlation_id FROM events WHERE ${where.sql} ORDER BY seq LIMIT -1)`;
    return db.prepare(sql).pluck().get(...where.params) as number;
  } finally {
    scanning = null;
  }
}
