/**
 * `crosstalk analyze`: recurring sequences (A then B within a window) and
 * anomalies (a type's rate far from its own baseline), each with a one-line
 * explanation (docs/observability.md "Seeing the stream").
 *
 * Sequences: one pass over the matching events in sequence order (the
 * store hands them over lightly, without bodies). Walking backwards, a map
 * holds each type's next occurrence, ordered by time, so the types that
 * follow an event within the window are read off the map's front; the cost
 * per event is the number of distinct types in the window. For A → B:
 * support = A events followed by at least one B within the window,
 * confidence = support / count(A), lift = confidence / the chance that a
 * window holds a B anyway (1 − e^(−rate(B)·window), B as a Poisson stream).
 *
 * Anomalies: counts per type per time bucket, grouped in SQL. Counts are
 * compared after Anscombe's transform (2·√(x + 3/8)), under which Poisson
 * noise has unit variance whatever the rate, so a drop from 10 to 0 and a
 * jump from 0 to 80 are judged on one scale. A type's baseline is the mean
 * of its middle 80 % of buckets (robust to the anomalies looked for, yet
 * not stuck at 0 or 1 for a sparse type as a median is), and its spread
 * the square root of their dispersion (variance ÷ mean: 1 for Poisson
 * noise, more for bursty types), at least 0.5 so a steady series such as a
 * heartbeat has a scale too. A bucket is an anomaly when it is `threshold`
 * spreads (σ) or more from the baseline and differs by at least `minCount`
 * events; edge buckets only partly inside the range expect proportionally
 * less.
 */
import { CrosstalkError, describeValue } from '../core/errors.js';
import type { EventQuery, EventStore } from '../core/types.js';
import { analysisStore, formatDuration } from './analysis.js';

export interface SequenceOptions {
  /** B must follow A within this many ms; @default 10,000 */
  windowMs?: number;
  /** A events followed by a B, at least; @default 5 */
  minSupport?: number;
  /** share of A events followed by a B, at least; @default 0.5 */
  minConfidence?: number;
  /** times more often than chance, at least; @default 2 */
  minLift?: number;
  /** only count a B that carries the A's correlation id; @default false */
  sameCorrelation?: boolean;
  /** the most frequent types considered; @default 200 */
  maxTypes?: number;
  /** pairs reported; @default 20 */
  top?: number;
}

export interface SequenceFinding {
  from: string;
  to: string;
  /** A events followed by B within the window */
  support: number;
  /** events of type A */
  from_count: number;
  confidence: number;
  lift: number;
  /** median delay from A to the next B after it, from an even sample */
  median_gap_ms: number;
  window_ms: number;
  explanation: string;
}

export interface AnomalyOptions {
  /** bucket width in ms; @default chosen for about 60 buckets over the range (1 min … 1 day) */
  bucketMs?: number;
  /** spreads (σ) from the baseline; @default 4 */
  threshold?: number;
  /** events from the baseline, at least; @default 5 */
  minCount?: number;
  /** anomalies reported; @default 20 */
  top?: number;
}

export interface AnomalyFinding {
  type: string;
  kind: 'spike' | 'drop';
  /** the bucket, ISO */
  start: string;
  end: string;
  count: number;
  /** expected count in that bucket (the trimmed mean, scaled for a partial bucket) */
  baseline: number;
  /** the type's spread in transformed units: √(variance ÷ mean), 1 for Poisson noise, at least 0.5 */
  spread: number;
  /** distance from the baseline in spreads (σ), after Anscombe's transform; negative for drops */
  score: number;
  explanation: string;
}

export interface AnalysisReport {
  events: number;
  range: { start: string | null; end: string | null };
  sequences: SequenceFinding[];
  anomalies: AnomalyFinding[];
  bucket_ms: number;
}

function bad(option: string, expected: string, got: unknown): CrosstalkError {
  return new CrosstalkError('INVALID_OPTION', `--${option} must be ${expected}, got ${describeValue(got)}`, { option });
}

function int(option: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw bad(option, `an integer from ${min} to ${max}`, v);
  return v;
}

function num(option: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw bad(option, `a number from ${min} to ${max}`, v);
  return v;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;
const count = (n: number) => n.toLocaleString('en-US');
const times = (x: number) => (x >= 10 ? `${Math.round(x)}×` : `${x.toFixed(1)}×`);

/**
 * Gaps sampled evenly over the whole stream, deterministically: every gap
 * while fewer than 128 are kept, then every other one, every fourth, …
 * (the kept ones thinned by half each time the stride doubles).
 */
class Gaps {
  private xs: number[] = [];
  private seen = 0;
  private stride = 1;
  add(x: number): void {
    if (this.seen++ % this.stride !== 0) return;
    this.xs.push(x);
    if (this.xs.length >= 128) {
      this.xs = this.xs.filter((_, i) => i % 2 === 0);
      this.stride *= 2;
    }
  }
  median(): number {
    const s = [...this.xs].sort((a, b) => a - b);
    return s.length ? s[(s.length - 1) >> 1]! : 0;
  }
}

/** The sequence options with their defaults, or INVALID_OPTION naming the bad one. */
function sequenceOptions(o: SequenceOptions) {
  return {
    windowMs: int('window', o.windowMs ?? 10_000, 1, 366 * 86_400_000),
    minSupport: int('min-support', o.minSupport ?? 5, 1, 1e12),
    minConfidence: num('min-confidence', o.minConfidence ?? 0.5, 0, 1),
    minLift: num('min-lift', o.minLift ?? 2, 0, 1e12),
    maxTypes: int('max-types', o.maxTypes ?? 200, 2, 10_000),
    top: int('top', o.top ?? 20, 1, 100_000),
  };
}

/** The anomaly options with their defaults (the bucket is checked once the range is known). */
function anomalyOptions(o: AnomalyOptions) {
  if (o.bucketMs !== undefined) int('bucket', o.bucketMs, 1000, 366 * 86_400_000);
  return {
    threshold: num('threshold', o.threshold ?? 4, 0.5, 1000),
    minCount: int('min-count', o.minCount ?? 5, 0, 1e12),
    top: int('top', o.top ?? 20, 1, 100_000),
  };
}

/** Checks the options of `analyze` before any store is touched (INVALID_OPTION naming the bad one). */
export function checkAnalysisOptions(o: { sequences?: SequenceOptions | false; anomalies?: AnomalyOptions | false }): void {
  if (o.sequences) sequenceOptions(o.sequences);
  if (o.anomalies) anomalyOptions(o.anomalies);
}

/** Recurring A → B sequences among the events `q` matches. */
export async function findSequences(store: EventStore, q: EventQuery, o: SequenceOptions = {}): Promise<{ events: number; first: number; last: number; findings: SequenceFinding[] }> {
  const { windowMs, minSupport, minConfidence, minLift, maxTypes, top } = sequenceOptions(o);
  const s = analysisStore(store);

  // the rows, compactly: time, type index, correlation index
  let ts = new Float64Array(1 << 16);
  let type = new Int32Array(1 << 16);
  let corr = new Int32Array(1 << 16);
  const typeIds = new Map<string, number>();
  const typeNames: string[] = [];
  const corrIds = new Map<string, number>();
  let n = 0;
  await s.scan(q, (r) => {
    if (n === ts.length) {
      const grow = <T extends Float64Array | Int32Array>(a: T, make: (k: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      ts = grow(ts, (k) => new Float64Array(k));
      type = grow(type, (k) => new Int32Array(k));
      corr = grow(corr, (k) => new Int32Array(k));
    }
    let t = typeIds.get(r.type);
    if (t === undefined) {
      t = typeNames.length;
      typeIds.set(r.type, t);
      typeNames.push(r.type);
    }
    let c = -1;
    if (r.correlation_id !== null && o.sameCorrelation) {
      c = corrIds.get(r.correlation_id) ?? corrIds.size;
      if (c === corrIds.size) corrIds.set(r.correlation_id, c);
    }
    ts[n] = r.ts;
    type[n] = t;
    corr[n] = c;
    n++;
  });
  if (n === 0) return { events: 0, first: NaN, last: NaN, findings: [] };

  const totals = new Float64Array(typeNames.length);
  for (let i = 0; i < n; i++) totals[type[i]!]!++;
  // only the most frequent types: pairs grow with their square
  const considered = new Uint8Array(typeNames.length);
  [...totals.keys()].sort((a, b) => totals[b]! - totals[a]!).slice(0, maxTypes).forEach((t) => (considered[t] = 1));

  const T = typeNames.length;
  const support = new Map<number, number>();
  const gaps = new Map<number, Gaps>();
  // next occurrence of each type after the current event, in decreasing time order (front = latest)
  const global = new Map<number, number>();
  const perCorr = new Map<number, Map<number, number>>();
  for (let i = n - 1; i >= 0; i--) {
    const a = type[i]!;
    if (!considered[a]) continue;
    let next: Map<number, number>;
    if (o.sameCorrelation) {
      if (corr[i]! < 0) continue;
      next = perCorr.get(corr[i]!) ?? new Map();
      perCorr.set(corr[i]!, next);
    } else next = global;
    const t = ts[i]!;
    // anything later than t + window is out of reach for this and every earlier event
    for (const [b, at] of next) {
      if (at - t <= windowMs) break;
      next.delete(b);
    }
    for (const [b, at] of next) {
      if (b === a) continue;
      const key = a * T + b;
      support.set(key, (support.get(key) ?? 0) + 1);
      let g = gaps.get(key);
      if (g === undefined) gaps.set(key, (g = new Gaps()));
      g.add(Math.max(0, at - t));
    }
    next.delete(a);
    next.set(a, t);
  }
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < n; i++) {
    if (ts[i]! < first) first = ts[i]!;
    if (ts[i]! > last) last = ts[i]!;
  }
  const spanMs = Math.max(last - first, windowMs);
  const findings: SequenceFinding[] = [];
  for (const [key, sup] of support) {
    const a = Math.floor(key / T);
    const b = key % T;
    const confidence = sup / totals[a]!;
    const chance = 1 - Math.exp(-(totals[b]! / spanMs) * windowMs);
    const lift = chance > 0 ? confidence / chance : Infinity;
    if (sup < minSupport || confidence < minConfidence || lift < minLift) continue;
    const from = typeNames[a]!;
    const to = typeNames[b]!;
    const gap = gaps.get(key)!.median();
    findings.push({
      from,
      to,
      support: sup,
      from_count: totals[a]!,
      confidence,
      lift,
      median_gap_ms: gap,
      window_ms: windowMs,
      explanation:
        `${from} → ${to}: ${pct(confidence)} of ${count(totals[a]!)} ${from} were followed by ${to} within ${formatDuration(windowMs)}` +
        `${o.sameCorrelation ? ' (same correlation id)' : ''}, typically ${formatGap(gap)} later; ${times(lift)} what chance gives`,
    });
  }
  findings.sort((x, y) => y.confidence * Math.log1p(y.support) - x.confidence * Math.log1p(x.support) || y.support - x.support);
  return { events: n, first, last, findings: findings.slice(0, top) };
}

function formatGap(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : formatDuration(Math.round(ms / 1000) * 1000);
}

const BUCKETS = [60_000, 300_000, 900_000, 3_600_000, 21_600_000, 86_400_000];

/** About 60 buckets over the range, from 1 minute to 1 day. */
export function autoBucket(spanMs: number): number {
  return BUCKETS.find((b) => spanMs / b <= 60) ?? BUCKETS[BUCKETS.length - 1]!;
}

const MAX_BUCKETS = 100_000;

/**
 * The least dispersion (variance ÷ mean) a type is given: a quarter of
 * Poisson noise, so a steady series (a heartbeat) still has a scale, and a
 * gap in it stands out.
 */
const MIN_DISPERSION = 0.25;
/** share trimmed from each end before the baseline is taken */
const TRIM = 0.1;

/** Mean and variance of the values left after trimming TRIM from each end: robust to the anomalies themselves. */
function trimmed(xs: number[]): { mean: number; variance: number } {
  const s = [...xs].sort((a, b) => a - b);
  const k = Math.floor(s.length * TRIM);
  const mid = s.slice(k, s.length - k);
  const mean = mid.reduce((a, b) => a + b, 0) / mid.length;
  const variance = mid.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, mid.length - 1);
  return { mean, variance };
}

/** Anscombe's transform: a Poisson count becomes roughly normal with unit variance. */
const anscombe = (x: number) => 2 * Math.sqrt(x + 3 / 8);

/** Buckets where a type's count is far from its own baseline. */
export async function findAnomalies(
  store: EventStore,
  q: EventQuery,
  range: { first: number; last: number },
  o: AnomalyOptions = {},
): Promise<{ bucketMs: number; findings: AnomalyFinding[] }> {
  const { threshold, minCount, top } = anomalyOptions(o);
  const start = q.start_time ?? range.first;
  const end = q.end_time ?? range.last;
  const bucketMs = o.bucketMs ?? autoBucket(end - start);
  int('bucket', bucketMs, 1000, 366 * 86_400_000);
  const from = Math.floor(start / bucketMs) * bucketMs;
  const buckets = Math.floor(end / bucketMs) - Math.floor(start / bucketMs) + 1;
  if (buckets > MAX_BUCKETS) {
    throw bad('bucket', `wider: ${formatDuration(bucketMs)} buckets over this range make ${count(buckets)} (at most ${count(MAX_BUCKETS)})`, formatDuration(bucketMs));
  }
  if (buckets < 3) return { bucketMs, findings: [] }; // no baseline to speak of
  const counts = await analysisStore(store).countBy(q, { bucket_ms: bucketMs, per: 'type' });
  const series = new Map<string, Float64Array>();
  for (const g of counts) {
    let s = series.get(g.group!);
    if (s === undefined) series.set(g.group!, (s = new Float64Array(buckets)));
    s[(Number(g.key) - from) / bucketMs] = g.count;
  }
  // the share of each bucket inside the range (edge buckets may be partial)
  const cover = new Float64Array(buckets).fill(1);
  // (a range ending exactly where a bucket starts covers 1 ms of it: it expects nothing there)
  const part = (ms: number) => Math.min(1, Math.max(ms, 1) / bucketMs);
  cover[0] = part(Math.min(from + bucketMs, end) - start);
  cover[buckets - 1] = buckets === 1 ? cover[0]! : part(end - (from + (buckets - 1) * bucketMs));
  const full = [...cover.keys()].filter((i) => cover[i] === 1);
  const basis = full.length >= 3 ? full : [...cover.keys()];
  const findings: AnomalyFinding[] = [];
  for (const [type, s] of series) {
    // baseline and dispersion from the middle 80 % of the full buckets
    const { mean: base, variance } = trimmed(basis.map((i) => s[i]!));
    const spread = Math.sqrt(Math.max(MIN_DISPERSION, base > 0 ? variance / base : 0));
    for (let i = 0; i < buckets; i++) {
      const expected = base * cover[i]!;
      const diff = s[i]! - expected;
      const score = (anscombe(s[i]!) - anscombe(expected)) / spread;
      if (Math.abs(score) < threshold || Math.abs(diff) < minCount) continue;
      const b0 = from + i * bucketMs;
      const kind = diff > 0 ? 'spike' : 'drop';
      const ratio = expected > 0 ? s[i]! / expected : Infinity;
      findings.push({
        type,
        kind,
        start: new Date(b0).toISOString(),
        end: new Date(b0 + bucketMs).toISOString(),
        count: s[i]!,
        baseline: expected,
        spread,
        score,
        explanation:
          `${type}: ${count(s[i]!)} in ${new Date(b0).toISOString().slice(0, 16)}Z+${formatDuration(bucketMs)}, usually ` +
          `${expected < 10 ? Number(expected.toFixed(1)) : Math.round(expected)} — ` +
          (kind === 'spike'
            ? expected > 0
              ? `${times(ratio)} its usual rate`
              : 'where it is normally absent'
            : s[i] === 0
              ? 'silent'
              : `${pct(ratio)} of its usual rate`) +
          ` (${Math.abs(score).toFixed(1)}σ ${kind === 'spike' ? 'above' : 'below'})`,
      });
    }
  }
  findings.sort((a, b) => Math.abs(b.score) - Math.abs(a.score));
  return { bucketMs, findings: findings.slice(0, top) };
}

/** Both analyses over the events `q` matches. */
export async function analyze(store: EventStore, q: EventQuery, o: { sequences?: SequenceOptions | false; anomalies?: AnomalyOptions | false } = {}): Promise<AnalysisReport> {
  checkAnalysisOptions(o);
  const seq = await findSequences(store, q, o.sequences === false ? { top: 1, minSupport: 1e12 } : (o.sequences ?? {}));
  const range = { first: seq.first, last: seq.last };
  const anomalies = seq.events === 0 || o.anomalies === false ? { bucketMs: o.anomalies ? (o.anomalies.bucketMs ?? 0) : 0, findings: [] } : await findAnomalies(store, q, range, o.anomalies ?? {});
  return {
    events: seq.events,
    range: { start: seq.events ? new Date(q.start_time ?? seq.first).toISOString() : null, end: seq.events ? new Date(q.end_time ?? seq.last).toISOString() : null },
    sequences: o.sequences === false ? [] : seq.findings,
    anomalies: anomalies.findings,
    bucket_ms: anomalies.bucketMs,
  };
}
