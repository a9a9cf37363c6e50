/**
 * The subscriptions of one bus by id: the live ones, the recently closed
 * ones (a receive on a closed handle answers null rather than
 * UNKNOWN_SUBSCRIPTION), and the application's handles, held weakly: a
 * pull subscription whose handle was garbage-collected without unsubscribe
 * is ended and counted (docs/coordination.md "Delivery statistics and dead subscribers").
 */
import { SubscriptionHandle } from './handle.js';
import { SubscriptionImpl } from './subscription.js';
import { unknownSubscription } from './target.js';
import type { Subscription } from './types.js';

/** How many closed subscriptions the bus still recognises (at least half of it). */
export const CLOSED_SUBSCRIPTIONS_REMEMBERED = 10_000;

export class SubscriptionTable {
  private readonly live = new Map<string, SubscriptionImpl>();
  /** two generations, so forgetting old ones is O(1) */
  private closed = new Map<string, SubscriptionImpl>();
  private closedOld = new Map<string, SubscriptionImpl>();
  private readonly reaper = new FinalizationRegistry<SubscriptionImpl>((sub) => this.reap(sub));
  /** subscriptions ended because their handle was collected */
  collected = 0;

  /** `onCollected`: told after a collected handle's subscription was ended. */
  constructor(private readonly onCollected: (sub: SubscriptionImpl) => void) {}

  get size(): number {
    return this.live.size;
  }

  values(): IterableIterator<SubscriptionImpl> {
    return this.live.values();
  }

  add(sub: SubscriptionImpl): void {
    this.live.set(sub.id, sub);
  }

  /**
   * The application's handle for `sub`. The table keeps only a weak
   * reference; a handler subscription (its function holds whatever it
   * needs) lives until unsubscribed, so only pull subscriptions are reaped.
   */
  handleFor(sub: SubscriptionImpl): SubscriptionHandle {
    const handle = new SubscriptionHandle(sub);
    sub.handle = new WeakRef(handle);
    if (sub.handler === null) this.reaper.register(handle, sub, sub);
    return handle;
  }

  /** Moves a closing subscription to the closed ones; false when it was not live. */
  remove(sub: SubscriptionImpl): boolean {
    if (!this.live.delete(sub.id)) return false;
    if (this.closed.size >= CLOSED_SUBSCRIPTIONS_REMEMBERED / 2) {
      this.closedOld = this.closed;
      this.closed = new Map();
    }
    this.closed.set(sub.id, sub);
    this.reaper.unregister(sub);
    return true;
  }

  /** A live subscription (by handle, subscription or id); UNKNOWN_SUBSCRIPTION otherwise. */
  get(sub: Subscription | string): SubscriptionImpl {
    const id = idOf(sub);
    const found = typeof id === 'string' ? this.live.get(id) : undefined;
    if (!found) throw unknownSubscription(id ?? sub);
    return found;
  }

  /** A live one without throwing; a handle or subscription of another bus is not ours. */
  own(sub: Subscription | string): SubscriptionImpl | undefined {
    const id = idOf(sub);
    if (typeof id !== 'string') throw unknownSubscription(sub);
    const found = this.live.get(id);
    const core = sub instanceof SubscriptionHandle ? sub.core : sub;
    return core instanceof SubscriptionImpl && core !== found ? undefined : found;
  }

  /** A live or recently closed subscription; UNKNOWN_SUBSCRIPTION otherwise. */
  find(sub: Subscription | string): SubscriptionImpl {
    const id = idOf(sub);
    const found = typeof id === 'string' ? (this.live.get(id) ?? this.closed.get(id) ?? this.closedOld.get(id)) : undefined;
    if (!found) throw unknownSubscription(id ?? sub);
    return found;
  }

  private reap(sub: SubscriptionImpl): void {
    if (sub.closed) return;
    this.collected++;
    sub.unsubscribe();
    this.onCollected(sub);
  }
}

function idOf(sub: Subscription | string): unknown {
  return typeof sub === 'string' ? sub : (sub as { id?: unknown } | null)?.id;
}
