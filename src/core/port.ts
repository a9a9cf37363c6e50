/**
 * The one internal road from the rest of crosstalk (script engines, the CLI)
 * into a bus made by `createBus()`: the operations a host application must
 * not see (publishing as another identity, with a pre-minted id, receiving
 * without a Promise when an event is already queued) behind an interface.
 *
 * `portOf(bus)` finds the port of a bus this module registered; nothing
 * casts a `Bus` to its class. A `Bus` written by someone else has no port,
 * and asking for it is INVALID_OPTION.
 */
import type { Cause, PublishCause } from './context.js';
import { CrosstalkError } from './errors.js';
import type { JsonObject, JsonValue, UniversalEvent } from './event.js';
import type { BusObserver, ScriptStats, ScriptStatsProvider } from './observer.js';
import type { CompiledPattern } from './pattern.js';
import type { ScheduleOptions } from './schedule.js';
import type {
  Bus,
  EventHandler,
  EventInit,
  EventStore,
  PublisherIdentity,
  PublishOptions,
  ReceiveBatchOptions,
  RequestOptions,
  SubscribeOptions,
  Subscription,
} from './types.js';

/** A subscription as a port user sees it: the public one plus answers without a Promise when possible. */
export interface PortSubscription extends Subscription {
  /** the next event now, null on close or a 0 timeout, or a Promise when it has to wait */
  receiveNow(timeoutMs?: number): UniversalEvent | null | Promise<UniversalEvent | null>;
  /** as receiveBatch, without a Promise when something is queued (or the timeout is 0) */
  receiveBatchNow(options?: ReceiveBatchOptions): UniversalEvent[] | Promise<UniversalEvent[]>;
  /** the receiver refused `n` of the events it was handed: they count as filtered, not delivered */
  noteFiltered(n: number): void;
  /**
   * Calls `ready` once, when the subscription has an event to take or is
   * closed (at once when it has one now); takes nothing. Returns a function
   * that cancels the call.
   */
  onReady(ready: () => void): () => void;
  /** Calls `closed` once when the subscription closes; returns a function that cancels the call. */
  onClose(closed: () => void): () => void;
  /**
   * The receiver goes away and the subscription stays (a durable
   * subscription whose script ended): its waiting receives answer null.
   */
  detachReceivers(): void;
  /** Events handed out and not processed: received again first, in this order. */
  giveBack(events: readonly UniversalEvent[]): void;
}

/** Publishes checked by `checkPlain`, waiting to go out in order (the batch publisher's). */
export interface PlainPublishes {
  readonly length: number;
  readonly types: readonly string[];
  readonly data: readonly (JsonValue | undefined)[];
  /** checkPlain's answer for each; -1 for one that is not plain (publishPlainRun stops there) */
  readonly checked: readonly number[];
  idAt(k: number): string;
}

/** A publish checked by `prepare` and waiting to go out; its id is fixed already. */
export interface PreparedPublish {
  readonly type: string;
  readonly id: string | undefined;
}

export interface BusPort {
  /** the public face of the same bus */
  readonly bus: Bus;
  /** the data limits every publish is held to */
  readonly limits: { readonly max_event_bytes: number; readonly max_depth: number };
  readonly store: EventStore | null;
  /**
   * Publishes as `who` (a script): its component, instance and language go
   * into `source`. `cause` (from `cause()`) is what the script is handling
   * or correlating with now; without it, the host's context applies.
   */
  publishAs(
    who: PublisherIdentity,
    eventType: string | EventInit,
    data?: JsonValue,
    options?: PublishOptions,
    cause?: Cause,
  ): string | Promise<string>;
  /**
   * Publishes `init` under an id this process minted ahead of time (an
   * isolate's id pool): fresh by construction, so no duplicate check.
   */
  publishMinted(who: PublisherIdentity, init: EventInit, id: string, cause?: Cause): string | Promise<string>;
  /**
   * A validated cause to publish under (INVALID_OPTION for ids that are not
   * strings of 1–255 characters). Build it once per handled event or
   * correlation scope and pass it with each publish: `causeOf(event)` gives
   * what handling `event` means (docs/observability.md "Seeing the stream").
   */
  cause(c: PublishCause): Cause;
  /** installs the one observer of this bus (metrics, the dashboard); null removes it */
  setObserver(observer: BusObserver | null): void;
  readonly observer: BusObserver | null;
  /**
   * The masking rules for events delivered to the script named `script`
   * (its file name, as in `source.component`): a function to apply to each
   * event before it reaches the script, or null when no rule concerns it
   * (docs/persistence.md "Masking"). Work it out once per script.
   */
  maskerFor(script: string): ((e: UniversalEvent) => UniversalEvent) | null;
  /** a script host reports its scripts; the returned function withdraws the provider */
  addScriptStats(provider: ScriptStatsProvider): () => void;
  /** what every registered script host reports now */
  scriptStats(): ScriptStats[];
  /**
   * Checks a publish now (as `who`, or the host when null) for
   * publishPrepared later; throws what publish would before delivery. Its
   * id is `id` when given (minted ahead), else a fresh one, unless the
   * publish names its own. `cause` as for publishAs.
   */
  prepare(
    who: PublisherIdentity | null,
    eventType: string | EventInit,
    data?: JsonValue,
    options?: PublishOptions,
    id?: string,
    cause?: Cause,
  ): PreparedPublish;
  /** publishes what prepare checked, under the id it was given */
  publishPrepared(p: PreparedPublish): string | Promise<string>;
  /**
   * Checks a host publish of a type and data with no options, as prepare
   * does, without keeping anything: returns the number to pass to
   * publishPlain, or -1 when it needs prepare (a correlation or cause in
   * context). For holders of many waiting publishes (the batch publisher).
   */
  checkPlain(eventType: string, data: JsonValue | undefined): number;
  /** publishes what checkPlain accepted, under `id` (minted by this process) */
  publishPlain(eventType: string, data: JsonValue | undefined, id: string, checked: number): string | Promise<string>;
  /**
   * Publishes `list` from `from` on, in order, while they can go out at
   * once with nothing that could refuse or hold one back (no interceptor,
   * no reject/block subscription, no transport, not persistent); returns
   * how many it published (0: publish the next one with publishPlain).
   */
  publishPlainRun(list: PlainPublishes, from: number): number;
  /** bus.request as `who`; `cause` as for publishAs */
  requestAs(who: PublisherIdentity, eventType: string, data?: JsonValue, options?: RequestOptions, cause?: Cause): Promise<UniversalEvent | null>;
  /** bus.reply as `who` */
  replyAs(who: PublisherIdentity, request: unknown, data?: JsonValue, options?: PublishOptions, cause?: Cause): string | Promise<string>;
  /** bus.schedule as `who` */
  scheduleAs(who: PublisherIdentity, eventType: string, data: JsonValue | undefined, options: ScheduleOptions): string;
  /**
   * Events a new subscription receives first, before live ones, besides
   * retained events: `provider` is asked at each subscribe with its
   * patterns (a script host announces the scripts already running). Returns
   * a function that withdraws it.
   */
  addLateJoinerEvents(provider: (patterns: readonly CompiledPattern[]) => UniversalEvent[]): () => void;
  /**
   * Publishes one of the bus's own events (`crosstalk.*`, source component
   * `crosstalk`); never throws. `keep` is told the event as delivered.
   */
  announce(type: string, data: JsonObject, keep?: (e: UniversalEvent) => void): void;
  subscribe(patterns: string | readonly string[], options?: SubscribeOptions): PortSubscription;
  /**
   * A handler subscription (docs/coordination.md "Handler subscriptions"): the bus calls
   * `handler` per event with retries and a circuit breaker; a binding passes
   * a function that calls into its isolate and returns a Promise.
   */
  subscribe(patterns: string | readonly string[], handler: EventHandler, options?: SubscribeOptions): PortSubscription;
  /**
   * As subscribe (with `handler`, or pulled when null), for a script with
   * permissions: only the events `admit` accepts reach the subscription;
   * the others count as filtered.
   */
  subscribeAdmitting(admit: (e: UniversalEvent) => boolean, patterns: string | readonly string[], handler: EventHandler | null, options?: SubscribeOptions): PortSubscription;
  /** a live or recently closed subscription of this bus; UNKNOWN_SUBSCRIPTION otherwise */
  findSubscription(id: string): PortSubscription;
  /** true when some subscription could make a publish fail or wait (reject/block) */
  hasStrictSubscriptions(): boolean;
  /** changes whenever a reject/block subscription comes or goes */
  readonly strictVersion: number;
  /** true when an event of `type` (valid) would reach a reject/block subscription */
  reachesStrict(type: string): boolean;
}

const PORTS = new WeakMap<object, BusPort>();

/** Called once by the bus class for itself. */
export function registerPort(bus: Bus, port: BusPort): void {
  PORTS.set(bus, port);
}

/** The port of a bus made by `createBus()`. */
export function portOf(bus: Bus): BusPort {
  const port = bus !== null && typeof bus === 'object' ? PORTS.get(bus) : undefined;
  if (port === undefined) {
    throw new CrosstalkError('INVALID_OPTION', 'expected a bus made by createBus()', { option: 'bus' });
  }
  return port;
}
