/**
 * `crosstalk stats --by/--field`: counts and rates by type, source or time
 * bucket, and the distribution of a numeric field (docs/observability.md "Seeing the
 * stream"). The store does the scanning (SQL for SQLite, see
 * store/sqlite-analysis.ts); this module turns its answers into rates over
 * a window, percentiles and a histogram.
 */
import { CrosstalkError, describeValue } from '../core/errors.js';
import type { EventQuery, EventStore } from '../core/types.js';
import { hasAnalysis, type AnalysisStore, type GroupCount } from '../store/types.js';

export type StatsBy = 'type' | 'source' | 'minute' | 'hour';
export const STATS_BY: readonly StatsBy[] = ['type', 'source', 'minute', 'hour'];
const BUCKET_MS = { minute: 60_000, hour: 3_600_000 } as const;
/** time buckets listed at most (empty ones included) */
export const MAX_TIME_ROWS = 10_000;

export interface Window {
  /** epoch ms; null when nothing matched and no --since was given */
  start: number | null;
  end: number | null;
  seconds: number;
  /** why the window is shorter than asked, when it is */
  note?: string;
}

export interface GroupStats {
  /** the type, the component, or the bucket's start (ISO) */
  key: string;
  count: number;
  /** events per second over the group's part of the window */
  rate: number;
  /** share of all matching events, 0 … 1 */
  share: number;
}

export interface StatsReport {
  by: StatsBy;
  total: number;
  window: Window;
  groups: GroupStats[];
}

export function analysisStore(store: EventStore): EventStore & AnalysisStore {
  if (!hasAnalysis(store)) throw new CrosstalkError('STORE_UNAVAILABLE', `the ${store.kind} store cannot answer analysis queries`);
  return store;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The window rates are computed over: `--since` … `--until` (or now), never
 * before the store's first event (a window reaching further back than the
 * stored history would understate rates); without `--since`, the span of
 * the matching events.
 */
async function windowOf(store: EventStore, q: EventQuery, groups: readonly GroupCount[], now: number): Promise<Window> {
  let first = Infinity;
  let last = -Infinity;
  for (const g of groups) {
    if (g.first_ms < first) first = g.first_ms;
    if (g.last_ms > last) last = g.last_ms;
  }
  if (q.start_time === undefined) {
    if (first === Infinity) return { start: null, end: null, seconds: 0 };
    const end = q.end_time ?? last;
    return { start: first, end, seconds: Math.max((end - first) / 1000, 0.001), note: 'the span of the matching events' };
  }
  const end = Math.min(q.end_time ?? now, now);
  const oldest = (await store.query({ limit: 1, order: 'asc' }))[0];
  const stored = oldest === undefined ? end : Date.parse(oldest.timestamp);
  let start = q.start_time;
  let note: string | undefined;
  if (stored > start) {
    start = Math.min(stored, end);
    note = `the store's history starts at ${iso(stored)}: rates are over the ${((end - start) / 1000).toFixed(0)} s since`;
  }
  return { start, end, seconds: Math.max((end - start) / 1000, 0.001), ...(note !== undefined ? { note } : {}) };
}

/** Counts and rates of the events `q` matches, grouped `by`. */
export async function statsBy(store: EventStore, q: EventQuery, by: StatsBy, now = Date.now()): Promise<StatsReport> {
  if (!STATS_BY.includes(by)) {
    throw new CrosstalkError('INVALID_OPTION', `--by must be one of ${STATS_BY.join(', ')}, got ${describeValue(by)}`, { option: 'by' });
  }
  const s = analysisStore(store);
  const bucket = by === 'minute' || by === 'hour' ? BUCKET_MS[by] : 0;
  const counts = await s.countBy(q, bucket > 0 ? { bucket_ms: bucket } : (by as 'type' | 'source'));
  const window = await windowOf(store, q, counts, now);
  const total = counts.reduce((n, g) => n + g.count, 0);
  let groups: GroupStats[];
  if (bucket === 0) {
    groups = counts
      .map((g) => ({ key: String(g.key), count: g.count, rate: g.count / window.seconds, share: total ? g.count / total : 0 }))
      .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1));
  } else {
    groups = timeRows(counts, bucket, window, total);
  }
  return { by, total, window, groups };
}

/** One row per bucket from the window's first to its last, empty ones too; rates over each bucket's part of the window. */
function timeRows(counts: readonly GroupCount[], bucket: number, window: Window, total: number): GroupStats[] {
  if (window.start === null || window.end === null) return [];
  const byKey = new Map(counts.map((g) => [Number(g.key), g.count]));
  const from = Math.floor(window.start / bucket) * bucket;
  const to = Math.floor(window.end / bucket) * bucket;
  const rows = (to - from) / bucket + 1;
  if (rows > MAX_TIME_ROWS) {
    throw new CrosstalkError(
      'INVALID_OPTION',
      `--by ${bucket === 60_000 ? 'minute' : 'hour'} over this window gives ${rows.toLocaleString('en-US')} rows (at most ${MAX_TIME_ROWS.toLocaleString('en-US')}): narrow --since/--until, or group by hour`,
      { option: 'by' },
    );
  }
  const out: GroupStats[] = [];
  for (let t = from; t <= to; t += bucket) {
    const count = byKey.get(t) ?? 0;
    const covered = Math.max(Math.min(t + bucket, window.end) - Math.max(t, window.start), 1) / 1000;
    out.push({ key: iso(t), count, rate: count / covered, share: total ? count / total : 0 });
  }
  return out;
}

// ---- numeric fields ------------------------------------------------------------------------

export interface HistogramBin {
  /** inclusive */
  lower: number;
  /** exclusive, except for the last bin */
  upper: number;
  count: number;
}

export interface FieldStats {
  /** the group (type or source) with `by`, else absent */
  key?: string;
  /** matching events */
  matched: number;
  /** of them, with a JSON number at the path */
  count: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  histogram: HistogramBin[];
}

export interface FieldReport {
  path: string;
  by?: 'type' | 'source';
  /** all groups together */
  all: FieldStats;
  /** per group, by count (with `by`) */
  groups: FieldStats[];
}

/** Nearest-rank percentile of sorted values: the smallest value with at least p % of the values at or below it. */
export function percentile(sorted: Float64Array, p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** 1, 2, 5 × 10^k at or below x (x > 0). */
function niceBelow(x: number): number {
  const k = Math.floor(Math.log10(x));
  const base = 10 ** k;
  const m = x / base;
  return (m >= 5 ? 5 : m >= 2 ? 2 : 1) * base;
}

/** The next 1, 2, 5 × 10^k step above x. */
function nextNice(x: number): number {
  const k = Math.floor(Math.log10(x) + 1e-9);
  const m = Math.round(x / 10 ** k);
  return (m === 1 ? 2 : m === 2 ? 5 : 10) * 10 ** k;
}

/** A step of 1, 2, 2.5 or 5 × 10^k near `raw`. */
function niceStep(raw: number): number {
  const k = Math.floor(Math.log10(raw));
  const base = 10 ** k;
  const m = raw / base;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * base;
}

const MAX_BINS = 40;

/**
 * Bins over sorted values: on a 1-2-5 log scale when the values are
 * positive and span two decades or more (durations, sizes), otherwise
 * `bins` linear bins with a round width.
 */
export function histogram(sorted: Float64Array, bins = 10): HistogramBin[] {
  const n = sorted.length;
  if (n === 0) return [];
  const min = sorted[0]!;
  const max = sorted[n - 1]!;
  if (min === max) return [{ lower: min, upper: max, count: n }];
  const edges: number[] = [];
  if (min > 0 && max / min >= 100) {
    for (let e = niceBelow(min); edges.length <= MAX_BINS; e = nextNice(e)) {
      edges.push(e);
      if (e > max) break;
    }
  } else {
    const step = niceStep((max - min) / bins);
    // values too close for a round step (subnormals): one bin
    if (!(step > 0 && Number.isFinite(step))) return [{ lower: min, upper: max, count: n }];
    const start = Math.floor(min / step) * step;
    for (let i = 0; edges.length <= MAX_BINS; i++) {
      const e = start + i * step;
      edges.push(Number(e.toPrecision(12)));
      if (e > max) break;
    }
  }
  // rounding may leave the first edge a hair above the smallest value
  edges[0] = Math.min(edges[0]!, min);
  const out: HistogramBin[] = [];
  let at = 0;
  for (let i = 0; i + 1 < edges.length; i++) {
    const last = i + 2 === edges.length;
    const upper = edges[i + 1]!;
    let j = at;
    // values are sorted: advance while below the bin's upper edge (the last bin takes the rest)
    while (j < n && (last || sorted[j]! < upper)) j++;
    // past MAX_BINS edges the last bin reaches to the largest value
    out.push({ lower: edges[i]!, upper: last ? Math.max(upper, max) : upper, count: j - at });
    at = j;
  }
  return out;
}

function summarize(values: Float64Array, matched: number, bins: number, key?: string): FieldStats {
  const sorted = values.sort();
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i]!;
  const n = sorted.length;
  return {
    ...(key !== undefined ? { key } : {}),
    matched,
    count: n,
    min: n ? sorted[0]! : null,
    max: n ? sorted[n - 1]! : null,
    mean: n ? sum / n : null,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    histogram: histogram(sorted, bins),
  };
}

/** Percentiles, mean and a histogram of the numbers at `path` among the events `q` matches. */
export async function fieldStats(store: EventStore, q: EventQuery, path: string, options: { by?: 'type' | 'source'; bins?: number } = {}): Promise<FieldReport> {
  const bins = options.bins ?? 10;
  if (!Number.isInteger(bins) || bins < 1 || bins > MAX_BINS) {
    throw new CrosstalkError('INVALID_OPTION', `--buckets must be an integer from 1 to ${MAX_BINS}, got ${describeValue(bins)}`, { option: 'buckets' });
  }
  const columns = await analysisStore(store).numbersAt(q, path, options.by);
  let matched = 0;
  let size = 0;
  for (const c of columns.values()) {
    matched += c.matched;
    size += c.values.length;
  }
  const all = new Float64Array(size);
  let at = 0;
  for (const c of columns.values()) {
    all.set(c.values, at);
    at += c.values.length;
  }
  const groups =
    options.by === undefined
      ? []
      : [...columns].map(([k, c]) => summarize(c.values, c.matched, bins, k)).sort((a, b) => b.count - a.count || b.matched - a.matched);
  return { path, ...(options.by !== undefined ? { by: options.by } : {}), all: summarize(all, matched, bins), groups };
}

// ---- durations on the command line ------------------------------------------------------------

const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `500ms`, `10s`, `5m`, `2h`, `1d`, `1w` → ms, from `min` to `max`; INVALID_OPTION naming `--option` otherwise. */
export function parseDuration(text: unknown, option: string, min = 1, max = 366 * 86_400_000): number {
  const m = typeof text === 'string' ? DURATION_RE.exec(text.trim()) : null;
  const ms = m ? Math.round(Number(m[1]) * UNIT_MS[m[2]!]!) : NaN;
  if (!(ms >= min && ms <= max)) {
    throw new CrosstalkError(
      'INVALID_OPTION',
      `--${option} ${describeValue(text)}: expected a duration such as 500ms, 10s, 5m, 2h or 1d, from ${formatDuration(min)} to ${formatDuration(max)}`,
      { option },
    );
  }
  return ms;
}

export function formatDuration(ms: number): string {
  for (const [unit, size] of [['w', 604_800_000], ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return ms >= 1000 ? `${ms / 1000}s` : `${ms}ms`;
}
