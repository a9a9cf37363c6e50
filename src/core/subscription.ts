/**
 * One subscription: its bounded queue, its backpressure policy, its waiting
 * receivers and the publishers blocked on it, and its counters.
 *
 * Counters keep one invariant: total_received = delivered + filtered +
 * dropped + queue_size (until close discards the queue).
 */
import { CrosstalkError } from './errors.js';
import type { UniversalEvent } from './event.js';
import {
  checkInt,
  checkMs,
  DEFAULT_BATCH_MAX_EVENTS,
  DEFAULT_BATCH_TIMEOUT_MS,
  DEFAULT_RECEIVE_TIMEOUT_MS,
  invalidOption,
  MAX_BATCH_EVENTS,
  rejectUnknownKeys,
  type ResolvedSubscribeOptions,
} from './options.js';
import type { BusObserver } from './observer.js';
import type { CompiledPattern } from './pattern.js';
import { RingQueue } from './queue.js';
import type { Backpressure, ReceiveBatchOptions, Subscription, SubscriptionInfo, SubscriptionStats } from './types.js';

/** Bus-wide totals that every subscription adds to. */
export interface SharedCounters {
  delivered: number;
  dropped: number;
  rejected: number;
  blocked: number;
  filtered: number;
}

/** What the bus needs to hear from a subscription. */
export interface SubscriptionOwner {
  readonly counters: SharedCounters;
  /** told of every delivery, drop and filtered event when set */
  readonly observer: BusObserver | null;
  detach(sub: SubscriptionImpl): void;
  signalFull(sub: SubscriptionImpl): void;
  signalDrained(sub: SubscriptionImpl): void;
}

/** Stored history served before live events (catch-up subscriptions). */
export interface Backlog {
  /** the next page in sequence order; empty when history is exhausted */
  next(): Promise<UniversalEvent[]>;
}

type Waiter = (e: UniversalEvent | null) => void;

// setTimeout cannot wait longer than this; longer waits need no timer
const MAX_TIMER_MS = 2 ** 31 - 1;

export class SubscriptionImpl implements Subscription {
  readonly backpressure: Backpressure;
  readonly maxQueueSize: number;
  readonly blockTimeoutMs: number;
  private readonly queue: RingQueue<UniversalEvent>;
  private readonly filterFn: ((e: UniversalEvent) => boolean) | null;
  private receivers: Waiter[] = [];
  private roomWaiters: (() => void)[] = [];
  private serving = false;
  private fullSignalled = false;
  private backlog: Backlog | null;
  private backlogBuf: UniversalEvent[] = [];
  private backlogFetch: Promise<void> | null = null;
  /** a receive-time filter's error held back so a batch already taken is not lost */
  private deferredError: unknown = null;
  closed = false;

  // counters (SPEC §3)
  private totalReceived = 0;
  private delivered = 0;
  private dropped = 0;
  rejected = 0;
  blocked = 0;
  private filtered = 0;
  private highWater = 0;

  constructor(
    readonly id: string,
    readonly patterns: readonly string[],
    readonly compiled: readonly CompiledPattern[],
    options: ResolvedSubscribeOptions,
    /** predicate-table filter, checked before enqueueing */
    readonly accepts: ((e: UniversalEvent) => boolean) | null,
    private readonly owner: SubscriptionOwner,
    backlog: Backlog | null = null,
  ) {
    this.backpressure = options.backpressure;
    this.maxQueueSize = options.max_queue_size;
    this.blockTimeoutMs = options.block_timeout_ms;
    this.filterFn = options.filterFn;
    this.queue = new RingQueue(options.max_queue_size);
    this.backlog = backlog;
  }

  // ---- publisher side (called by the bus) ----------------------------------

  /** Full, or publishers are already waiting for room (they go first). */
  get congested(): boolean {
    return this.queue.full || this.roomWaiters.length > 0;
  }

  get full(): boolean {
    return this.queue.full;
  }

  /**
   * Puts an event in the queue, applying drop_oldest / drop_newest when full.
   * block and reject queues are only offered events when they have room.
   */
  offer(e: UniversalEvent): void {
    if (this.closed) return;
    this.totalReceived++;
    if (this.accepts !== null && !this.accepts(e)) {
      this.filtered++;
      this.owner.counters.filtered++;
      if (this.owner.observer !== null) this.owner.observer.filtered(this, e);
      return;
    }
    const q = this.queue;
    if (q.full) {
      this.dropped++;
      this.owner.counters.dropped++;
      if (this.backpressure === 'drop_newest') {
        if (this.owner.observer !== null) this.owner.observer.dropped(this, e);
        return;
      }
      const evicted = q.shift()!; // drop_oldest (block/reject never get here when full)
      if (this.owner.observer !== null) this.owner.observer.dropped(this, evicted);
    }
    q.push(e);
    if (q.length > this.highWater) this.highWater = q.length;
    if (q.full && !this.fullSignalled) {
      this.fullSignalled = true;
      this.owner.signalFull(this);
    }
    if (this.receivers.length > 0 && !this.serving) {
      // Receivers are served in a microtask: delivery into the queue stays
      // synchronous, and a receive-time filter never runs inside publish.
      this.serving = true;
      queueMicrotask(() => this.serveReceivers());
    }
  }

  /** A blocked publisher waits here; `wake` runs when room may have appeared. */
  waitForRoom(wake: () => void): () => void {
    this.roomWaiters.push(wake);
    return () => {
      const i = this.roomWaiters.indexOf(wake);
      if (i >= 0) this.roomWaiters.splice(i, 1);
    };
  }

  // ---- receiver side --------------------------------------------------------

  /** Takes the next deliverable event from history or the queue, or null. */
  private take(): UniversalEvent | null {
    if (this.deferredError !== null) {
      const err = this.deferredError;
      this.deferredError = null;
      throw err;
    }
    for (;;) {
      let e: UniversalEvent | undefined;
      if (this.backlogBuf.length > 0) e = this.backlogBuf.shift();
      else if (this.backlog !== null) return null; // history page not fetched yet
      else {
        e = this.queue.shift();
        if (e === undefined) return null;
        this.afterShift();
      }
      if (this.filterFn !== null) {
        let keep: boolean;
        try {
          keep = this.filterFn(e!);
        } catch (err) {
          this.filtered++;
          this.owner.counters.filtered++;
          if (this.owner.observer !== null) this.owner.observer.filtered(this, e!);
          throw err;
        }
        if (!keep) {
          this.filtered++;
          this.owner.counters.filtered++;
          if (this.owner.observer !== null) this.owner.observer.filtered(this, e!);
          continue;
        }
      }
      this.delivered++;
      this.owner.counters.delivered++;
      if (this.owner.observer !== null) this.owner.observer.delivered(this, e!);
      return e!;
    }
  }

  private afterShift(): void {
    if (this.roomWaiters.length > 0) {
      // Wake every blocked publisher, in arrival order: the first re-checks
      // fill the room, the rest find the queue full and wait again. Waking
      // only one could strand the room if that one is still held elsewhere.
      const waiters = this.roomWaiters;
      this.roomWaiters = [];
      for (const w of waiters) queueMicrotask(w);
    }
    if (this.fullSignalled && this.queue.length <= this.maxQueueSize >> 1) {
      this.fullSignalled = false;
      this.owner.signalDrained(this);
    }
  }

  private serveReceivers(): void {
    this.serving = false;
    while (this.receivers.length > 0) {
      let e: UniversalEvent | null;
      try {
        e = this.take();
      } catch {
        continue; // a throwing filter refused that event; the next receiver tries the next one
      }
      if (e === null) return;
      this.receivers.shift()!(e);
    }
  }

  /** Fetches history pages until one has a deliverable event or history ends. */
  private async fillBacklog(): Promise<void> {
    while (this.backlog !== null && this.backlogBuf.length === 0) {
      this.backlogFetch ??= this.backlog.next().then((page) => {
        this.backlogFetch = null;
        if (page.length === 0) this.backlog = null;
        else
          for (const e of page) {
            this.totalReceived++;
            if (this.accepts !== null && !this.accepts(e)) {
              this.filtered++;
              this.owner.counters.filtered++;
              if (this.owner.observer !== null) this.owner.observer.filtered(this, e);
            } else this.backlogBuf.push(e);
          }
      });
      await this.backlogFetch;
      if (this.closed) return;
    }
  }

  async receive(timeoutMs?: number): Promise<UniversalEvent | null> {
    const timeout = timeoutMs === undefined ? DEFAULT_RECEIVE_TIMEOUT_MS : checkMs('timeout_ms', timeoutMs, true);
    if (this.closed) return null;
    if (this.backlog !== null) await this.fillBacklog();
    const e = this.take();
    if (e !== null || timeout === 0 || this.closed) return e;
    return new Promise<UniversalEvent | null>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = (ev) => {
        if (timer !== undefined) clearTimeout(timer);
        resolve(ev);
      };
      this.receivers.push(waiter);
      if (timeout <= MAX_TIMER_MS) {
        timer = setTimeout(() => {
          const i = this.receivers.indexOf(waiter);
          if (i >= 0) this.receivers.splice(i, 1);
          resolve(null);
        }, timeout);
      }
    });
  }

  receiveBatch(options?: ReceiveBatchOptions): Promise<UniversalEvent[]> {
    try {
      return Promise.resolve(this.receiveBatchNow(options));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * receive_batch with a synchronous fast path: when events are already
   * queued the batch is returned at once (script bindings avoid a yield);
   * a Promise only when it has to wait for the first event.
   */
  receiveBatchNow(options?: ReceiveBatchOptions): UniversalEvent[] | Promise<UniversalEvent[]> {
    let max = DEFAULT_BATCH_MAX_EVENTS;
    let timeout = DEFAULT_BATCH_TIMEOUT_MS;
    if (options !== undefined && options !== null) {
      if (typeof options !== 'object' || Array.isArray(options)) throw invalidOption('receive_batch options', 'an object', options);
      rejectUnknownKeys(options, ['max_events', 'timeout_ms'], 'receive_batch');
      if (options.max_events !== undefined) max = checkInt('max_events', options.max_events, 1, MAX_BATCH_EVENTS);
      if (options.timeout_ms !== undefined) timeout = checkMs('timeout_ms', options.timeout_ms, true);
    }
    if (this.closed) return [];
    if (this.backlog === null) {
      const out: UniversalEvent[] = [];
      this.drainInto(out, max);
      if (out.length > 0 || timeout === 0) return out;
    }
    return this.receive(timeout).then((first) => {
      if (first === null) return [];
      const out = [first];
      this.drainInto(out, max);
      return out;
    });
  }

  /** receive with a synchronous fast path: an event (or null on poll) without a Promise when possible. */
  receiveNow(timeoutMs?: number): UniversalEvent | null | Promise<UniversalEvent | null> {
    const timeout = timeoutMs === undefined ? DEFAULT_RECEIVE_TIMEOUT_MS : checkMs('timeout_ms', timeoutMs, true);
    if (this.closed) return null;
    if (this.backlog === null) {
      const e = this.take();
      if (e !== null || timeout === 0) return e;
    }
    return this.receive(timeout);
  }

  poll(): UniversalEvent | null {
    return this.closed ? null : this.take();
  }

  drain(max = MAX_BATCH_EVENTS): UniversalEvent[] {
    const out: UniversalEvent[] = [];
    if (!this.closed) this.drainInto(out, checkInt('max', max, 1, MAX_BATCH_EVENTS));
    return out;
  }

  private drainInto(out: UniversalEvent[], max: number): void {
    while (out.length < max) {
      let e: UniversalEvent | null;
      try {
        e = this.take();
      } catch (err) {
        if (out.length === 0) throw err;
        // events already taken must reach the caller; the filter's error
        // comes with the next receive
        this.deferredError = err;
        return;
      }
      if (e === null) return;
      out.push(e);
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<UniversalEvent> {
    try {
      for (;;) {
        const e = await this.receive(Infinity);
        if (e === null) return;
        yield e;
      }
    } finally {
      // `break` in for-await ends the subscription
      this.unsubscribe();
    }
  }

  // ---- lifecycle and introspection -------------------------------------------

  unsubscribe(): boolean {
    if (this.closed) return false;
    this.closed = true;
    this.queue.clear();
    this.backlogBuf = [];
    this.backlog = null;
    const receivers = this.receivers;
    this.receivers = [];
    for (const r of receivers) r(null);
    // blocked publishers re-route: this queue no longer holds them back
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const w of waiters) queueMicrotask(w);
    this.owner.detach(this);
    return true;
  }

  stats(): SubscriptionStats {
    return {
      total_received: this.totalReceived,
      delivered: this.delivered,
      dropped: this.dropped,
      rejected: this.rejected,
      blocked: this.blocked,
      filtered: this.filtered,
      queue_size: this.queue.length + this.backlogBuf.length,
      high_water: this.highWater,
    };
  }

  info(): SubscriptionInfo {
    return {
      id: this.id,
      patterns: [...this.patterns],
      pattern: this.patterns[0]!,
      queue_size: this.queue.length,
      max_queue_size: this.maxQueueSize,
      backpressure: this.backpressure,
    };
  }

  get queueSize(): number {
    return this.queue.length;
  }

  toString(): string {
    return this.id;
  }

  toJSON(): SubscriptionInfo {
    return this.info();
  }
}

export function unknownSubscription(id: unknown): CrosstalkError {
  const shown = typeof id === 'string' ? id : String(id);
  return new CrosstalkError('UNKNOWN_SUBSCRIPTION', `no subscription ${JSON.stringify(shown)} on this bus`, {
    subscriptionId: typeof id === 'string' ? id : undefined,
  });
}
