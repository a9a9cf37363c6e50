/**
 * The `Event` API every script sees, declared once. Each entry says
 * everything about its call that the language adapters need: the names of
 * its arguments (for error paths), which argument names a subscription,
 * which option fields may hold a function of the script's language, whether
 * the call may wait, and what kind of value it returns.
 *
 * The host implements each entry (api.ts); inside the isolates, the Lua and
 * JS adapters build their `Event` tables from this list (guest/). This file
 * is pure data so both sides can import it.
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

export interface ArgSpec {
  /** how the argument is named in INVALID_DATA paths (`data.items[3]`) */
  readonly name: string;
  /** a table whose fields are named on their own in paths (`metadata.user`, not `options.metadata.user`) */
  readonly fields?: boolean;
  /** option fields that may hold a function of the script's language (kept inside the isolate) */
  readonly functions?: readonly string[];
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
}

const SUBSCRIPTION: ArgSpec = { name: 'subscription' };

export const EVENT_FUNCTIONS: readonly EventFunction[] = [
  {
    name: 'publish',
    args: [{ name: 'event', fields: true }, { name: 'data' }, { name: 'options', fields: true }],
    mayWait: true,
    result: 'id',
  },
  {
    name: 'subscribe',
    args: [{ name: 'patterns' }, { name: 'options', fields: true, functions: ['filter'] }],
    mayWait: false,
    result: 'handle',
  },
  { name: 'receive', args: [SUBSCRIPTION, { name: 'timeout_ms' }], subscriptionArg: 0, mayWait: true, result: 'event' },
  {
    name: 'receive_batch',
    camel: 'receiveBatch',
    args: [SUBSCRIPTION, { name: 'options', fields: true }],
    subscriptionArg: 0,
    mayWait: true,
    result: 'events',
  },
  { name: 'query', args: [{ name: 'query', fields: true }], mayWait: true, result: 'events' },
  { name: 'replay', args: [{ name: 'replay', fields: true }], mayWait: true, result: 'value' },
  { name: 'list_subscriptions', camel: 'listSubscriptions', args: [], mayWait: false, result: 'value' },
  {
    name: 'subscription_stats',
    camel: 'subscriptionStats',
    args: [SUBSCRIPTION],
    subscriptionArg: 0,
    mayWait: false,
    result: 'value',
  },
  { name: 'unsubscribe', args: [SUBSCRIPTION], subscriptionArg: 0, mayWait: false, result: 'value' },
  { name: 'unsubscribe_pattern', camel: 'unsubscribePattern', args: [{ name: 'pattern' }], mayWait: false, result: 'value' },
  { name: 'get_stats', camel: 'getStats', args: [], mayWait: false, result: 'value' },
  // waiting and answering
  { name: 'sleep', args: [{ name: 'ms' }], mayWait: true, result: 'value' },
  {
    name: 'receive_any',
    camel: 'receiveAny',
    args: [{ name: 'subscriptions' }, { name: 'timeout_ms' }],
    mayWait: true,
    result: 'any',
  },
  { name: 'request', args: [{ name: 'event_type' }, { name: 'data' }, { name: 'options', fields: true }], mayWait: true, result: 'event' },
  { name: 'reply', args: [{ name: 'request' }, { name: 'data' }, { name: 'options', fields: true }], mayWait: true, result: 'id' },
  { name: 'schedule', args: [{ name: 'event_type' }, { name: 'data' }, { name: 'options', fields: true }], mayWait: false, result: 'value' },
  { name: 'cancel', args: [{ name: 'schedule' }], mayWait: false, result: 'value' },
  { name: 'with_correlation', camel: 'withCorrelation', args: [{ name: 'correlation_id' }, { name: 'fn' }], mayWait: false, result: 'value', local: true },
  // work queues, retained events, statistics
  { name: 'ack', args: [{ name: 'event' }], mayWait: false, result: 'value' },
  { name: 'nak', args: [{ name: 'event' }, { name: 'options', fields: true }], mayWait: false, result: 'value' },
  { name: 'retained', args: [{ name: 'patterns' }], mayWait: false, result: 'events' },
  { name: 'group_stats', camel: 'groupStats', args: [{ name: 'group' }], mayWait: false, result: 'value' },
  { name: 'list_groups', camel: 'listGroups', args: [], mayWait: false, result: 'value' },
  { name: 'reset_stats', camel: 'resetStats', args: [SUBSCRIPTION], subscriptionArg: 0, mayWait: false, result: 'value' },
];

/** The declaration of `name`, or undefined. */
export function eventFunction(name: string): EventFunction | undefined {
  for (const f of EVENT_FUNCTIONS) if (f.name === name) return f;
  return undefined;
}
