/**
 * The host side of every `Event` function (declared in event-api.ts): each
 * takes the plain values that came out of the isolate and returns a plain
 * value, or a Promise when the call has to wait. Errors are CrosstalkErrors;
 * the boundary hands them to the script as its own catchable errors.
 *
 * A script sees only its own subscriptions: another script's (or the
 * host's) cannot be received from, closed or inspected — to the script it
 * does not exist (UNKNOWN_SUBSCRIPTION), and `list_subscriptions` lists its
 * own. The host sees all of them.
 */
import { randomUUID } from 'node:crypto';
import { CrosstalkError, describeValue } from '../core/errors.js';
import type { JsonValue } from '../core/event.js';
import type { Cause } from '../core/context.js';
import type { BusPort, PortSubscription } from '../core/port.js';
import { normalizeQuery } from '../core/query.js';
import { compilePattern } from '../core/pattern.js';
import type { EventInit, PublisherIdentity, PublishOptions, ReceiveBatchOptions, SubscribeOptions } from '../core/types.js';
import { EVENT_FUNCTIONS } from './event-api.js';

/** Capabilities that live outside core (the CLI or host wires them in). */
export interface ScriptServices {
  /** re-publishes stored events (store/replay.ts); resolves to how many */
  replay?: (port: BusPort, spec: unknown, signal?: AbortSignal) => Promise<number>;
}

/** How many of its closed subscriptions a script still recognises (receive on them answers null). */
const CLOSED_REMEMBERED = 1024;

/** One running script's view of the bus. */
export interface ScriptContext {
  readonly port: BusPort;
  readonly identity: PublisherIdentity;
  readonly services: ScriptServices;
  /** aborted when the script ends, so its pending replays stop */
  readonly signal: AbortSignal;
  /** what the script handles now (the last event `receive` gave it): its publishes record it */
  cause: Cause | undefined;
  /** a subscription of this script, live or lately closed; UNKNOWN_SUBSCRIPTION for any other */
  own(id: string): PortSubscription;
  /** records a subscription this script made */
  adopt(sub: PortSubscription): void;
  /** the script's live subscriptions */
  live(): PortSubscription[];
  /** the script ended: its subscriptions close */
  close(): void;
}

export function createScriptContext(port: BusPort, who: { component: string; language: 'lua' | 'javascript' }, services: ScriptServices = {}): ScriptContext {
  const subs = new Map<string, PortSubscription>();
  const closed = new Map<string, PortSubscription>();
  const ended = new AbortController();
  const forget = (id: string) => {
    const s = subs.get(id);
    if (s === undefined) return;
    subs.delete(id);
    if (closed.size >= CLOSED_REMEMBERED) closed.delete(closed.keys().next().value!);
    closed.set(id, s);
  };
  return {
    port,
    identity: { component: who.component, instance_id: randomUUID(), language: who.language },
    services,
    signal: ended.signal,
    cause: undefined,
    own(id) {
      const s = subs.get(id) ?? closed.get(id);
      if (s === undefined) {
        throw new CrosstalkError('UNKNOWN_SUBSCRIPTION', `no subscription ${describeValue(id)} (a script sees only its own)`, { subscriptionId: id });
      }
      if (s.closed) forget(id);
      return s;
    },
    adopt(sub) {
      subs.set(sub.id, sub);
    },
    live() {
      const out: PortSubscription[] = [];
      for (const [id, s] of subs) {
        if (s.closed) forget(id);
        else out.push(s);
      }
      return out;
    },
    close() {
      ended.abort();
      for (const s of subs.values()) s.unsubscribe();
      subs.clear();
      closed.clear();
    },
  };
}

export type Binding = (ctx: ScriptContext, args: unknown[]) => unknown;

function subscriptionId(v: unknown): string {
  const id = typeof v === 'string' ? v : v !== null && typeof v === 'object' ? (v as { id?: unknown }).id : undefined;
  if (typeof id !== 'string') {
    throw new CrosstalkError('UNKNOWN_SUBSCRIPTION', `expected a subscription handle or id, got ${describeValue(v)}`);
  }
  return id;
}

const own = (ctx: ScriptContext, v: unknown): PortSubscription => ctx.own(subscriptionId(v));

function publish(ctx: ScriptContext, args: unknown[]): string | Promise<string> {
  const [first, data, options] = args;
  if (first !== null && typeof first === 'object') {
    if (data !== undefined || options !== undefined) {
      throw new CrosstalkError('INVALID_OPTION', 'the table form of publish takes one argument; put data and options inside it');
    }
    return ctx.port.publishAs(ctx.identity, first as EventInit, undefined, undefined, ctx.cause);
  }
  return ctx.port.publishAs(ctx.identity, first as string, data as JsonValue, options as PublishOptions | undefined, ctx.cause);
}

function subscribe(ctx: ScriptContext, args: unknown[]): { id: string; patterns: string[] } {
  const [patterns, options] = args;
  const sub = ctx.port.subscribe(patterns as string | string[], (options ?? undefined) as SubscribeOptions | undefined);
  ctx.adopt(sub);
  return { id: sub.id, patterns: [...sub.patterns] };
}

/** Idempotent: false for a subscription already closed, or one that is not the script's. */
function unsubscribe(ctx: ScriptContext, args: unknown[]): boolean {
  const id = subscriptionId(args[0]);
  let s: PortSubscription;
  try {
    s = ctx.own(id);
  } catch {
    return false;
  }
  return s.unsubscribe();
}

function stats(ctx: ScriptContext, args: unknown[]): unknown {
  const s = own(ctx, args[0]);
  if (s.closed) throw new CrosstalkError('UNKNOWN_SUBSCRIPTION', `subscription ${s.id} is closed`, { subscriptionId: s.id });
  return s.stats();
}

function unsubscribePattern(ctx: ScriptContext, args: unknown[]): number {
  const pattern = args[0];
  compilePattern(pattern as string);
  let n = 0;
  for (const s of ctx.live()) if (s.patterns.includes(pattern as string) && s.unsubscribe()) n++;
  return n;
}

async function replay(ctx: ScriptContext, args: unknown[]): Promise<number> {
  if (ctx.port.store === null || ctx.services.replay === undefined) {
    throw new CrosstalkError('STORE_UNAVAILABLE', 'replay needs a store (run with --store sqlite:PATH or memory)');
  }
  return ctx.services.replay(ctx.port, args[0] ?? {}, ctx.signal);
}

async function query(ctx: ScriptContext, args: unknown[]): Promise<unknown> {
  const q = normalizeQuery(args[0] ?? {});
  if (ctx.port.store === null) throw new CrosstalkError('STORE_UNAVAILABLE', 'query needs a store (run with --store sqlite:PATH or memory)');
  return ctx.port.store.query(q);
}

/** The host implementation of each declared `Event` function, by name. */
export const EVENT_IMPLEMENTATIONS: Readonly<Record<string, Binding>> = Object.freeze({
  publish,
  subscribe,
  receive: (ctx, [sub, timeout]) => own(ctx, sub).receiveNow(timeout as number | undefined),
  receive_batch: (ctx, [sub, options]) => own(ctx, sub).receiveBatchNow(options as ReceiveBatchOptions | undefined),
  query,
  replay,
  list_subscriptions: (ctx) => ctx.live().map((s) => s.info()),
  subscription_stats: stats,
  unsubscribe,
  unsubscribe_pattern: unsubscribePattern,
  get_stats: (ctx) => ctx.port.bus.stats(),
} satisfies Record<string, Binding>);

// every declaration has its implementation and nothing else is callable
for (const f of EVENT_FUNCTIONS) {
  if (!Object.hasOwn(EVENT_IMPLEMENTATIONS, f.name)) throw new Error(`Event.${f.name} is declared but not implemented`);
}
if (Object.keys(EVENT_IMPLEMENTATIONS).length !== EVENT_FUNCTIONS.length) throw new Error('an Event function is implemented but not declared');
