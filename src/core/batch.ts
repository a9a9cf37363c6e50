/**
 * The batch publisher (docs/coordination.md "Batch publishing"): events are checked when
 * handed over and given their id at once, collected, and published together
 * when `max_events` are waiting or `max_wait_ms` after the first of them,
 * whichever comes first, or on flush(). One batch goes out in order; a
 * batch that waits on a full `block` queue holds back the next.
 */
import { CrosstalkError } from './errors.js';
import { checkInt, checkNumber, checkObject, rejectUnknownKeys } from './check.js';
import type { JsonValue } from './event.js';
import { portOf, type BusPort, type PreparedPublish } from './port.js';
import type { Bus, EventInit, PublishOptions } from './types.js';

export interface BatchPublisherOptions {
  /** flush when this many events wait; @default 100 */
  max_events?: number;
  /** flush this long after the first waiting event; @default 10 */
  max_wait_ms?: number;
  /** told about each event a flush could not publish (it is counted in `failed` either way) */
  on_error?: (error: CrosstalkError, event: { id: string; event_type: string }) => void;
}

export interface BatchStats {
  /** events waiting for the next flush */
  waiting: number;
  published: number;
  /** events a flush could not publish (QUEUE_FULL, RATE_LIMITED, BLOCK_TIMEOUT, …) */
  failed: number;
  batches: number;
  flushed_by_size: number;
  flushed_by_time: number;
  flushed_by_call: number;
  largest_batch: number;
  average_batch: number;
  /** how long the last flush took, and the longest */
  last_flush_ms: number;
  max_flush_ms: number;
}

export interface BatchFlushResult {
  published: number;
  failed: { id: string; event_type: string; error: CrosstalkError }[];
}

export interface BatchPublisher {
  /** checks the event now and returns its id; it is published with the next flush */
  publish(eventType: string, data?: JsonValue, options?: PublishOptions): string;
  publish(init: EventInit): string;
  /** publishes what waits now; resolves when it (and any flush before it) is done */
  flush(): Promise<BatchFlushResult>;
  /** flushes, then refuses further events (BUS_UNAVAILABLE) */
  close(): Promise<BatchFlushResult>;
  stats(): BatchStats;
}

/** @default 100 */
export const DEFAULT_BATCH_SIZE = 100;
/** @default 10 */
export const DEFAULT_BATCH_WAIT_MS = 10;

type Reason = 'size' | 'time' | 'call';

class BatchPublisherImpl implements BatchPublisher {
  private waiting: PreparedPublish[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** the flush in progress: the next one starts after it, so batches keep their order */
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly s = {
    published: 0, failed: 0, batches: 0, flushed_by_size: 0, flushed_by_time: 0, flushed_by_call: 0,
    largest_batch: 0, last_flush_ms: 0, max_flush_ms: 0, events_flushed: 0,
  };

  constructor(
    private readonly port: BusPort,
    private readonly maxEvents: number,
    private readonly maxWaitMs: number,
    private readonly onError: BatchPublisherOptions['on_error'] | null,
  ) {}

  publish(eventType: string | EventInit, data?: JsonValue, options?: PublishOptions): string {
    if (this.closed) throw new CrosstalkError('BUS_UNAVAILABLE', 'this batch publisher is closed');
    const p = this.port.prepare(null, eventType, data, options);
    this.waiting.push(p);
    if (this.waiting.length >= this.maxEvents) void this.start('size');
    else this.timer ??= setTimeout(() => void this.start('time'), this.maxWaitMs);
    return p.id!;
  }

  flush(): Promise<BatchFlushResult> {
    return this.start('call');
  }

  async close(): Promise<BatchFlushResult> {
    this.closed = true;
    return this.start('call');
  }

  private start(reason: Reason): Promise<BatchFlushResult> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.waiting;
    this.waiting = [];
    const run = this.tail.then(() => this.send(batch, reason));
    this.tail = run;
    return run;
  }

  private async send(batch: PreparedPublish[], reason: Reason): Promise<BatchFlushResult> {
    const result: BatchFlushResult = { published: 0, failed: [] };
    if (batch.length === 0) return result;
    const t0 = performance.now();
    for (const p of batch) {
      try {
        const r = this.port.publishPrepared(p);
        if (typeof r !== 'string') await r;
        result.published++;
      } catch (e) {
        const error = e instanceof CrosstalkError ? e : new CrosstalkError('BUS_UNAVAILABLE', String(e), { cause: e });
        const about = { id: p.id!, event_type: p.type };
        result.failed.push({ ...about, error });
        try {
          this.onError?.(error, about);
        } catch {
          // the application's callback must not stop the batch
        }
      }
    }
    const ms = performance.now() - t0;
    const s = this.s;
    s.published += result.published;
    s.failed += result.failed.length;
    s.batches++;
    s[`flushed_by_${reason}`]++;
    s.events_flushed += batch.length;
    s.largest_batch = Math.max(s.largest_batch, batch.length);
    s.last_flush_ms = ms;
    s.max_flush_ms = Math.max(s.max_flush_ms, ms);
    return result;
  }

  stats(): BatchStats {
    const { events_flushed, ...s } = this.s;
    return { waiting: this.waiting.length, ...s, average_batch: s.batches === 0 ? 0 : events_flushed / s.batches };
  }
}

/** A batch publisher on `bus` (a bus made by createBus()). */
export function createBatchPublisher(bus: Bus, options: BatchPublisherOptions = {}): BatchPublisher {
  const o = checkObject('options', options);
  rejectUnknownKeys(o, ['max_events', 'max_wait_ms', 'on_error'], 'batch publisher');
  if (o.on_error !== undefined && typeof o.on_error !== 'function') {
    throw new CrosstalkError('INVALID_OPTION', 'Expected `on_error` to be a function (error, event) => void', { option: 'on_error' });
  }
  return new BatchPublisherImpl(
    portOf(bus),
    o.max_events === undefined ? DEFAULT_BATCH_SIZE : checkInt('max_events', o.max_events, 1, 1_000_000),
    o.max_wait_ms === undefined ? DEFAULT_BATCH_WAIT_MS : checkNumber('max_wait_ms', o.max_wait_ms, 0, 3_600_000),
    (o.on_error as BatchPublisherOptions['on_error']) ?? null,
  );
}
