/**
 * The `Event` API every script sees, declared once. Each entry says
 * everything about its call that the language adapters need: the names of
 * its arguments (for error paths), which argument names a subscription,
 * which option fields may hold a function of the script's language, whether
 * the call may wait, and what kind of value it returns; and what editors
 * need: a one-line doc, the type of each argument and of the result (README
 * "Editor support"). The option tables and values those types name are in
 * event-shapes.ts.
 *
 * The host implements each entry (api.ts); inside the isolates, the Lua and
 * JS adapters build their `Event` tables from this list (guest/); the
 * TypeScript declaration and the LuaLS annotations for editors are
 * generated from it (editor-types/). This file is pure data so every side
 * can import it.
 */

/** What a call returns, so adapters know how to hand it to the script. */
export type ResultKind =
  /** a plain JSON value */
  | 'value'
  /** an event id (publish) */
  | 'id'
  /** a subscription handle: `{id, patterns}` plus `unsubscribe()` */
  | 'handle'
  /** one event or nil/null */
  | 'event'
  /** a list of events */
  | 'events'
  /** `{event, subscription}` (receive_any): the subscription as the script's handle */
  | 'any';

/** The named tables and values of the API (event-shapes.ts declares each). */
export type ShapeName =
  | 'Event'
  | 'Source'
  | 'EventInit'
  | 'SourceInit'
  | 'PublishOptions'
  | 'SubscribeOptions'
  | 'RetryOptions'
  | 'BreakerOptions'
  | 'HandlerInfo'
  | 'ReceiveBatchOptions'
  | 'Query'
  | 'Replay'
  | 'RequestOptions'
  | 'ScheduleOptions'
  | 'NakOptions'
  | 'Subscription'
  | 'SubscriptionInfo'
  | 'SubscriptionStats'
  | 'HandlerStats'
  | 'BusStats'
  | 'InterceptedStats'
  | 'GroupTotals'
  | 'GroupStats'
  | 'Received';

/**
 * A type, in a form both editor generators read: a TypeScript type and a
 * LuaLS type are written from it. `json` is any JSON value.
 */
export type TypeSpec =
  | 'string'
  | 'number'
  | 'integer'
  | 'boolean'
  | 'json'
  | 'nil'
  | { readonly ref: ShapeName }
  | { readonly list: TypeSpec }
  /** a table / object with string keys */
  | { readonly map: TypeSpec }
  | { readonly oneOf: readonly TypeSpec[] }
  /** one of these strings */
  | { readonly literal: readonly string[] }
  | { readonly fn: readonly Param[]; readonly returns: TypeSpec };

/** A parameter as an editor shows it. */
export interface Param {
  readonly name: string;
  readonly type: TypeSpec;
  readonly optional?: boolean;
  readonly doc?: string;
}

export interface ArgSpec {
  /** how the argument is named in INVALID_DATA paths (`data.items[3]`) */
  readonly name: string;
  /** a table whose fields are named on their own in paths (`metadata.user`, not `options.metadata.user`) */
  readonly fields?: boolean;
  /** option fields that may hold a function of the script's language (kept inside the isolate) */
  readonly functions?: readonly string[];
  /** the argument's type, for editors */
  readonly type: TypeSpec;
  /** the argument may be left out */
  readonly optional?: boolean;
  /** the parameter's name in editors, when it is not `name` */
  readonly param?: string;
  /** one line for editors */
  readonly doc: string;
}

/** Another way to call a function (an overload), for editors. */
export interface CallForm {
  readonly doc: string;
  readonly params: readonly Param[];
  readonly returns: TypeSpec;
}

export interface EventFunction {
  /** the name scripts call (snake_case, as the Event API table of docs/scripts.md) */
  readonly name: string;
  /** the camelCase alias JS scripts also get */
  readonly camel?: string;
  readonly args: readonly ArgSpec[];
  /** index of the argument that names a subscription (a handle or its id) */
  readonly subscriptionArg?: number;
  /** false when the host always answers at once (the call is never a wait) */
  readonly mayWait: boolean;
  readonly result: ResultKind;
  /** runs inside the isolate only (the host has no part in it) */
  readonly local?: boolean;
  /** one line for editors (docs/scripts.md "The `Event` API") */
  readonly doc: string;
  /** what the call returns, for editors */
  readonly returns: TypeSpec;
  /** what the returned value is, in a few words */
  readonly returnsDoc: string;
  /** other ways to call it (publish's table form, subscribe with a handler) */
  readonly forms?: readonly CallForm[];
}

const ref = (name: ShapeName): TypeSpec => ({ ref: name });
const list = (of: TypeSpec): TypeSpec => ({ list: of });
const oneOf = (...types: TypeSpec[]): TypeSpec => ({ oneOf: types });

const EVENT = ref('Event');
const PATTERNS = oneOf('string', list('string'));
/** a handle, or the id string of one */
const SUB_REF = oneOf(ref('Subscription'), 'string');
const SUBSCRIPTION: ArgSpec = { name: 'subscription', type: SUB_REF, doc: 'a subscription handle, or its id' };
const TIMEOUT: ArgSpec = { name: 'timeout_ms', type: 'number', optional: true, doc: 'how long to wait, in ms (default 5000; 0 polls)' };
const DATA: ArgSpec = { name: 'data', type: 'json', optional: true, doc: 'the payload: any JSON value (nil/null when left out)' };
const EVENT_TYPE: ArgSpec = { name: 'event_type', type: 'string', doc: 'the event type, e.g. "order.paid"' };
const HANDLER = {
  fn: [
    { name: 'event', type: EVENT },
    { name: 'info', type: ref('HandlerInfo') },
  ],
  returns: 'json',
} as const satisfies TypeSpec;

export const EVENT_FUNCTIONS: readonly EventFunction[] = [
  {
    name: 'publish',
    args: [
      { ...EVENT_TYPE, name: 'event', fields: true, param: 'event_type' },
      DATA,
      { name: 'options', fields: true, type: ref('PublishOptions'), optional: true, doc: 'persistent, ttl_seconds, correlation_id, priority, metadata, language, retain' },
    ],
    mayWait: true,
    result: 'id',
    doc: 'Publishes an event to every matching subscription; waits only while a `block` queue it targets is full.',
    returns: 'string',
    returnsDoc: 'the event id',
    forms: [
      {
        doc: 'Publishes an event given as one table: event_type, data and the publish options as fields.',
        params: [{ name: 'event', type: ref('EventInit'), doc: 'the event: event_type, data, id, source, metadata, priority, …' }],
        returns: 'string',
      },
    ],
  },
  {
    name: 'subscribe',
    args: [
      { name: 'patterns', type: PATTERNS, doc: 'a pattern ("order.*", "agent.**", "{a,b}.done") or a list of them' },
      { name: 'options', fields: true, functions: ['filter'], type: ref('SubscribeOptions'), optional: true, doc: 'backpressure, max_queue_size, filter, durable, group, …' },
    ],
    mayWait: false,
    result: 'handle',
    doc: 'Subscribes to the events whose type matches a pattern; read them with receive, receive_batch or receive_any.',
    returns: ref('Subscription'),
    returnsDoc: 'the subscription handle',
    forms: [
      {
        doc: 'A handler subscription: handler(event, info) runs for each event from the script\'s event loop, with retries and a circuit breaker.',
        params: [
          { name: 'patterns', type: PATTERNS, doc: 'a pattern or a list of them' },
          { name: 'handler', type: HANDLER, doc: 'called with each event and {attempt}; an error is a failed attempt' },
          { name: 'options', type: ref('SubscribeOptions'), optional: true, doc: 'subscribe options plus concurrency, retry, breaker' },
        ],
        returns: ref('Subscription'),
      },
    ],
  },
  {
    name: 'receive',
    args: [SUBSCRIPTION, TIMEOUT],
    subscriptionArg: 0,
    mayWait: true,
    result: 'event',
    doc: 'Waits for the next event of a subscription, without blocking the host.',
    returns: oneOf(EVENT, 'nil'),
    returnsDoc: 'the event, or nil/null on timeout or when the subscription is closed',
  },
  {
    name: 'receive_batch',
    camel: 'receiveBatch',
    args: [SUBSCRIPTION, { name: 'options', fields: true, type: ref('ReceiveBatchOptions'), optional: true, doc: 'max_events (default 100), timeout_ms (default 1000)' }],
    subscriptionArg: 0,
    mayWait: true,
    result: 'events',
    doc: 'Waits for the first event, then takes whatever else is queued, up to max_events, in order.',
    returns: list(EVENT),
    returnsDoc: 'the events (empty on timeout)',
  },
  {
    name: 'query',
    args: [{ name: 'query', fields: true, type: ref('Query'), optional: true, doc: 'event_type, start_time, end_time, correlation_id, source, filters, where, after_sequence, limit, order' }],
    mayWait: true,
    result: 'events',
    doc: 'Reads stored events matching every field of the query (needs a store: crosstalk run --store).',
    returns: list(EVENT),
    returnsDoc: 'the matching stored events',
  },
  {
    name: 'replay',
    args: [{ name: 'replay', fields: true, type: ref('Replay'), optional: true, doc: 'query fields plus speed and checkpoint' }],
    mayWait: true,
    result: 'value',
    doc: 'Re-publishes stored events matching the query fields, spaced as they were divided by speed (needs a store).',
    returns: 'integer',
    returnsDoc: 'how many events were replayed',
  },
  {
    name: 'list_subscriptions',
    camel: 'listSubscriptions',
    args: [],
    mayWait: false,
    result: 'value',
    doc: "Lists the script's own subscriptions.",
    returns: list(ref('SubscriptionInfo')),
    returnsDoc: 'one entry per live subscription',
  },
  {
    name: 'subscription_stats',
    camel: 'subscriptionStats',
    args: [SUBSCRIPTION],
    subscriptionArg: 0,
    mayWait: false,
    result: 'value',
    doc: 'What happened to the events of one subscription: delivered, dropped, filtered, queued…',
    returns: ref('SubscriptionStats'),
    returnsDoc: 'the counters',
  },
  {
    name: 'unsubscribe',
    args: [SUBSCRIPTION],
    subscriptionArg: 0,
    mayWait: false,
    result: 'value',
    doc: 'Closes a subscription (idempotent); waiting receivers get nil/null.',
    returns: 'boolean',
    returnsDoc: 'true when it was open',
  },
  {
    name: 'unsubscribe_pattern',
    camel: 'unsubscribePattern',
    args: [{ name: 'pattern', type: 'string', doc: "closes every one of the script's subscriptions holding this pattern" }],
    mayWait: false,
    result: 'value',
    doc: "Closes the script's subscriptions that hold a pattern.",
    returns: 'integer',
    returnsDoc: 'how many were closed',
  },
  {
    name: 'get_stats',
    camel: 'getStats',
    args: [],
    mayWait: false,
    result: 'value',
    doc: 'The bus-wide counters.',
    returns: ref('BusStats'),
    returnsDoc: 'published, delivered, dropped, … since the bus started',
  },
  // waiting and answering
  {
    name: 'sleep',
    args: [{ name: 'ms', type: 'number', doc: 'milliseconds, 0 to 2^31 - 1' }],
    mayWait: true,
    result: 'value',
    doc: 'Waits without CPU cost and without blocking the host (Lua: also os.execute("sleep N")).',
    returns: 'nil',
    returnsDoc: 'nothing',
  },
  {
    name: 'receive_any',
    camel: 'receiveAny',
    args: [
      { name: 'subscriptions', type: list(SUB_REF), doc: 'up to 64 subscriptions (handles or ids)' },
      TIMEOUT,
    ],
    mayWait: true,
    result: 'any',
    doc: 'Waits for the first event of several subscriptions (in the order given when several have one).',
    returns: oneOf(ref('Received'), 'nil'),
    returnsDoc: '{event, subscription}, or nil/null on timeout or when all are closed',
  },
  {
    name: 'request',
    args: [EVENT_TYPE, DATA, { name: 'options', fields: true, type: ref('RequestOptions'), optional: true, doc: 'timeout_ms (default 5000) and the publish options' }],
    mayWait: true,
    result: 'event',
    doc: 'Publishes a request and waits for the first reply; NO_RESPONDERS at once when nothing subscribes to the type.',
    returns: oneOf(EVENT, 'nil'),
    returnsDoc: 'the reply event, or nil/null on timeout',
  },
  {
    name: 'reply',
    args: [
      { name: 'request', type: EVENT, doc: 'the request event being answered' },
      DATA,
      { name: 'options', fields: true, type: ref('PublishOptions'), optional: true, doc: 'the publish options' },
    ],
    mayWait: true,
    result: 'id',
    doc: 'Answers a request event (INVALID_OPTION for an event that asked nothing).',
    returns: 'string',
    returnsDoc: 'the reply event id',
  },
  {
    name: 'schedule',
    args: [EVENT_TYPE, DATA, { name: 'options', fields: true, type: ref('ScheduleOptions'), optional: true, doc: 'delay_ms, every_ms and the publish options' }],
    mayWait: false,
    result: 'value',
    doc: 'Publishes later (delay_ms) and/or every every_ms until cancelled or the script ends.',
    returns: 'string',
    returnsDoc: 'the schedule id, for cancel',
  },
  {
    name: 'cancel',
    args: [{ name: 'schedule', type: 'string', doc: 'the id schedule returned' }],
    mayWait: false,
    result: 'value',
    doc: 'Cancels a schedule.',
    returns: 'boolean',
    returnsDoc: 'true once; false when it had ended or was cancelled',
  },
  {
    name: 'with_correlation',
    camel: 'withCorrelation',
    args: [
      { name: 'correlation_id', type: 'string', doc: 'recorded as source.correlation_id of every event published inside' },
      { name: 'fn', type: { fn: [], returns: 'json' }, doc: 'the function to run' },
    ],
    mayWait: false,
    result: 'value',
    local: true,
    doc: 'Runs fn so that every event it publishes or requests carries the correlation id.',
    returns: 'json',
    returnsDoc: 'what fn returns',
  },
  // work queues, retained events, statistics
  {
    name: 'ack',
    args: [{ name: 'event', type: oneOf(EVENT, 'string'), doc: 'the event received from an ack group, or its id' }],
    mayWait: false,
    result: 'value',
    doc: 'Acknowledges an event of a work queue with ack = true.',
    returns: 'boolean',
    returnsDoc: 'true once; false when it was not pending',
  },
  {
    name: 'nak',
    args: [
      { name: 'event', type: oneOf(EVENT, 'string'), doc: 'the event received from an ack group, or its id' },
      { name: 'options', fields: true, type: ref('NakOptions'), optional: true, doc: 'delay_ms before it is redelivered' },
    ],
    mayWait: false,
    result: 'value',
    doc: 'Gives an event of a work queue back for redelivery (to another member when there is one).',
    returns: 'boolean',
    returnsDoc: 'true when it was pending',
  },
  {
    name: 'retained',
    args: [{ name: 'patterns', type: PATTERNS, optional: true, doc: 'a pattern or a list of them (default: every type)' }],
    mayWait: false,
    result: 'events',
    doc: 'The retained events whose type the patterns match.',
    returns: list(EVENT),
    returnsDoc: 'one event per retained type',
  },
  {
    name: 'group_stats',
    camel: 'groupStats',
    args: [{ name: 'group', type: 'string', doc: 'the work queue name' }],
    mayWait: false,
    result: 'value',
    doc: 'The figures of one work queue.',
    returns: ref('GroupStats'),
    returnsDoc: 'members, delivered, pending, acked, …',
  },
  {
    name: 'list_groups',
    camel: 'listGroups',
    args: [],
    mayWait: false,
    result: 'value',
    doc: 'The figures of every work queue.',
    returns: list(ref('GroupStats')),
    returnsDoc: 'one entry per group',
  },
  {
    name: 'reset_stats',
    camel: 'resetStats',
    args: [{ ...SUBSCRIPTION, optional: true, doc: "a subscription handle or its id (default: all of the script's)" }],
    subscriptionArg: 0,
    mayWait: false,
    result: 'value',
    doc: "Zeroes a subscription's counters (what is queued stays counted as received).",
    returns: 'nil',
    returnsDoc: 'nothing',
  },
];

/**
 * The methods of a subscription handle: each calls an `Event` function,
 * with the handle as its subscription (`self`) or without it
 * (`sub:ack(e)` is `Event.ack(e)`).
 */
export interface HandleMethod {
  /** the Event function it calls (its camelCase alias is the JS method name) */
  readonly fn: string;
  /** the handle is the call's subscription argument */
  readonly self: boolean;
}

export const HANDLE_METHODS: readonly HandleMethod[] = [
  { fn: 'unsubscribe', self: true },
  { fn: 'ack', self: false },
  { fn: 'nak', self: false },
  { fn: 'reset_stats', self: true },
];

/** The declaration of `name`, or undefined. */
export function eventFunction(name: string): EventFunction | undefined {
  for (const f of EVENT_FUNCTIONS) if (f.name === name) return f;
  return undefined;
}
