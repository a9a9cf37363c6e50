/**
 * Every option of the bus and its subscriptions, with its default, merged
 * and validated once. Messages name the option and the bad value.
 */
import { CrosstalkError } from './errors.js';
import { checkInt, checkMs, invalidOption, rejectUnknownKeys } from './check.js';

export { checkInt, checkMs, invalidOption, rejectUnknownKeys };
import { DEFAULT_MAX_DEPTH, DEFAULT_MAX_EVENT_BYTES } from './event.js';
import { DEFAULT_ROUTE_CACHE_SIZE } from './router.js';
import {
  BACKPRESSURE_STRATEGIES,
  type Backpressure,
  type EventStore,
  type FilterSpec,
  type SubscribeOptions,
  type Transport,
} from './types.js';
import type { UniversalEvent } from './event.js';
import type { InterceptorSpec } from './interceptors.js';
import { createMasker, type Masker, type MaskRule } from './masking.js';
import { GROUP_KEYS, resolveGroupOptions, type GroupMemberOptions } from './group-options.js';
import { HANDLER_KEYS, resolveHandlerOptions, type HandlerOptions } from './handler-options.js';

/** @default 'drop_oldest' */
export const DEFAULT_BACKPRESSURE: Backpressure = 'drop_oldest';
/** @default 10_000 */
export const DEFAULT_MAX_QUEUE_SIZE = 10_000;
export const MAX_MAX_QUEUE_SIZE = 10_000_000;
/** @default 5000 */
export const DEFAULT_BLOCK_TIMEOUT_MS = 5000;
/** receive() waits this long by default */
export const DEFAULT_RECEIVE_TIMEOUT_MS = 5000;
export const DEFAULT_BATCH_MAX_EVENTS = 100;
export const DEFAULT_BATCH_TIMEOUT_MS = 1000;
/** receive_batch never hands out more than this at once */
export const MAX_BATCH_EVENTS = 100_000;

export interface BusOptions {
  /**
   * where persisted events go; none by default (persistent publishes then
   * fail with STORE_UNAVAILABLE, unless a transport keeps them)
   */
  store?: EventStore | null;
  /** joins the bus to other processes (`connectNats`); none by default */
  transport?: Transport | null;
  /** event types matching any of these patterns are persisted without asking */
  persist?: readonly string[];
  /** largest serialized event in bytes; @default 1 MiB */
  max_event_bytes?: number;
  /** deepest nesting of data/metadata; @default 64 */
  max_depth?: number;
  /** event types whose routes are remembered; @default 10,000 */
  route_cache_size?: number;
  /** `source.component` of events the host publishes; @default 'host' */
  component?: string;
  /** the interceptor chain, in order (docs/coordination.md "Interceptors"); none by default */
  interceptors?: readonly InterceptorSpec[];
  /** how long a supplied event id counts as seen (docs/coordination.md "Deduplication"); @default 120,000 ms */
  dedup_window_ms?: number;
  /** how many supplied ids the duplicate window holds at most; @default 100,000 */
  dedup_max_ids?: number;
  /** how many event types may have a retained event; @default 1,000,000 */
  max_retained?: number;
  /** masking rules applied before storage and before delivery to scripts (docs/persistence.md "Masking"); none by default */
  masking?: readonly MaskRule[];
}

/** @default 120_000 (JetStream's duplicate window) */
export const DEFAULT_DEDUP_WINDOW_MS = 120_000;
/** @default 100_000 */
export const DEFAULT_DEDUP_MAX_IDS = 100_000;
/** @default 1_000_000 */
export const DEFAULT_MAX_RETAINED = 1_000_000;

export interface ResolvedBusOptions {
  store: EventStore | null;
  transport: Transport | null;
  persist: readonly string[];
  max_event_bytes: number;
  max_depth: number;
  route_cache_size: number;
  component: string;
  interceptors: readonly unknown[];
  dedup_window_ms: number;
  dedup_max_ids: number;
  max_retained: number;
  /** null when there are no rules */
  masker: Masker | null;
}

export const BUS_KEYS = [
  'store', 'transport', 'persist', 'max_event_bytes', 'max_depth', 'route_cache_size', 'component',
  'interceptors', 'dedup_window_ms', 'dedup_max_ids', 'max_retained', 'masking',
];

export function resolveBusOptions(o: BusOptions = {}): ResolvedBusOptions {
  if (o === null || typeof o !== 'object') throw invalidOption('options', 'an object', o);
  rejectUnknownKeys(o, BUS_KEYS, 'bus');
  const persist = o.persist ?? [];
  if (!Array.isArray(persist)) throw invalidOption('persist', 'a list of patterns', persist);
  const store = o.store ?? null;
  if (store !== null) {
    const methods = ['lastSequence', 'append', 'flush', 'query', 'count', 'sweep', 'close'] as const;
    if (typeof store !== 'object' || methods.some((m) => typeof (store as unknown as Record<string, unknown>)[m] !== 'function')) {
      throw invalidOption('store', `an EventStore (with ${methods.join(', ')})`, store);
    }
  }
  const transport = o.transport ?? null;
  if (transport !== null) {
    const methods = ['attach', 'publish', 'addInterest', 'removeInterest', 'flush', 'close', 'stats'] as const;
    if (typeof transport !== 'object' || methods.some((m) => typeof (transport as unknown as Record<string, unknown>)[m] !== 'function')) {
      throw invalidOption('transport', `a Transport (with ${methods.join(', ')}), e.g. from connectNats()`, transport);
    }
  }
  const component = o.component ?? 'host';
  if (typeof component !== 'string' || component.length === 0) throw invalidOption('component', 'a non-empty string', component);
  const interceptors = o.interceptors ?? [];
  if (!Array.isArray(interceptors)) throw invalidOption('interceptors', 'a list of interceptor rules', interceptors);
  return {
    store,
    transport,
    persist,
    max_event_bytes: o.max_event_bytes === undefined ? DEFAULT_MAX_EVENT_BYTES : checkInt('max_event_bytes', o.max_event_bytes, 256, 1 << 30),
    max_depth: o.max_depth === undefined ? DEFAULT_MAX_DEPTH : checkInt('max_depth', o.max_depth, 1, 1000),
    route_cache_size:
      o.route_cache_size === undefined ? DEFAULT_ROUTE_CACHE_SIZE : checkInt('route_cache_size', o.route_cache_size, 0, 10_000_000),
    component,
    interceptors,
    dedup_window_ms: o.dedup_window_ms === undefined ? DEFAULT_DEDUP_WINDOW_MS : checkInt('dedup_window_ms', o.dedup_window_ms, 1, 86_400_000),
    dedup_max_ids: o.dedup_max_ids === undefined ? DEFAULT_DEDUP_MAX_IDS : checkInt('dedup_max_ids', o.dedup_max_ids, 1, 10_000_000),
    max_retained: o.max_retained === undefined ? DEFAULT_MAX_RETAINED : checkInt('max_retained', o.max_retained, 0, 100_000_000),
    masker: o.masking === undefined || (Array.isArray(o.masking) && o.masking.length === 0) ? null : createMasker(o.masking),
  };
}

/** How a queue orders events: by priority (then publish order), or by publish order alone. */
export type Ordering = 'priority' | 'publish';
export const ORDERINGS: readonly Ordering[] = ['priority', 'publish'];
/** @default 'priority' */
export const DEFAULT_ORDERING: Ordering = 'priority';

export interface ResolvedSubscribeOptions {
  backpressure: Backpressure;
  max_queue_size: number;
  block_timeout_ms: number;
  /** a predicate table or an expression, checked before enqueueing */
  filterSpec: FilterSpec | string | null;
  filterFn: ((e: UniversalEvent) => boolean) | null;
  from_sequence: number | null;
  from_time: string | number | null;
  ordering: Ordering;
  /** receive the retained events the patterns match first */
  retained: boolean;
  /** work-queue membership; null for an ordinary subscription */
  group: GroupMemberOptions | null;
  /** handler subscriptions only */
  handler: HandlerOptions | null;
  /** options the caller gave (a group member must agree with its group on these) */
  given: ReadonlySet<string>;
}

export const SUBSCRIBE_KEYS = [
  'backpressure', 'max_queue_size', 'block_timeout_ms', 'filter', 'from_sequence', 'from_time', 'ordering', 'retained',
  ...GROUP_KEYS,
  ...HANDLER_KEYS,
];

const DEFAULTS: ResolvedSubscribeOptions = Object.freeze({
  backpressure: DEFAULT_BACKPRESSURE,
  max_queue_size: DEFAULT_MAX_QUEUE_SIZE,
  block_timeout_ms: DEFAULT_BLOCK_TIMEOUT_MS,
  filterSpec: null,
  filterFn: null,
  from_sequence: null,
  from_time: null,
  ordering: DEFAULT_ORDERING,
  retained: true,
  group: null,
  handler: null,
  given: new Set<string>(),
});

/** `withHandler`: the subscription runs a handler (handler options are allowed). */
export function resolveSubscribeOptions(o: SubscribeOptions | undefined, withHandler = false): ResolvedSubscribeOptions {
  if (o === undefined || o === null) return withHandler ? { ...DEFAULTS, handler: resolveHandlerOptions({}) } : DEFAULTS;
  if (typeof o !== 'object' || Array.isArray(o)) throw invalidOption('options', 'an object', o);
  rejectUnknownKeys(o, SUBSCRIBE_KEYS, 'subscribe');
  const bp = o.backpressure ?? DEFAULT_BACKPRESSURE;
  if (!BACKPRESSURE_STRATEGIES.includes(bp)) throw invalidOption('backpressure', BACKPRESSURE_STRATEGIES.join(' | '), bp);
  const f = o.filter;
  let filterSpec: FilterSpec | string | null = null;
  let filterFn: ((e: UniversalEvent) => boolean) | null = null;
  if (typeof f === 'function') filterFn = f;
  else if (f !== undefined && f !== null) {
    if (typeof f !== 'string' && (typeof f !== 'object' || Array.isArray(f))) {
      throw invalidOption('filter', 'a predicate table, an expression string or a function', f);
    }
    filterSpec = f;
  }
  const fromSeq = o.from_sequence === undefined || o.from_sequence === null ? null : checkInt('from_sequence', o.from_sequence, 0, Number.MAX_SAFE_INTEGER);
  let fromTime: string | number | null = null;
  if (o.from_time !== undefined && o.from_time !== null) {
    if (typeof o.from_time !== 'string' && (typeof o.from_time !== 'number' || !Number.isFinite(o.from_time))) {
      throw invalidOption('from_time', 'an ISO time string or epoch milliseconds', o.from_time);
    }
    fromTime = o.from_time;
  }
  const ordering = o.ordering ?? DEFAULT_ORDERING;
  if (!ORDERINGS.includes(ordering)) throw invalidOption('ordering', ORDERINGS.join(' | '), ordering);
  if (o.retained !== undefined && typeof o.retained !== 'boolean') throw invalidOption('retained', 'a boolean', o.retained);
  if (!withHandler) {
    const k = HANDLER_KEYS.find((key) => (o as Record<string, unknown>)[key] !== undefined);
    if (k !== undefined) {
      throw new CrosstalkError('INVALID_OPTION', `\`${k}\` is an option of handler subscriptions: subscribe(pattern, handler, options)`, { option: k });
    }
  }
  const group = resolveGroupOptions(o as Record<string, unknown>);
  if (group !== null) {
    if (fromSeq !== null || fromTime !== null) {
      throw new CrosstalkError('INVALID_OPTION', 'a group member cannot catch up from history (from_sequence/from_time)', { option: 'group' });
    }
    if (filterFn !== null) {
      throw new CrosstalkError('INVALID_OPTION', 'a group member takes a predicate-table filter, not a function: the group picks members by it', {
        option: 'filter',
      });
    }
  }
  return {
    backpressure: bp,
    max_queue_size:
      o.max_queue_size === undefined ? DEFAULT_MAX_QUEUE_SIZE : checkInt('max_queue_size', o.max_queue_size, 1, MAX_MAX_QUEUE_SIZE),
    block_timeout_ms: o.block_timeout_ms === undefined ? DEFAULT_BLOCK_TIMEOUT_MS : checkMs('block_timeout_ms', o.block_timeout_ms),
    filterSpec,
    filterFn,
    from_sequence: fromSeq,
    from_time: fromTime,
    ordering,
    // group members never replay retained state: it is not work
    retained: group === null && o.retained !== false,
    group,
    handler: withHandler ? resolveHandlerOptions(o as Record<string, unknown>) : null,
    given: new Set(Object.keys(o).filter((k) => (o as Record<string, unknown>)[k] !== undefined)),
  };
}
