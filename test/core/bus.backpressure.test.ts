/**
 * docs/event-api.md "Subscribing" backpressure, per subscription, when its queue is full:
 * drop_oldest, drop_newest, block (all-or-nothing, BLOCK_TIMEOUT), reject
 * (QUEUE_FULL, nothing delivered). Plus the queue_full / queue_drained signals.
 */
import { describe, expect, it } from 'vitest';
import { createBus, type BusStatus, type Subscription, type SubscriptionStats } from '../../src/index.js';
import { expectCode, expectRejectCode, isSettled } from './helpers.js';

const datas = (s: Subscription) => s.drain().map((e) => e.data);

function invariant(st: SubscriptionStats): void {
  expect(st.total_received).toBe(st.delivered + st.filtered + st.dropped + st.queue_size);
}

describe('drop_oldest', () => {
  it('is the default', () => {
    const bus = createBus();
    const s = bus.subscribe('a');
    expect(s.info().backpressure).toBe('drop_oldest');
    expect(s.info().max_queue_size).toBe(10_000);
  });

  it('evicts the oldest queued event and counts it dropped', () => {
    const bus = createBus();
    const s = bus.subscribe('a', { max_queue_size: 3 });
    for (let i = 1; i <= 5; i++) expect(typeof bus.publish('a', i)).toBe('string');
    const st = s.stats();
    expect(st).toMatchObject({ total_received: 5, dropped: 2, queue_size: 3, high_water: 3, delivered: 0 });
    invariant(st);
    expect(datas(s)).toEqual([3, 4, 5]);
    expect(bus.stats().dropped).toBe(2);
    invariant(s.stats());
  });
});

describe('drop_newest', () => {
  it('does not queue the new event and counts it dropped', () => {
    const bus = createBus();
    const s = bus.subscribe('a', { max_queue_size: 3, backpressure: 'drop_newest' });
    for (let i = 1; i <= 5; i++) expect(typeof bus.publish('a', i)).toBe('string');
    expect(s.stats()).toMatchObject({ total_received: 5, dropped: 2, queue_size: 3 });
    invariant(s.stats());
    expect(datas(s)).toEqual([1, 2, 3]);
    // room again: new events are queued
    bus.publish('a', 6);
    expect(datas(s)).toEqual([6]);
  });

  it('drops only for the full subscription; others still get the event', () => {
    const bus = createBus();
    const full = bus.subscribe('a', { max_queue_size: 1, backpressure: 'drop_newest' });
    const roomy = bus.subscribe('a');
    bus.publish('a', 1);
    bus.publish('a', 2);
    expect(datas(full)).toEqual([1]);
    expect(datas(roomy)).toEqual([1, 2]);
  });
});

describe('block', () => {
  it('publish stays synchronous while the queue has room', () => {
    const bus = createBus();
    bus.subscribe('a', { max_queue_size: 2, backpressure: 'block' });
    expect(typeof bus.publish('a', 1)).toBe('string');
    expect(typeof bus.publish('a', 2)).toBe('string');
    const third = bus.publish('a', 3);
    expect(third).toBeInstanceOf(Promise);
    void (third as Promise<string>).catch(() => {});
    return bus.close();
  });

  it('a full queue makes publish wait, deliver nowhere, then deliver everywhere once room appears', async () => {
    const bus = createBus();
    const blocker = bus.subscribe('a', { max_queue_size: 1, backpressure: 'block' });
    const other = bus.subscribe('a');
    bus.publish('a', 1);
    const before = bus.stats().sequence;
    const pending = bus.publish('a', 2) as Promise<string>;
    expect(pending).toBeInstanceOf(Promise);
    expect(await isSettled(pending)).toBe(false);
    // nothing delivered anywhere while waiting, and no sequence taken
    expect(other.stats().queue_size).toBe(1);
    expect(bus.stats().sequence).toBe(before);
    expect(blocker.stats().blocked).toBe(1);
    expect(bus.stats().blocked).toBe(1);

    const first = await blocker.receive(0);
    expect(first!.data).toBe(1);
    const id = await pending;
    const e2 = await blocker.receive(0);
    expect(e2).toMatchObject({ id, data: 2, sequence: before + 1 });
    expect(other.drain().map((e) => e.id)).toEqual([first!.id, id]);
  });

  it('waits for every full block queue it targets (all-or-nothing)', async () => {
    const bus = createBus();
    const b1 = bus.subscribe('a.*', { max_queue_size: 1, backpressure: 'block' });
    const b2 = bus.subscribe('*.x', { max_queue_size: 1, backpressure: 'block' });
    bus.publish('a.y', 'for b1');
    bus.publish('b.x', 'for b2');
    const pending = bus.publish('a.x', 'both') as Promise<string>;
    expect(pending).toBeInstanceOf(Promise);
    expect((await b1.receive(0))!.data).toBe('for b1');
    expect(await isSettled(pending)).toBe(false);
    expect(b1.stats().queue_size).toBe(0); // not delivered to b1 alone
    expect((await b2.receive(0))!.data).toBe('for b2');
    const id = await pending;
    expect((await b1.receive(0))!.id).toBe(id);
    expect((await b2.receive(0))!.id).toBe(id);
  });

  it('BLOCK_TIMEOUT after block_timeout_ms, delivering nothing anywhere', async () => {
    const bus = createBus();
    const blocker = bus.subscribe('a', { max_queue_size: 1, backpressure: 'block', block_timeout_ms: 20 });
    const other = bus.subscribe('a');
    bus.publish('a', 1);
    const seq = bus.stats().sequence;
    const started = performance.now();
    const err = await expectRejectCode(bus.publish('a', 2) as Promise<string>, 'BLOCK_TIMEOUT');
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
    expect(err.subscriptionId).toBe(blocker.id);
    expect(bus.stats()).toMatchObject({ sequence: seq, published: 1, block_timeouts: 1 });
    // room appearing later does not deliver the timed-out event
    expect(datas(blocker)).toEqual([1]);
    bus.publish('a', 3);
    expect(datas(blocker)).toEqual([3]);
    expect(datas(other)).toEqual([1, 3]);
    invariant(blocker.stats());
  });

  it('waits at most the shortest block_timeout_ms of the full queues it targets', async () => {
    const bus = createBus();
    bus.subscribe('a', { max_queue_size: 1, backpressure: 'block', block_timeout_ms: 60_000 });
    bus.subscribe('a', { max_queue_size: 1, backpressure: 'block', block_timeout_ms: 10 });
    bus.publish('a', 1);
    await expectRejectCode(bus.publish('a', 2) as Promise<string>, 'BLOCK_TIMEOUT');
    expect(bus.stats()).toMatchObject({ blocked: 2, block_timeouts: 1 });
  });

  it('publishers blocked on one queue are each delivered, in order, as room appears', async () => {
    const bus = createBus();
    const s = bus.subscribe('a', { max_queue_size: 1, backpressure: 'block', block_timeout_ms: 500 });
    bus.publish('a', 0);
    const p1 = bus.publish('a', 1) as Promise<string>;
    const p2 = bus.publish('a', 2) as Promise<string>;
    const p3 = bus.publish('a', 3) as Promise<string>;
    for (const p of [p1, p2, p3]) p.catch(() => {}); // awaited below; no unhandled rejection meanwhile
    const got: unknown[] = [];
    for (const p of [p1, p2, p3]) {
      got.push((await s.receive(0))!.data);
      await p;
    }
    got.push((await s.receive(0))!.data);
    expect(got).toEqual([0, 1, 2, 3]);
  });

  it('a blocked publish does not hold up publishes to other types', async () => {
    const bus = createBus();
    const s = bus.subscribe('a', { max_queue_size: 1, backpressure: 'block' });
    const b = bus.subscribe('b');
    bus.publish('a', 1);
    const pending = bus.publish('a', 2) as Promise<string>;
    expect(typeof bus.publish('b', 'free')).toBe('string');
    expect(datas(b)).toEqual(['free']);
    await s.receive(0);
    await pending;
  });

  it('unsubscribing the full queue releases the waiting publisher to the others', async () => {
    const bus = createBus();
    const s = bus.subscribe('a', { max_queue_size: 1, backpressure: 'block' });
    const other = bus.subscribe('a');
    bus.publish('a', 1);
    const pending = bus.publish('a', 2) as Promise<string>;
    s.unsubscribe();
    const id = await pending;
    expect(other.drain().map((e) => e.id)[1]).toBe(id);
  });

  it('publishAsync always returns a promise of the id', async () => {
    const bus = createBus();
    const s = bus.subscribe('a', { max_queue_size: 1, backpressure: 'block' });
    const p0 = bus.publishAsync('a', 0);
    expect(p0).toBeInstanceOf(Promise);
    expect((await s.receive(0))!.id).toBe(await p0);
    await expectRejectCode(bus.publishAsync('a..b'), 'INVALID_EVENT_TYPE');
  });
});

describe('reject', () => {
  it('QUEUE_FULL at once, delivering nothing to any subscription', () => {
    const bus = createBus();
    const strict = bus.subscribe('a', { max_queue_size: 2, backpressure: 'reject' });
    const other = bus.subscribe('a');
    const glob = bus.subscribe('**');
    bus.publish('a', 1);
    bus.publish('a', 2);
    const seq = bus.stats().sequence;
    const err = expectCode(() => bus.publish('a', 3), 'QUEUE_FULL');
    expect(err.subscriptionId).toBe(strict.id);
    expect(bus.stats()).toMatchObject({ sequence: seq, rejected: 1, published: 2 });
    expect(strict.stats()).toMatchObject({ rejected: 1, total_received: 2, queue_size: 2 });
    expect(datas(other)).toEqual([1, 2]);
    expect(datas(glob)).toEqual([1, 2]);
    invariant(strict.stats());
  });

  it('accepts again once the queue has room', async () => {
    const bus = createBus();
    const strict = bus.subscribe('a', { max_queue_size: 1, backpressure: 'reject' });
    bus.publish('a', 1);
    expectCode(() => bus.publish('a', 2), 'QUEUE_FULL');
    expect((await strict.receive(0))!.data).toBe(1);
    bus.publish('a', 3);
    expect(datas(strict)).toEqual([3]);
  });

  it('only events that target the full queue are refused', () => {
    const bus = createBus();
    bus.subscribe('a', { max_queue_size: 1, backpressure: 'reject' });
    const b = bus.subscribe('b');
    bus.publish('a', 1);
    expect(typeof bus.publish('b', 1)).toBe('string');
    expect(datas(b)).toEqual([1]);
  });

  it('wins over a full block queue: the publish fails at once', () => {
    const bus = createBus();
    bus.subscribe('a', { max_queue_size: 1, backpressure: 'block' });
    bus.subscribe('a', { max_queue_size: 1, backpressure: 'reject' });
    bus.publish('a', 1);
    expectCode(() => bus.publish('a', 2), 'QUEUE_FULL');
    return bus.close();
  });
});

describe('status signals', () => {
  it('queue_full fires once per crossing and re-arms after the queue drains', async () => {
    const bus = createBus();
    const seen: BusStatus[] = [];
    const off = bus.onStatus((s) => seen.push(s));
    const s = bus.subscribe('a', { max_queue_size: 4 });
    for (let i = 0; i < 10; i++) bus.publish('a', i);
    expect(seen).toEqual([{ type: 'queue_full', subscription_id: s.id, patterns: ['a'], max_queue_size: 4 }]);
    await s.receive(0); // 3 left: not drained yet
    bus.publish('a', 10); // full again, but the signal has not re-armed
    expect(seen).toHaveLength(1);
    s.drain(3); // 1 left: at most half, drained
    expect(seen[1]).toEqual({ type: 'queue_drained', subscription_id: s.id });
    for (let i = 0; i < 3; i++) bus.publish('a', i);
    expect(seen.map((x) => x.type)).toEqual(['queue_full', 'queue_drained', 'queue_full']);
    off();
    s.drain();
    for (let i = 0; i < 5; i++) bus.publish('a', i);
    expect(seen).toHaveLength(3);
  });

  it('a throwing listener does not break publishing', () => {
    const bus = createBus();
    bus.onStatus(() => {
      throw new Error('listener bug');
    });
    const s = bus.subscribe('a', { max_queue_size: 1 });
    bus.publish('a', 1);
    bus.publish('a', 2);
    expect(datas(s)).toEqual([2]);
  });
});
