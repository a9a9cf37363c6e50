/**
 * The public contracts of the bus: what a host application, a script binding
 * or a store codes against. Classes behind them live in their own files.
 */
import type { JsonObject, JsonValue, Language, Priority, UniversalEvent } from './event.js';
import type { CompiledPattern } from './pattern.js';
import type { ScheduleInfo, ScheduleOptions } from './schedule.js';
import type { Balance } from './group-options.js';
import type { BreakerOptions, RetryOptions } from './handler-options.js';
import type { InterceptorInfo, InterceptorSpec } from './interceptors.js';

export type Backpressure = 'drop_oldest' | 'drop_newest' | 'block' | 'reject';
export const BACKPRESSURE_STRATEGIES: readonly Backpressure[] = ['drop_oldest', 'drop_newest', 'block', 'reject'];

/** A filter in the query-filter syntax (docs/persistence.md "Persistence, query and replay"): path → value or `{op, value}`. */
export type FilterOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'contains' | 'exists' | 'matches';
export type FilterSpec = Record<string, JsonValue | { op: FilterOp; value?: JsonValue }>;

/** Who publishes: recorded in `event.source`. */
export interface PublisherIdentity {
  component: string;
  instance_id: string;
  language: Language;
}

export interface PublishOptions {
  /** store this event (needs a store on the bus) */
  persistent?: boolean;
  /** life of a persisted event; expired events are never returned */
  ttl_seconds?: number;
  correlation_id?: string;
  /** default `normal` */
  priority?: Priority;
  metadata?: JsonObject;
  /** recorded in `source.language` */
  language?: string;
  /** keep as the retained event of its type (empty data clears it) */
  retain?: boolean;
}

/** The table/object form of publish. */
export interface EventInit<T extends JsonValue = JsonValue> {
  event_type: string;
  data?: T;
  /** a UUID v4 the publisher chose; otherwise the bus assigns one */
  id?: string;
  source?: Partial<{ component: string; instance_id: string; correlation_id: string; language: string }>;
  metadata?: JsonObject;
  priority?: Priority;
  correlation_id?: string;
  persistent?: boolean;
  ttl_seconds?: number;
  /** keep as the retained event of its type (empty data clears it) */
  retain?: boolean;
}

export interface SubscribeOptions {
  /** what a full queue does; default `drop_oldest` */
  backpressure?: Backpressure;
  /** 1 … 10,000,000; default 10,000 */
  max_queue_size?: number;
  /** how long a `block` publisher waits; default 5000 */
  block_timeout_ms?: number;
  /**
   * A predicate table or a filter expression (`"data.amount > 100"`), both
   * checked before enqueueing, or a function called at receive time; events
   * it refuses count in `filtered`.
   */
  filter?: FilterSpec | string | ((event: UniversalEvent) => boolean);
  /** catch-up: deliver stored events after this sequence first, then live ones */
  from_sequence?: number;
  /** catch-up: deliver stored events from this time first, then live ones */
  from_time?: string | number;
  /** `priority` (default): critical, high, normal, low, publish order within each; `publish`: publish order only */
  ordering?: 'priority' | 'publish';
  /** receive the retained events the patterns match before live ones; default true (never for group members) */
  retained?: boolean;
  /** join the work queue of this name: each event goes to one member */
  group?: string;
  /** how the group picks a member; default `round_robin` (group-wide) */
  balance?: Balance;
  /** this member's share under `weighted`; default 1 */
  weight?: number;
  /** events stay pending until acknowledged (group-wide); default false */
  ack?: boolean;
  /** an unacknowledged event goes to another member after this long; default 30,000 (group-wide) */
  ack_wait_ms?: number;
  /** deliveries before an event goes to `crosstalk.dead_letter.<group>`; default 5 (group-wide) */
  max_deliver?: number;
  /** a member with events queued that took none for this long gets no new ones; default 5000 (group-wide) */
  stall_ms?: number;
  /** handler subscriptions: events handled at once; default 1 */
  concurrency?: number;
  /** handler subscriptions: calls per event and backoff; `false` = one call */
  retry?: Partial<RetryOptions> | boolean;
  /** handler subscriptions: the circuit breaker; `false` = none */
  breaker?: Partial<BreakerOptions> | boolean;
}

/** A handler subscription's function: a returned Promise is awaited; a throw or rejection is a failure. */
export type EventHandler = (event: UniversalEvent, info: { attempt: number }) => unknown;

/** What ack/nak name: the event received, or its id. */
export type AckTarget = UniversalEvent | { id: string } | string;

export interface NakOptions {
  /** redeliver after this long instead of at once; default 0 */
  delay_ms?: number;
}

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface HandlerStats {
  /** events handled without failure */
  succeeded: number;
  /** events whose every attempt failed */
  failed: number;
  /** calls after a failed one */
  retries: number;
  /** events being handled now */
  running: number;
  breaker: BreakerState;
  /** times the breaker opened */
  breaker_opened: number;
}

export interface GroupStats {
  name: string;
  patterns: string[];
  members: number;
  balance: Balance;
  ack: boolean;
  /** events handed to a member (redeliveries included) */
  delivered: number;
  /** ack groups: handed out, not yet acknowledged */
  pending: number;
  acked: number;
  /** deliveries after the first (ack wait ran out, nak, member ended) */
  redelivered: number;
  naks: number;
  /** events sent to the dead-letter type after max_deliver deliveries */
  dead_lettered: number;
  /** events that met a group whose every member was full */
  dropped: number;
  /** events no member's filter accepted */
  filtered: number;
  /** events waiting for a member (the last one left) */
  waiting: number;
}

export interface SubscriptionStats {
  total_received: number;
  delivered: number;
  dropped: number;
  rejected: number;
  blocked: number;
  filtered: number;
  queue_size: number;
  high_water: number;
  /** handler failures after every retry, naks, acknowledgement waits that ran out */
  failed: number;
  /** times a full queue met an event: dropped + rejected + blocked */
  full: number;
  /** ack groups: acknowledgements of this member's deliveries */
  acked: number;
  /** ack groups: events this member took and has not acknowledged */
  unacked: number;
  /** group members: events queued here that went to another member */
  reassigned: number;
  /** handler subscriptions */
  handler?: HandlerStats;
}

export interface SubscriptionInfo {
  id: string;
  patterns: string[];
  /** the first pattern, for callers of the Rust original */
  pattern: string;
  queue_size: number;
  max_queue_size: number;
  backpressure: Backpressure;
  /** the work queue it is a member of */
  group?: string;
  /** present (true) on handler subscriptions */
  handler?: true;
}

export interface ReceiveBatchOptions {
  /** default 100 */
  max_events?: number;
  /** wait for the first event at most this long; default 1000 */
  timeout_ms?: number;
}

export interface Subscription extends AsyncIterable<UniversalEvent> {
  readonly id: string;
  readonly patterns: readonly string[];
  readonly closed: boolean;
  /** next event, or null after `timeoutMs` (0 polls; default 5000) or on close */
  receive(timeoutMs?: number): Promise<UniversalEvent | null>;
  /** wait for the first event, then take what else is queued, in order */
  receiveBatch(options?: ReceiveBatchOptions): Promise<UniversalEvent[]>;
  /** next queued event without waiting, or null */
  poll(): UniversalEvent | null;
  /** up to `max` queued events without waiting */
  drain(max?: number): UniversalEvent[];
  stats(): SubscriptionStats;
  /** zeroes the counters (what is queued stays counted as received) */
  resetStats(): void;
  info(): SubscriptionInfo;
  /** ack groups: acknowledges an event this group handed out; false when it was not pending (already acknowledged, dead-lettered) */
  ack(event: AckTarget): boolean;
  /** ack groups: gives the event back for redelivery (to another member when there is one) */
  nak(event: AckTarget, options?: NakOptions): boolean;
  /** idempotent; frees the queue and wakes waiting receivers with null */
  unsubscribe(): boolean;
}

export interface BusStats {
  published: number;
  delivered: number;
  dropped: number;
  rejected: number;
  blocked: number;
  block_timeouts: number;
  filtered: number;
  persisted: number;
  subscriptions: number;
  queued: number;
  sequence: number;
  route_cache_size: number;
  /** publishes of an id still in the duplicate window: accepted once, not delivered again */
  duplicates: number;
  /** event types with a retained event */
  retained: number;
  /** what the interceptor chain did */
  intercepted: { blocked: number; rate_limited: number; modified: number; transformed: number };
  /** work queues, over every group */
  groups: { pending: number; acked: number; redelivered: number; dead_lettered: number };
  /** subscriptions removed because their handle was garbage-collected */
  subscriptions_collected: number;
  /** present when the bus is joined to other processes */
  transport?: TransportStats;
}

/**
 * Status signals. Queue signals fire once per crossing and re-arm when the
 * queue drains; `connection` reports a transport losing, regaining or
 * giving up its connection.
 */
export type BusStatus =
  | { type: 'queue_full'; subscription_id: string; patterns: readonly string[]; max_queue_size: number }
  | { type: 'queue_drained'; subscription_id: string }
  | { type: 'connection'; state: 'disconnected' | 'reconnected' | 'closed'; url: string; message: string }
  | { type: 'duplicate'; id: string; event_type: string }
  | { type: 'subscription_collected'; subscription_id: string; patterns: readonly string[] };

/** Options of `bus.request`: publish options and how long to wait for the reply. */
export interface RequestOptions extends PublishOptions {
  /** default 5000; 0 answers only a reply that is already there (none) */
  timeout_ms?: number;
}

export interface Bus {
  /**
   * Publishes and returns the event id. Synchronous unless a `block`-strategy
   * queue the event targets is full: then a Promise of the id that settles
   * when every such queue has room (or rejects with BLOCK_TIMEOUT).
   */
  publish(eventType: string, data?: JsonValue, options?: PublishOptions): string | Promise<string>;
  publish(init: EventInit): string | Promise<string>;
  /** Same, always as a Promise. */
  publishAsync(eventType: string, data?: JsonValue, options?: PublishOptions): Promise<string>;
  publishAsync(init: EventInit): Promise<string>;
  subscribe(patterns: string | readonly string[], options?: SubscribeOptions): Subscription;
  /** a handler subscription: `handler` runs for each event (in order, one at a time unless `concurrency`) */
  subscribe(patterns: string | readonly string[], handler: EventHandler, options?: SubscribeOptions): Subscription;
  unsubscribe(sub: Subscription | string): boolean;
  unsubscribePattern(pattern: string): number;
  listSubscriptions(): SubscriptionInfo[];
  /** throws UNKNOWN_SUBSCRIPTION for an id this bus does not know */
  getSubscription(sub: Subscription | string): Subscription;
  subscriptionStats(sub: Subscription | string): SubscriptionStats;
  /** zeroes one subscription's counters, or every subscription's when none is named */
  resetSubscriptionStats(sub?: Subscription | string): void;
  /** acknowledges an event an ack group handed out (the group is read from `metadata.delivery`) */
  ack(event: UniversalEvent): boolean;
  /** gives such an event back for redelivery */
  nak(event: UniversalEvent, options?: NakOptions): boolean;
  /** one work queue's counters; INVALID_OPTION for a group this bus does not have */
  groupStats(group: string): GroupStats;
  listGroups(): GroupStats[];
  /** the retained events matching `patterns` (default every one), in publish order */
  retained(patterns?: string | readonly string[]): UniversalEvent[];
  /**
   * Publishes a request and resolves with its first reply, or null after
   * `timeout_ms` (docs/scripts.md "Request and reply"); NO_RESPONDERS when nothing
   * subscribes to the type (on a bus not joined to other processes).
   */
  request(eventType: string, data?: JsonValue, options?: RequestOptions): Promise<UniversalEvent | null>;
  /** answers a request event; INVALID_OPTION for an event that asked nothing */
  reply(request: UniversalEvent, data?: JsonValue, options?: PublishOptions): string | Promise<string>;
  /** publishes after `delay_ms`, then every `every_ms` when given, until cancelled; returns the schedule id */
  schedule(eventType: string, data: JsonValue | undefined, options: ScheduleOptions): string;
  /** false when the schedule already ended (fired once) or was cancelled */
  cancelSchedule(id: string): boolean;
  listSchedules(): ScheduleInfo[];
  /** appends a rule to the interceptor chain; returns its id */
  addInterceptor(spec: InterceptorSpec): string;
  removeInterceptor(id: string): boolean;
  listInterceptors(): InterceptorInfo[];
  stats(): BusStats;
  onStatus(listener: (s: BusStatus) => void): () => void;
  /**
   * Runs `fn` (and the code it awaits) so that every event published on this
   * bus inside it carries `source.correlation_id = correlationId`, unless a
   * publish names its own. Returns what `fn` returns.
   */
  withCorrelation<T>(correlationId: string, fn: () => T): T;
  /**
   * Runs `fn` as the handler of `event`: every event published on this bus
   * inside it records `metadata.caused_by = event.id` and carries the
   * handled event's correlation id (or the surrounding one, or else
   * `event.id`). Returns what `fn` returns.
   */
  handling<T>(event: UniversalEvent, fn: () => T): T;
  readonly store: EventStore | null;
  /** the connection to other processes, or null for an in-process bus */
  readonly transport: Transport | null;
  /**
   * Waits until every accepted persistent event is durable (in the store and,
   * with a transport, acknowledged by it) and the transport's server has seen
   * every publish and subscription made so far.
   */
  flush(): Promise<void>;
  /** closes every subscription, the transport and the store */
  close(): Promise<void>;
  readonly closed: boolean;
}

// ---- joining processes --------------------------------------------------------

/** What a transport sees of the bus it is attached to. */
export interface TransportPeer {
  /**
   * Routes a complete event that another process published to the matching
   * local subscriptions. It keeps its id and sequence; nothing is re-validated
   * but the transport's own checks.
   */
  deliverRemote(event: UniversalEvent): void;
  /** the limits remote events are held to, as local ones */
  readonly limits: { readonly max_event_bytes: number; readonly max_depth: number };
  /** passes a connection change on to `onStatus` listeners */
  signalConnection(state: 'disconnected' | 'reconnected' | 'closed', message: string): void;
}

export interface TransportStats {
  kind: string;
  url: string;
  state: 'connected' | 'reconnecting' | 'closed';
  /** events this bus sent */
  published: number;
  /** persistent events the server acknowledged as stored */
  acked: number;
  /** persistent events still waiting for their acknowledgement */
  pending_acks: number;
  /** publishes waiting for room among the pending acknowledgements (max_pending_acks) */
  waiting: number;
  /** persistent events whose acknowledgement failed (reported by flush) */
  ack_failures: number;
  /** messages that arrived from the server */
  received: number;
  /** remote events handed to the bus */
  delivered: number;
  /** arrivals dropped because they were not valid events (bad JSON, shape, size) */
  invalid: number;
  /** second arrivals of one event through overlapping subscriptions */
  duplicates: number;
  /** server subscriptions held for the bus's patterns */
  subjects: number;
}

/**
 * The bus's link to other processes (docs/nats.md "Several processes: NATS JetStream"). The bus calls `publish`
 * before it delivers locally, so a transport that cannot take an event
 * stops the publish before it has any effect.
 */
export interface Transport {
  readonly kind: string;
  /** the server, for messages (credentials removed) */
  readonly url: string;
  /** true when the transport itself keeps persistent events durably */
  readonly persists: boolean;
  /**
   * Where it keeps them, read back in its own order (JetStream: every
   * process's persistent events, by stream sequence): what catch-up
   * subscriptions and `historyOf(bus)` read when there is one.
   */
  readonly history?: EventStore;
  /** called once, by the bus the transport serves */
  attach(peer: TransportPeer): void;
  /**
   * True when a publish of this kind can be handed over now; false while
   * acknowledgements are outstanding for as many persistent events as the
   * transport lets wait (for a persistent publish), or while earlier
   * publishes wait (for any, so that the wire keeps the publish order).
   */
  ready(persistent: boolean): boolean;
  /**
   * Calls `go` once a publish of this kind can be handed over, in the order
   * the waits began, synchronously (nothing else is sent in between); or
   * `fail` with BUS_UNAVAILABLE when the wait is given up.
   */
  whenReady(persistent: boolean, go: () => void, fail: (err: Error) => void): void;
  /** sends one event; throws BUS_UNAVAILABLE or PAYLOAD_TOO_LARGE without sending */
  publish(event: UniversalEvent, persistent: boolean): void;
  /** a local subscription pattern appeared: receive what it could match */
  addInterest(pattern: CompiledPattern): void;
  /** … and went away (counted: patterns held twice are added twice) */
  removeInterest(pattern: CompiledPattern): void;
  /** resolves when the server has everything sent so far and acknowledged every persistent event */
  flush(): Promise<void>;
  /** stops receiving, lets what was sent reach the server, disconnects; never throws */
  close(): Promise<void>;
  stats(): TransportStats;
}

// ---- storage ----------------------------------------------------------------

export type Order = 'asc' | 'desc';

/** A query after validation (see `normalizeQuery`). */
export interface EventQuery {
  /** a pattern (docs/event-api.md "Patterns") */
  event_type?: string;
  /** epoch ms, inclusive */
  start_time?: number;
  /** epoch ms, inclusive */
  end_time?: number;
  correlation_id?: string;
  /** matches source.component */
  source?: string;
  filters?: FilterSpec;
  /** a filter expression (docs/persistence.md "Filter expressions"), checked as well as `filters` */
  where?: string;
  /** epoch ms that `now` means in `where` (normalizeQuery sets it); absent: the clock at query time */
  now?: number;
  after_sequence?: number;
  /** default 100 */
  limit: number;
  /** default asc (by sequence) */
  order: Order;
}

/** Stored events, read: a store, or what a transport keeps. */
export interface HistorySource {
  readonly kind: string;
  /** matching events in the source's order; each `sequence` is its place in that order (what after_sequence counts) */
  query(q: EventQuery): Promise<UniversalEvent[]>;
}

/**
 * Where persisted events live. `append` is synchronous and buffered (group
 * commit); `flush` resolves when everything appended is durable.
 */
export interface EventStore {
  readonly kind: string;
  /** the highest sequence this store has seen, so a new bus continues after it */
  lastSequence(): number;
  /** buffers one event; throws STORE_UNAVAILABLE when closed */
  append(event: UniversalEvent): void;
  /**
   * Told every sequence the bus assigns, persisted or not, so sequences stay
   * increasing across restarts even when the last events were not stored.
   */
  markSequence?(sequence: number): void;
  flush(): Promise<void>;
  query(q: EventQuery): Promise<UniversalEvent[]>;
  /** number of stored, unexpired events */
  count(): Promise<number>;
  /** deletes expired events now; returns how many */
  sweep(): Promise<number>;
  close(): Promise<void>;
}
