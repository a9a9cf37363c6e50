/**
 * Dead subscribers (docs/coordination.md "Delivery statistics and dead subscribers"): a
 * pull subscription whose handle the application dropped without
 * unsubscribing is removed once the handle is garbage-collected, counted and
 * told; the bus itself never keeps a handle alive.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createBus, type Bus, type BusStatus } from '../../src/index.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Collects until `done()` holds (finalizers run after a collection, in a later task). */
async function collectUntil(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
}

function dropOne(bus: Bus, pattern: string): string {
  // the handle lives only in this frame
  const s = bus.subscribe(pattern, { max_queue_size: 5 });
  bus.publish(pattern, 1);
  return s.id;
}

describe('subscriptions whose handle was dropped', () => {
  it('are removed, counted, and told as subscription_collected', async () => {
    const bus = createBus();
    const told: BusStatus[] = [];
    bus.onStatus((s) => told.push(s));
    const kept = bus.subscribe('keep.*');
    const id = dropOne(bus, 'gone.x');
    expect(bus.listSubscriptions().map((s) => s.id)).toContain(id);
    await collectUntil(() => bus.stats().subscriptions_collected === 1);
    expect(bus.stats()).toMatchObject({ subscriptions_collected: 1, subscriptions: 1 });
    expect(bus.listSubscriptions().map((s) => s.id)).toEqual([kept.id]);
    expect(told).toContainEqual({ type: 'subscription_collected', subscription_id: id, patterns: ['gone.x'] });
    // the held one still works
    bus.publish('keep.x', 2);
    expect(kept.drain().map((e) => e.data)).toEqual([2]);
  });

  it('a handle still referenced, waiting in receive, or iterated stays alive; unsubscribed ones are not counted', async () => {
    const bus = createBus();
    const held = bus.subscribe('a');
    const waiting = bus.subscribe('b').receive(60_000);
    const it = bus.subscribe('c')[Symbol.asyncIterator]();
    const iterating = it.next();
    bus.subscribe('d').unsubscribe();
    // a dropped one, so we know collection has happened when it is gone
    dropOne(bus, 'e');
    await collectUntil(() => bus.stats().subscriptions_collected === 1);
    expect(bus.listSubscriptions().map((s) => s.patterns[0]).sort()).toEqual(['a', 'b', 'c']);
    bus.publish('b', 'for the waiter');
    bus.publish('c', 'for the iterator');
    expect((await waiting)!.data).toBe('for the waiter');
    expect((await iterating).value.data).toBe('for the iterator');
    expect(held.closed).toBe(false);
    await it.return!();
    await bus.close();
  });

  it('handler subscriptions live until unsubscribed', async () => {
    const bus = createBus();
    let calls = 0;
    (() => bus.subscribe('h', () => void calls++))();
    dropOne(bus, 'marker');
    await collectUntil(() => bus.stats().subscriptions_collected === 1);
    bus.publish('h');
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(1);
  });
});
