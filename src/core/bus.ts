/**
 * The in-process bus: publish → validate → deduplicate → intercept → route →
 * enqueue. Receiving lives in subscription.ts, routing in router.ts, the
 * checks in draft.ts, the coordination features in their own files
 * (interceptors, dedup, retained, group, handler); this file only connects
 * them and keeps the bus-wide state (sequence, counters).
 * With a transport (src/transport/), each local publish also goes out to
 * other processes, and their events come in through deliverRemote().
 */
import { randomUUID } from 'node:crypto';
import { CrosstalkError, describeValue } from './errors.js';
import { assertEventType, EVENT_VERSION, isoNow, type EventSource, type JsonObject, type JsonValue, type Priority, type UniversalEvent } from './event.js';
import { checkPlain, checkSize, EMPTY_METADATA, identitySource, plainDraft, prepareDraft, type Draft } from './draft.js';
import { BlockedPublishers } from './blocked.js';
import { DedupWindow } from './dedup.js';
import { compileSubscriptionFilter } from './expression.js';
import { Cause, CauseContext, type PublishCause } from './context.js';
import type { BusObserver, ScriptStats, ScriptStatsProvider } from './observer.js';
import { SubscriptionTable } from './subscription-table.js';
import { HANDLER_EVENT_PREFIX, HandlerRunner, type HandlerEventKind, type HandlerOwner } from './handler.js';
import { InterceptorChain, type InterceptorInfo, type InterceptorSpec } from './interceptors.js';
import { resolveBusOptions, resolveSubscribeOptions, type BusOptions, type ResolvedBusOptions } from './options.js';
import { compilePattern, type CompiledPattern } from './pattern.js';
import { RetainedEvents } from './retained.js';
import { Inboxes, replyAddress, requestTimeout } from './request.js';
import { Schedules, splitScheduleOptions, type ScheduleInfo, type ScheduleOptions } from './schedule.js';
import { Router } from './router.js';
import { uuidV4 } from './uuid.js';
import { historyBacklog, streamBacklog } from './history.js';
import { registerPort, type PlainPublishes } from './port.js';
import { BusPortImpl } from './bus-port.js';
import { WorkQueues } from './work-queues.js';
import { SubscriptionImpl } from './subscription.js';
import { DROPS_ANY, FanOut } from './fanout.js';
import { PRIORITY_RANK } from './lanes.js';
import type { DeliveryTarget, SharedCounters, SubscriptionOwner } from './target.js';
import type {
  Bus,
  BusStats,
  BusStatus,
  EventHandler,
  EventInit,
  EventStore,
  GroupStats,
  NakOptions,
  PublisherIdentity,
  PublishOptions,
  RequestOptions,
  SubscribeOptions,
  Subscription,
  SubscriptionInfo,
  SubscriptionStats,
  Transport,
  TransportPeer,
} from './types.js';

export class BusImpl implements Bus, SubscriptionOwner, TransportPeer, HandlerOwner {
  readonly counters: SharedCounters = { delivered: 0, dropped: 0, rejected: 0, blocked: 0, filtered: 0 };
  readonly store: EventStore | null;
  readonly transport: Transport | null;
  private readonly options: ResolvedBusOptions;
  /** routes to slots of `fanout`, not to the targets themselves (fanout.ts says why) */
  private readonly router: Router<number>;
  readonly fanout = new FanOut();
  private readonly subs = new SubscriptionTable((sub) =>
    this.emit({ type: 'subscription_collected', subscription_id: sub.id, patterns: sub.patterns }),
  );
  private readonly persistPatterns: CompiledPattern[];
  private readonly persistCache = new Map<string, boolean>();
  private readonly statusListeners = new Set<(s: BusStatus) => void>();
  private readonly hostIdentity: PublisherIdentity;
  /** subscriptions whose full queue makes publish fail or wait */
  private strictSubs = 0;
  private strictChanges = 0;
  /** the transport lost its connection (publishes may fail until it is back) */
  private transportDown = false;
  private sequence: number;
  private published = 0;
  private persisted = 0;
  private readonly blocked = new BlockedPublishers(this.counters, (d) => this.dispatch(d), () => this.closed);
  /** correlation and causation of the code running now (withCorrelation, handling) */
  private readonly context = new CauseContext();
  /** request/reply: this bus's inboxes, made on the first request */
  private inboxes: Inboxes | null = null;
  private readonly schedules = new Schedules();
  /** what new subscriptions receive first (port.addLateJoinerEvents) */
  private readonly lateJoiners = new Set<(patterns: readonly CompiledPattern[]) => UniversalEvent[]>();
  /** metrics or the dashboard, when watching (see observer.ts); null costs a check per hook */
  observer: BusObserver | null = null;
  private readonly scriptProviders = new Set<ScriptStatsProvider>();
  /** Ids publishers supplied lately: a repeat is a duplicate, accepted once and not delivered again. */
  private readonly dedup: DedupWindow;
  private duplicates = 0;
  private readonly chain: InterceptorChain;
  /** the chain while it has rules; null keeps an empty chain off the publish path */
  private intercept: InterceptorChain | null = null;
  private readonly retainedEvents: RetainedEvents;
  private readonly queues: WorkQueues;
  /** who publishes the bus's own events (dead letters, crosstalk.handler.*) */
  private readonly systemIdentity: PublisherIdentity;
  /** the bus's own events (dead letters, handler events) that could not be published */
  private systemEventsLost = 0;
  closed = false;

  constructor(options?: BusOptions) {
    this.options = resolveBusOptions(options);
    this.store = this.options.store;
    this.transport = this.options.transport;
    this.router = new Router(this.options.route_cache_size);
    this.persistPatterns = this.options.persist.map((p) => compilePattern(p));
    this.dedup = new DedupWindow(this.options.dedup_max_ids, this.options.dedup_window_ms);
    this.chain = new InterceptorChain(this.options.max_depth);
    this.options.interceptors.forEach((spec, i) => this.chain.add(spec, `interceptors[${i}]`));
    this.intercept = this.chain.size > 0 ? this.chain : null;
    this.retainedEvents = new RetainedEvents(this.options.max_retained);
    this.sequence = this.store ? this.store.lastSequence() : 0;
    this.hostIdentity = { component: this.options.component, instance_id: randomUUID(), language: 'host' };
    this.systemIdentity = { component: 'crosstalk', instance_id: this.hostIdentity.instance_id, language: 'host' };
    this.queues = new WorkQueues(this);
    this.transport?.attach(this);
    registerPort(this, new BusPortImpl(this));
  }

  // ---- publish ----------------------------------------------------------------

  publish(eventType: string | EventInit, data?: JsonValue, options?: PublishOptions): string | Promise<string> {
    return this.publishAs(this.hostIdentity, eventType, data, options);
  }

  publishAsync(eventType: string | EventInit, data?: JsonValue, options?: PublishOptions): Promise<string> {
    try {
      return Promise.resolve(this.publishAs(this.hostIdentity, eventType, data, options));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  publishAs(
    who: PublisherIdentity,
    eventType: string | EventInit,
    data?: JsonValue,
    options?: PublishOptions,
    cause?: Cause,
  ): string | Promise<string> {
    if (this.closed) throw new CrosstalkError('BUS_UNAVAILABLE', 'the bus is closed');
    const t0 = this.observer !== null && this.observer.timePublish() ? performance.now() : -1;
    const r = this.publishDraft(prepareDraft(who, eventType, data, options, this.options, this.router, cause ?? this.context.current()));
    return t0 < 0 ? r : this.timed(t0, r);
  }

  /** Reports how long a sampled publish took; one that waited for room counts its wait. */
  private timed(t0: number, r: string | Promise<string>): string | Promise<string> {
    const obs = this.observer;
    if (obs === null) return r;
    if (typeof r === 'string') obs.publishTimed((performance.now() - t0) / 1000);
    else r.then(() => obs.publishTimed((performance.now() - t0) / 1000), () => undefined);
    return r;
  }

  // ---- correlation and causation ---------------------------------------------

  withCorrelation<T>(correlationId: string, fn: () => T): T {
    return this.context.withCorrelation(correlationId, fn);
  }

  handling<T>(event: UniversalEvent, fn: () => T): T {
    return this.context.handling(event, fn);
  }

  /** BusPort: a validated cause for a script host to pass with its publishes. */
  cause(c: PublishCause): Cause {
    return new Cause(c);
  }

  /**
   * A publish checked now and published later by publishPrepared (the batch
   * publisher): everything a publisher can get wrong throws here. It gets
   * its id now (minted unless supplied), so the caller can return it.
   */
  /**
   * Checks a publish now (every error it can raise before delivery) and
   * fixes its id: `id` when given (one minted ahead, e.g. a script's pool),
   * else a fresh one, unless the publish names its own. `cause` as for
   * publishAs. Deliver it with publishPrepared.
   */
  prepare(who: PublisherIdentity | null, eventType: string | EventInit, data?: JsonValue, options?: PublishOptions, id?: string, cause?: Cause): Draft {
    if (this.closed) throw new CrosstalkError('BUS_UNAVAILABLE', 'the bus is closed');
    const d = prepareDraft(who ?? this.hostIdentity, eventType, data, options, this.options, this.router, cause ?? this.context.current());
    d.targets = undefined; // routes may change before it goes out
    if (d.id === undefined) {
      d.id = id ?? uuidV4();
      d.minted = true;
    }
    if ((d.persistent === undefined ? this.persistByPattern(d.type) : d.persistent) && this.store === null && this.transport?.persists !== true) {
      throw this.cannotPersist(d.type);
    }
    return d;
  }

  publishPrepared(d: Draft): string | Promise<string> {
    if (this.closed) throw new CrosstalkError('BUS_UNAVAILABLE', 'the bus is closed');
    return this.publishDraft(d);
  }

  /**
   * Checks a host publish of `type` with `data` and no options now, as
   * prepare() would, and returns the size bound to hand to publishPlain;
   * -1 when it needs prepare() after all (a correlation or a cause in
   * context goes with the event).
   */
  checkPlain(type: string, data: JsonValue | undefined): number {
    if (this.closed) throw new CrosstalkError('BUS_UNAVAILABLE', 'the bus is closed');
    if (this.context.current() !== undefined) return -1;
    const size = checkPlain(type, data, this.options, this.router);
    if (this.persistByPattern(type) && this.store === null && this.transport?.persists !== true) throw this.cannotPersist(type);
    return size;
  }

  /**
   * BusPort.publishPlainRun: the plain publishes of a batch, from `from`
   * on, as deliver() would publish each (same event, same bookkeeping),
   * with the lookups shared: one route per run of a type (again whenever
   * the index changes, since an offer can run code that subscribes), one
   * clock read for the run, no draft. Stops at the first publish that could
   * be refused or held back, or needs more than deliver's plain path.
   */
  publishPlainRun(list: PlainPublishes, from: number): number {
    const source = identitySource(this.hostIdentity);
    const timestamp = isoNow();
    let type = '';
    let targets: readonly number[] = [];
    let changes = -1;
    let k = from;
    for (; k < list.length; k++) {
      if (this.closed || this.intercept !== null || this.transport !== null || list.checked[k]! < 0) break;
      const t = list.types[k]!;
      if (t !== type || this.router.changes !== changes) {
        if (t !== type && this.persistByPattern(t)) break;
        type = t;
        targets = this.router.route(t);
        changes = this.router.changes;
        // a reject/block queue elsewhere on the bus does not concern this type
        if (this.strictSubs > 0 && targets.some((slot) => this.fanout.targets[slot]!.backpressure === 'reject' || this.fanout.targets[slot]!.backpressure === 'block')) break;
      }
      const data = list.data[k];
      const e = this.event(list.idAt(k), t, timestamp, source, data === undefined ? null : data, EMPTY_METADATA, 'normal');
      this.sequence = e.sequence;
      if (this.store !== null) this.store.markSequence?.(e.sequence);
      this.published++;
      if (targets.length > 0) this.fanOut(e, targets, false);
      if (this.observer !== null) this.observer.published(e, false);
    }
    return k - from;
  }

  /** Publishes what checkPlain accepted, under `id` (minted by this process). */
  publishPlain(type: string, data: JsonValue | undefined, id: string, size: number): string | Promise<string> {
    if (this.closed) throw new CrosstalkError('BUS_UNAVAILABLE', 'the bus is closed');
    const d = plainDraft(this.hostIdentity, type, data === undefined ? null : data, size, undefined);
    d.id = id;
    d.minted = true;
    return this.publishDraft(d);
  }

  /**
   * Publishes `init` under an id this process minted and handed out ahead of
   * time (a JS isolate's id pool, so its publish can return the id at once).
   * Such an id is fresh by construction, so it skips the duplicate window
   * that guards ids publishers choose; an init that names its own id is
   * published as a supplied one.
   */
  publishMinted(who: PublisherIdentity, init: EventInit, id: string, cause?: Cause): string | Promise<string> {
    if (this.closed) throw new CrosstalkError('BUS_UNAVAILABLE', 'the bus is closed');
    if (typeof init !== 'object') throw new CrosstalkError('INVALID_EVENT_TYPE', `expected an event table, got ${describeValue(init)}`);
    const t0 = this.observer !== null && this.observer.timePublish() ? performance.now() : -1;
    const d = prepareDraft(who, init, undefined, undefined, this.options, this.router, cause ?? this.context.current());
    if (d.id === undefined) {
      d.id = id;
      d.minted = true;
    }
    const r = this.publishDraft(d);
    return t0 < 0 ? r : this.timed(t0, r);
  }

  private publishDraft(d: Draft): string | Promise<string> {
    if (d.id !== undefined && !d.minted && this.dedup.has(d.id)) return this.duplicate(d);
    if (this.intercept !== null) {
      // one clock read serves the rate limits and the event's timestamp (it costs ~100 ns here)
      d.at = Date.now();
      if (this.intercept.run(d, d.at)) return d.id ?? uuidV4(); // blocked: dropped, counted
      // an interceptor's code may have changed the subscriptions: the answer found before is not to be trusted
      d.targets = undefined;
      checkSize(d, this.options.max_event_bytes);
    }
    if (d.retain && d.data !== null && this.retainedEvents.size >= this.options.max_retained && !this.retainedEvents.has(d.type)) {
      throw new CrosstalkError(
        'RETAIN_LIMIT',
        `cannot retain ${d.type}: ${this.options.max_retained} event types already have a retained event (max_retained); clear some by publishing null data with retain`,
        { eventType: d.type },
      );
    }
    if (d.persistent === undefined ? this.persistByPattern(d.type) : d.persistent) {
      if (this.store === null && this.transport?.persists !== true) throw this.cannotPersist(d.type);
      d.persistent = true;
    } else d.persistent = false;
    return this.dispatch(d);
  }

  private cannotPersist(type: string): CrosstalkError {
    return new CrosstalkError('STORE_UNAVAILABLE', `cannot persist ${type}: this bus has no store (use --store or createBus({store}))`, { eventType: type });
  }

  /** True when some subscription could make a publish fail or wait (reject/block). */
  hasStrictSubscriptions(): boolean {
    return this.strictSubs > 0 || this.transportDown || (this.intercept !== null && this.intercept.mayRefuseAny);
  }

  /**
   * Changes whenever what can make a publish fail or wait changes (reject/block
   * subscriptions, refusing interceptors, the transport's connection), so
   * answers about it can be cached.
   */
  get strictVersion(): number {
    return this.strictChanges;
  }

  /**
   * True when a publish of `type` (valid) could fail or wait as it is routed:
   * it reaches a reject/block subscription, an interceptor may refuse it, or
   * the transport has lost its connection.
   */
  reachesStrict(type: string): boolean {
    if (this.transportDown) return true;
    if (this.intercept !== null && this.intercept.mayRefuse(type)) return true;
    if (this.strictSubs === 0) return false;
    for (const slot of this.router.route(type)) {
      const s = this.fanout.targets[slot]!;
      if (s.backpressure === 'reject' || s.backpressure === 'block') return true;
    }
    return false;
  }

  /** A supplied id seen within the window: told, counted, and answered with that id; nothing is delivered. */
  private duplicate(d: Draft): string {
    this.duplicates++;
    if (this.statusListeners.size > 0) this.emit({ type: 'duplicate', id: d.id!, event_type: d.type });
    return d.id!;
  }

  private dispatch(d: Draft): string | Promise<string> {
    // the answer found while validating serves the first attempt only: after
    // waiting for room, subscriptions may have changed, so route again
    const targets = (d.targets as readonly number[] | undefined) ?? this.router.route(d.type);
    d.targets = undefined;
    if (this.strictSubs > 0) {
      let waitOn: DeliveryTarget[] | null = null;
      for (const slot of targets) {
        const s = this.fanout.targets[slot]!;
        if (s.backpressure === 'reject' && s.congested) {
          s.rejected++;
          this.counters.rejected++;
          if (this.observer !== null) this.observer.rejected(s, d.type);
          throw new CrosstalkError('QUEUE_FULL', `queue of subscription ${s.id} (${s.patterns.join(', ')}) is full (${s.maxQueueSize})`, {
            subscriptionId: s.id,
            eventType: d.type,
          });
        }
        // a publisher that already waited has its turn: only a full queue holds it back
        if (s.backpressure === 'block' && (d.deadline === undefined ? s.congested : s.full)) (waitOn ??= []).push(s);
      }
      if (waitOn !== null) {
        d.at = 0; // it will be published later: its timestamp too
        return this.blocked.wait(d, waitOn);
      }
    }
    if (this.transport !== null && !this.transport.ready(d.persistent === true)) return this.waitForTransport(d);
    return this.deliver(d, targets);
  }

  /**
   * The transport cannot take the event yet (acknowledgements outstanding
   * for max_pending_acks persistent events, or earlier publishes waiting):
   * the publish waits its turn, then goes through dispatch again.
   */
  private waitForTransport(d: Draft): Promise<string> {
    d.at = 0; // it will be published later: its timestamp too
    return new Promise<string>((resolve, reject) => {
      const go = () => {
        try {
          if (this.closed) throw new CrosstalkError('BUS_UNAVAILABLE', 'the bus closed while the publish waited');
          resolve(this.dispatch(d));
        } catch (err) {
          reject(err);
        }
      };
      this.transport!.whenReady(d.persistent === true, go, reject);
    });
  }

  /** The next event of this bus (its sequence is the next one; the caller advances it). */
  private event(id: string, type: string, timestamp: string, source: EventSource, data: JsonValue, metadata: JsonObject, priority: Priority): UniversalEvent {
    return { id, event_type: type, timestamp, version: EVENT_VERSION, sequence: this.sequence + 1, source, data, metadata, priority };
  }

  private deliver(d: Draft, targets: readonly number[]): string {
    const e = this.event(d.id ?? uuidV4(), d.type, isoNow(d.at === 0 ? undefined : d.at), d.source, d.data, d.metadata, d.priority);
    if (d.persistent && d.ttl_seconds !== undefined) e.ttl_seconds = d.ttl_seconds;
    if (d.keep !== undefined) d.keep(e);
    // the transport goes first: when it cannot take the event (connection
    // lost, too large for the server), the publish fails with no effect. (A
    // store that refuses the event after that, because it is closing, is the
    // one case where other processes get an event this publish reports failed.)
    // masking rules for storage apply to the copy that is stored (here, or in JetStream)
    const stored = d.persistent && this.options.masker !== null ? this.options.masker.forStore(e) : e;
    if (this.transport !== null) this.transport.publish(stored, d.persistent === true);
    this.sequence = e.sequence;
    if (d.id !== undefined && !d.minted) this.dedup.add(d.id);
    if (d.retain) {
      if (e.data === null) this.retainedEvents.clear(e.event_type);
      else this.retainedEvents.set(e);
    }
    if (this.store !== null) this.store.markSequence?.(e.sequence);
    if (d.persistent) {
      // the store buffers (group commit); durability comes with flush()
      if (this.store !== null) this.store.append(stored);
      this.persisted++;
    }
    this.published++;
    if (targets.length > 0) this.fanOut(e, targets, false);
    if (this.observer !== null) this.observer.published(e, false);
    return e.id;
  }

  /**
   * Offers `e` to the targets in `slots`, but a slot whose mark says its
   * full queue drops such an event untouched only counts the drop there
   * (fanout.ts): at scale most matched queues are full, and this reads one
   * byte of a dense array where offering reads the subscription and its
   * queue. An observer hears of every drop, so with one every target is
   * offered the event. `remote`: a full `reject`/`block` queue refuses the
   * event instead (deliverRemote).
   */
  private fanOut(e: UniversalEvent, slots: readonly number[], remote: boolean): void {
    const fan = this.fanout;
    const rank = this.observer === null ? PRIORITY_RANK[e.priority] + 1 : -1;
    let skipped = 0;
    fan.depth++;
    try {
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i]!;
        const m = fan.mark[slot]!;
        if (m !== 0 && (m === rank || (m === DROPS_ANY && rank > 0))) {
          fan.skipped[slot]!++;
          skipped++;
          continue;
        }
        const s = fan.targets[slot];
        if (s === null || s === undefined) continue; // it left during this fan-out
        if (remote && this.strictSubs > 0 && (s.backpressure === 'reject' || s.backpressure === 'block') && s.congested) {
          s.rejected++;
          this.counters.rejected++;
          if (this.observer !== null) this.observer.rejected(s, e.event_type);
          continue;
        }
        s.offer(e);
      }
    } finally {
      fan.depth--;
      this.counters.dropped += skipped;
    }
  }

  /**
   * TransportPeer: an event another process published, routed like a local
   * one but without validation of publish options, a new id or a sequence
   * of this bus. A remote publisher cannot be made to wait or fail, so a
   * full `reject` queue, or a `block` queue that is full or has local
   * publishers waiting for room (they keep their turn), refuses the event,
   * counted in `rejected`.
   */
  deliverRemote(e: UniversalEvent): void {
    if (this.closed) return;
    const targets = this.router.route(e.event_type);
    if (targets.length > 0) this.fanOut(e, targets, true);
    if (this.observer !== null) this.observer.published(e, true);
  }

  /** TransportPeer: a connection change, told to onStatus listeners. */
  signalConnection(state: 'disconnected' | 'reconnected' | 'closed', message: string): void {
    // while the connection is down a publish may fail: publishers must hear of it at the call
    this.transportDown = state !== 'reconnected';
    this.strictChanges++;
    this.emit({ type: 'connection', state, url: this.transport?.url ?? '', message });
  }

  private persistByPattern(type: string): boolean {
    if (this.persistPatterns.length === 0) return false;
    let hit = this.persistCache.get(type);
    if (hit === undefined) {
      hit = this.persistPatterns.some((p) => p.test(type));
      if (this.persistCache.size >= 10_000) this.persistCache.clear();
      this.persistCache.set(type, hit);
    }
    return hit;
  }

  // ---- subscriptions ----------------------------------------------------------

  /**
   * The public subscribe: the application gets a handle the bus holds only
   * weakly, so a pull subscription whose handle is dropped is removed
   * (reap). A handler subscription lives until unsubscribed.
   */
  subscribe(patterns: string | readonly string[], options?: SubscribeOptions): Subscription;
  subscribe(patterns: string | readonly string[], handler: EventHandler, options?: SubscribeOptions): Subscription;
  subscribe(patterns: string | readonly string[], a?: SubscribeOptions | EventHandler, b?: SubscribeOptions): Subscription {
    return this.subs.handleFor(this.subscribeCore(patterns, a, b));
  }

  /** subscribe without a handle: what the port gives scripts, whose end the script host handles. */
  subscribeCore(
    patterns: string | readonly string[],
    a?: SubscribeOptions | EventHandler,
    b?: SubscribeOptions,
    admit?: (e: UniversalEvent) => boolean,
  ): SubscriptionImpl {
    if (this.closed) throw new CrosstalkError('BUS_UNAVAILABLE', 'the bus is closed');
    const handler = typeof a === 'function' ? a : null;
    if (handler === null && b !== undefined) {
      throw new CrosstalkError('INVALID_OPTION', 'subscribe(patterns, options) takes options once; a third argument goes with a handler', {
        option: 'options',
      });
    }
    const options = handler !== null ? b : (a as SubscribeOptions | undefined);
    const list = typeof patterns === 'string' ? [patterns] : patterns;
    if (!Array.isArray(list) || list.length === 0) {
      throw new CrosstalkError('INVALID_PATTERN', `subscribe needs a pattern or a non-empty list of patterns, got ${describeValue(patterns)}`);
    }
    const compiled = list.map((p) => compilePattern(p));
    const opts = resolveSubscribeOptions(options, handler !== null);
    const filter = opts.filterSpec !== null ? compileSubscriptionFilter(opts.filterSpec) : null;
    // `admit` (a script's permissions) comes first: a refused event never reaches the filter
    const accepts = admit === undefined ? filter : filter === null ? admit : (e: UniversalEvent) => admit(e) && filter(e);
    const group = opts.group !== null ? this.queues.groupFor(list, compiled, opts, opts.group) : null;
    let backlog = null;
    if (opts.from_sequence !== null || opts.from_time !== null) {
      // the shared stream holds every process's persistent events; a store only this bus's
      const shared = this.transport?.history;
      if (shared !== undefined) backlog = streamBacklog(this.transport!, shared, list, opts.from_sequence, opts.from_time);
      else if (this.store !== null) backlog = historyBacklog(this.store, list, opts.from_sequence, opts.from_time, this.sequence);
      else throw new CrosstalkError('STORE_UNAVAILABLE', 'from_sequence/from_time need a store on the bus, or a NATS transport');
    }
    const sub = new SubscriptionImpl(randomUUID(), [...list], compiled, opts, accepts, this, backlog);
    if (handler !== null) sub.handler = new HandlerRunner(sub, handler, opts.handler!, this);
    this.subs.add(sub);
    if (group !== null) {
      this.queues.join(group, sub);
      return sub;
    }
    // retained state first, then live events (catch-up subscriptions take history instead)
    if (backlog === null && this.lateJoiners.size > 0) {
      for (const provide of this.lateJoiners) for (const e of provide(compiled)) sub.offer(e);
    }
    if (opts.retained && backlog === null && this.retainedEvents.size > 0) {
      for (const e of this.retainedEvents.match(compiled)) sub.offer(markRetained(e));
    }
    this.route(sub, compiled);
    return sub;
  }

  /** Puts a subscription or a group in the router (WorkQueues routes a group with its first member). */
  route(target: DeliveryTarget, compiled: readonly CompiledPattern[]): void {
    const slot = this.fanout.add(target);
    for (const c of compiled) this.router.add(slot, c);
    if (this.transport !== null) for (const c of compiled) this.transport.addInterest(c);
    if (target.backpressure === 'block' || target.backpressure === 'reject') {
      this.strictSubs++;
      this.strictChanges++;
    }
  }

  unroute(target: DeliveryTarget, compiled: readonly CompiledPattern[]): void {
    const slot = target.slot;
    if (slot < 0) return;
    for (const c of compiled) this.router.remove(slot, c);
    this.fanout.remove(target);
    if (this.transport !== null) for (const c of compiled) this.transport.removeInterest(c);
    if (target.backpressure === 'block' || target.backpressure === 'reject') {
      this.strictSubs--;
      this.strictChanges++;
    }
  }

  /**
   * The bus's own events (dead letters, crosstalk.handler.*): published as
   * component `crosstalk`; one that cannot be published is counted
   * (`system_events_lost`), never thrown at whoever caused it. `fallback`
   * is tried once when the event is too large.
   */
  publishSystem(type: string, data: JsonObject, fallback?: JsonObject, keep?: (e: UniversalEvent) => void): void {
    if (this.closed) return;
    const lost = () => void this.systemEventsLost++;
    try {
      const d = prepareDraft(this.systemIdentity, type, data, undefined, this.options, this.router, this.context.current());
      if (keep !== undefined) d.keep = keep;
      const r = this.publishDraft(d);
      if (typeof r !== 'string') r.catch(lost);
    } catch (err) {
      if (fallback !== undefined && err instanceof CrosstalkError && err.code === 'PAYLOAD_TOO_LARGE') this.publishSystem(type, fallback, undefined, keep);
      else lost();
    }
  }

  /** HandlerOwner: `crosstalk.handler.<kind>`. */
  handlerEvent(kind: HandlerEventKind, data: JsonObject): void {
    this.publishSystem(HANDLER_EVENT_PREFIX + kind, data);
  }

  /** SubscriptionOwner: called once when a subscription closes. */
  detach(sub: SubscriptionImpl): void {
    if (!this.subs.remove(sub)) return;
    // a member is reached through its group, which left the router with its last member
    if (sub.group === null) this.unroute(sub, sub.compiled);
  }

  /** A live subscription's handle; throws UNKNOWN_SUBSCRIPTION otherwise. */
  getSubscription(sub: Subscription | string): Subscription {
    const found = this.subs.get(sub);
    return found.handle?.deref() ?? found;
  }

  /**
   * A live or recently closed subscription (receiving on a closed one gives
   * null); throws UNKNOWN_SUBSCRIPTION for ids this bus never issued or
   * closed long ago.
   */
  findSubscription(sub: Subscription | string): SubscriptionImpl {
    return this.subs.find(sub);
  }

  /** The data limits every publish is held to. */
  get limits(): { readonly max_event_bytes: number; readonly max_depth: number } {
    return { max_event_bytes: this.options.max_event_bytes, max_depth: this.options.max_depth };
  }

  /** False when it was already closed (or is unknown): idempotent. */
  unsubscribe(sub: Subscription | string): boolean {
    // by id through this bus's own table: a handle of another bus is not ours to close
    return this.subs.own(sub)?.unsubscribe() ?? false;
  }

  /** Removes every subscription that has `pattern` among its patterns. */
  unsubscribePattern(pattern: string): number {
    compilePattern(pattern);
    let n = 0;
    for (const s of [...this.subs.values()]) if (s.patterns.includes(pattern) && s.unsubscribe()) n++;
    return n;
  }

  listSubscriptions(): SubscriptionInfo[] {
    return [...this.subs.values()].map((s) => s.info());
  }

  subscriptionStats(sub: Subscription | string): SubscriptionStats {
    return this.subs.get(sub).stats();
  }

  resetSubscriptionStats(sub?: Subscription | string): void {
    if (sub === undefined) for (const s of this.subs.values()) s.resetStats();
    else this.subs.get(sub).resetStats();
  }

  // ---- request/reply, scheduled publishes ---------------------------------------

  request(eventType: string, data?: JsonValue, options?: RequestOptions): Promise<UniversalEvent | null> {
    try {
      return this.requestAs(this.hostIdentity, eventType, data, options);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * BusPort: publishes a request as `who` and resolves with the first reply,
   * or null after `timeout_ms` (default 5000). Throws (at once) what the
   * publish would, and NO_RESPONDERS when no subscription of a bus without
   * other processes matches the type.
   */
  requestAs(who: PublisherIdentity, eventType: string, data?: JsonValue, options?: RequestOptions, cause?: Cause): Promise<UniversalEvent | null> {
    if (this.closed) throw new CrosstalkError('BUS_UNAVAILABLE', 'the bus is closed');
    const { timeoutMs, rest } = requestTimeout(options as Record<string, unknown> | undefined);
    assertEventType(eventType);
    if (this.transport === null && this.router.route(eventType).length === 0) {
      throw new CrosstalkError('NO_RESPONDERS', `no subscription answers requests of type ${eventType}`, { eventType });
    }
    this.inboxes ??= new Inboxes(this.hostIdentity.instance_id, {
      subscribeInbox: (pattern, deliver) => this.subscribeCore(pattern, (e) => deliver(e)),
    });
    const box = this.inboxes.open(timeoutMs);
    const opts = (rest ?? {}) as PublishOptions;
    if (opts.metadata !== undefined && (opts.metadata === null || typeof opts.metadata !== 'object' || Array.isArray(opts.metadata))) {
      box.cancel();
      throw new CrosstalkError('INVALID_OPTION', `Expected \`metadata\` to be an object, got ${describeValue(opts.metadata)}`, { option: 'metadata' });
    }
    const published = (() => {
      try {
        return this.publishAs(
          who,
          eventType,
          data,
          { ...opts, metadata: { ...opts.metadata, reply_to: box.inbox }, correlation_id: opts.correlation_id ?? cause?.correlation_id ?? uuidV4() },
          cause,
        );
      } catch (e) {
        box.cancel();
        throw e;
      }
    })();
    if (published instanceof Promise) {
      return published.then(
        () => box.reply,
        (e: unknown) => {
          box.cancel();
          throw e;
        },
      );
    }
    return box.reply;
  }

  reply(request: UniversalEvent, data?: JsonValue, options?: PublishOptions): string | Promise<string> {
    return this.replyAs(this.hostIdentity, request, data, options);
  }

  /** BusPort: answers a request event (its `metadata.reply_to`); INVALID_OPTION for an event that asked nothing. */
  replyAs(who: PublisherIdentity, request: unknown, data?: JsonValue, options?: PublishOptions, cause?: Cause): string | Promise<string> {
    const to = replyAddress(request);
    if (options !== undefined && options !== null && (typeof options !== 'object' || Array.isArray(options))) {
      throw new CrosstalkError('INVALID_OPTION', `Expected \`options\` to be an object, got ${describeValue(options)}`, { option: 'options' });
    }
    const opts = (options ?? {}) as PublishOptions;
    if (opts.metadata !== undefined && (opts.metadata === null || typeof opts.metadata !== 'object' || Array.isArray(opts.metadata))) {
      throw new CrosstalkError('INVALID_OPTION', `Expected \`metadata\` to be an object, got ${describeValue(opts.metadata)}`, { option: 'metadata' });
    }
    return this.publishAs(
      who,
      to.to,
      data,
      { ...opts, metadata: { ...opts.metadata, in_reply_to: to.id }, correlation_id: opts.correlation_id ?? to.correlation },
      cause ?? this.cause({ caused_by: to.id, correlation_id: to.correlation }),
    );
  }

  schedule(eventType: string, data: JsonValue | undefined, options: ScheduleOptions): string {
    return this.scheduleAs(this.hostIdentity, eventType, data, options);
  }

  /** BusPort: publishes as `who` after `delay_ms`, then every `every_ms` when given; returns the schedule's id. */
  scheduleAs(who: PublisherIdentity, eventType: string, data: JsonValue | undefined, options: ScheduleOptions): string {
    if (this.closed) throw new CrosstalkError('BUS_UNAVAILABLE', 'the bus is closed');
    const { delayMs, everyMs, publish } = splitScheduleOptions(options);
    // checked now, so a schedule that could never publish fails here
    prepareDraft(who, eventType, data, publish, this.options, this.router);
    return this.schedules.add(eventType, delayMs, everyMs, () => this.publishAs(who, eventType, data, publish));
  }

  /** BusPort: see port.ts. */
  addLateJoinerEvents(provider: (patterns: readonly CompiledPattern[]) => UniversalEvent[]): () => void {
    this.lateJoiners.add(provider);
    return () => this.lateJoiners.delete(provider);
  }

  cancelSchedule(id: string): boolean {
    return this.schedules.cancel(id);
  }

  listSchedules(): ScheduleInfo[] {
    return this.schedules.list();
  }

  // ---- work queues, retained events, interceptors --------------------------------

  ack(event: UniversalEvent): boolean {
    return this.queues.ack(event);
  }

  nak(event: UniversalEvent, options?: NakOptions): boolean {
    return this.queues.nak(event, options);
  }

  groupStats(group: string): GroupStats {
    return this.queues.stats(group);
  }

  listGroups(): GroupStats[] {
    return this.queues.list();
  }

  retained(patterns: string | readonly string[] = '**'): UniversalEvent[] {
    const list = typeof patterns === 'string' ? [patterns] : patterns;
    if (!Array.isArray(list)) throw new CrosstalkError('INVALID_PATTERN', `expected a pattern or a list of patterns, got ${describeValue(patterns)}`);
    return this.retainedEvents.match(list.map((p) => compilePattern(p)));
  }

  addInterceptor(spec: InterceptorSpec): string {
    if (this.closed) throw new CrosstalkError('BUS_UNAVAILABLE', 'the bus is closed');
    const id = this.chain.add(spec);
    this.intercept = this.chain;
    this.strictChanges++;
    return id;
  }

  removeInterceptor(id: string): boolean {
    const gone = this.chain.remove(id);
    this.intercept = this.chain.size > 0 ? this.chain : null;
    this.strictChanges++;
    return gone;
  }

  listInterceptors(): InterceptorInfo[] {
    return this.chain.infos();
  }

  // ---- status, stats, lifecycle -----------------------------------------------

  onStatus(listener: (s: BusStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** BusPort: installs (or with null, removes) the one observer of this bus. */
  setObserver(observer: BusObserver | null): void {
    this.observer = observer;
  }

  /** BusPort: a script host reports its scripts; the returned function withdraws it. */
  /** the masking rules' function for events delivered to `script`, or null when none concerns it */
  maskerFor(script: string): ((e: UniversalEvent) => UniversalEvent) | null {
    return this.options.masker === null ? null : this.options.masker.forScript(script);
  }

  addScriptStats(provider: ScriptStatsProvider): () => void {
    this.scriptProviders.add(provider);
    return () => {
      this.scriptProviders.delete(provider);
    };
  }

  /** BusPort: every registered script host's scripts, now (a failing provider is skipped). */
  scriptStats(): ScriptStats[] {
    const out: ScriptStats[] = [];
    for (const p of this.scriptProviders) {
      try {
        out.push(...p.scriptStats());
      } catch {
        // one host's failure must not hide the others' scripts
      }
    }
    return out;
  }

  signalFull(sub: SubscriptionImpl): void {
    this.emit({ type: 'queue_full', subscription_id: sub.id, patterns: sub.patterns, max_queue_size: sub.maxQueueSize });
  }

  signalDrained(sub: SubscriptionImpl): void {
    this.emit({ type: 'queue_drained', subscription_id: sub.id });
  }

  private emit(s: BusStatus): void {
    for (const l of this.statusListeners) {
      try {
        l(s);
      } catch {
        // a listener's failure must not break publishing
      }
    }
  }

  stats(): BusStats {
    let queued = 0;
    for (const s of this.subs.values()) queued += s.queueSize;
    return {
      published: this.published,
      delivered: this.counters.delivered,
      dropped: this.counters.dropped,
      rejected: this.counters.rejected,
      blocked: this.counters.blocked,
      block_timeouts: this.blocked.timeouts,
      filtered: this.counters.filtered,
      persisted: this.persisted,
      subscriptions: this.subs.size,
      queued,
      sequence: this.sequence,
      route_cache_size: this.router.cacheSize,
      duplicates: this.duplicates,
      retained: this.retainedEvents.size,
      intercepted: { ...this.chain.totals },
      groups: this.queues.totals(),
      subscriptions_collected: this.subs.collected,
      ...(this.systemEventsLost > 0 ? { system_events_lost: this.systemEventsLost } : {}),
      ...(this.transport !== null ? { transport: this.transport.stats() } : {}),
    };
  }

  async flush(): Promise<void> {
    if (this.store && this.transport) await Promise.all([this.store.flush(), this.transport.flush()]);
    else if (this.store) await this.store.flush();
    else if (this.transport) await this.transport.flush();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.blocked.failAll();
    this.schedules.cancelAll();
    this.inboxes?.closeAll();
    for (const s of [...this.subs.values()]) s.unsubscribe();
    this.queues.close();
    if (this.transport) await this.transport.close();
    if (this.store) await this.store.close();
  }
}

/** A retained event as a new subscription receives it: a copy marked `metadata.retained`. */
function markRetained(e: UniversalEvent): UniversalEvent {
  return { ...e, metadata: { ...e.metadata, retained: true } };
}

/** Creates an in-process bus (joined to other processes when given a transport). */
export function createBus(options?: BusOptions): Bus {
  return new BusImpl(options);
}
