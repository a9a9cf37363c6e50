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
import { splitDurable, takeDurable } from './durable.js';
import { randomUUID } from 'node:crypto';
import { CrosstalkError, describeValue } from '../core/errors.js';
import type { JsonValue } from '../core/event.js';
import type { Cause } from '../core/context.js';
import type { BusPort, PortSubscription } from '../core/port.js';
import { normalizeQuery } from '../core/query.js';
import { compilePattern } from '../core/pattern.js';
import type { ScheduleOptions } from '../core/schedule.js';
import type { EventHandler, EventInit, NakOptions, PublisherIdentity, PublishOptions, ReceiveBatchOptions, RequestOptions } from '../core/types.js';
import type { UniversalEvent } from '../core/event.js';
import { EVENT_FUNCTIONS } from './event-api.js';
import { PermissionCheck } from '../core/permissions.js';

/** Capabilities that live outside core (the CLI or host wires them in). */
export interface ScriptServices {
  /** re-publishes stored events (store/replay.ts); resolves to how many */
  replay?: (port: BusPort, spec: unknown, signal?: AbortSignal) => Promise<number>;
}

/** How many of its closed subscriptions a script still recognises (receive on them answers null). */
const CLOSED_REMEMBERED = 1024;

/** What handler subscriptions need of the script's event loop (isolate/tasks.ts). */
export interface ScriptLoop {
  /** the bus's handler for the subscription whose id `id()` gives: it runs the script's function */
  handlerFor(id: () => string): EventHandler;
  subscriptionClosed(id: string): void;
}

/** One running script's view of the bus. */
export interface ScriptContext {
  readonly port: BusPort;
  readonly identity: PublisherIdentity;
  readonly services: ScriptServices;
  /** what the script may publish and subscribe to (docs/scripts.md "Script permissions") */
  readonly permissions: PermissionCheck;
  /** aborted when the script ends, so its pending replays stop */
  readonly signal: AbortSignal;
  /** what the script handles now (the last event `receive` gave it): its publishes record it */
  cause: Cause | undefined;
  /** ids of the script's scheduled publishes; cancelled when it ends */
  readonly schedules: Set<string>;
  /** the script's event loop on the host (handler subscriptions), once the run set it up */
  loop: ScriptLoop | null;
  /** a subscription of this script, live or lately closed; UNKNOWN_SUBSCRIPTION for any other */
  own(id: string): PortSubscription;
  /** records a subscription this script made */
  adopt(sub: PortSubscription): void;
  /** the script's live subscriptions */
  live(): PortSubscription[];
  /** a durable subscription of the script (durable.ts): at close it is released, not closed */
  keep(sub: PortSubscription, release: () => void): void;
  /**
   * A receive on `sub` begins: what the last one handed the script from a
   * durable subscription counts as processed.
   */
  receiving(sub: PortSubscription): void;
  /** What a receive handed the script from `sub`; a durable subscription remembers it (docs/scripts.md "Durable subscriptions"). */
  handed(sub: PortSubscription, events: readonly UniversalEvent[]): void;
  /**
   * The script ended: its subscriptions close; durable ones are released,
   * and when the script was `interrupted` (stopped or failed) the events
   * it was handed last and never finished are received again by the next
   * holder.
   */
  close(interrupted: boolean): void;
}

export function createScriptContext(
  port: BusPort,
  who: { component: string; language: 'lua' | 'javascript' },
  services: ScriptServices = {},
  permissions: PermissionCheck = new PermissionCheck(who.component, undefined),
): ScriptContext {
  const subs = new Map<string, PortSubscription>();
  const closed = new Map<string, PortSubscription>();
  const ended = new AbortController();
  const kept = new Map<string, () => void>();
  /** per durable subscription, what its last receive handed the script */
  const handedOut = new Map<string, readonly UniversalEvent[]>();
  let ending = false;
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
    permissions,
    signal: ended.signal,
    cause: undefined,
    schedules: new Set(),
    loop: null,
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
    keep(sub, release) {
      subs.set(sub.id, sub);
      kept.set(sub.id, release);
    },
    receiving(sub) {
      handedOut.delete(sub.id);
    },
    handed(sub, events) {
      if (!kept.has(sub.id) || events.length === 0) return;
      // a receive answered after the script ended never reached it
      if (ending) sub.giveBack(events);
      else handedOut.set(sub.id, events);
    },
    live() {
      const out: PortSubscription[] = [];
      for (const [id, s] of subs) {
        if (s.closed) forget(id);
        else out.push(s);
      }
      return out;
    },
    close(interrupted) {
      ending = true;
      ended.abort();
      for (const id of this.schedules) port.bus.cancelSchedule(id);
      this.schedules.clear();
      for (const s of subs.values()) {
        const release = kept.get(s.id);
        if (release !== undefined && !s.closed) {
          s.detachReceivers();
          if (interrupted) s.giveBack(handedOut.get(s.id) ?? []);
          release();
        } else s.unsubscribe();
      }
      subs.clear();
      handedOut.clear();
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

/** PERMISSION_DENIED unless the script may publish what `first` (a type, or the table form) names. */
export function checkMayPublish(ctx: ScriptContext, first: unknown): void {
  const type = first !== null && typeof first === 'object' ? (first as { event_type?: unknown }).event_type : first;
  // a type that is not a string is refused by the bus's own check, with its message
  if (typeof type === 'string') ctx.permissions.checkPublish(type);
}

function publish(ctx: ScriptContext, args: unknown[]): string | Promise<string> {
  const [first, data, options] = args;
  checkMayPublish(ctx, first);
  if (first !== null && typeof first === 'object') {
    if (data !== undefined || options !== undefined) {
      throw new CrosstalkError('INVALID_OPTION', 'the table form of publish takes one argument; put data and options inside it');
    }
    return ctx.port.publishAs(ctx.identity, first as EventInit, undefined, undefined, ctx.cause);
  }
  return ctx.port.publishAs(ctx.identity, first as string, data as JsonValue, options as PublishOptions | undefined, ctx.cause);
}

/** `[patterns, options, handler?]`: with `handler` true, the script's function (kept in its isolate) handles each event. */
function subscribe(ctx: ScriptContext, args: unknown[]): { id: string; patterns: string[] } {
  const [patterns, options, handler] = args;
  const { name: durable, rest: opts } = splitDurable(options);
  const list = typeof patterns === 'string' ? [patterns] : patterns;
  // malformed patterns are left to the bus, which names what is wrong
  if (Array.isArray(list) && list.every((p) => typeof p === 'string')) ctx.permissions.checkSubscribe(list as string[]);
  const permissions = ctx.permissions;
  const make = (h: EventHandler | null): PortSubscription => {
    if (!permissions.limitsSubscriptions) return h === null ? ctx.port.subscribe(patterns as string | string[], opts) : ctx.port.subscribe(patterns as string | string[], h, opts);
    return ctx.port.subscribeAdmitting((e) => permissions.delivers(e.event_type), patterns as string | string[], h, opts);
  };
  let sub: PortSubscription;
  if (durable !== null) {
    if (handler === true) {
      throw new CrosstalkError('INVALID_OPTION', 'a durable subscription is read with receive; a handler subscription ends with its script', { option: 'durable' });
    }
    sub = takeDurable(ctx, durable, patterns, opts, () => make(null));
  } else if (handler === true) {
    const loop = ctx.loop;
    if (loop === null) throw new CrosstalkError('SCRIPT_ERROR', 'handler subscriptions need the script event loop');
    let id = '';
    sub = make(loop.handlerFor(() => id));
    id = sub.id;
    sub.onClose(() => loop.subscriptionClosed(id));
  } else sub = make(null);
  if (durable === null) ctx.adopt(sub);
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
  if (ctx.permissions.limited) {
    throw new CrosstalkError('PERMISSION_DENIED', `${ctx.identity.component} has permission rules; replay (which re-publishes any stored event) is for scripts without them`);
  }
  return ctx.services.replay(ctx.port, args[0] ?? {}, ctx.signal);
}

async function query(ctx: ScriptContext, args: unknown[]): Promise<unknown> {
  const q = normalizeQuery(args[0] ?? {});
  if (ctx.port.store === null) throw new CrosstalkError('STORE_UNAVAILABLE', 'query needs a store (run with --store sqlite:PATH or memory)');
  const rows = await ctx.port.store.query(q);
  // what the script may not subscribe to, it does not read either
  return ctx.permissions.limitsSubscriptions ? rows.filter((e) => ctx.permissions.reads(e.event_type)) : rows;
}

/** Longest sleep: what a timer can wait. */
const MAX_SLEEP_MS = 2 ** 31 - 1;
/** Subscriptions one receive_any may wait on. */
const MAX_RECEIVE_ANY = 64;

function sleep(ctx: ScriptContext, [ms]: unknown[]): Promise<void> {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > MAX_SLEEP_MS) {
    throw new CrosstalkError('INVALID_OPTION', `Expected \`ms\` to be a number of milliseconds from 0 to ${MAX_SLEEP_MS}, got ${describeValue(ms)}`, {
      option: 'ms',
    });
  }
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    ctx.signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * `receive_any({a, b}, timeout_ms)`: the next event of whichever of the
 * script's subscriptions has one first (in the order given when several
 * do), as `{event, subscription}`; nil/null on timeout or when all are
 * closed.
 */
function receiveAny(ctx: ScriptContext, [subs, timeout]: unknown[]): { event: unknown; subscription: string } | null | Promise<{ event: unknown; subscription: string } | null> {
  if (!Array.isArray(subs) || subs.length === 0 || subs.length > MAX_RECEIVE_ANY) {
    throw new CrosstalkError('INVALID_OPTION', `receive_any needs a list of 1 to ${MAX_RECEIVE_ANY} subscriptions, got ${describeValue(subs)}`, {
      option: 'subscriptions',
    });
  }
  const list = subs.map((v) => own(ctx, v));
  for (const s of list) ctx.receiving(s);
  const timeoutMs = timeout === undefined ? 5000 : timeout;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw new CrosstalkError('INVALID_OPTION', `Expected \`timeout_ms\` to be a number >= 0, got ${describeValue(timeout)}`, { option: 'timeout_ms' });
  }
  const take = (): { event: unknown; subscription: string } | null | undefined => {
    let open = false;
    for (const s of list) {
      if (s.closed) continue;
      open = true;
      const e = s.poll();
      if (e !== null) {
        ctx.handed(s, [e]);
        return { event: e, subscription: s.id };
      }
    }
    return open ? undefined : null; // undefined: nothing yet
  };
  const now = take();
  if (now !== undefined || timeoutMs === 0) return now ?? null;
  return new Promise((resolve) => {
    let cancels: (() => void)[] = [];
    const finish = (r: { event: unknown; subscription: string } | null) => {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', ended);
      for (const c of cancels) c();
      resolve(r);
    };
    // a script that ends while waiting takes nothing more
    const ended = () => finish(null);
    ctx.signal.addEventListener('abort', ended);
    const watch = () => {
      cancels = list.map((s) =>
        s.onReady(() => {
          for (const c of cancels) c();
          if (ctx.signal.aborted) return;
          const r = take();
          if (r !== undefined) finish(r);
          else watch();
        }),
      );
    };
    const timer = setTimeout(() => finish(null), Math.min(timeoutMs, MAX_SLEEP_MS));
    watch();
  });
}

function request(ctx: ScriptContext, [type, data, options]: unknown[]): Promise<unknown> {
  checkMayPublish(ctx, type);
  return ctx.port.requestAs(ctx.identity, type as string, data as JsonValue, options as RequestOptions | undefined, ctx.cause);
}

function reply(ctx: ScriptContext, [req, data, options]: unknown[]): string | Promise<string> {
  return ctx.port.replyAs(ctx.identity, req, data as JsonValue, options as PublishOptions | undefined);
}

function schedule(ctx: ScriptContext, [type, data, options]: unknown[]): string {
  checkMayPublish(ctx, type);
  const id = ctx.port.scheduleAs(ctx.identity, type as string, data as JsonValue, options as ScheduleOptions);
  ctx.schedules.add(id);
  return id;
}

function cancel(ctx: ScriptContext, [id]: unknown[]): boolean {
  if (typeof id !== 'string') throw new CrosstalkError('INVALID_OPTION', `Expected a schedule id, got ${describeValue(id)}`, { option: 'schedule' });
  // only the script's own schedules
  if (!ctx.schedules.delete(id)) return false;
  return ctx.port.bus.cancelSchedule(id);
}

/** The script's own member of the group an event came from (work queues with ack). */
function memberFor(ctx: ScriptContext, event: unknown): PortSubscription {
  const group = (event as { metadata?: { delivery?: { group?: unknown } } } | null)?.metadata?.delivery?.group;
  if (event === null || typeof event !== 'object' || typeof (event as { id?: unknown }).id !== 'string' || typeof group !== 'string') {
    throw new CrosstalkError('INVALID_OPTION', `ack and nak need an event a work queue handed out (with metadata.delivery), got ${describeValue(event)}`, {
      option: 'event',
    });
  }
  for (const s of ctx.live()) if (s.info().group === group) return s;
  throw new CrosstalkError('UNKNOWN_SUBSCRIPTION', `the script has no subscription in group ${describeValue(group)}`);
}

/**
 * A receive named `name` begins with `args`: what the subscriptions it
 * reads handed the script before counts as processed (ScriptContext.receiving).
 */
export function beganReceive(ctx: ScriptContext, name: string, args: unknown[]): void {
  const ids = name === 'receive' || name === 'receive_batch' ? [args[0]] : name === 'receive_any' && Array.isArray(args[0]) ? args[0] : [];
  for (const v of ids) {
    try {
      ctx.receiving(own(ctx, v));
    } catch {
      // not the script's subscription: the call would have failed anyway
    }
  }
}

/** `then` without a Promise when `r` is a value already (the bindings' synchronous fast path). */
function settle<T>(r: T | Promise<T>, then: (v: T) => void): T | Promise<T> {
  if (r instanceof Promise) {
    return r.then((v) => {
      then(v);
      return v;
    });
  }
  then(r);
  return r;
}

/** The host implementation of each declared `Event` function, by name. */
export const EVENT_IMPLEMENTATIONS: Readonly<Record<string, Binding>> = Object.freeze({
  publish,
  subscribe,
  receive: (ctx, [sub, timeout]) => {
    const s = own(ctx, sub);
    ctx.receiving(s);
    return settle(s.receiveNow(timeout as number | undefined), (e) => ctx.handed(s, e === null ? [] : [e]));
  },
  receive_batch: (ctx, [sub, options]) => {
    const s = own(ctx, sub);
    ctx.receiving(s);
    return settle(s.receiveBatchNow(options as ReceiveBatchOptions | undefined), (list) => ctx.handed(s, list));
  },
  query,
  replay,
  list_subscriptions: (ctx) => ctx.live().map((s) => s.info()),
  subscription_stats: stats,
  unsubscribe,
  unsubscribe_pattern: unsubscribePattern,
  get_stats: (ctx) => ctx.port.bus.stats(),
  sleep,
  receive_any: receiveAny,
  request,
  reply,
  schedule,
  cancel,
  ack: (ctx, [event]) => memberFor(ctx, event).ack(event as UniversalEvent),
  nak: (ctx, [event, options]) => memberFor(ctx, event).nak(event as UniversalEvent, options as NakOptions | undefined),
  retained: (ctx, [patterns]) => {
    const events = ctx.port.bus.retained(patterns as string | string[] | undefined);
    return ctx.permissions.limitsSubscriptions ? events.filter((e) => ctx.permissions.reads(e.event_type)) : events;
  },
  group_stats: (ctx, [group]) => ctx.port.bus.groupStats(group as string),
  list_groups: (ctx) => ctx.port.bus.listGroups(),
  reset_stats: (ctx, [sub]) => {
    if (sub === undefined) for (const s of ctx.live()) s.resetStats();
    else own(ctx, sub).resetStats();
  },
} satisfies Record<string, Binding>);

// every declaration that reaches the host has its implementation, and nothing else is callable
const HOST_FUNCTIONS = EVENT_FUNCTIONS.filter((f) => f.local !== true);
for (const f of HOST_FUNCTIONS) {
  if (!Object.hasOwn(EVENT_IMPLEMENTATIONS, f.name)) throw new Error(`Event.${f.name} is declared but not implemented`);
}
if (Object.keys(EVENT_IMPLEMENTATIONS).length !== HOST_FUNCTIONS.length) throw new Error('an Event function is implemented but not declared');
