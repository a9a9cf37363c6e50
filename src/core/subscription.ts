/**
 * One subscription: its bounded queue (by priority, lanes.ts), its
 * backpressure policy, its waiting receivers and the publishers blocked on
 * it, and its counters. A subscription is pulled (receive, iteration) or
 * runs a handler (handler.ts), never both; a work-queue member is fed by its
 * group (group.ts) instead of the router.
 *
 * Counters keep one invariant: total_received = delivered + filtered +
 * dropped + reassigned + queue_size (until close discards the queue).
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
import { ackId, type Backlog, type DeliveryTarget, type SubscriptionOwner } from './target.js';
import type { Group } from './group.js';
import type { SubscriptionHandle } from './handle.js';
import type { HandlerRunner } from './handler.js';
import { LaneQueue } from './lanes.js';
import type { CompiledPattern } from './pattern.js';
import type { AckTarget, Backpressure, NakOptions, ReceiveBatchOptions, Subscription, SubscriptionInfo, SubscriptionStats } from './types.js';

type Waiter = (e: UniversalEvent | null) => void;

// setTimeout cannot wait longer than this; longer waits need no timer
const MAX_TIMER_MS = 2 ** 31 - 1;

export class SubscriptionImpl implements Subscription, DeliveryTarget {
  // What offer() reads for every event routed here comes first, so that it
  // shares a cache line or two with the object's header: at 100,000
  // subscriptions a matched subscription is rarely in the CPU's caches, and
  // fan-out costs the lines it touches (V8 lays fields out in this order).
  closed = false;
  private totalReceived = 0;
  /** predicate-table filter, checked before enqueueing */
  private accepts: ((e: UniversalEvent) => boolean) | null;
  private readonly queue: LaneQueue;
  private readonly owner: SubscriptionOwner;
  private dropped = 0;
  readonly backpressure: Backpressure;
  private receivers: Waiter[] = [];
  /** callers of onReady waiting for an event (receive_any); offer() checks it */
  private readyWatchers: Set<() => void> | null = null;
  /** set for a handler subscription (never pulled) */
  handler: HandlerRunner | null = null;
  /** the work-queue group this subscription is a member of */
  group: Group | null = null;
  private serving = false;
  private fullSignalled = false;
  private highWater = 0;
  readonly id: string;
  readonly patterns: readonly string[];
  readonly compiled: readonly CompiledPattern[];
  readonly maxQueueSize: number;
  readonly blockTimeoutMs: number;
  /** the application's handle (bus.subscribe), held weakly so that dropping it ends the subscription */
  handle: WeakRef<SubscriptionHandle> | null = null;
  /** the handle, held strongly while a receiver waits (see pin) */
  private pinned: SubscriptionHandle | null = null;
  /** a member's predicate filter: the group consults it when picking a member */
  readonly memberAccepts: ((e: UniversalEvent) => boolean) | null = null;
  /** ack groups: events this member took and has not acknowledged */
  inFlight = 0;
  /** this member's share under `balance: 'weighted'` */
  readonly weight: number;
  /** group members: when it last took an event (or joined), ms since the epoch */
  lastTakeAt = 0;
  private readonly filterFn: ((e: UniversalEvent) => boolean) | null;
  private closeWatchers: Set<() => void> | null = null;
  private roomWaiters: (() => void)[] = [];
  private backlog: Backlog | null;
  private backlogBuf: UniversalEvent[] = [];
  private backlogFetch: Promise<void> | null = null;
  /** a receive-time filter's error held back so a batch already taken is not lost */
  private deferredError: unknown = null;
  // counters (docs/event-api.md "Subscribing")
  private delivered = 0;
  rejected = 0;
  blocked = 0;
  private filtered = 0;
  /** handler failures after retries, naks, ack waits run out */
  failed = 0;
  acked = 0;
  /** events queued here that the group handed to another member */
  reassigned = 0;
  /** DeliveryTarget: its slot in the bus's fan-out table while routed (fanout.ts) */
  slot = -1;
  /** fanout.ts `mark`: nonzero while a publish may count a drop here without offering the event */
  dropMark = 0;
  /** a full queue can drop events without the subscription being read: drop_newest, no filter, not a member */
  private readonly canMark: boolean;

  constructor(
    id: string,
    patterns: readonly string[],
    compiled: readonly CompiledPattern[],
    options: ResolvedSubscribeOptions,
    accepts: ((e: UniversalEvent) => boolean) | null,
    owner: SubscriptionOwner,
    backlog: Backlog | null = null,
  ) {
    this.id = id;
    this.patterns = patterns;
    this.compiled = compiled;
    this.accepts = accepts;
    this.owner = owner;
    this.backpressure = options.backpressure;
    this.maxQueueSize = options.max_queue_size;
    this.blockTimeoutMs = options.block_timeout_ms;
    this.filterFn = options.filterFn;
    this.queue = new LaneQueue(options.max_queue_size, options.ordering === 'publish');
    this.backlog = backlog;
    this.weight = options.group?.weight ?? 1;
    if (options.group !== null) {
      // the group picks members by their filter; what reaches a member is accepted
      this.memberAccepts = accepts;
      this.accepts = null;
    }
    this.canMark = this.backpressure === 'drop_newest' && this.accepts === null && options.group === null;
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
    if (this.backlog !== null && this.backlog.live !== undefined) this.backlog.live.add(e.id);
    this.totalReceived++;
    if (this.accepts !== null && !this.accepts(e)) {
      this.filtered++;
      this.owner.counters.filtered++;
      if (this.owner.observer !== null) this.owner.observer.filtered(this, e);
      return;
    }
    const q = this.queue;
    if (q.full && !this.makeRoom(e)) return;
    q.push(e);
    if (q.length > this.highWater) this.highWater = q.length;
    if (q.full) {
      if (this.canMark) this.refreshMark();
      if (!this.fullSignalled) {
        this.fullSignalled = true;
        this.owner.signalFull(this);
      }
    }
    if (this.receivers.length > 0 && !this.serving) {
      // Receivers are served in a microtask: delivery into the queue stays
      // synchronous, and a receive-time filter never runs inside publish.
      this.serving = true;
      queueMicrotask(() => this.serveReceivers());
    } else if (this.handler !== null) this.handler.wake();
    if (this.readyWatchers !== null) this.notifyReady();
  }

  /**
   * Publishes may count a drop here without offering the event while the
   * queue is full and would drop it untouched (drop_newest, every event in
   * one lane, no history to read first): offer() would change nothing else.
   */
  private refreshMark(): void {
    const m = this.canMark && !this.closed && this.backlog === null && this.queue.full ? this.queue.dropMark : 0;
    if (m !== this.dropMark) {
      this.dropMark = m;
      if (this.slot >= 0) this.owner.fanout.mark[this.slot] = m;
    }
  }

  /** DeliveryTarget: events a publish dropped through the mark, now that the slot is given up. */
  foldSkipped(n: number): void {
    this.totalReceived += n;
    this.dropped += n;
  }

  /** Drops counted in the fan-out table, not yet in this object's counters. */
  private get skipped(): number {
    return this.slot >= 0 ? this.owner.fanout.skipped[this.slot]! : 0;
  }

  /** Calls `ready` once, when an event can be taken or the subscription closes (port.ts PortSubscription). */
  onReady(ready: () => void): () => void {
    if (this.closed || this.queue.length > 0 || this.backlogBuf.length > 0) {
      queueMicrotask(ready);
      return () => {};
    }
    (this.readyWatchers ??= new Set()).add(ready);
    return () => this.readyWatchers?.delete(ready);
  }

  /** Calls `closed` once when the subscription closes (at once when it is closed already). */
  onClose(closed: () => void): () => void {
    if (this.closed) {
      queueMicrotask(closed);
      return () => {};
    }
    (this.closeWatchers ??= new Set()).add(closed);
    return () => this.closeWatchers?.delete(closed);
  }

  /** Waiting receives answer null; the subscription stays (port.ts PortSubscription). */
  detachReceivers(): void {
    const receivers = this.receivers;
    this.receivers = [];
    this.pinned = null;
    for (const r of receivers) r(null);
  }

  /**
   * Events a receiver was handed and did not process go before everything
   * queued, in their order (port.ts PortSubscription); they are not counted
   * as received twice.
   */
  giveBack(events: readonly UniversalEvent[]): void {
    if (this.closed || events.length === 0) return;
    this.backlogBuf.unshift(...events);
    this.delivered -= events.length;
    this.owner.counters.delivered -= events.length;
    if (this.receivers.length > 0 && !this.serving) {
      this.serving = true;
      queueMicrotask(() => this.serveReceivers());
    }
    if (this.readyWatchers !== null) this.notifyReady();
  }

  private notifyReady(): void {
    const watchers = this.readyWatchers!;
    this.readyWatchers = null;
    for (const w of watchers) queueMicrotask(w);
  }

  /**
   * drop_oldest / drop_newest on a full queue (block and reject never get
   * here when full): the lowest priority queued goes first, and `e` itself
   * when it is lowest. False when `e` is the one dropped.
   */
  private makeRoom(e: UniversalEvent): boolean {
    this.dropped++;
    this.owner.counters.dropped++;
    const victim = this.queue.evictFor(e, this.backpressure === 'drop_newest');
    if (this.owner.observer !== null) this.owner.observer.dropped(this, victim ?? e);
    if (this.group !== null) this.group.dropped(this, victim ?? e);
    return victim !== null;
  }

  /** Group members: room for one more (in an ack group, unacknowledged events take room too). */
  get hasRoom(): boolean {
    return this.queue.length + this.inFlight < this.maxQueueSize && !this.queue.full;
  }

  /** Group members: events queued here or taken and not yet acknowledged. */
  get load(): number {
    return this.queue.length + this.inFlight;
  }

  /** Group members: has events queued and took none for `stallMs`. */
  stalled(now: number, stallMs: number): boolean {
    return this.queue.length > 0 && now - this.lastTakeAt > stallMs;
  }

  /** Group members leaving: every queued event, in receive order; counted as reassigned. */
  takeQueued(): UniversalEvent[] {
    const all = this.queue.takeAll();
    this.reassigned += all.length;
    return all;
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

  /** Takes the next deliverable event from history or the queue, or null (the handler runner pulls through this). */
  take(): UniversalEvent | null {
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
        // an ack group may have handed this event to another member meanwhile
        if (this.group !== null && !this.group.taking(this, e)) {
          this.reassigned++;
          continue;
        }
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
    if (this.dropMark !== 0) this.refreshMark();
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
    if (this.group !== null) this.group.roomAppeared();
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
    this.pinned = null;
  }

  /**
   * A receiver waits: the application's handle must live as long as it
   * does, even when nothing else holds it (`await bus.subscribe(p).receive()`).
   */
  private pin(): void {
    if (this.handle !== null && this.pinned === null) this.pinned = this.handle.deref() ?? null;
  }

  /** Fetches history pages until one has a deliverable event or history ends. */
  private async fillBacklog(): Promise<void> {
    while (this.backlog !== null && this.backlogBuf.length === 0) {
      this.backlogFetch ??= this.backlog.next().then((page) => {
        this.backlogFetch = null;
        if (page.length === 0) {
          this.backlog = null;
          if (this.canMark) this.refreshMark();
        } else
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
    if (this.handler !== null) throw notPulled(this);
    const timeout = timeoutMs === undefined ? DEFAULT_RECEIVE_TIMEOUT_MS : checkMs('timeout_ms', timeoutMs, true);
    if (this.closed) return null;
    if (this.backlog !== null) {
      this.pin();
      await this.fillBacklog();
      if (this.receivers.length === 0) this.pinned = null;
    }
    const e = this.take();
    if (e !== null || timeout === 0 || this.closed) return e;
    return new Promise<UniversalEvent | null>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = (ev) => {
        if (timer !== undefined) clearTimeout(timer);
        resolve(ev);
      };
      this.receivers.push(waiter);
      this.pin();
      if (timeout <= MAX_TIMER_MS) {
        timer = setTimeout(() => {
          const i = this.receivers.indexOf(waiter);
          if (i >= 0) this.receivers.splice(i, 1);
          if (this.receivers.length === 0) this.pinned = null;
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
    if (this.handler !== null) throw notPulled(this);
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
    if (this.handler !== null) throw notPulled(this);
    const timeout = timeoutMs === undefined ? DEFAULT_RECEIVE_TIMEOUT_MS : checkMs('timeout_ms', timeoutMs, true);
    if (this.closed) return null;
    if (this.backlog === null) {
      const e = this.take();
      if (e !== null || timeout === 0) return e;
    }
    return this.receive(timeout);
  }

  poll(): UniversalEvent | null {
    if (this.handler !== null) throw notPulled(this);
    return this.closed ? null : this.take();
  }

  drain(max = MAX_BATCH_EVENTS): UniversalEvent[] {
    if (this.handler !== null) throw notPulled(this);
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
    if (this.handler !== null) throw notPulled(this);
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
    this.refreshMark();
    this.handler?.stop();
    // a member's queued and unacknowledged events go to the rest of its group
    if (this.group !== null) this.group.leave(this);
    this.queue.clear();
    this.backlogBuf = [];
    this.backlog = null;
    const receivers = this.receivers;
    this.receivers = [];
    this.pinned = null;
    for (const r of receivers) r(null);
    if (this.readyWatchers !== null) this.notifyReady();
    if (this.closeWatchers !== null) {
      const watchers = this.closeWatchers;
      this.closeWatchers = null;
      for (const w of watchers) queueMicrotask(w);
    }
    // blocked publishers re-route: this queue no longer holds them back
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const w of waiters) queueMicrotask(w);
    this.owner.detach(this);
    return true;
  }

  // ---- acknowledgements (work-queue members with ack: true) -------------------

  ack(event: AckTarget): boolean {
    return this.ackGroup('ack').ack(ackId(event));
  }

  nak(event: AckTarget, options?: NakOptions): boolean {
    return this.ackGroup('nak').nak(ackId(event), options);
  }

  private ackGroup(what: string): Group {
    if (this.group === null || !this.group.settings.ack) {
      throw new CrosstalkError('INVALID_OPTION', `${what}: subscription ${this.id} does not acknowledge; subscribe with {group: "name", ack: true}`, {
        subscriptionId: this.id,
        option: 'ack',
      });
    }
    return this.group;
  }

  /**
   * A receiver refused `n` events it was handed (a script's filter function,
   * run where the script runs): they count as filtered, not delivered.
   */
  noteFiltered(n: number): void {
    const k = Math.max(0, Math.min(Math.floor(n), this.delivered));
    this.delivered -= k;
    this.owner.counters.delivered -= k;
    this.filtered += k;
    this.owner.counters.filtered += k;
  }

  stats(): SubscriptionStats {
    const handler = this.handler;
    const skipped = this.skipped;
    const dropped = this.dropped + skipped;
    return {
      total_received: this.totalReceived + skipped,
      delivered: this.delivered,
      dropped,
      rejected: this.rejected,
      blocked: this.blocked,
      filtered: this.filtered,
      queue_size: this.queue.length + this.backlogBuf.length,
      high_water: this.highWater,
      failed: this.failed,
      full: dropped + this.rejected + this.blocked,
      acked: this.acked,
      unacked: this.inFlight,
      reassigned: this.reassigned,
      ...(handler !== null ? { handler: handler.stats() } : {}),
    };
  }

  /**
   * Zeroes the counters. What is still queued stays counted as received, so
   * the invariant holds from here on; high_water restarts at the queue's size.
   */
  resetStats(): void {
    const queued = this.queue.length + this.backlogBuf.length;
    this.totalReceived = queued;
    if (this.slot >= 0) this.owner.fanout.skipped[this.slot] = 0;
    this.delivered = this.dropped = this.rejected = this.blocked = this.filtered = 0;
    this.failed = this.acked = this.reassigned = 0;
    this.highWater = this.queue.length;
    this.handler?.resetStats();
  }

  info(): SubscriptionInfo {
    return {
      id: this.id,
      patterns: [...this.patterns],
      pattern: this.patterns[0]!,
      queue_size: this.queue.length,
      max_queue_size: this.maxQueueSize,
      backpressure: this.backpressure,
      ...(this.group !== null ? { group: this.group.name } : {}),
      ...(this.handler !== null ? { handler: true } : {}),
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

function notPulled(sub: SubscriptionImpl): CrosstalkError {
  return new CrosstalkError('INVALID_OPTION', `subscription ${sub.id} runs a handler; it cannot also be received from`, {
    subscriptionId: sub.id,
  });
}

