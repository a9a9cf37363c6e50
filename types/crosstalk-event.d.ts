/// <reference no-default-lib="true" />
/// <reference lib="es2022" />
// Generated from src/scripting/event-api.ts by `crosstalk types`; do not edit (docs/scripts.md "Editor support").
// The globals of a crosstalk JavaScript script. Scripts have no DOM and no Node: in a project with @types/node,
// use a jsconfig.json with "types": [] (docs/scripts.md "Editor support").

declare namespace Crosstalk {
  type ErrorCode =
    | "INVALID_EVENT_TYPE"
    | "INVALID_PATTERN"
    | "INVALID_DATA"
    | "PAYLOAD_TOO_LARGE"
    | "INVALID_OPTION"
    | "INVALID_QUERY"
    | "QUEUE_FULL"
    | "BLOCK_TIMEOUT"
    | "UNKNOWN_SUBSCRIPTION"
    | "STORE_UNAVAILABLE"
    | "BUS_UNAVAILABLE"
    | "SCRIPT_TIMEOUT"
    | "SCRIPT_MEMORY"
    | "SCRIPT_ERROR"
    | "NOT_FOUND"
    | "RATE_LIMITED"
    | "INTERCEPTOR_FAILED"
    | "RETAIN_LIMIT"
    | "NO_RESPONDERS"
    | "DURABLE_IN_USE"
    | "PERMISSION_DENIED";

  interface ErrorDetails {
    cause?: unknown;
    pattern?: string;
    eventType?: string;
    subscriptionId?: string;
    option?: string;
    path?: string;
  }

  /** An event, as every language and the store see it (docs/event-api.md "Events"). */
  interface Event {
    /** UUID v4 */
    id: string;
    /** dot-separated segments, e.g. "order.paid" */
    event_type: string;
    /** ISO-8601 UTC with milliseconds, set at publish */
    timestamp: string;
    /** "1.0" */
    version: string;
    /** strictly increasing per bus */
    sequence: number;
    /** who published it */
    source: Source;
    /** the payload (nil/null when none was given) */
    data: any;
    /** free JSON object ({} by default) */
    metadata: { [key: string]: any };
    /** critical, high, normal or low */
    priority: "critical" | "high" | "normal" | "low";
    /** only on persisted events */
    ttl_seconds?: number;
  }

  /** Who published an event: a script's source.component is its file name. */
  interface Source {
    /** the publisher: a script file name, the host app, crosstalk */
    component: string;
    /** fresh per run of a script */
    instance_id: string;
    /** ties the events of one piece of work together */
    correlation_id?: string;
    /** lua, javascript, host… */
    language: string;
  }

  /** The table form of publish: the event type, its data and the publish options in one table. */
  interface EventInit {
    /** the event type, e.g. "order.paid" */
    event_type: string;
    /** the payload */
    data?: any;
    /** a UUID v4 you chose (else the bus makes one); a recent duplicate is not delivered again */
    id?: string;
    /** parts of source to set */
    source?: SourceInit;
    /** store the event (needs a store) */
    persistent?: boolean;
    /** life of a stored event in seconds (>= 1); implies persistent */
    ttl_seconds?: number;
    /** recorded as source.correlation_id */
    correlation_id?: string;
    /** delivery priority (default "normal") */
    priority?: "critical" | "high" | "normal" | "low";
    /** any JSON object */
    metadata?: { [key: string]: any };
    /** recorded in source.language */
    language?: string;
    /** keep as its type's retained event; empty data clears it */
    retain?: boolean;
  }

  /** The parts of source a publisher may set. */
  interface SourceInit {
    /** the publisher */
    component?: string;
    /** the publisher instance */
    instance_id?: string;
    /** the correlation id */
    correlation_id?: string;
    /** the language */
    language?: string;
  }

  /** Options of publish, reply, request and schedule (docs/event-api.md "Publishing"). Unknown keys are INVALID_OPTION. */
  interface PublishOptions {
    /** store the event (needs a store) */
    persistent?: boolean;
    /** life of a stored event in seconds (>= 1); implies persistent */
    ttl_seconds?: number;
    /** recorded as source.correlation_id */
    correlation_id?: string;
    /** delivery priority (default "normal") */
    priority?: "critical" | "high" | "normal" | "low";
    /** any JSON object */
    metadata?: { [key: string]: any };
    /** recorded in source.language */
    language?: string;
    /** keep as its type's retained event; empty data clears it */
    retain?: boolean;
  }

  /** Options of subscribe (docs/event-api.md "Subscribing"). Unknown keys are INVALID_OPTION. */
  interface SubscribeOptions {
    /** what a full queue does (default "drop_oldest") */
    backpressure?: "drop_oldest" | "drop_newest" | "block" | "reject";
    /** 1 … 10,000,000 (default 10000) */
    max_queue_size?: number;
    /** how long a publisher waits on a full "block" queue (default 5000) */
    block_timeout_ms?: number;
    /** a predicate table (path → value or {op, value}) or a filter expression, checked before queueing; or a function called at receive time */
    filter?: { [key: string]: any } | string | ((event: Event) => boolean);
    /** catch-up: stored events after this sequence first, then live ones (needs a store) */
    from_sequence?: number;
    /** catch-up: stored events from this time first, then live ones (needs a store) */
    from_time?: string | number;
    /** "priority" (default): critical first; "publish": publish order only */
    ordering?: "priority" | "publish";
    /** receive the retained events the patterns match first (default true) */
    retained?: boolean;
    /** join the work queue of this name: each event goes to one member */
    group?: string;
    /** how the group picks a member (default "round_robin") */
    balance?: "round_robin" | "least_loaded" | "weighted";
    /** this member's share under "weighted", 1–1000 (default 1) */
    weight?: number;
    /** events stay pending until acknowledged (default false) */
    ack?: boolean;
    /** an unacknowledged event goes to another member after this long (default 30000) */
    ack_wait_ms?: number;
    /** deliveries before an event goes to crosstalk.dead_letter.<group> (default 5) */
    max_deliver?: number;
    /** a member that took nothing queued for this long gets no new events (default 5000) */
    stall_ms?: number;
    /** handler subscriptions: events handled at once (default 1) */
    concurrency?: number;
    /** handler subscriptions: calls per event and backoff; false = one call */
    retry?: RetryOptions | boolean;
    /** handler subscriptions: the circuit breaker; false = none */
    breaker?: BreakerOptions | boolean;
    /** a named subscription whose queue outlives the script (1–128 letters, digits, _ . : -) */
    durable?: string;
  }

  /** A handler subscription's retries (docs/coordination.md "Handler subscriptions"). */
  interface RetryOptions {
    /** calls per event, the first included (default 3) */
    attempts?: number;
    /** wait before the second call; doubles each time (default 100) */
    backoff_ms?: number;
    /** the longest wait between calls (default 10000) */
    max_backoff_ms?: number;
  }

  /** A handler subscription's circuit breaker. */
  interface BreakerOptions {
    /** consecutive failed calls that open the circuit (default 5) */
    failure_threshold?: number;
    /** how long it stays open before one trial call (default 30000) */
    reset_ms?: number;
    /** successful trial calls that close it again (default 1) */
    success_threshold?: number;
  }

  /** What a handler is told besides the event. */
  interface HandlerInfo {
    /** 1 on the first call for this event */
    attempt: number;
  }

  /** Options of receive_batch. */
  interface ReceiveBatchOptions {
    /** at most this many events (default 100) */
    max_events?: number;
    /** wait for the first event at most this long (default 1000; 0 polls) */
    timeout_ms?: number;
  }

  /** Which stored events to read (docs/persistence.md "Query"). Unknown fields are INVALID_QUERY. */
  interface Query {
    /** a pattern: "order.*", "agent.**", "{a,b}.started" */
    event_type?: string;
    /** inclusive; ISO-8601 or epoch ms */
    start_time?: string | number;
    /** inclusive; ISO-8601 or epoch ms */
    end_time?: string | number;
    /** source.correlation_id equals */
    correlation_id?: string;
    /** source.component equals */
    source?: string;
    /** path → condition: {op, value}, [op, value], or a plain value (equality) */
    filters?: { [key: string]: any };
    /** a filter expression: "data.amount > 100 AND type LIKE 'order.*'" */
    where?: string;
    /** what now means in where (default: when the query was validated) */
    now?: string | number;
    /** only events with a greater sequence: the paging cursor */
    after_sequence?: number;
    /** 1 … 10000 (default 100); in a replay, at most this many in all */
    limit?: number;
    /** by sequence (default "asc") */
    order?: "asc" | "desc";
  }

  /** Which stored events to re-publish, and how (docs/persistence.md "Replay"). */
  interface Replay extends Query {
    /** spacing = original gaps ÷ speed (default 1; 0 = no waiting) */
    speed?: number;
    /** a name: start after the last event replayed under it, and record progress */
    checkpoint?: string;
  }

  /** Options of request: how long to wait, and the publish options. */
  interface RequestOptions extends PublishOptions {
    /** how long to wait for the reply (default 5000) */
    timeout_ms?: number;
  }

  /** Options of schedule: when, and the publish options. */
  interface ScheduleOptions extends PublishOptions {
    /** publish after this long (default 0, or every_ms when that is given) */
    delay_ms?: number;
    /** then again every this long, until cancelled */
    every_ms?: number;
  }

  /** Options of nak. */
  interface NakOptions {
    /** redeliver after this long instead of at once (default 0) */
    delay_ms?: number;
  }

  /** A subscription handle; its id string is accepted wherever a handle is. */
  interface Subscription {
    /** the subscription id */
    readonly id: string;
    /** the patterns it was made with */
    readonly patterns: string[];
    /**
     * Closes a subscription (idempotent); waiting receivers get nil/null.
     * @returns true when it was open
     */
    unsubscribe(): boolean;
    /**
     * Acknowledges an event of a work queue with ack = true.
     * @param event the event received from an ack group, or its id
     * @returns true once; false when it was not pending
     */
    ack(event: Event | string): boolean;
    /**
     * Gives an event of a work queue back for redelivery (to another member when there is one).
     * @param event the event received from an ack group, or its id
     * @param options delay_ms before it is redelivered
     * @returns true when it was pending
     */
    nak(event: Event | string, options?: NakOptions): boolean;
    /**
     * Zeroes a subscription's counters (what is queued stays counted as received).
     * @returns nothing
     */
    resetStats(): void;
    /** the subscription id */
    toString(): string;
  }

  /** One of list_subscriptions. */
  interface SubscriptionInfo {
    /** the subscription id */
    id: string;
    /** its patterns */
    patterns: string[];
    /** the first pattern */
    pattern: string;
    /** events queued now */
    queue_size: number;
    /** its queue limit */
    max_queue_size: number;
    /** what a full queue does */
    backpressure: "drop_oldest" | "drop_newest" | "block" | "reject";
    /** the work queue it is a member of */
    group?: string;
    /** true on handler subscriptions */
    handler?: boolean;
  }

  /** What happened to the events of one subscription (total_received = delivered + filtered + dropped + reassigned + queue_size). */
  interface SubscriptionStats {
    /** events that reached the subscription */
    total_received: number;
    /** events handed to the script */
    delivered: number;
    /** events lost to backpressure */
    dropped: number;
    /** publishes refused because the queue was full (reject) */
    rejected: number;
    /** publishes that waited for room (block) */
    blocked: number;
    /** events the filter refused */
    filtered: number;
    /** events queued now */
    queue_size: number;
    /** the most ever queued */
    high_water: number;
    /** handler failures after every retry, naks, ack waits that ran out */
    failed: number;
    /** times a full queue met an event */
    full: number;
    /** ack groups: acknowledgements */
    acked: number;
    /** ack groups: taken, not yet acknowledged */
    unacked: number;
    /** group members: queued events that went to another member */
    reassigned: number;
    /** handler subscriptions */
    handler?: HandlerStats;
  }

  /** A handler subscription's figures. */
  interface HandlerStats {
    /** events handled without failure */
    succeeded: number;
    /** events whose every attempt failed */
    failed: number;
    /** calls after a failed one */
    retries: number;
    /** events being handled now */
    running: number;
    /** the circuit breaker state */
    breaker: "closed" | "open" | "half_open";
    /** times the breaker opened */
    breaker_opened: number;
  }

  /** Bus-wide counters. */
  interface BusStats {
    /** events published */
    published: number;
    /** events delivered to subscriptions */
    delivered: number;
    /** events lost to backpressure */
    dropped: number;
    /** publishes refused by a full reject queue */
    rejected: number;
    /** publishes that waited on a full block queue */
    blocked: number;
    /** publishes that waited too long */
    block_timeouts: number;
    /** events refused by filters */
    filtered: number;
    /** events stored */
    persisted: number;
    /** live subscriptions */
    subscriptions: number;
    /** events queued now */
    queued: number;
    /** the last sequence number */
    sequence: number;
    /** event types whose routes are cached */
    route_cache_size: number;
    /** publishes of an id seen lately */
    duplicates: number;
    /** event types with a retained event */
    retained: number;
    /** what the interceptor chain did */
    intercepted: InterceptedStats;
    /** work queues, over every group */
    groups: GroupTotals;
    /** subscriptions removed because their handle was collected */
    subscriptions_collected: number;
    /** present when the bus is joined to other processes */
    transport?: { [key: string]: any };
  }

  /** What the interceptor chain did. */
  interface InterceptedStats {
    /** publishes blocked */
    blocked: number;
    /** publishes refused by a rate limit */
    rate_limited: number;
    /** events changed */
    modified: number;
    /** events transformed */
    transformed: number;
  }

  /** Work queue figures over every group. */
  interface GroupTotals {
    /** handed out, not acknowledged */
    pending: number;
    /** acknowledged */
    acked: number;
    /** deliveries after the first */
    redelivered: number;
    /** sent to the dead-letter type */
    dead_lettered: number;
  }

  /** The figures of one work queue (docs/coordination.md "Work queues"). */
  interface GroupStats {
    /** the group name */
    name: string;
    /** the group's patterns */
    patterns: string[];
    /** members now */
    members: number;
    /** how it picks a member */
    balance: "round_robin" | "least_loaded" | "weighted";
    /** whether events wait for acknowledgement */
    ack: boolean;
    /** events handed to a member */
    delivered: number;
    /** handed out, not yet acknowledged */
    pending: number;
    /** acknowledged */
    acked: number;
    /** deliveries after the first */
    redelivered: number;
    /** events given back */
    naks: number;
    /** events sent to crosstalk.dead_letter.<group> */
    dead_lettered: number;
    /** events that met a group whose every member was full */
    dropped: number;
    /** events no member's filter accepted */
    filtered: number;
    /** events waiting for a member */
    waiting: number;
  }

  /** What receive_any returns. */
  interface Received {
    /** the event */
    event: Event;
    /** the subscription it came from */
    subscription: Subscription;
  }

  /** The `Event` global: every function under its snake_case name and, where it has one, its camelCase alias. */
  interface EventApi {
    /**
     * Publishes an event to every matching subscription; waits only while a `block` queue it targets is full.
     * @param event_type the event type, e.g. "order.paid"
     * @param data the payload: any JSON value (nil/null when left out)
     * @param options persistent, ttl_seconds, correlation_id, priority, metadata, language, retain
     * @returns the event id
     */
    publish(event_type: string, data?: any, options?: PublishOptions): string;
    /**
     * Publishes an event given as one table: event_type, data and the publish options as fields.
     * @param event the event: event_type, data, id, source, metadata, priority, …
     * @returns the event id
     */
    publish(event: EventInit): string;
    /**
     * Subscribes to the events whose type matches a pattern; read them with receive, receive_batch or receive_any.
     * @param patterns a pattern ("order.*", "agent.**", "{a,b}.done") or a list of them
     * @param options backpressure, max_queue_size, filter, durable, group, …
     * @returns the subscription handle
     */
    subscribe(patterns: string | string[], options?: SubscribeOptions): Subscription;
    /**
     * A handler subscription: handler(event, info) runs for each event from the script's event loop, with retries and a circuit breaker.
     * @param patterns a pattern or a list of them
     * @param handler called with each event and {attempt}; an error is a failed attempt
     * @param options subscribe options plus concurrency, retry, breaker
     * @returns the subscription handle
     */
    subscribe(patterns: string | string[], handler: (event: Event, info: HandlerInfo) => any, options?: SubscribeOptions): Subscription;
    /**
     * Waits for the next event of a subscription, without blocking the host.
     * @param subscription a subscription handle, or its id
     * @param timeout_ms how long to wait, in ms (default 5000; 0 polls)
     * @returns the event, or nil/null on timeout or when the subscription is closed
     */
    receive(subscription: Subscription | string, timeout_ms?: number): Event | null;
    /**
     * Waits for the first event, then takes whatever else is queued, up to max_events, in order.
     * @param subscription a subscription handle, or its id
     * @param options max_events (default 100), timeout_ms (default 1000)
     * @returns the events (empty on timeout)
     */
    receive_batch(subscription: Subscription | string, options?: ReceiveBatchOptions): Event[];
    /**
     * Waits for the first event, then takes whatever else is queued, up to max_events, in order. (alias of `receive_batch`)
     * @param subscription a subscription handle, or its id
     * @param options max_events (default 100), timeout_ms (default 1000)
     * @returns the events (empty on timeout)
     */
    receiveBatch(subscription: Subscription | string, options?: ReceiveBatchOptions): Event[];
    /**
     * Reads stored events matching every field of the query (needs a store: crosstalk run --store).
     * @param query event_type, start_time, end_time, correlation_id, source, filters, where, after_sequence, limit, order
     * @returns the matching stored events
     */
    query(query?: Query): Event[];
    /**
     * Re-publishes stored events matching the query fields, spaced as they were divided by speed (needs a store).
     * @param replay query fields plus speed and checkpoint
     * @returns how many events were replayed
     */
    replay(replay?: Replay): number;
    /**
     * Lists the script's own subscriptions.
     * @returns one entry per live subscription
     */
    list_subscriptions(): SubscriptionInfo[];
    /**
     * Lists the script's own subscriptions. (alias of `list_subscriptions`)
     * @returns one entry per live subscription
     */
    listSubscriptions(): SubscriptionInfo[];
    /**
     * What happened to the events of one subscription: delivered, dropped, filtered, queued…
     * @param subscription a subscription handle, or its id
     * @returns the counters
     */
    subscription_stats(subscription: Subscription | string): SubscriptionStats;
    /**
     * What happened to the events of one subscription: delivered, dropped, filtered, queued… (alias of `subscription_stats`)
     * @param subscription a subscription handle, or its id
     * @returns the counters
     */
    subscriptionStats(subscription: Subscription | string): SubscriptionStats;
    /**
     * Closes a subscription (idempotent); waiting receivers get nil/null.
     * @param subscription a subscription handle, or its id
     * @returns true when it was open
     */
    unsubscribe(subscription: Subscription | string): boolean;
    /**
     * Closes the script's subscriptions that hold a pattern.
     * @param pattern closes every one of the script's subscriptions holding this pattern
     * @returns how many were closed
     */
    unsubscribe_pattern(pattern: string): number;
    /**
     * Closes the script's subscriptions that hold a pattern. (alias of `unsubscribe_pattern`)
     * @param pattern closes every one of the script's subscriptions holding this pattern
     * @returns how many were closed
     */
    unsubscribePattern(pattern: string): number;
    /**
     * The bus-wide counters.
     * @returns published, delivered, dropped, … since the bus started
     */
    get_stats(): BusStats;
    /**
     * The bus-wide counters. (alias of `get_stats`)
     * @returns published, delivered, dropped, … since the bus started
     */
    getStats(): BusStats;
    /**
     * Waits without CPU cost and without blocking the host (Lua: also os.execute("sleep N")).
     * @param ms milliseconds, 0 to 2^31 - 1
     * @returns nothing
     */
    sleep(ms: number): void;
    /**
     * Waits for the first event of several subscriptions (in the order given when several have one).
     * @param subscriptions up to 64 subscriptions (handles or ids)
     * @param timeout_ms how long to wait, in ms (default 5000; 0 polls)
     * @returns {event, subscription}, or nil/null on timeout or when all are closed
     */
    receive_any(subscriptions: (Subscription | string)[], timeout_ms?: number): Received | null;
    /**
     * Waits for the first event of several subscriptions (in the order given when several have one). (alias of `receive_any`)
     * @param subscriptions up to 64 subscriptions (handles or ids)
     * @param timeout_ms how long to wait, in ms (default 5000; 0 polls)
     * @returns {event, subscription}, or nil/null on timeout or when all are closed
     */
    receiveAny(subscriptions: (Subscription | string)[], timeout_ms?: number): Received | null;
    /**
     * Publishes a request and waits for the first reply; NO_RESPONDERS at once when nothing subscribes to the type.
     * @param event_type the event type, e.g. "order.paid"
     * @param data the payload: any JSON value (nil/null when left out)
     * @param options timeout_ms (default 5000) and the publish options
     * @returns the reply event, or nil/null on timeout
     */
    request(event_type: string, data?: any, options?: RequestOptions): Event | null;
    /**
     * Answers a request event (INVALID_OPTION for an event that asked nothing).
     * @param request the request event being answered
     * @param data the payload: any JSON value (nil/null when left out)
     * @param options the publish options
     * @returns the reply event id
     */
    reply(request: Event, data?: any, options?: PublishOptions): string;
    /**
     * Publishes later (delay_ms) and/or every every_ms until cancelled or the script ends.
     * @param event_type the event type, e.g. "order.paid"
     * @param data the payload: any JSON value (nil/null when left out)
     * @param options delay_ms, every_ms and the publish options
     * @returns the schedule id, for cancel
     */
    schedule(event_type: string, data?: any, options?: ScheduleOptions): string;
    /**
     * Cancels a schedule.
     * @param schedule the id schedule returned
     * @returns true once; false when it had ended or was cancelled
     */
    cancel(schedule: string): boolean;
    /**
     * Runs fn so that every event it publishes or requests carries the correlation id.
     * @param correlation_id recorded as source.correlation_id of every event published inside
     * @param fn the function to run
     * @returns what fn returns
     */
    with_correlation(correlation_id: string, fn: () => any): any;
    /**
     * Runs fn so that every event it publishes or requests carries the correlation id. (alias of `with_correlation`)
     * @param correlation_id recorded as source.correlation_id of every event published inside
     * @param fn the function to run
     * @returns what fn returns
     */
    withCorrelation(correlation_id: string, fn: () => any): any;
    /**
     * Acknowledges an event of a work queue with ack = true.
     * @param event the event received from an ack group, or its id
     * @returns true once; false when it was not pending
     */
    ack(event: Event | string): boolean;
    /**
     * Gives an event of a work queue back for redelivery (to another member when there is one).
     * @param event the event received from an ack group, or its id
     * @param options delay_ms before it is redelivered
     * @returns true when it was pending
     */
    nak(event: Event | string, options?: NakOptions): boolean;
    /**
     * The retained events whose type the patterns match.
     * @param patterns a pattern or a list of them (default: every type)
     * @returns one event per retained type
     */
    retained(patterns?: string | string[]): Event[];
    /**
     * The figures of one work queue.
     * @param group the work queue name
     * @returns members, delivered, pending, acked, …
     */
    group_stats(group: string): GroupStats;
    /**
     * The figures of one work queue. (alias of `group_stats`)
     * @param group the work queue name
     * @returns members, delivered, pending, acked, …
     */
    groupStats(group: string): GroupStats;
    /**
     * The figures of every work queue.
     * @returns one entry per group
     */
    list_groups(): GroupStats[];
    /**
     * The figures of every work queue. (alias of `list_groups`)
     * @returns one entry per group
     */
    listGroups(): GroupStats[];
    /**
     * Zeroes a subscription's counters (what is queued stays counted as received).
     * @param subscription a subscription handle or its id (default: all of the script's)
     * @returns nothing
     */
    reset_stats(subscription?: Subscription | string): void;
    /**
     * Zeroes a subscription's counters (what is queued stays counted as received). (alias of `reset_stats`)
     * @param subscription a subscription handle or its id (default: all of the script's)
     * @returns nothing
     */
    resetStats(subscription?: Subscription | string): void;
  }
}

/** The bus, as every script sees it (docs/scripts.md "The `Event` API"). */
declare const Event: Crosstalk.EventApi;

/** The command-line arguments after `--` (`crosstalk run job.js -- a b`). */
declare const args: readonly string[];

/** Writes to the host's output, prefixed [script] when several scripts run: log/info/debug to stdout, error/warn to stderr. */
declare const console: {
  log(...data: any[]): void;
  info(...data: any[]): void;
  debug(...data: any[]): void;
  error(...data: any[]): void;
  warn(...data: any[]): void;
};

/** What every failed `Event` call throws: `e.code` says what went wrong (docs/scripts.md "Errors"); `String(e)` is "CODE: message". */
declare class CrosstalkError extends Error {
  constructor(code: Crosstalk.ErrorCode, message: string, details?: Crosstalk.ErrorDetails);
  readonly name: 'CrosstalkError';
  readonly code: Crosstalk.ErrorCode;
  /** the pattern that failed to compile */
  readonly pattern?: string;
  /** the event type that was rejected */
  readonly eventType?: string;
  /** the subscription the call named */
  readonly subscriptionId?: string;
  /** the option or query field at fault */
  readonly option?: string;
  /** the path of the bad value, e.g. data.items[3].fn */
  readonly path?: string;
  readonly script?: string;
  readonly line?: number;
  readonly eventId?: string;
  /** 1-based column of the mistake in a filter expression */
  readonly column?: number;
}

/** Runs callback once after ms (default 0) from the script's event loop; the script stays alive while it is pending. */
declare function setTimeout<A extends any[]>(callback: (...args: A) => void, ms?: number, ...args: A): number;
/** Runs callback every ms from the script's event loop until clearInterval. */
declare function setInterval<A extends any[]>(callback: (...args: A) => void, ms?: number, ...args: A): number;
/** Cancels a setTimeout. */
declare function clearTimeout(id: number | undefined): void;
/** Cancels a setInterval. */
declare function clearInterval(id: number | undefined): void;
