/**
 * The in-process bus: publish → validate → route → enqueue. Receiving lives in
 * subscription.ts, routing in router.ts, the checks in draft.ts; this file
 * only connects them and keeps the bus-wide state (sequence, counters).
 * With a transport (src/transport/), each local publish also goes out to
 * other processes, and their events come in through deliverRemote().
 */
import { randomUUID } from 'node:crypto';
import { CrosstalkError, describeValue } from './errors.js';
import { EVENT_VERSION, isoNow, type JsonValue, type UniversalEvent } from './event.js';
import { prepareDraft, type Draft } from './draft.js';
import { compileFilter } from './filter.js';
import { Cause, CauseContext, type PublishCause } from './context.js';
import type { BusObserver, ScriptStats, ScriptStatsProvider } from './observer.js';
import { resolveBusOptions, resolveSubscribeOptions, type BusOptions, type ResolvedBusOptions } from './options.js';
import { compilePattern, type CompiledPattern } from './pattern.js';
import { RecentSet } from './recent-set.js';
import { Router } from './router.js';
import { uuidV4 } from './uuid.js';
import { historyBacklog } from './history.js';
import { registerPort, type BusPort } from './port.js';
import { SubscriptionImpl, unknownSubscription, type SharedCounters, type SubscriptionOwner } from './subscription.js';
import type {
  Bus,
  BusStats,
  BusStatus,
  EventInit,
  EventStore,
  PublisherIdentity,
  PublishOptions,
  SubscribeOptions,
  Subscription,
  SubscriptionInfo,
  SubscriptionStats,
  Transport,
  TransportPeer,
} from './types.js';

/** How many publisher-supplied ids the bus remembers (at least half of it) to refuse duplicates. */
export const SUPPLIED_ID_WINDOW = 100_000;

/** How many closed subscriptions the bus still recognises (at least half of it). */
export const CLOSED_SUBSCRIPTIONS_REMEMBERED = 10_000;

export class BusImpl implements Bus, BusPort, SubscriptionOwner, TransportPeer {
  readonly counters: SharedCounters = { delivered: 0, dropped: 0, rejected: 0, blocked: 0, filtered: 0 };
  readonly store: EventStore | null;
  readonly transport: Transport | null;
  private readonly options: ResolvedBusOptions;
  private readonly router: Router<SubscriptionImpl>;
  private readonly subs = new Map<string, SubscriptionImpl>();
  /**
   * Recently closed subscriptions, in two generations: a receive on a handle
   * that was closed answers null (SPEC §3) rather than UNKNOWN_SUBSCRIPTION.
   */
  private closedSubs = new Map<string, SubscriptionImpl>();
  private closedSubsOld = new Map<string, SubscriptionImpl>();
  private readonly persistPatterns: CompiledPattern[];
  private readonly persistCache = new Map<string, boolean>();
  private readonly statusListeners = new Set<(s: BusStatus) => void>();
  private readonly hostIdentity: PublisherIdentity;
  /** subscriptions whose full queue makes publish fail or wait */
  private strictSubs = 0;
  private strictChanges = 0;
  private sequence: number;
  private published = 0;
  private persisted = 0;
  private blockTimeouts = 0;
  private pendingBlocked = new Set<(e: CrosstalkError) => void>();
  /** correlation and causation of the code running now (withCorrelation, handling) */
  private readonly context = new CauseContext();
  /** metrics or the dashboard, when watching (see observer.ts); null costs a check per hook */
  observer: BusObserver | null = null;
  private readonly scriptProviders = new Set<ScriptStatsProvider>();
  /**
   * Ids publishers supplied lately, in two generations (O(1) eviction): a
   * repeat is refused, as a retried publish must not deliver twice.
   */
  private readonly suppliedIds = new RecentSet<string>(SUPPLIED_ID_WINDOW / 2);
  closed = false;

  constructor(options?: BusOptions) {
    this.options = resolveBusOptions(options);
    this.store = this.options.store;
    this.transport = this.options.transport;
    this.router = new Router(this.options.route_cache_size);
    this.persistPatterns = this.options.persist.map((p) => compilePattern(p));
    this.sequence = this.store ? this.store.lastSequence() : 0;
    this.hostIdentity = { component: this.options.component, instance_id: randomUUID(), language: 'host' };
    this.transport?.attach(this);
    registerPort(this, this);
  }

  /** BusPort: the public face of this bus is the bus itself. */
  get bus(): Bus {
    return this;
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
    if (d.persistent === undefined ? this.persistByPattern(d.type) : d.persistent) {
      if (this.store === null && this.transport?.persists !== true) {
        throw new CrosstalkError('STORE_UNAVAILABLE', `cannot persist ${d.type}: this bus has no store (use --store or createBus({store}))`, {
          eventType: d.type,
        });
      }
      d.persistent = true;
    } else d.persistent = false;
    return this.dispatch(d);
  }

  /** True when some subscription could make a publish fail or wait (reject/block). */
  hasStrictSubscriptions(): boolean {
    return this.strictSubs > 0;
  }

  /** Changes whenever a reject/block subscription comes or goes, so answers about them can be cached. */
  get strictVersion(): number {
    return this.strictChanges;
  }

  /** True when an event of `type` would reach a reject/block subscription (`type` must be valid). */
  reachesStrict(type: string): boolean {
    if (this.strictSubs === 0) return false;
    for (const s of this.router.route(type)) if (s.backpressure === 'reject' || s.backpressure === 'block') return true;
    return false;
  }

  private dispatch(d: Draft): string | Promise<string> {
    if (d.id !== undefined && !d.minted && this.suppliedIds.has(d.id)) {
      throw new CrosstalkError('INVALID_OPTION', `id ${d.id} was already published on this bus`, { option: 'id', eventType: d.type });
    }
    // the answer found while validating serves the first attempt only: after
    // waiting for room, subscriptions may have changed, so route again
    const targets = (d.targets as readonly SubscriptionImpl[] | undefined) ?? this.router.route(d.type);
    d.targets = undefined;
    if (this.strictSubs > 0) {
      let waitOn: SubscriptionImpl[] | null = null;
      for (const s of targets) {
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
      if (waitOn !== null) return this.waitForRoom(d, waitOn);
    }
    return this.deliver(d, targets);
  }

  private deliver(d: Draft, targets: readonly SubscriptionImpl[]): string {
    const e: UniversalEvent = {
      id: d.id ?? uuidV4(),
      event_type: d.type,
      timestamp: isoNow(),
      version: EVENT_VERSION,
      sequence: this.sequence + 1,
      source: d.source,
      data: d.data,
      metadata: d.metadata,
      priority: d.priority,
    };
    if (d.persistent && d.ttl_seconds !== undefined) e.ttl_seconds = d.ttl_seconds;
    // the transport goes first: when it cannot take the event (connection
    // lost, too large for the server), the publish fails with no effect. (A
    // store that refuses the event after that, because it is closing, is the
    // one case where other processes get an event this publish reports failed.)
    if (this.transport !== null) this.transport.publish(e, d.persistent === true);
    this.sequence = e.sequence;
    if (d.id !== undefined && !d.minted) {
      this.suppliedIds.add(d.id);
    }
    if (this.store !== null) this.store.markSequence?.(e.sequence);
    if (d.persistent) {
      // the store buffers (group commit); durability comes with flush()
      if (this.store !== null) this.store.append(e);
      this.persisted++;
    }
    this.published++;
    for (let i = 0; i < targets.length; i++) targets[i]!.offer(e);
    if (this.observer !== null) this.observer.published(e, false);
    return e.id;
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
    for (let i = 0; i < targets.length; i++) {
      const s = targets[i]!;
      if (this.strictSubs > 0 && (s.backpressure === 'reject' || s.backpressure === 'block') && s.congested) {
        s.rejected++;
        this.counters.rejected++;
        if (this.observer !== null) this.observer.rejected(s, e.event_type);
        continue;
      }
      s.offer(e);
    }
    if (this.observer !== null) this.observer.published(e, true);
  }

  /** TransportPeer: a connection change, told to onStatus listeners. */
  signalConnection(state: 'disconnected' | 'reconnected' | 'closed', message: string): void {
    this.emit({ type: 'connection', state, url: this.transport?.url ?? '', message });
  }

  /** All-or-nothing: waits until every congested block queue has room, or fails. */
  private waitForRoom(d: Draft, waitOn: SubscriptionImpl[]): Promise<string> {
    if (d.deadline === undefined) {
      d.deadline = Date.now() + Math.min(...waitOn.map((s) => s.blockTimeoutMs));
      for (const s of waitOn) {
        s.blocked++;
        this.counters.blocked++;
      }
    }
    return new Promise<string>((resolve, reject) => {
      const cancels: (() => void)[] = [];
      let settled = false;
      const finish = () => {
        settled = true;
        clearTimeout(timer);
        for (const c of cancels) c();
        this.pendingBlocked.delete(fail);
      };
      const fail = (err: CrosstalkError) => {
        if (settled) return;
        finish();
        reject(err);
      };
      const wake = () => {
        if (settled) return;
        finish();
        try {
          if (this.closed) throw new CrosstalkError('BUS_UNAVAILABLE', 'the bus closed while the publish waited');
          resolve(this.dispatch(d)); // re-route and re-check; may wait again
        } catch (err) {
          reject(err);
        }
      };
      for (const s of waitOn) cancels.push(s.waitForRoom(wake));
      this.pendingBlocked.add(fail);
      const timer = setTimeout(() => {
        this.blockTimeouts++;
        fail(
          new CrosstalkError(
            'BLOCK_TIMEOUT',
            `publish of ${d.type} waited ${Math.min(...waitOn.map((s) => s.blockTimeoutMs))} ms for room in ${waitOn.map((s) => s.id).join(', ')}; nothing was delivered`,
            { eventType: d.type, subscriptionId: waitOn[0]!.id },
          ),
        );
      }, Math.max(0, d.deadline! - Date.now()));
    });
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

  subscribe(patterns: string | readonly string[], options?: SubscribeOptions): SubscriptionImpl {
    if (this.closed) throw new CrosstalkError('BUS_UNAVAILABLE', 'the bus is closed');
    const list = typeof patterns === 'string' ? [patterns] : patterns;
    if (!Array.isArray(list) || list.length === 0) {
      throw new CrosstalkError('INVALID_PATTERN', `subscribe needs a pattern or a non-empty list of patterns, got ${describeValue(patterns)}`);
    }
    const compiled = list.map((p) => compilePattern(p));
    const opts = resolveSubscribeOptions(options);
    const accepts = opts.filterSpec ? compileFilter(opts.filterSpec) : null;
    let backlog = null;
    if (opts.from_sequence !== null || opts.from_time !== null) {
      if (this.store === null) {
        throw new CrosstalkError('STORE_UNAVAILABLE', 'from_sequence/from_time need a store on the bus');
      }
      backlog = historyBacklog(this.store, list, opts.from_sequence, opts.from_time, this.sequence);
    }
    const sub = new SubscriptionImpl(randomUUID(), [...list], compiled, opts, accepts, this, backlog);
    this.subs.set(sub.id, sub);
    for (const c of compiled) this.router.add(sub, c);
    if (this.transport !== null) for (const c of compiled) this.transport.addInterest(c);
    if (sub.backpressure === 'block' || sub.backpressure === 'reject') {
      this.strictSubs++;
      this.strictChanges++;
    }
    return sub;
  }

  /** SubscriptionOwner: called once when a subscription closes. */
  detach(sub: SubscriptionImpl): void {
    if (!this.subs.delete(sub.id)) return;
    if (this.closedSubs.size >= CLOSED_SUBSCRIPTIONS_REMEMBERED / 2) {
      this.closedSubsOld = this.closedSubs;
      this.closedSubs = new Map();
    }
    this.closedSubs.set(sub.id, sub);
    for (const c of sub.compiled) this.router.remove(sub, c);
    if (this.transport !== null) for (const c of sub.compiled) this.transport.removeInterest(c);
    if (sub.backpressure === 'block' || sub.backpressure === 'reject') {
      this.strictSubs--;
      this.strictChanges++;
    }
  }

  /** A live subscription; throws UNKNOWN_SUBSCRIPTION otherwise. */
  getSubscription(sub: Subscription | string): SubscriptionImpl {
    const id = typeof sub === 'string' ? sub : (sub as { id?: unknown } | null)?.id;
    const found = typeof id === 'string' ? this.subs.get(id) : undefined;
    if (!found) throw unknownSubscription(id ?? sub);
    return found;
  }

  /**
   * A live or recently closed subscription (receiving on a closed one gives
   * null); throws UNKNOWN_SUBSCRIPTION for ids this bus never issued or
   * closed long ago.
   */
  findSubscription(sub: Subscription | string): SubscriptionImpl {
    const id = typeof sub === 'string' ? sub : (sub as { id?: unknown } | null)?.id;
    const found = typeof id === 'string' ? (this.subs.get(id) ?? this.closedSubs.get(id) ?? this.closedSubsOld.get(id)) : undefined;
    if (!found) throw unknownSubscription(id ?? sub);
    return found;
  }

  /** The data limits every publish is held to. */
  get limits(): { readonly max_event_bytes: number; readonly max_depth: number } {
    return { max_event_bytes: this.options.max_event_bytes, max_depth: this.options.max_depth };
  }

  /** False when it was already closed (or is unknown): idempotent. */
  unsubscribe(sub: Subscription | string): boolean {
    const id = typeof sub === 'string' ? sub : (sub as { id?: unknown } | null)?.id;
    if (typeof id !== 'string') throw unknownSubscription(sub);
    // by id through this bus's own table: a handle of another bus is not ours to close
    const own = this.subs.get(id);
    if (own === undefined || (typeof sub !== 'string' && sub instanceof SubscriptionImpl && sub !== own)) return false;
    return own.unsubscribe();
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
    return this.getSubscription(sub).stats();
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
      block_timeouts: this.blockTimeouts,
      filtered: this.counters.filtered,
      persisted: this.persisted,
      subscriptions: this.subs.size,
      queued,
      sequence: this.sequence,
      route_cache_size: this.router.cacheSize,
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
    for (const fail of [...this.pendingBlocked]) fail(new CrosstalkError('BUS_UNAVAILABLE', 'the bus closed while the publish waited'));
    for (const s of [...this.subs.values()]) s.unsubscribe();
    if (this.transport) await this.transport.close();
    if (this.store) await this.store.close();
  }
}

/** Creates an in-process bus (joined to other processes when given a transport). */
export function createBus(options?: BusOptions): Bus {
  return new BusImpl(options);
}
