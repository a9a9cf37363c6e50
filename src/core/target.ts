/**
 * What a subscription, the bus and the router agree on: the delivery target
 * the router holds (a subscription, or a work-queue group), what a
 * subscription tells its bus, catch-up history, and the errors naming a
 * subscription or an acknowledged event.
 */
import { CrosstalkError } from './errors.js';
import type { UniversalEvent } from './event.js';
import type { FanOut } from './fanout.js';
import type { BusObserver } from './observer.js';
import type { SubscriptionImpl } from './subscription.js';
import type { AckTarget, Backpressure } from './types.js';

/** Bus-wide totals that every subscription adds to. */
export interface SharedCounters {
  delivered: number;
  dropped: number;
  rejected: number;
  blocked: number;
  filtered: number;
}

/**
 * What the router hands events to: a subscription, or a work-queue group
 * that passes each event to one of its members.
 */
export interface DeliveryTarget {
  readonly id: string;
  readonly patterns: readonly string[];
  readonly backpressure: Backpressure;
  readonly blockTimeoutMs: number;
  readonly maxQueueSize: number;
  /** full, or publishers already wait for room */
  readonly congested: boolean;
  readonly full: boolean;
  rejected: number;
  blocked: number;
  offer(e: UniversalEvent): void;
  /** its slot in the bus's fan-out table (fanout.ts) while routed, -1 otherwise */
  slot: number;
  /** fanout.ts `mark`: what a publish may drop without offering it (0: offer everything) */
  readonly dropMark: number;
  /** events a publish dropped through the mark, handed over when the target leaves its slot */
  foldSkipped(n: number): void;
  waitForRoom(wake: () => void): () => void;
}

/** What the bus needs to hear from a subscription. */
export interface SubscriptionOwner {
  readonly counters: SharedCounters;
  /** told of every delivery, drop and filtered event when set */
  readonly observer: BusObserver | null;
  /** the slots publishes read instead of the subscription (fanout.ts) */
  readonly fanout: FanOut;
  detach(sub: SubscriptionImpl): void;
  signalFull(sub: SubscriptionImpl): void;
  signalDrained(sub: SubscriptionImpl): void;
}

/** Stored history served before live events (catch-up subscriptions). */
export interface Backlog {
  /** the next page in sequence order; empty when history is exhausted */
  next(): Promise<UniversalEvent[]>;
  /**
   * When set, the subscription adds the id of every live event it is
   * offered while history is read, and history leaves those out: for a
   * history that overlaps live delivery (a shared stream), instead of one
   * cut at a sequence of this bus.
   */
  readonly live?: Set<string>;
}

/** The event id an ack/nak names: the event itself or its id. */
export function ackId(event: AckTarget): string {
  const id = typeof event === 'string' ? event : (event as { id?: unknown } | null)?.id;
  if (typeof id !== 'string' || id.length === 0) {
    throw new CrosstalkError('INVALID_OPTION', `ack/nak needs an event or an event id, got ${typeof event === 'object' ? 'an object without an id' : String(event)}`, {
      option: 'event',
    });
  }
  return id;
}

export function unknownSubscription(id: unknown): CrosstalkError {
  const shown = typeof id === 'string' ? id : String(id);
  return new CrosstalkError('UNKNOWN_SUBSCRIPTION', `no subscription ${JSON.stringify(shown)} on this bus`, {
    subscriptionId: typeof id === 'string' ? id : undefined,
  });
}
