/**
 * What the stores offer beyond `EventStore` (core/types.ts): checkpoints for
 * replay, statistics for `crosstalk stats`, counts for progress bars, and
 * the sequence high-water mark. Both built-in stores implement all of it;
 * callers test for a capability with the guards below so a third-party
 * `EventStore` still works wherever the extra is optional.
 */
import type { EventQuery, EventStore } from '../core/types.js';

export interface TypeStats {
  event_type: string;
  count: number;
  /** ISO timestamps of the oldest and newest stored event of this type */
  first_timestamp: string;
  last_timestamp: string;
  /** events of this type stored during the last minute */
  last_minute: number;
}

export interface StoreStats {
  kind: string;
  /** the database file, for SQLite */
  path?: string;
  /** stored, unexpired events */
  count: number;
  /** events with a TTL that have expired but are not swept yet */
  expired_pending_sweep: number;
  first_sequence: number | null;
  last_sequence: number | null;
  first_timestamp: string | null;
  last_timestamp: string | null;
  /** events per second over the stored span (first → last timestamp) */
  rate_overall: number;
  /**
   * events per second over the last minute / hour, by timestamp. A window
   * older than the store's first event is not full: its rate is over the part
   * since that event (at least one second), given in `*_seconds`.
   */
  rate_last_minute: number;
  rate_last_hour: number;
  /** the seconds each rate above is over: 60 and 3600 once the store is that old */
  rate_last_minute_seconds: number;
  rate_last_hour_seconds: number;
  /** database + WAL bytes (SQLite), or an estimate of the JSON bytes held (memory) */
  size_bytes: number;
  by_type: TypeStats[];
  /** what each policy (ttl, type:PATTERN, default, max_events, max_bytes) has removed so far */
  retention?: RetentionStats[];
}

export interface RetentionStats {
  policy: string;
  removed: number;
  /** when it last removed something */
  last_removed_at: string;
}

/** What one sweep removed, in total and by policy. */
export interface SweepReport {
  removed: number;
  by_policy: Record<string, number>;
}

/** A store that can keep replay checkpoints. */
export interface CheckpointStore {
  /** the last sequence replayed under `name`, or null if there is none */
  getCheckpoint(name: string): Promise<number | null>;
  /** records it; buffered like `append`, durable after `flush()` */
  setCheckpoint(name: string, sequence: number): void;
}

/** The optional extras the built-in stores provide. */
export interface StoreExtras extends CheckpointStore {
  /** matching, unexpired events, ignoring limit and order (progress bars, export) */
  countMatching(q: EventQuery): Promise<number>;
  stats(): Promise<StoreStats>;
  /**
   * The bus reports each sequence it assigns (persisted or not) so a store
   * can keep sequences increasing across restarts even when the last events
   * before a restart were not persisted.
   */
  markSequence(sequence: number): void;
}

export type ExtendedEventStore = EventStore & StoreExtras;

export function hasCheckpoints(s: EventStore): s is EventStore & CheckpointStore {
  return typeof (s as Partial<CheckpointStore>).getCheckpoint === 'function' &&
    typeof (s as Partial<CheckpointStore>).setCheckpoint === 'function';
}

export function hasExtras(s: EventStore): s is ExtendedEventStore {
  const x = s as Partial<StoreExtras>;
  return hasCheckpoints(s) && typeof x.countMatching === 'function' && typeof x.stats === 'function';
}

/** Checkpoint names: printable, 1–200 characters. */
export const MAX_CHECKPOINT_NAME = 200;

// ---- analysis (crosstalk stats --by/--field, crosstalk analyze) --------------------------

/**
 * How `countBy` groups: by event type, by `source.component`, or by UTC time
 * buckets of `bucket_ms` (epoch-aligned), optionally per type or source
 * within each bucket.
 */
export type GroupBy = 'type' | 'source' | { bucket_ms: number; per?: 'type' | 'source' };

export interface GroupCount {
  /** the type or component; for time buckets, the bucket's start in epoch ms */
  key: string | number;
  /** with `per`: the type or component within the bucket */
  group?: string;
  count: number;
  /** timestamps (epoch ms) of the group's first and last matching event */
  first_ms: number;
  last_ms: number;
}

/** The JSON numbers found at one path among matching events. */
export interface NumberColumn {
  /** matching events, with or without a number there */
  matched: number;
  /** the numbers (JSON numbers only: not booleans, not numeric strings), in no order */
  values: Float64Array;
}

/** An event reduced to what sequence mining reads. */
export interface LightRow {
  sequence: number;
  /** epoch ms */
  ts: number;
  type: string;
  correlation_id: string | null;
}

/**
 * What the built-in stores answer for analysis, without materialising
 * events: SQLite in SQL over its columns and indexes, memory over its array.
 * `limit`, `order` and `after_sequence` of the query are ignored, except
 * that `scan` honours `after_sequence`.
 */
export interface AnalysisStore {
  countBy(q: EventQuery, by: GroupBy): Promise<GroupCount[]>;
  /** numbers at `path` (a filter path: `data.duration_ms`), all together (key '') or split by type or source */
  numbersAt(q: EventQuery, path: string, by?: 'type' | 'source'): Promise<Map<string, NumberColumn>>;
  /** calls `fn` for each matching event in sequence order; resolves with how many */
  scan(q: EventQuery, fn: (row: LightRow) => void): Promise<number>;
}

export function hasAnalysis(s: EventStore): s is EventStore & AnalysisStore {
  const x = s as Partial<AnalysisStore>;
  return typeof x.countBy === 'function' && typeof x.numbersAt === 'function' && typeof x.scan === 'function';
}

/**
 * `count` events in the window of `windowMs` before `now`, as a rate over the
 * part of the window since the first stored event (`first`, epoch ms): ten
 * events in a store four seconds old are 2.5/s, not 10/3600 per second.
 */
export function windowRate(count: number, windowMs: number, first: number | null, now: number): { rate: number; seconds: number } {
  const elapsed = first === null ? windowMs : Math.min(windowMs, Math.max(now - first, 1000));
  const seconds = Math.round(elapsed) / 1000;
  return { rate: count / seconds, seconds };
}

/**
 * The store's last sequence now: a store whose writer is elsewhere (a
 * shared stream) is asked (`snapshot()`), the others know it.
 */
export async function latestSequence(s: EventStore): Promise<number> {
  const snap = (s as { snapshot?: () => Promise<number> }).snapshot;
  return typeof snap === 'function' ? snap.call(s) : s.lastSequence();
}
