/**
 * What a bus tells an observer (metrics, the dashboard), and what script
 * hosts report about their scripts. One observer per bus, set through the
 * port (`portOf(bus).setObserver`); with none set, each hook is a null
 * check. Hooks run inside publish and receive, so an observer must be quick
 * and must not throw: it counts, it does not act.
 */
import type { UniversalEvent } from './event.js';
import type { Subscription } from './types.js';

export interface BusObserver {
  /**
   * Asked once per local publish: true when this publish should be timed,
   * and then `publishTimed` follows. Lets the observer sample (timing every
   * publish would cost more than the publish).
   */
  timePublish(): boolean;
  /** seconds a timed publish took from the call to every matching queue holding the event */
  publishTimed(seconds: number): void;
  /** an event reached the bus's subscriptions: published here, or (`remote`) from another process */
  published(event: UniversalEvent, remote: boolean): void;
  /** a subscription handed `event` to its receiver */
  delivered(sub: Subscription, event: UniversalEvent): void;
  /** backpressure took `event` out of (drop_oldest) or kept it from (drop_newest) a full queue */
  dropped(sub: Subscription, event: UniversalEvent): void;
  /** a subscription's filter refused `event` (before queueing, or at receive time) */
  filtered(sub: Subscription, event: UniversalEvent): void;
  /** a full reject/block queue (a subscription, or a work-queue group) refused an event (QUEUE_FULL, or a remote event it could not take) */
  rejected(sub: { readonly id: string; readonly patterns: readonly string[] }, eventType: string): void;
}

/**
 * One running script as its host reports it. Script hosts implement
 * `ScriptStatsProvider` and register it with `portOf(bus).addScriptStats`;
 * metrics and the dashboard read every registered provider when they sample.
 */
export interface ScriptStats {
  /** the script's name, as in `source.component` (e.g. `pay.lua`) */
  script: string;
  /** `source.instance_id` of this run */
  instance_id: string;
  language: 'lua' | 'javascript' | (string & {});
  /** `running` (executing or waiting for an event), or how it ended */
  state: 'starting' | 'running' | 'ended' | 'failed' | 'stopped';
  /** CPU time the script has used so far, in ms (its isolate's, waiting excluded) */
  cpu_ms: number;
  /** heap in use now, in bytes */
  heap_bytes: number;
  /** the heap limit, in bytes, when there is one */
  heap_limit_bytes?: number;
  /** events the script has received (receive, receive_batch, handlers) */
  events_in: number;
  /** events the script has published (accepted by the bus) */
  events_out: number;
}

export interface ScriptStatsProvider {
  /** the scripts this host runs or ran, now; called at most a few times a second */
  scriptStats(): readonly ScriptStats[];
}
