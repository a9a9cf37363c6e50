/**
 * The fan-out table (src/core/fanout.ts): a publish counts the drop of a
 * full drop_newest queue from the slot's mark without offering the event.
 * Whatever the path, what subscriptions receive and count must be what
 * offering every event gives. The property's model is a bus whose
 * subscriptions admit every event through a filter function (a filtered
 * subscription is always offered the event).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBus, createMemoryStore, type BusStatus, type Priority, type Subscription, type SubscribeOptions } from '../../src/index.js';
import { portOf } from '../../src/core/port.js';
import type { BusObserver } from '../../src/core/observer.js';

const quietObserver = (): BusObserver => ({
  timePublish: () => false,
  publishTimed: () => {},
  published: () => {},
  delivered: () => {},
  dropped: () => {},
  filtered: () => {},
  rejected: () => {},
});

describe('fan-out through the drop marks', () => {
  it('counts drops of a full drop_newest queue as received and dropped, and queues again once there is room', () => {
    const bus = createBus();
    const s = bus.subscribe('a', { backpressure: 'drop_newest', max_queue_size: 2 });
    for (let i = 0; i < 10; i++) bus.publish('a', i);
    expect(s.stats()).toMatchObject({ total_received: 10, dropped: 8, queue_size: 2, full: 8 });
    expect(bus.stats().dropped).toBe(8);
    expect(s.drain(1).map((e) => e.data)).toEqual([0]);
    bus.publish('a', 10);
    bus.publish('a', 11);
    expect(s.drain().map((e) => e.data)).toEqual([1, 10]);
    expect(s.stats()).toMatchObject({ total_received: 12, dropped: 9, delivered: 3, queue_size: 0 });
  });

  it('lets an event of higher priority take the place of a queued one', () => {
    const bus = createBus();
    const s = bus.subscribe('a', { backpressure: 'drop_newest', max_queue_size: 2 });
    bus.publish('a', 1);
    bus.publish('a', 2);
    bus.publish('a', 3); // dropped
    bus.publish('a', 4, { priority: 'high' }); // evicts 2, the newest normal one
    bus.publish('a', 5, { priority: 'low' }); // dropped
    expect(s.drain().map((e) => e.data)).toEqual([4, 1]);
    expect(s.stats()).toMatchObject({ total_received: 5, dropped: 3, delivered: 2 });
  });

  it('drops any priority in a queue kept in publish order', () => {
    const bus = createBus();
    const s = bus.subscribe('a', { backpressure: 'drop_newest', max_queue_size: 1, ordering: 'publish' });
    bus.publish('a', 1, { priority: 'low' });
    bus.publish('a', 2, { priority: 'critical' });
    expect(s.drain().map((e) => e.data)).toEqual([1]);
    expect(s.stats()).toMatchObject({ total_received: 2, dropped: 1 });
  });

  it('keeps the counts of a subscription that ended, and gives none to the one that takes its slot', () => {
    const bus = createBus();
    const a = bus.subscribe('t', { backpressure: 'drop_newest', max_queue_size: 1 });
    for (let i = 0; i < 5; i++) bus.publish('t', i);
    a.unsubscribe();
    expect(portOf(bus).bus.stats().dropped).toBe(4);
    const b = bus.subscribe('t', { backpressure: 'drop_newest', max_queue_size: 1 });
    bus.publish('t', 5);
    bus.publish('t', 6);
    expect(b.stats()).toMatchObject({ total_received: 2, dropped: 1, queue_size: 1 });
    expect(bus.stats().dropped).toBe(5);
  });

  it('zeroes the drops counted in the table with resetSubscriptionStats', () => {
    const bus = createBus();
    const s = bus.subscribe('a', { backpressure: 'drop_newest', max_queue_size: 1 });
    for (let i = 0; i < 4; i++) bus.publish('a', i);
    bus.resetSubscriptionStats(s);
    bus.publish('a', 4);
    expect(s.stats()).toMatchObject({ total_received: 2, dropped: 1, queue_size: 1 });
  });

  it('tells an observer of every drop', () => {
    const bus = createBus();
    let drops = 0;
    portOf(bus).setObserver({ ...quietObserver(), dropped: () => void drops++ });
    bus.subscribe('a', { backpressure: 'drop_newest', max_queue_size: 1 });
    for (let i = 0; i < 5; i++) bus.publish('a', i);
    expect(drops).toBe(4);
  });

  it('does not deliver an event to a subscription made while it is being delivered', () => {
    const bus = createBus();
    const late: Subscription[] = [];
    const first = bus.subscribe('x', { max_queue_size: 1 });
    bus.subscribe('x', { backpressure: 'drop_newest', max_queue_size: 1 });
    bus.onStatus((s: BusStatus) => {
      // the first queue fills during the fan-out: end it and subscribe anew, which may reuse its slot
      if (s.type === 'queue_full' && late.length === 0) {
        first.unsubscribe();
        late.push(bus.subscribe('x', { backpressure: 'drop_newest', max_queue_size: 1 }));
      }
    });
    bus.publish('x', 1);
    expect(late).toHaveLength(1);
    expect(late[0]!.stats().total_received).toBe(0);
    bus.publish('x', 2);
    expect(late[0]!.drain().map((e) => e.data)).toEqual([2]);
  });

  it('leaves a catch-up subscription to offer() until its history is read', async () => {
    // the same steps on a bus whose observer makes every target be offered every event
    const run = async (observe: boolean) => {
      const bus = createBus({ store: createMemoryStore(), persist: ['h'] });
      if (observe) portOf(bus).setObserver(quietObserver());
      bus.publish('h', 0);
      const s = bus.subscribe('h', { backpressure: 'drop_newest', max_queue_size: 1, from_sequence: 1 });
      bus.publish('h', 1);
      bus.publish('h', 2);
      const got = [];
      for (let b = await s.receiveBatch({ max_events: 10, timeout_ms: 0 }); b.length > 0; b = await s.receiveBatch({ max_events: 10, timeout_ms: 0 })) got.push(...b);
      bus.publish('h', 3);
      bus.publish('h', 4);
      got.push(...s.drain());
      const stats = s.stats();
      await bus.close();
      return { got: got.map((e) => e.data), stats };
    };
    const fast = await run(false);
    expect(fast).toEqual(await run(true));
    expect(fast.got).toContain(3);
    expect(fast.got).not.toContain(4);
    expect(fast.stats.dropped).toBeGreaterThanOrEqual(1);
  });
});

type Op =
  | { k: 'sub'; pattern: string; opts: SubscribeOptions }
  | { k: 'pub'; type: string; priority: Priority }
  | { k: 'drain'; at: number; max: number }
  | { k: 'end'; at: number }
  | { k: 'reset'; at: number };

const PATTERNS = ['a', 'b', 'a.*', '*', '**', 'b.c'];
const TYPES = ['a', 'b', 'a.x', 'b.c', 'q'];
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      k: fc.constant('sub' as const),
      pattern: fc.constantFrom(...PATTERNS),
      opts: fc.record({
        backpressure: fc.constantFrom('drop_newest' as const, 'drop_oldest' as const),
        max_queue_size: fc.integer({ min: 1, max: 3 }),
        ordering: fc.constantFrom('priority' as const, 'publish' as const),
      }),
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ k: fc.constant('pub' as const), type: fc.constantFrom(...TYPES), priority: fc.constantFrom<Priority>('low', 'normal', 'normal', 'high') }), weight: 6 },
  { arbitrary: fc.record({ k: fc.constant('drain' as const), at: fc.nat(), max: fc.integer({ min: 1, max: 3 }) }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant('end' as const), at: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('reset' as const), at: fc.nat() }), weight: 1 },
);

describe('fan-out through the drop marks (property)', () => {
  it('receives and counts exactly what offering every event gives', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 20, maxLength: 80 }), (ops) => {
        const fast = createBus();
        const model = createBus();
        const subs: [Subscription, Subscription][] = [];
        const pick = (at: number) => subs[at % subs.length]!;
        let n = 0;
        for (const o of ops) {
          if (o.k === 'sub') subs.push([fast.subscribe(o.pattern, o.opts), portOf(model).subscribeAdmitting(() => true, o.pattern, null, o.opts)]);
          else if (o.k === 'pub') {
            fast.publish(o.type, n, { priority: o.priority });
            model.publish(o.type, n++, { priority: o.priority });
          } else if (subs.length === 0) continue;
          else if (o.k === 'drain') {
            const [a, b] = pick(o.at);
            expect(a.drain(o.max).map((e) => e.data)).toEqual(b.drain(o.max).map((e) => e.data));
          } else if (o.k === 'end') {
            const [a, b] = pick(o.at);
            a.unsubscribe();
            b.unsubscribe();
          } else {
            const [a, b] = pick(o.at);
            if (!a.closed) fast.resetSubscriptionStats(a);
            if (!b.closed) model.resetSubscriptionStats(b);
          }
          for (const [a, b] of subs) expect(a.stats()).toEqual(b.stats());
          const fs = fast.stats();
          const ms = model.stats();
          expect([fs.dropped, fs.delivered, fs.queued]).toEqual([ms.dropped, ms.delivered, ms.queued]);
        }
        // what is still queued, in the order it would be received
        for (const [a, b] of subs) expect(a.drain().map((e) => e.data)).toEqual(b.drain().map((e) => e.data));
      }),
      { numRuns: 300 },
    );
  });
});
