/**
 * The port of a bus made by createBus() (port.ts): what scripts and the CLI
 * use beyond `Bus`, forwarded to the bus. Subscriptions made here have no
 * handle: the script host ends them when their script ends.
 */
import type { BusImpl } from './bus.js';
import type { Cause, PublishCause } from './context.js';
import type { Draft } from './draft.js';
import type { JsonObject, JsonValue, UniversalEvent } from './event.js';
import type { CompiledPattern } from './pattern.js';
import type { ScheduleOptions } from './schedule.js';
import type { BusObserver, ScriptStats, ScriptStatsProvider } from './observer.js';
import type { BusPort, PlainPublishes, PortSubscription, PreparedPublish } from './port.js';
import type { Bus, EventHandler, EventInit, EventStore, PublisherIdentity, PublishOptions, RequestOptions, SubscribeOptions } from './types.js';

export class BusPortImpl implements BusPort {
  constructor(private readonly b: BusImpl) {}

  get bus(): Bus {
    return this.b;
  }

  get limits(): { readonly max_event_bytes: number; readonly max_depth: number } {
    return this.b.limits;
  }

  get store(): EventStore | null {
    return this.b.store;
  }

  publishAs(
    who: PublisherIdentity,
    eventType: string | EventInit,
    data?: JsonValue,
    options?: PublishOptions,
    cause?: Cause,
  ): string | Promise<string> {
    return this.b.publishAs(who, eventType, data, options, cause);
  }

  publishMinted(who: PublisherIdentity, init: EventInit, id: string, cause?: Cause): string | Promise<string> {
    return this.b.publishMinted(who, init, id, cause);
  }

  cause(c: PublishCause): Cause {
    return this.b.cause(c);
  }

  setObserver(observer: BusObserver | null): void {
    this.b.setObserver(observer);
  }

  get observer(): BusObserver | null {
    return this.b.observer;
  }

  maskerFor(script: string): ((e: UniversalEvent) => UniversalEvent) | null {
    return this.b.maskerFor(script);
  }

  addScriptStats(provider: ScriptStatsProvider): () => void {
    return this.b.addScriptStats(provider);
  }

  scriptStats(): ScriptStats[] {
    return this.b.scriptStats();
  }

  prepare(who: PublisherIdentity | null, eventType: string | EventInit, data?: JsonValue, options?: PublishOptions, id?: string, cause?: Cause): PreparedPublish {
    return this.b.prepare(who, eventType, data, options, id, cause);
  }

  publishPrepared(p: PreparedPublish): string | Promise<string> {
    return this.b.publishPrepared(p as Draft);
  }

  checkPlain(eventType: string, data: JsonValue | undefined): number {
    return this.b.checkPlain(eventType, data);
  }

  publishPlain(eventType: string, data: JsonValue | undefined, id: string, checked: number): string | Promise<string> {
    return this.b.publishPlain(eventType, data, id, checked);
  }

  publishPlainRun(list: PlainPublishes, from: number): number {
    return this.b.publishPlainRun(list, from);
  }

  requestAs(who: PublisherIdentity, eventType: string, data?: JsonValue, options?: RequestOptions, cause?: Cause): Promise<UniversalEvent | null> {
    return this.b.requestAs(who, eventType, data, options, cause);
  }

  replyAs(who: PublisherIdentity, request: unknown, data?: JsonValue, options?: PublishOptions, cause?: Cause): string | Promise<string> {
    return this.b.replyAs(who, request, data, options, cause);
  }

  scheduleAs(who: PublisherIdentity, eventType: string, data: JsonValue | undefined, options: ScheduleOptions): string {
    return this.b.scheduleAs(who, eventType, data, options);
  }

  announce(type: string, data: JsonObject, keep?: (e: UniversalEvent) => void): void {
    this.b.publishSystem(type, data, undefined, keep);
  }

  addLateJoinerEvents(provider: (patterns: readonly CompiledPattern[]) => UniversalEvent[]): () => void {
    return this.b.addLateJoinerEvents(provider);
  }

  subscribe(patterns: string | readonly string[], a?: SubscribeOptions | EventHandler, b?: SubscribeOptions): PortSubscription {
    return this.b.subscribeCore(patterns, a, b);
  }

  subscribeAdmitting(admit: (e: UniversalEvent) => boolean, patterns: string | readonly string[], handler: EventHandler | null, options?: SubscribeOptions): PortSubscription {
    return handler === null ? this.b.subscribeCore(patterns, options, undefined, admit) : this.b.subscribeCore(patterns, handler, options, admit);
  }

  findSubscription(id: string): PortSubscription {
    return this.b.findSubscription(id);
  }

  hasStrictSubscriptions(): boolean {
    return this.b.hasStrictSubscriptions();
  }

  get strictVersion(): number {
    return this.b.strictVersion;
  }

  reachesStrict(type: string): boolean {
    return this.b.reachesStrict(type);
  }
}

