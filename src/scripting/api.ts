/**
 * The `Event` API of SPEC §4, written once for every script language.
 *
 * Each binding takes plain JS values (the language adapter has already
 * converted the script's arguments) and returns a plain value, or a Promise
 * when the call has to wait (receive, receive_batch, a blocking publish,
 * query, replay). The Lua adapter yields its coroutine on a Promise; the JS
 * adapter resolves it across the isolate boundary. Errors are CrosstalkErrors;
 * adapters turn them into the script's own catchable errors.
 */
import { randomUUID } from 'node:crypto';
import { CrosstalkError, describeValue } from '../core/errors.js';
import type { JsonValue } from '../core/event.js';
import { normalizeQuery } from '../core/query.js';
import type { SubscriptionImpl } from '../core/subscription.js';
import type { BusImpl } from '../core/bus.js';
import type { EventInit, PublisherIdentity, PublishOptions, ReceiveBatchOptions, SubscribeOptions } from '../core/types.js';

/** Capabilities that live outside core (the CLI or host wires them in). */
export interface ScriptServices {
  /** re-publishes stored events (store/replay.ts); resolves to how many */
  replay?: (bus: BusImpl, spec: unknown, signal?: AbortSignal) => Promise<number>;
}

/** One running script's view of the bus. */
export interface ScriptContext {
  readonly bus: BusImpl;
  readonly identity: PublisherIdentity;
  readonly services: ScriptServices;
  /** subscriptions this script made; closed when it ends */
  readonly subscriptions: Map<string, SubscriptionImpl>;
  /** aborted when the script ends, so its pending replays stop */
  readonly signal: AbortSignal;
  close(): void;
}

export function createScriptContext(
  bus: BusImpl,
  who: { component: string; language: 'lua' | 'javascript' },
  services: ScriptServices = {},
): ScriptContext {
  const subscriptions = new Map<string, SubscriptionImpl>();
  const ended = new AbortController();
  return {
    bus,
    identity: { component: who.component, instance_id: randomUUID(), language: who.language },
    services,
    subscriptions,
    signal: ended.signal,
    close() {
      ended.abort();
      for (const s of subscriptions.values()) s.unsubscribe();
      subscriptions.clear();
    },
  };
}

/** What `subscribe` hands a script; adapters wrap it in a handle with `unsubscribe()`. */
export class SubscriptionHandle {
  constructor(
    readonly id: string,
    readonly patterns: readonly string[],
  ) {}
}

export type Binding = (ctx: ScriptContext, args: readonly unknown[]) => unknown;

function subscriptionId(v: unknown): string {
  const id = typeof v === 'string' ? v : v !== null && typeof v === 'object' ? (v as { id?: unknown }).id : undefined;
  if (typeof id !== 'string') {
    throw new CrosstalkError('UNKNOWN_SUBSCRIPTION', `expected a subscription handle or id, got ${describeValue(v)}`);
  }
  return id;
}

/**
 * A subscription named by handle, `{id}` table or id string. A closed one is
 * still found (receive then answers nil/null, as SPEC §3 says).
 */
function subscriptionArg(ctx: ScriptContext, v: unknown): SubscriptionImpl {
  return ctx.bus.findSubscription(subscriptionId(v));
}

function publish(ctx: ScriptContext, args: readonly unknown[]): string | Promise<string> {
  const [first, data, options] = args;
  if (first !== null && typeof first === 'object') {
    if (data !== undefined || options !== undefined) {
      throw new CrosstalkError('INVALID_OPTION', 'the table form of publish takes one argument; put data and options inside it');
    }
    return ctx.bus.publishAs(ctx.identity, first as EventInit);
  }
  return ctx.bus.publishAs(ctx.identity, first as string, data as JsonValue, options as PublishOptions | undefined);
}

function subscribe(ctx: ScriptContext, args: readonly unknown[]): SubscriptionHandle {
  const [patterns, options] = args;
  const sub = ctx.bus.subscribe(patterns as string | string[], (options ?? undefined) as SubscribeOptions | undefined);
  ctx.subscriptions.set(sub.id, sub as SubscriptionImpl);
  return new SubscriptionHandle(sub.id, sub.patterns);
}

function unsubscribe(ctx: ScriptContext, args: readonly unknown[]): boolean {
  const id = subscriptionId(args[0]);
  ctx.subscriptions.delete(id);
  return ctx.bus.unsubscribe(id);
}

async function replay(ctx: ScriptContext, args: readonly unknown[]): Promise<number> {
  if (ctx.bus.store === null || ctx.services.replay === undefined) {
    throw new CrosstalkError('STORE_UNAVAILABLE', 'replay needs a store (run with --store sqlite:PATH or memory)');
  }
  return ctx.services.replay(ctx.bus, args[0] ?? {}, ctx.signal);
}

async function query(ctx: ScriptContext, args: readonly unknown[]): Promise<unknown> {
  const q = normalizeQuery(args[0] ?? {});
  if (ctx.bus.store === null) throw new CrosstalkError('STORE_UNAVAILABLE', 'query needs a store (run with --store sqlite:PATH or memory)');
  return ctx.bus.store.query(q);
}

/** The `Event` table, by SPEC §4's snake_case names (plus the Rust original's `get_stats`). */
export const EVENT_API: Readonly<Record<string, Binding>> = Object.freeze({
  publish,
  subscribe,
  receive: (ctx, [sub, timeout]) => subscriptionArg(ctx, sub).receiveNow(timeout as number | undefined),
  receive_batch: (ctx, [sub, options]) => subscriptionArg(ctx, sub).receiveBatchNow(options as ReceiveBatchOptions | undefined),
  query,
  replay,
  list_subscriptions: (ctx) => ctx.bus.listSubscriptions(),
  subscription_stats: (ctx, [sub]) => ctx.bus.subscriptionStats(subscriptionId(sub)),
  unsubscribe,
  unsubscribe_pattern: (ctx, [pattern]) => ctx.bus.unsubscribePattern(pattern as string),
  get_stats: (ctx) => ctx.bus.stats(),
});

/** camelCase names JS scripts may use as well. */
export const CAMEL_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  receiveBatch: 'receive_batch',
  listSubscriptions: 'list_subscriptions',
  subscriptionStats: 'subscription_stats',
  unsubscribePattern: 'unsubscribe_pattern',
  getStats: 'get_stats',
});

/** Calls that never wait: adapters may call these without a yield. */
export const SYNC_BINDINGS: ReadonlySet<string> = new Set([
  'subscribe', 'list_subscriptions', 'subscription_stats', 'unsubscribe', 'unsubscribe_pattern', 'get_stats',
]);
