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
import { portOf, type BusPort, type PlainPublishes, type PreparedPublish } from './port.js';
import { uuidAt, writeUuids } from './uuid.js';
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

/** bytes of an id as text */
const ID = 36;

/**
 * The events of one batch, kept as small as they can be. A flush runs only
 * once the caller's code yields, so a loop of 100,000 publishes holds
 * 100,000 waiting events, and every object they keep is copied by each
 * young-generation collection until it is promoted: kept as drafts with
 * their id strings, those copies cost three to eight times the publishing
 * itself. A plain publish (a type and data, no options) keeps only its
 * type, its data, the number its check returned, and its id as 36 bytes of
 * one buffer (the string is cut out again to publish it); anything else
 * keeps what the bus prepared.
 */
class Waiting implements PlainPublishes {
  length = 0;
  readonly types: string[] = [];
  readonly data: (JsonValue | undefined)[] = [];
  /** BusPort.checkPlain's answer; -1 where `prepared` holds the publish */
  readonly checked: number[] = [];
  private prepared: (PreparedPublish | null)[] | null = null;
  /** the ids as text, ID_BLOCK to a block */
  private readonly ids: Buffer[] = [];

  /** Adds a publish checkPlain accepted; returns its new id. */
  addPlain(type: string, data: JsonValue | undefined, checked: number): string {
    const k = this.length++;
    // (publishes with options in between keep their own ids: their places in the blocks go unused)
    while (this.ids.length <= k >> ID_BLOCK_BITS) this.ids.push(idBlock());
    this.types.push(type);
    this.data.push(data);
    this.checked.push(checked);
    this.prepared?.push(null);
    return this.idAt(k);
  }

  /** Adds what the bus prepared; returns its id. */
  addPrepared(p: PreparedPublish): string {
    const k = this.length++;
    this.prepared ??= new Array<PreparedPublish | null>(k).fill(null);
    this.prepared.push(p);
    this.types.push(p.type);
    this.data.push(undefined);
    this.checked.push(-1);
    return p.id!;
  }

  preparedAt(k: number): PreparedPublish | null {
    return this.prepared === null ? null : this.prepared[k]!;
  }

  idAt(k: number): string {
    const p = this.preparedAt(k);
    return p !== null ? p.id! : uuidAt(this.ids[k >> ID_BLOCK_BITS]!, ID * (k & (ID_BLOCK - 1)));
  }
}

/** ids to a block: a batch of a few events writes at most this many ids ahead */
const ID_BLOCK_BITS = 6;
const ID_BLOCK = 1 << ID_BLOCK_BITS;
/** blocks are cut from buffers of this many ids: one allocation per 16,384 ids, not one per batch */
const ID_CHUNK = 16_384;
let chunk = Buffer.alloc(0);
let chunkUsed = 0;

/** A block of ID_BLOCK fresh ids as text. */
function idBlock(): Buffer {
  if (chunkUsed === chunk.length) {
    chunk = Buffer.allocUnsafe(ID * ID_CHUNK);
    chunkUsed = 0;
  }
  const block = chunk.subarray(chunkUsed, chunkUsed + ID * ID_BLOCK);
  chunkUsed += ID * ID_BLOCK;
  writeUuids(block, 0, ID_BLOCK);
  return block;
}

class BatchPublisherImpl implements BatchPublisher {
  private waiting: Waiting;
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
  ) {
    this.waiting = new Waiting();
  }

  publish(eventType: string | EventInit, data?: JsonValue, options?: PublishOptions): string {
    if (this.closed) throw new CrosstalkError('BUS_UNAVAILABLE', 'this batch publisher is closed');
    const w = this.waiting;
    const checked = typeof eventType === 'string' && options === undefined ? this.port.checkPlain(eventType, data) : -1;
    const id = checked >= 0 ? w.addPlain(eventType as string, data, checked) : w.addPrepared(this.port.prepare(null, eventType, data, options));
    if (w.length >= this.maxEvents) void this.start('size');
    else this.timer ??= setTimeout(() => void this.start('time'), this.maxWaitMs);
    return id;
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
    this.waiting = new Waiting();
    const run = this.tail.then(() => this.send(batch, reason));
    this.tail = run;
    return run;
  }

  private async send(batch: Waiting, reason: Reason): Promise<BatchFlushResult> {
    const result: BatchFlushResult = { published: 0, failed: [] };
    if (batch.length === 0) return result;
    const t0 = performance.now();
    for (let k = 0; k < batch.length; k++) {
      // plain publishes that nothing can refuse or hold back go out together
      const run = batch.preparedAt(k) === null ? this.port.publishPlainRun(batch, k) : 0;
      if (run > 0) {
        result.published += run;
        k += run - 1;
        continue;
      }
      try {
        const p = batch.preparedAt(k);
        const r = p !== null ? this.port.publishPrepared(p) : this.port.publishPlain(batch.types[k]!, batch.data[k], batch.idAt(k), batch.checked[k]!);
        if (typeof r !== 'string') await r;
        result.published++;
      } catch (e) {
        const error = e instanceof CrosstalkError ? e : new CrosstalkError('BUS_UNAVAILABLE', String(e), { cause: e });
        const about = { id: batch.idAt(k), event_type: batch.types[k]! };
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
