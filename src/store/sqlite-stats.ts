/**
 * `crosstalk stats` for the SQLite store: counts by type, rates, size.
 * One pass over the (event_type, ts_ms) index when nothing is waiting to
 * be swept; otherwise one pass over the table that skips expired rows.
 */
import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { readRetentionStats } from './sweep.js';
import { windowRate, type StoreStats, type TypeStats } from './types.js';

interface Row {
  event_type: string;
  n: number;
  first: number;
  last: number;
  last_minute: number;
  last_hour: number;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export function collectStats(db: Database.Database, path: string): StoreStats {
  const now = Date.now();
  const expired = db.prepare('SELECT count(*) FROM events WHERE expires_ms <= ?').pluck().get(now) as number;
  const live = expired === 0 ? '' : 'WHERE expires_ms IS NULL OR expires_ms > @now';
  const rows = db
    .prepare(
      `SELECT event_type, count(*) AS n, min(ts_ms) AS first, max(ts_ms) AS last,
              sum(ts_ms >= @minute) AS last_minute, sum(ts_ms >= @hour) AS last_hour
         FROM events ${live} GROUP BY event_type`,
    )
    .all({ now, minute: now - 60_000, hour: now - 3_600_000 }) as Row[];
  rows.sort((a, b) => b.n - a.n || (a.event_type < b.event_type ? -1 : 1));

  const unexpired = 'WHERE expires_ms IS NULL OR expires_ms > ?';
  const firstSeq = db.prepare(`SELECT seq FROM events ${unexpired} ORDER BY seq LIMIT 1`).pluck().get(now) as number | undefined;
  const lastSeq = db.prepare(`SELECT seq FROM events ${unexpired} ORDER BY seq DESC LIMIT 1`).pluck().get(now) as number | undefined;

  let count = 0;
  let lastMinute = 0;
  let lastHour = 0;
  let first = Infinity;
  let last = -Infinity;
  const byType: TypeStats[] = rows.map((r) => {
    count += r.n;
    lastMinute += r.last_minute;
    lastHour += r.last_hour;
    first = Math.min(first, r.first);
    last = Math.max(last, r.last);
    return {
      event_type: r.event_type,
      count: r.n,
      first_timestamp: new Date(r.first).toISOString(),
      last_timestamp: new Date(r.last).toISOString(),
      last_minute: r.last_minute,
    };
  });
  const pageBytes = (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
  const spanSeconds = count > 1 ? Math.max((last - first) / 1000, 0.001) : 1;
  const minute = windowRate(lastMinute, 60_000, count ? first : null, now);
  const hour = windowRate(lastHour, 3_600_000, count ? first : null, now);
  return {
    kind: 'sqlite',
    path,
    count,
    expired_pending_sweep: expired,
    first_sequence: firstSeq ?? null,
    last_sequence: lastSeq ?? null,
    first_timestamp: count ? new Date(first).toISOString() : null,
    last_timestamp: count ? new Date(last).toISOString() : null,
    rate_overall: count > 1 ? count / spanSeconds : 0,
    rate_last_minute: minute.rate,
    rate_last_hour: hour.rate,
    rate_last_minute_seconds: minute.seconds,
    rate_last_hour_seconds: hour.seconds,
    size_bytes: pageBytes + fileSize(`${path}-wal`),
    by_type: byType,
    retention: readRetentionStats(db),
  };
}
