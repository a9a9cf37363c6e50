/**
 * The tables and values the `Event` API takes and gives (event-api.ts
 * names them): the event itself, the option tables with their fields, the
 * statistics. Pure data, read by the editor generators (editor-types/), so
 * `Event.subscribe("x", {` completes with these fields and their docs. The
 * fields follow docs/event-api.md "Events", "Publishing", "Subscribing",
 * docs/persistence.md "Query", "Replay" and docs/coordination.md "Work
 * queues"; a test holds them to the keys the bus accepts.
 */
import type { Param, ShapeName, TypeSpec } from './event-api.js';

export interface Shape {
  readonly doc: string;
  /** the shape whose fields this one has too */
  readonly extends?: ShapeName;
  readonly fields: readonly Param[];
}

const ref = (name: ShapeName): TypeSpec => ({ ref: name });
const list = (of: TypeSpec): TypeSpec => ({ list: of });
const oneOf = (...types: TypeSpec[]): TypeSpec => ({ oneOf: types });
const literal = (...values: string[]): TypeSpec => ({ literal: values });

const PRIORITY = literal('critical', 'high', 'normal', 'low');
const BACKPRESSURE = literal('drop_oldest', 'drop_newest', 'block', 'reject');
const BALANCE = literal('round_robin', 'least_loaded', 'weighted');
const OBJECT: TypeSpec = { map: 'json' };
/** ISO-8601 text or epoch ms */
const TIME = oneOf('string', 'number');
const opt = (name: string, type: TypeSpec, doc: string): Param => ({ name, type, optional: true, doc });
const req = (name: string, type: TypeSpec, doc: string): Param => ({ name, type, doc });
const count = (name: string, doc: string): Param => req(name, 'integer', doc);

const PUBLISH_FIELDS: readonly Param[] = [
  opt('persistent', 'boolean', 'store the event (needs a store)'),
  opt('ttl_seconds', 'integer', 'life of a stored event in seconds (>= 1); implies persistent'),
  opt('correlation_id', 'string', 'recorded as source.correlation_id'),
  opt('priority', PRIORITY, 'delivery priority (default "normal")'),
  opt('metadata', OBJECT, 'any JSON object'),
  opt('language', 'string', 'recorded in source.language'),
  opt('retain', 'boolean', "keep as its type's retained event; empty data clears it"),
];

export const EVENT_SHAPES: Readonly<Record<ShapeName, Shape>> = {
  Event: {
    doc: 'An event, as every language and the store see it (docs/event-api.md "Events").',
    fields: [
      req('id', 'string', 'UUID v4'),
      req('event_type', 'string', 'dot-separated segments, e.g. "order.paid"'),
      req('timestamp', 'string', 'ISO-8601 UTC with milliseconds, set at publish'),
      req('version', 'string', '"1.0"'),
      req('sequence', 'integer', 'strictly increasing per bus'),
      req('source', ref('Source'), 'who published it'),
      req('data', 'json', 'the payload (nil/null when none was given)'),
      req('metadata', OBJECT, 'free JSON object ({} by default)'),
      req('priority', PRIORITY, 'critical, high, normal or low'),
      opt('ttl_seconds', 'integer', 'only on persisted events'),
    ],
  },
  Source: {
    doc: "Who published an event: a script's source.component is its file name.",
    fields: [
      req('component', 'string', 'the publisher: a script file name, the host app, crosstalk'),
      req('instance_id', 'string', 'fresh per run of a script'),
      opt('correlation_id', 'string', 'ties the events of one piece of work together'),
      req('language', 'string', 'lua, javascript, host…'),
    ],
  },
  EventInit: {
    doc: 'The table form of publish: the event type, its data and the publish options in one table.',
    fields: [
      req('event_type', 'string', 'the event type, e.g. "order.paid"'),
      opt('data', 'json', 'the payload'),
      opt('id', 'string', 'a UUID v4 you chose (else the bus makes one); a recent duplicate is not delivered again'),
      opt('source', ref('SourceInit'), 'parts of source to set'),
      ...PUBLISH_FIELDS,
    ],
  },
  SourceInit: {
    doc: 'The parts of source a publisher may set.',
    fields: [
      opt('component', 'string', 'the publisher'),
      opt('instance_id', 'string', 'the publisher instance'),
      opt('correlation_id', 'string', 'the correlation id'),
      opt('language', 'string', 'the language'),
    ],
  },
  PublishOptions: {
    doc: 'Options of publish, reply, request and schedule (docs/event-api.md "Publishing"). Unknown keys are INVALID_OPTION.',
    fields: PUBLISH_FIELDS,
  },
  SubscribeOptions: {
    doc: 'Options of subscribe (docs/event-api.md "Subscribing"). Unknown keys are INVALID_OPTION.',
    fields: [
      opt('backpressure', BACKPRESSURE, 'what a full queue does (default "drop_oldest")'),
      opt('max_queue_size', 'integer', '1 … 10,000,000 (default 10000)'),
      opt('block_timeout_ms', 'number', 'how long a publisher waits on a full "block" queue (default 5000)'),
      opt(
        'filter',
        oneOf(OBJECT, 'string', { fn: [{ name: 'event', type: ref('Event') }], returns: 'boolean' }),
        'a predicate table (path → value or {op, value}) or a filter expression, checked before queueing; or a function called at receive time',
      ),
      opt('from_sequence', 'integer', 'catch-up: stored events after this sequence first, then live ones (needs a store)'),
      opt('from_time', TIME, 'catch-up: stored events from this time first, then live ones (needs a store)'),
      opt('ordering', literal('priority', 'publish'), '"priority" (default): critical first; "publish": publish order only'),
      opt('retained', 'boolean', 'receive the retained events the patterns match first (default true)'),
      opt('group', 'string', 'join the work queue of this name: each event goes to one member'),
      opt('balance', BALANCE, 'how the group picks a member (default "round_robin")'),
      opt('weight', 'integer', 'this member\'s share under "weighted", 1–1000 (default 1)'),
      opt('ack', 'boolean', 'events stay pending until acknowledged (default false)'),
      opt('ack_wait_ms', 'number', 'an unacknowledged event goes to another member after this long (default 30000)'),
      opt('max_deliver', 'integer', 'deliveries before an event goes to crosstalk.dead_letter.<group> (default 5)'),
      opt('stall_ms', 'number', 'a member that took nothing queued for this long gets no new events (default 5000)'),
      opt('concurrency', 'integer', 'handler subscriptions: events handled at once (default 1)'),
      opt('retry', oneOf(ref('RetryOptions'), 'boolean'), 'handler subscriptions: calls per event and backoff; false = one call'),
      opt('breaker', oneOf(ref('BreakerOptions'), 'boolean'), 'handler subscriptions: the circuit breaker; false = none'),
      opt('durable', 'string', 'a named subscription whose queue outlives the script (1–128 letters, digits, _ . : -)'),
    ],
  },
  RetryOptions: {
    doc: "A handler subscription's retries (docs/coordination.md \"Handler subscriptions\").",
    fields: [
      opt('attempts', 'integer', 'calls per event, the first included (default 3)'),
      opt('backoff_ms', 'number', 'wait before the second call; doubles each time (default 100)'),
      opt('max_backoff_ms', 'number', 'the longest wait between calls (default 10000)'),
    ],
  },
  BreakerOptions: {
    doc: "A handler subscription's circuit breaker.",
    fields: [
      opt('failure_threshold', 'integer', 'consecutive failed calls that open the circuit (default 5)'),
      opt('reset_ms', 'number', 'how long it stays open before one trial call (default 30000)'),
      opt('success_threshold', 'integer', 'successful trial calls that close it again (default 1)'),
    ],
  },
  HandlerInfo: {
    doc: 'What a handler is told besides the event.',
    fields: [req('attempt', 'integer', '1 on the first call for this event')],
  },
  ReceiveBatchOptions: {
    doc: 'Options of receive_batch.',
    fields: [
      opt('max_events', 'integer', 'at most this many events (default 100)'),
      opt('timeout_ms', 'number', 'wait for the first event at most this long (default 1000; 0 polls)'),
    ],
  },
  Query: {
    doc: 'Which stored events to read (docs/persistence.md "Query"). Unknown fields are INVALID_QUERY.',
    fields: [
      opt('event_type', 'string', 'a pattern: "order.*", "agent.**", "{a,b}.started"'),
      opt('start_time', TIME, 'inclusive; ISO-8601 or epoch ms'),
      opt('end_time', TIME, 'inclusive; ISO-8601 or epoch ms'),
      opt('correlation_id', 'string', 'source.correlation_id equals'),
      opt('source', 'string', 'source.component equals'),
      opt('filters', OBJECT, 'path → condition: {op, value}, [op, value], or a plain value (equality)'),
      opt('where', 'string', 'a filter expression: "data.amount > 100 AND type LIKE \'order.*\'"'),
      opt('now', TIME, 'what now means in where (default: when the query was validated)'),
      opt('after_sequence', 'integer', 'only events with a greater sequence: the paging cursor'),
      opt('limit', 'integer', '1 … 10000 (default 100); in a replay, at most this many in all'),
      opt('order', literal('asc', 'desc'), 'by sequence (default "asc")'),
    ],
  },
  Replay: {
    doc: 'Which stored events to re-publish, and how (docs/persistence.md "Replay").',
    extends: 'Query',
    fields: [
      opt('speed', 'number', 'spacing = original gaps ÷ speed (default 1; 0 = no waiting)'),
      opt('checkpoint', 'string', 'a name: start after the last event replayed under it, and record progress'),
    ],
  },
  RequestOptions: {
    doc: 'Options of request: how long to wait, and the publish options.',
    extends: 'PublishOptions',
    fields: [opt('timeout_ms', 'number', 'how long to wait for the reply (default 5000)')],
  },
  ScheduleOptions: {
    doc: 'Options of schedule: when, and the publish options.',
    extends: 'PublishOptions',
    fields: [
      opt('delay_ms', 'number', 'publish after this long (default 0, or every_ms when that is given)'),
      opt('every_ms', 'number', 'then again every this long, until cancelled'),
    ],
  },
  NakOptions: {
    doc: 'Options of nak.',
    fields: [opt('delay_ms', 'number', 'redeliver after this long instead of at once (default 0)')],
  },
  Subscription: {
    doc: 'A subscription handle; its id string is accepted wherever a handle is.',
    fields: [req('id', 'string', 'the subscription id'), req('patterns', list('string'), 'the patterns it was made with')],
  },
  SubscriptionInfo: {
    doc: 'One of list_subscriptions.',
    fields: [
      req('id', 'string', 'the subscription id'),
      req('patterns', list('string'), 'its patterns'),
      req('pattern', 'string', 'the first pattern'),
      req('queue_size', 'integer', 'events queued now'),
      req('max_queue_size', 'integer', 'its queue limit'),
      req('backpressure', BACKPRESSURE, 'what a full queue does'),
      opt('group', 'string', 'the work queue it is a member of'),
      opt('handler', 'boolean', 'true on handler subscriptions'),
    ],
  },
  SubscriptionStats: {
    doc: 'What happened to the events of one subscription (total_received = delivered + filtered + dropped + reassigned + queue_size).',
    fields: [
      count('total_received', 'events that reached the subscription'),
      count('delivered', 'events handed to the script'),
      count('dropped', 'events lost to backpressure'),
      count('rejected', 'publishes refused because the queue was full (reject)'),
      count('blocked', 'publishes that waited for room (block)'),
      count('filtered', 'events the filter refused'),
      count('queue_size', 'events queued now'),
      count('high_water', 'the most ever queued'),
      count('failed', 'handler failures after every retry, naks, ack waits that ran out'),
      count('full', 'times a full queue met an event'),
      count('acked', 'ack groups: acknowledgements'),
      count('unacked', 'ack groups: taken, not yet acknowledged'),
      count('reassigned', 'group members: queued events that went to another member'),
      opt('handler', ref('HandlerStats'), 'handler subscriptions'),
    ],
  },
  HandlerStats: {
    doc: "A handler subscription's figures.",
    fields: [
      count('succeeded', 'events handled without failure'),
      count('failed', 'events whose every attempt failed'),
      count('retries', 'calls after a failed one'),
      count('running', 'events being handled now'),
      req('breaker', literal('closed', 'open', 'half_open'), 'the circuit breaker state'),
      count('breaker_opened', 'times the breaker opened'),
    ],
  },
  BusStats: {
    doc: 'Bus-wide counters.',
    fields: [
      count('published', 'events published'),
      count('delivered', 'events delivered to subscriptions'),
      count('dropped', 'events lost to backpressure'),
      count('rejected', 'publishes refused by a full reject queue'),
      count('blocked', 'publishes that waited on a full block queue'),
      count('block_timeouts', 'publishes that waited too long'),
      count('filtered', 'events refused by filters'),
      count('persisted', 'events stored'),
      count('subscriptions', 'live subscriptions'),
      count('queued', 'events queued now'),
      count('sequence', 'the last sequence number'),
      count('route_cache_size', 'event types whose routes are cached'),
      count('duplicates', 'publishes of an id seen lately'),
      count('retained', 'event types with a retained event'),
      req('intercepted', ref('InterceptedStats'), 'what the interceptor chain did'),
      req('groups', ref('GroupTotals'), 'work queues, over every group'),
      count('subscriptions_collected', 'subscriptions removed because their handle was collected'),
      opt('transport', OBJECT, 'present when the bus is joined to other processes'),
    ],
  },
  InterceptedStats: {
    doc: 'What the interceptor chain did.',
    fields: [
      count('blocked', 'publishes blocked'),
      count('rate_limited', 'publishes refused by a rate limit'),
      count('modified', 'events changed'),
      count('transformed', 'events transformed'),
    ],
  },
  GroupTotals: {
    doc: 'Work queue figures over every group.',
    fields: [count('pending', 'handed out, not acknowledged'), count('acked', 'acknowledged'), count('redelivered', 'deliveries after the first'), count('dead_lettered', 'sent to the dead-letter type')],
  },
  GroupStats: {
    doc: 'The figures of one work queue (docs/coordination.md "Work queues").',
    fields: [
      req('name', 'string', 'the group name'),
      req('patterns', list('string'), "the group's patterns"),
      count('members', 'members now'),
      req('balance', BALANCE, 'how it picks a member'),
      req('ack', 'boolean', 'whether events wait for acknowledgement'),
      count('delivered', 'events handed to a member'),
      count('pending', 'handed out, not yet acknowledged'),
      count('acked', 'acknowledged'),
      count('redelivered', 'deliveries after the first'),
      count('naks', 'events given back'),
      count('dead_lettered', 'events sent to crosstalk.dead_letter.<group>'),
      count('dropped', 'events that met a group whose every member was full'),
      count('filtered', "events no member's filter accepted"),
      count('waiting', 'events waiting for a member'),
    ],
  },
  Received: {
    doc: 'What receive_any returns.',
    fields: [req('event', ref('Event'), 'the event'), req('subscription', ref('Subscription'), 'the subscription it came from')],
  },
};
