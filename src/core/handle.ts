/**
 * The handle `bus.subscribe()` gives a host application. The bus keeps the
 * subscription itself (queue, counters) and only a weak reference to this
 * handle, so a handle the application dropped without unsubscribing can be
 * garbage-collected; the bus then removes the subscription (docs/coordination.md
 * "Delivery statistics and dead subscribers"). Every method forwards to the subscription.
 */
import type { UniversalEvent } from './event.js';
import type { PortSubscription } from './port.js';
import type { SubscriptionImpl } from './subscription.js';
import type { AckTarget, NakOptions, ReceiveBatchOptions, SubscriptionInfo, SubscriptionStats } from './types.js';

export class SubscriptionHandle implements PortSubscription {
  constructor(readonly core: SubscriptionImpl) {}

  get id(): string {
    return this.core.id;
  }

  get patterns(): readonly string[] {
    return this.core.patterns;
  }

  get closed(): boolean {
    return this.core.closed;
  }

  receive(timeoutMs?: number): Promise<UniversalEvent | null> {
    return this.core.receive(timeoutMs);
  }

  receiveBatch(options?: ReceiveBatchOptions): Promise<UniversalEvent[]> {
    return this.core.receiveBatch(options);
  }

  receiveNow(timeoutMs?: number): UniversalEvent | null | Promise<UniversalEvent | null> {
    return this.core.receiveNow(timeoutMs);
  }

  receiveBatchNow(options?: ReceiveBatchOptions): UniversalEvent[] | Promise<UniversalEvent[]> {
    return this.core.receiveBatchNow(options);
  }

  noteFiltered(n: number): void {
    this.core.noteFiltered(n);
  }

  onReady(ready: () => void): () => void {
    return this.core.onReady(ready);
  }

  onClose(closed: () => void): () => void {
    return this.core.onClose(closed);
  }

  detachReceivers(): void {
    this.core.detachReceivers();
  }

  giveBack(events: readonly UniversalEvent[]): void {
    this.core.giveBack(events);
  }

  poll(): UniversalEvent | null {
    return this.core.poll();
  }

  drain(max?: number): UniversalEvent[] {
    return this.core.drain(max);
  }

  ack(event: AckTarget): boolean {
    return this.core.ack(event);
  }

  nak(event: AckTarget, options?: NakOptions): boolean {
    return this.core.nak(event, options);
  }

  stats(): SubscriptionStats {
    return this.core.stats();
  }

  resetStats(): void {
    this.core.resetStats();
  }

  info(): SubscriptionInfo {
    return this.core.info();
  }

  unsubscribe(): boolean {
    return this.core.unsubscribe();
  }

  [Symbol.asyncIterator](): AsyncIterator<UniversalEvent> {
    // the iterator holds this handle, so an iterated subscription stays alive
    const it = this.core[Symbol.asyncIterator]();
    const self = this;
    return {
      next: () => it.next(),
      return: (v?: unknown) => {
        void self;
        return it.return ? it.return(v) : Promise.resolve({ done: true, value: undefined });
      },
      throw: (e?: unknown) => (it.throw ? it.throw(e) : Promise.reject(e)),
    };
  }

  toString(): string {
    return this.core.id;
  }

  toJSON(): SubscriptionInfo {
    return this.core.info();
  }
}
