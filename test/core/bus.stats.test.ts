/**
 * Introspection (docs/event-api.md "Subscribing"): list_subscriptions, subscription_stats and its
 * invariant, bus.stats.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBus, type Backpressure, type UniversalEvent } from '../../src/index.js';
import { expectCode } from './helpers.js';

describe('list_subscriptions', () => {
  it('has the docs/event-api.md "Subscribing" shape', () => {
    const bus = createBus();
    const a = bus.subscribe('a.*');
    const b = bus.subscribe(['x', 'y.**'], { backpressure: 'reject', max_queue_size: 7 });
    bus.publish('a.1');
    bus.publish('x');
    bus.publish('x');
    const list = bus.listSubscriptions();
    expect(list).toEqual([
      { id: a.id, patterns: ['a.*'], pattern: 'a.*', queue_size: 1, max_queue_size: 10_000, backpressure: 'drop_oldest' },
      { id: b.id, patterns: ['x', 'y.**'], pattern: 'x', queue_size: 2, max_queue_size: 7, backpressure: 'reject' },
    ]);
    // a copy: changing it changes nothing
    list[0]!.patterns.push('zzz');
    expect(bus.listSubscriptions()[0]!.patterns).toEqual(['a.*']);
    expect(a.patterns).toEqual(['a.*']);
  });

  it('handles have an id, patterns and unsubscribe()', () => {
    const bus = createBus();
    const s = bus.subscribe(['p.*', 'q']);
    expect(s.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(s.patterns).toEqual(['p.*', 'q']);
    expect(typeof s.unsubscribe).toBe('function');
    expect(bus.getSubscription(s.id)).toBe(s);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s.info());
  });
});

describe('subscription_stats', () => {
  it('counts every event by its fate', async () => {
    const bus = createBus();
    const s = bus.subscribe('a', { max_queue_size: 3, filter: { 'data.keep': true } });
    for (let i = 0; i < 6; i++) bus.publish('a', { keep: true, i });
    bus.publish('a', { keep: false });
    await s.receive(0);
    const st = bus.subscriptionStats(s);
    expect(st).toEqual({
      total_received: 7,
      delivered: 1,
      dropped: 3,
      rejected: 0,
      blocked: 0,
      filtered: 1,
      queue_size: 2,
      high_water: 3,
      failed: 0,
      full: 3,
      acked: 0,
      unacked: 0,
      reassigned: 0,
    });
    expect(bus.subscriptionStats(s.id)).toEqual(st);
    expect(s.stats()).toEqual(st);
  });

  it('an unsubscribed subscription is unknown to the bus', () => {
    const bus = createBus();
    const s = bus.subscribe('a');
    s.unsubscribe();
    expectCode(() => bus.subscriptionStats(s), 'UNKNOWN_SUBSCRIPTION');
    expectCode(() => bus.subscriptionStats(s.id), 'UNKNOWN_SUBSCRIPTION');
  });

  type Op =
    | { k: 'publish'; type: 'a' | 'b'; keep: boolean }
    | { k: 'receive' }
    | { k: 'drain'; max: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ k: fc.constant('publish' as const), type: fc.constantFrom('a' as const, 'b' as const), keep: fc.boolean() }) },
    { weight: 2, arbitrary: fc.constant({ k: 'receive' as const }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('drain' as const), max: fc.integer({ min: 1, max: 5 }) }) },
  );

  it('total_received = delivered + filtered + dropped + queue_size, always', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Backpressure>('drop_oldest', 'drop_newest'),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom('none', 'table', 'function'),
        fc.array(op, { maxLength: 80 }),
        async (backpressure, max_queue_size, filterKind, ops) => {
          const bus = createBus();
          const filter =
            filterKind === 'table'
              ? { 'data.keep': true }
              : filterKind === 'function'
                ? (e: UniversalEvent) => (e.data as { keep: boolean }).keep
                : undefined;
          const s = bus.subscribe('a', { backpressure, max_queue_size, ...(filter ? { filter } : {}) });
          let matching = 0;
          let highWater = 0;
          for (const o of ops) {
            if (o.k === 'publish') {
              bus.publish(o.type, { keep: o.keep });
              if (o.type === 'a') matching++;
            } else if (o.k === 'receive') await s.receive(0);
            else s.drain(o.max);
            const st = s.stats();
            expect(st.total_received).toBe(matching);
            expect(st.total_received).toBe(st.delivered + st.filtered + st.dropped + st.queue_size);
            expect(st.queue_size).toBeLessThanOrEqual(max_queue_size);
            expect(st.high_water).toBeGreaterThanOrEqual(highWater);
            highWater = st.high_water;
            expect(st.high_water).toBeLessThanOrEqual(max_queue_size);
          }
          const bs = bus.stats();
          const st = s.stats();
          expect([bs.delivered, bs.dropped, bs.filtered, bs.queued]).toEqual([st.delivered, st.dropped, st.filtered, st.queue_size]);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('bus.stats', () => {
  it('adds up across subscriptions', async () => {
    const bus = createBus();
    expect(bus.stats()).toEqual({
      published: 0,
      delivered: 0,
      dropped: 0,
      rejected: 0,
      blocked: 0,
      block_timeouts: 0,
      filtered: 0,
      persisted: 0,
      subscriptions: 0,
      queued: 0,
      sequence: 0,
      route_cache_size: 0,
      duplicates: 0,
      retained: 0,
      intercepted: { blocked: 0, rate_limited: 0, modified: 0, transformed: 0 },
      groups: { pending: 0, acked: 0, redelivered: 0, dead_lettered: 0 },
      subscriptions_collected: 0,
    });
    const a = bus.subscribe('a', { max_queue_size: 2 });
    const b = bus.subscribe('*', { filter: { 'data.n': { op: '>', value: 1 } } });
    const r = bus.subscribe('r', { max_queue_size: 1, backpressure: 'reject' });
    for (let n = 0; n < 4; n++) bus.publish('a', { n });
    bus.publish('r', { n: 0 });
    expectCode(() => bus.publish('r', { n: 0 }), 'QUEUE_FULL');
    await a.receive(0);
    expect(bus.stats()).toMatchObject({
      published: 5,
      delivered: 1,
      dropped: 2, // a: 4 into 2 slots
      rejected: 1,
      filtered: 3, // b: n = 0, 1 and the r event
      subscriptions: 3,
      queued: 1 + 2 + 1,
      sequence: 5,
    });
    // subscribed types keep their answers with their subscriptions; another type
    // enters the route cache on its second lookup
    expect(bus.stats().route_cache_size).toBe(0);
    bus.publish('x.y');
    bus.publish('x.y');
    expect(bus.stats().route_cache_size).toBe(1);
    r.unsubscribe();
    b.unsubscribe();
    expect(bus.stats()).toMatchObject({ subscriptions: 1, queued: 1 });
  });
});
