/**
 * The ephemeral store: events in an array ordered by sequence. It answers
 * queries with the core's own pattern and filter code, which makes it the
 * reference the SQLite store's SQL translation is tested against (the
 * conformance suite runs unchanged on both).
 *
 * Stored events are JSON snapshots taken at `append`; queries return fresh
 * copies, so neither the publisher nor a reader can change what is stored.
 */
import { CrosstalkError } from '../core/errors.js';
import type { UniversalEvent } from '../core/event.js';
import { compileExpression } from '../core/expression.js';
import { compileFilter, parsePath, readPath } from '../core/filter.js';
import { compilePattern } from '../core/pattern.js';
import type { EventQuery, EventStore } from '../core/types.js';
import { checkCheckpointName } from './checkpoint.js';
import { checkGroupBy } from './analysis-args.js';
import { NumberColumns } from './number-column.js';
import {
  windowRate,
  type AnalysisStore,
  type ExtendedEventStore,
  type GroupBy,
  type GroupCount,
  type LightRow,
  type NumberColumn,
  type StoreStats,
  type SweepReport,
  type TypeStats,
} from './types.js';
import { POLICY_MAX_BYTES, POLICY_MAX_EVENTS, POLICY_TTL, resolveRetention, ruleFor, type ResolvedRetention, type RetentionOptions } from '../core/retention.js';
import type { CompactReport } from './compact.js';

interface Entry {
  seq: number;
  ts: number;
  /** epoch ms, or Infinity when the event has no TTL */
  expires: number;
  event: UniversalEvent;
  json: string;
}

export interface MemoryStoreOptions {
  /** how often expired events are deleted, in ms; 0 turns the sweeper off; default 60000 */
  sweepIntervalMs?: number;
  /** retention policies the sweeper applies besides expiry (docs/persistence.md "Retention"); `max_bytes` counts the events' JSON */
  retention?: RetentionOptions | null;
}

export class MemoryStore implements EventStore, ExtendedEventStore, AnalysisStore {
  readonly kind = 'memory';
  private entries: Entry[] = [];
  private readonly checkpoints = new Map<string, number>();
  private high = 0;
  private closed = false;
  private sweeper: NodeJS.Timeout | null = null;
  readonly retention: ResolvedRetention | null;
  private readonly removedBy = new Map<string, { removed: number; last: number }>();
  /** JSON characters held, for max_bytes */
  private bytes = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.retention = resolveRetention(options.retention);
    const every = options.sweepIntervalMs ?? 60_000;
    if (every > 0) {
      this.sweeper = setInterval(() => void this.sweep().catch(() => undefined), every);
      this.sweeper.unref();
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new CrosstalkError('STORE_UNAVAILABLE', 'memory store is closed');
  }

  lastSequence(): number {
    return this.high;
  }

  markSequence(sequence: number): void {
    if (sequence > this.high) this.high = sequence;
  }

  append(event: UniversalEvent): void {
    this.assertOpen();
    const json = JSON.stringify(event);
    const ts = Date.parse(event.timestamp);
    const entry: Entry = {
      seq: event.sequence,
      ts,
      expires: typeof event.ttl_seconds === 'number' ? ts + event.ttl_seconds * 1000 : Infinity,
      event: JSON.parse(json) as UniversalEvent,
      json,
    };
    const last = this.entries[this.entries.length - 1];
    if (!last || last.seq < entry.seq) this.entries.push(entry);
    else this.entries.splice(this.firstAfter(entry.seq), 0, entry);
    if (entry.seq > this.high) this.high = entry.seq;
    this.bytes += json.length;
  }

  /** index of the first entry whose sequence is greater than `seq` (binary search) */
  private firstAfter(seq: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid]!.seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  async flush(): Promise<void> {
    // nothing is buffered
  }

  /** a predicate for everything in `q` except order, limit and after_sequence */
  private matcher(q: EventQuery, now: number): (e: Entry) => boolean {
    const type = q.event_type !== undefined ? compilePattern(q.event_type) : null;
    const filter = q.filters !== undefined ? compileFilter(q.filters) : null;
    const where = q.where !== undefined ? compileExpression(q.where, q.now ?? now) : null;
    return (e) =>
      e.expires > now &&
      (type === null || type.test(e.event.event_type)) &&
      (q.start_time === undefined || e.ts >= q.start_time) &&
      (q.end_time === undefined || e.ts <= q.end_time) &&
      (q.correlation_id === undefined || e.event.source.correlation_id === q.correlation_id) &&
      (q.source === undefined || e.event.source.component === q.source) &&
      (filter === null || filter(e.event)) &&
      (where === null || where(e.event));
  }

  async query(q: EventQuery): Promise<UniversalEvent[]> {
    this.assertOpen();
    const match = this.matcher(q, Date.now());
    const start = q.after_sequence !== undefined ? this.firstAfter(q.after_sequence) : 0;
    const out: UniversalEvent[] = [];
    const take = (e: Entry) => {
      if (match(e)) out.push(JSON.parse(e.json) as UniversalEvent);
      return out.length < q.limit;
    };
    if (q.order === 'desc') {
      for (let i = this.entries.length - 1; i >= start && take(this.entries[i]!); i--);
    } else {
      for (let i = start; i < this.entries.length && take(this.entries[i]!); i++);
    }
    return out;
  }

  async countMatching(q: EventQuery): Promise<number> {
    this.assertOpen();
    const match = this.matcher(q, Date.now());
    let n = 0;
    for (let i = q.after_sequence !== undefined ? this.firstAfter(q.after_sequence) : 0; i < this.entries.length; i++) {
      if (match(this.entries[i]!)) n++;
    }
    return n;
  }

  async countBy(q: EventQuery, by: GroupBy): Promise<GroupCount[]> {
    checkGroupBy(by);
    this.assertOpen();
    const match = this.matcher(q, Date.now());
    const groups = new Map<string | number, GroupCount>();
    for (let i = q.after_sequence !== undefined ? this.firstAfter(q.after_sequence) : 0; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (!match(e)) continue;
      const key = by === 'type' ? e.event.event_type : by === 'source' ? e.event.source.component : Math.trunc(e.ts / by.bucket_ms) * by.bucket_ms;
      const per = typeof by === 'object' && by.per !== undefined ? (by.per === 'type' ? e.event.event_type : e.event.source.component) : undefined;
      const id = per === undefined ? key : `${per}\u0000${key}`;
      const g = groups.get(id);
      if (g === undefined) groups.set(id, { key, ...(per !== undefined ? { group: per } : {}), count: 1, first_ms: e.ts, last_ms: e.ts });
      else {
        g.count++;
        if (e.ts < g.first_ms) g.first_ms = e.ts;
        if (e.ts > g.last_ms) g.last_ms = e.ts;
      }
    }
    return [...groups.values()];
  }

  async numbersAt(q: EventQuery, path: string, by?: 'type' | 'source'): Promise<Map<string, NumberColumn>> {
    checkGroupBy(by ?? 'type');
    const steps = parsePath(path);
    this.assertOpen();
    const match = this.matcher(q, Date.now());
    const columns = new NumberColumns();
    for (let i = q.after_sequence !== undefined ? this.firstAfter(q.after_sequence) : 0; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (!match(e)) continue;
      const v = readPath(e.event, steps);
      columns.add(by === 'type' ? e.event.event_type : by === 'source' ? e.event.source.component : '', typeof v === 'number' ? v : undefined);
    }
    return columns.result();
  }

  async scan(q: EventQuery, fn: (row: LightRow) => void): Promise<number> {
    this.assertOpen();
    const match = this.matcher(q, Date.now());
    let n = 0;
    for (let i = q.after_sequence !== undefined ? this.firstAfter(q.after_sequence) : 0; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (!match(e)) continue;
      fn({ sequence: e.seq, ts: e.ts, type: e.event.event_type, correlation_id: e.event.source.correlation_id ?? null });
      n++;
    }
    return n;
  }

  async count(): Promise<number> {
    this.assertOpen();
    const now = Date.now();
    let n = 0;
    for (const e of this.entries) if (e.expires > now) n++;
    return n;
  }

  async sweep(): Promise<number> {
    return (await this.sweepReport()).removed;
  }

  /** Deletes expired events and applies the retention policies; how many each removed. */
  async sweepReport(): Promise<SweepReport> {
    this.assertOpen();
    const now = Date.now();
    const r = this.retention;
    const removed = new Map<string, number>();
    const count = (policy: string, n = 1) => removed.set(policy, (removed.get(policy) ?? 0) + n);
    const rules = new Map<string, { name: string; cutoff: number } | null>();
    const ruleOf = (type: string) => {
      let hit = rules.get(type);
      if (hit === undefined) {
        const rule = r === null ? null : ruleFor(r, type);
        hit = rule === null || rule.maxAgeMs === Infinity ? null : { name: rule.name, cutoff: now - rule.maxAgeMs };
        rules.set(type, hit);
      }
      return hit;
    };
    const kept: Entry[] = [];
    for (const e of this.entries) {
      if (e.expires <= now) count(POLICY_TTL);
      else {
        const rule = ruleOf(e.event.event_type);
        if (rule !== null && e.ts < rule.cutoff) count(rule.name);
        else kept.push(e);
      }
    }
    // the oldest go first when over a size
    let drop = 0;
    if (r?.maxEvents != null && kept.length - drop > r.maxEvents) {
      const n = kept.length - r.maxEvents;
      count(POLICY_MAX_EVENTS, n);
      drop = n;
    }
    let bytes = 0;
    for (let i = drop; i < kept.length; i++) bytes += kept[i]!.json.length;
    if (r?.maxBytes != null) {
      let n = 0;
      while (bytes > r.maxBytes && drop + n < kept.length) bytes -= kept[drop + n++]!.json.length;
      if (n > 0) count(POLICY_MAX_BYTES, n);
      drop += n;
    }
    this.entries = drop > 0 ? kept.slice(drop) : kept;
    this.bytes = bytes;
    let total = 0;
    for (const [policy, n] of removed) {
      total += n;
      const s = this.removedBy.get(policy) ?? { removed: 0, last: 0 };
      this.removedBy.set(policy, { removed: s.removed + n, last: now });
    }
    return { removed: total, by_policy: Object.fromEntries(removed) };
  }

  /** A sweep (a memory store has no file to shrink). */
  async compact(): Promise<CompactReport> {
    const before = this.bytes;
    const swept = await this.sweepReport();
    return { removed: swept.by_policy, bytes_before: before, bytes_after: this.bytes, vacuum: 'none', pages_freed: 0, wal_truncated: true };
  }

  async getCheckpoint(name: string): Promise<number | null> {
    checkCheckpointName(name);
    this.assertOpen();
    return this.checkpoints.get(name) ?? null;
  }

  setCheckpoint(name: string, sequence: number): void {
    checkCheckpointName(name);
    this.assertOpen();
    this.checkpoints.set(name, sequence);
  }

  async stats(): Promise<StoreStats> {
    this.assertOpen();
    const now = Date.now();
    const types = new Map<string, TypeStats & { first: number; last: number }>();
    let count = 0;
    let expired = 0;
    let size = 0;
    let lastHour = 0;
    let firstSeq: number | null = null;
    let lastSeq: number | null = null;
    for (const e of this.entries) {
      size += e.json.length;
      if (e.expires <= now) {
        expired++;
        continue;
      }
      count++;
      firstSeq ??= e.seq;
      lastSeq = e.seq;
      if (e.ts >= now - 3_600_000) lastHour++;
      let t = types.get(e.event.event_type);
      if (!t) {
        t = { event_type: e.event.event_type, count: 0, first: e.ts, last: e.ts, first_timestamp: '', last_timestamp: '', last_minute: 0 };
        types.set(t.event_type, t);
      }
      t.count++;
      t.first = Math.min(t.first, e.ts);
      t.last = Math.max(t.last, e.ts);
      if (e.ts >= now - 60_000) t.last_minute++;
    }
    const byType = [...types.values()]
      .sort((a, b) => b.count - a.count || (a.event_type < b.event_type ? -1 : 1))
      .map(({ first, last, ...t }) => ({ ...t, first_timestamp: new Date(first).toISOString(), last_timestamp: new Date(last).toISOString() }));
    const first = Math.min(...[...types.values()].map((t) => t.first));
    const last = Math.max(...[...types.values()].map((t) => t.last));
    const lastMinute = byType.reduce((n, t) => n + t.last_minute, 0);
    const minute = windowRate(lastMinute, 60_000, count ? first : null, now);
    const hour = windowRate(lastHour, 3_600_000, count ? first : null, now);
    return {
      kind: 'memory',
      count,
      expired_pending_sweep: expired,
      first_sequence: firstSeq,
      last_sequence: lastSeq,
      first_timestamp: count ? new Date(first).toISOString() : null,
      last_timestamp: count ? new Date(last).toISOString() : null,
      rate_overall: count > 1 ? count / Math.max((last - first) / 1000, 0.001) : 0,
      rate_last_minute: minute.rate,
      rate_last_hour: hour.rate,
      rate_last_minute_seconds: minute.seconds,
      rate_last_hour_seconds: hour.seconds,
      size_bytes: size,
      by_type: byType,
      retention: [...this.removedBy]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([policy, v]) => ({ policy, removed: v.removed, last_removed_at: new Date(v.last).toISOString() })),
    };
  }

  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    this.closed = true;
  }
}

export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  return new MemoryStore(options);
}
