/**
 * The receiving side of docs/event-api.md "Subscribing": receive (timeout, poll, default), receive_batch,
 * async iteration, filters, unsubscribe and close waking waiters.
 */
import { describe, expect, it } from 'vitest';
import { createBus, DEFAULT_RECEIVE_TIMEOUT_MS, type UniversalEvent } from '../../src/index.js';
import { expectCode, expectRejectCode, isSettled } from './helpers.js';

describe('receive', () => {
  it('0 polls: the next event, or null at once', async () => {
    const bus = createBus();
    const s = bus.subscribe('a');
    expect(await s.receive(0)).toBeNull();
    bus.publish('a', 1);
    bus.publish('a', 2);
    expect((await s.receive(0))!.data).toBe(1);
    expect(s.poll()!.data).toBe(2);
    expect(s.poll()).toBeNull();
  });

  it('returns null when nothing came within the timeout', async () => {
    const bus = createBus();
    const s = bus.subscribe('a');
    const started = performance.now();
    expect(await s.receive(25)).toBeNull();
    expect(performance.now() - started).toBeGreaterThanOrEqual(20);
    // a timed-out receiver does not swallow a later event
    bus.publish('a', 1);
    expect((await s.receive(0))!.data).toBe(1);
  });

  it('waits (5000 ms by default) and resolves with an event published meanwhile', async () => {
    expect(DEFAULT_RECEIVE_TIMEOUT_MS).toBe(5000);
    const bus = createBus();
    const s = bus.subscribe('a.*');
    const waiting = s.receive();
    expect(await isSettled(waiting)).toBe(false);
    const id = bus.publish('a.b', { x: 1 });
    const e = await waiting;
    expect(e).toMatchObject({ id, event_type: 'a.b', data: { x: 1 } });
    expect(s.stats()).toMatchObject({ delivered: 1, queue_size: 0 });
  });

  it('several waiting receivers get distinct events in publish order', async () => {
    const bus = createBus();
    const s = bus.subscribe('a');
    const r = [s.receive(1000), s.receive(1000), s.receive(1000)];
    for (let i = 0; i < 3; i++) bus.publish('a', i);
    expect((await Promise.all(r)).map((e) => e!.data)).toEqual([0, 1, 2]);
  });

  it('unsubscribing wakes a waiting receive with null', async () => {
    const bus = createBus();
    const s = bus.subscribe('a');
    const waiting = s.receive(Infinity);
    const waiting2 = s.receive(60_000);
    expect(await isSettled(waiting)).toBe(false);
    expect(s.unsubscribe()).toBe(true);
    expect(await waiting).toBeNull();
    expect(await waiting2).toBeNull();
    expect(await s.receive(1000)).toBeNull(); // closed: at once
    expect(s.closed).toBe(true);
  });

  it('rejects bad timeouts with INVALID_OPTION', async () => {
    const bus = createBus();
    const s = bus.subscribe('a');
    bus.publish('a', 1);
    for (const t of [-1, NaN, -Infinity, '5', null, {}] as unknown as number[]) {
      await expectRejectCode(() => s.receive(t), 'INVALID_OPTION');
    }
    expect(s.stats().queue_size).toBe(1); // nothing lost
  });
});

describe('receive_batch', () => {
  it('returns the queued events up to max_events, in order, leaving the rest', async () => {
    const bus = createBus();
    const s = bus.subscribe('a');
    for (let i = 0; i < 5; i++) bus.publish('a', i);
    expect((await s.receiveBatch({ max_events: 3 })).map((e) => e.data)).toEqual([0, 1, 2]);
    expect((await s.receiveBatch()).map((e) => e.data)).toEqual([3, 4]);
  });

  it('waits for the first event, then takes whatever else is queued', async () => {
    const bus = createBus();
    const s = bus.subscribe('a');
    const batch = s.receiveBatch({ timeout_ms: 5000, max_events: 10 });
    expect(await isSettled(batch)).toBe(false);
    bus.publish('a', 1);
    bus.publish('a', 2);
    bus.publish('a', 3);
    expect((await batch).map((e) => e.data)).toEqual([1, 2, 3]);
  });

  it('an empty list on timeout', async () => {
    const bus = createBus();
    const s = bus.subscribe('a');
    expect(await s.receiveBatch({ timeout_ms: 10 })).toEqual([]);
    expect(await s.receiveBatch({ timeout_ms: 0 })).toEqual([]);
  });

  it('an empty list when unsubscribed while waiting', async () => {
    const bus = createBus();
    const s = bus.subscribe('a');
    const batch = s.receiveBatch({ timeout_ms: 60_000 });
    s.unsubscribe();
    expect(await batch).toEqual([]);
  });
});

describe('async iteration', () => {
  it('yields events in order; break ends the subscription', async () => {
    const bus = createBus();
    const s = bus.subscribe('a');
    for (let i = 0; i < 5; i++) bus.publish('a', i);
    const got: unknown[] = [];
    for await (const e of s) {
      got.push(e.data);
      if (got.length === 3) break;
    }
    expect(got).toEqual([0, 1, 2]);
    expect(s.closed).toBe(true);
    expect(bus.listSubscriptions()).toEqual([]);
    expect(bus.stats().queued).toBe(0);
    bus.publish('a', 9);
    expect(s.stats().total_received).toBe(5);
  });

  it('waits for events and ends when the subscription is closed elsewhere', async () => {
    const bus = createBus();
    const s = bus.subscribe('a');
    const got: unknown[] = [];
    const loop = (async () => {
      for await (const e of s) {
        got.push(e.data);
        if (got.length === 2) bus.unsubscribe(s.id);
      }
    })();
    bus.publish('a', 1);
    await new Promise((r) => setImmediate(r));
    bus.publish('a', 2);
    await loop;
    expect(got).toEqual([1, 2]);
  });

  it('a throw inside the loop also ends the subscription', async () => {
    const bus = createBus();
    const s = bus.subscribe('a');
    bus.publish('a', 1);
    await expect(
      (async () => {
        for await (const _ of s) throw new Error('consumer bug');
      })(),
    ).rejects.toThrow('consumer bug');
    expect(s.closed).toBe(true);
  });
});

describe('filters', () => {
  const base = (bus: ReturnType<typeof createBus>) => {
    bus.publish('order', { amount: 5, tags: ['x'], name: 'small' }, { metadata: { user: 'ann' } });
    bus.publish('order', { amount: 50, tags: ['vip', 'x'], name: 'big.one' }, { metadata: { user: 'bob' }, priority: 'high' });
    bus.publish('order', { amount: 500, name: 'huge' }, { correlation_id: 'c-1' });
  };
  const cases: [string, Record<string, unknown>, unknown[]][] = [
    ['equality', { 'data.amount': 50 }, [50]],
    ['=', { 'data.amount': { op: '=', value: 5 } }, [5]],
    ['!=', { 'data.amount': { op: '!=', value: 5 } }, [50, 500]],
    ['>', { 'data.amount': { op: '>', value: 10 } }, [50, 500]],
    ['>=', { 'data.amount': { op: '>=', value: 50 } }, [50, 500]],
    ['<', { 'data.amount': { op: '<', value: 50 } }, [5]],
    ['<=', { 'data.amount': { op: '<=', value: 50 } }, [5, 50]],
    ['in', { 'data.amount': { op: 'in', value: [5, 500] } }, [5, 500]],
    ['contains (array)', { 'data.tags': { op: 'contains', value: 'vip' } }, [50]],
    ['contains (string)', { 'data.name': { op: 'contains', value: 'ug' } }, [500]],
    ['exists', { 'data.tags': { op: 'exists', value: true } }, [5, 50]],
    ['exists false', { 'data.tags': { op: 'exists', value: false } }, [500]],
    ['matches', { 'data.name': { op: 'matches', value: 'big.*' } }, [50]],
    ['metadata', { 'metadata.user': 'ann' }, [5]],
    ['priority', { priority: 'high' }, [50]],
    ['source', { 'source.correlation_id': 'c-1' }, [500]],
    ['array index', { 'data.tags[0]': 'x' }, [5]],
    ['several conditions (and)', { 'data.amount': { op: '>', value: 1 }, 'data.tags[1]': 'x' }, [50]],
  ];
  it.each(cases)('a predicate table (%s) is checked before enqueueing; refused events count in filtered', (_n, filter, want) => {
    const bus = createBus();
    // publish order: the cases list what passes in the order it was published
    const s = bus.subscribe('order', { filter: filter as never, ordering: 'publish' });
    base(bus);
    const st = s.stats();
    expect(st).toMatchObject({ total_received: 3, filtered: 3 - want.length, queue_size: want.length });
    expect(s.drain().map((e) => (e.data as { amount: number }).amount)).toEqual(want);
    expect(bus.stats().filtered).toBe(3 - want.length);
  });

  it('a function filter is called at receive time, not at publish', async () => {
    const bus = createBus();
    const calls: number[] = [];
    const s = bus.subscribe('n', {
      filter: (e: UniversalEvent) => {
        calls.push(e.data as number);
        return (e.data as number) % 2 === 0;
      },
    });
    for (let i = 1; i <= 4; i++) bus.publish('n', i);
    expect(calls).toEqual([]);
    expect(s.stats()).toMatchObject({ queue_size: 4, filtered: 0 });
    expect((await s.receive(0))!.data).toBe(2);
    expect(calls).toEqual([1, 2]);
    expect(s.stats()).toMatchObject({ filtered: 1, delivered: 1, queue_size: 2 });
    expect(s.drain().map((e) => e.data)).toEqual([4]);
    expect(s.stats()).toMatchObject({ total_received: 4, filtered: 2, delivered: 2, queue_size: 0 });
  });

  it('a function filter applies to waiting receivers too', async () => {
    const bus = createBus();
    const s = bus.subscribe('n', { filter: (e: UniversalEvent) => e.data === 'yes' });
    const waiting = s.receive(5000);
    bus.publish('n', 'no');
    bus.publish('n', 'yes');
    expect((await waiting)!.data).toBe('yes');
    expect(s.stats().filtered).toBe(1);
  });
});

describe('unsubscribe', () => {
  it('is idempotent, by handle, by bus, and by id string', () => {
    const bus = createBus();
    const a = bus.subscribe('a');
    const b = bus.subscribe('b');
    expect(a.unsubscribe()).toBe(true);
    expect(a.unsubscribe()).toBe(false);
    expect(bus.unsubscribe(a)).toBe(false);
    expect(bus.unsubscribe(b.id)).toBe(true);
    expect(bus.unsubscribe(b.id)).toBe(false);
    expect(b.unsubscribe()).toBe(false);
    expect(bus.listSubscriptions()).toEqual([]);
  });

  it("one bus cannot end another bus's subscription", () => {
    const a = createBus();
    const b = createBus();
    const sb = b.subscribe('x');
    expect(a.unsubscribe(sb.id)).toBe(false);
    expect(a.unsubscribe(sb)).toBe(false);
    expect(sb.closed).toBe(false);
    b.publish('x', 1);
    expect(sb.drain()).toHaveLength(1);
  });

  it('frees the queue and stops delivery', () => {
    const bus = createBus();
    const s = bus.subscribe('a');
    bus.publish('a', 1);
    expect(bus.stats().queued).toBe(1);
    s.unsubscribe();
    expect(bus.stats().queued).toBe(0);
    expect(s.drain()).toEqual([]);
    expect(s.poll()).toBeNull();
    bus.publish('a', 2);
    expect(s.stats().total_received).toBe(1);
  });

  it('unsubscribe_pattern removes every subscription holding that pattern and counts them', () => {
    const bus = createBus();
    bus.subscribe('a.*');
    bus.subscribe(['x', 'a.*']);
    const keep = bus.subscribe('a.b'); // matched by a.* but not holding it
    const keep2 = bus.subscribe('a.**');
    expect(bus.unsubscribePattern('a.*')).toBe(2);
    expect(bus.unsubscribePattern('a.*')).toBe(0);
    expect(bus.unsubscribePattern('never.used')).toBe(0);
    expect(bus.listSubscriptions().map((s) => s.id).sort()).toEqual([keep.id, keep2.id].sort());
    expectCode(() => bus.unsubscribePattern('a..b'), 'INVALID_PATTERN');
  });
});

describe('close', () => {
  it('wakes everything and fails later calls with BUS_UNAVAILABLE', async () => {
    const bus = createBus();
    const s = bus.subscribe('a');
    const blocker = bus.subscribe('b', { max_queue_size: 1, backpressure: 'block' });
    bus.publish('b', 1);
    const pending = bus.publish('b', 2) as Promise<string>;
    const waiting = s.receive(Infinity);
    const batch = s.receiveBatch({ timeout_ms: 60_000 });
    await bus.close();
    expect(bus.closed).toBe(true);
    expect(await waiting).toBeNull();
    expect(await batch).toEqual([]);
    await expectRejectCode(pending, 'BUS_UNAVAILABLE');
    expect(s.closed && blocker.closed).toBe(true);
    expectCode(() => bus.publish('a', 1), 'BUS_UNAVAILABLE');
    expectCode(() => bus.publish({ event_type: 'a' }), 'BUS_UNAVAILABLE');
    await expectRejectCode(bus.publishAsync('a'), 'BUS_UNAVAILABLE');
    expectCode(() => bus.subscribe('a'), 'BUS_UNAVAILABLE');
    expect(await s.receive(0)).toBeNull();
    expect(bus.stats().subscriptions).toBe(0);
    await bus.close(); // idempotent
  });
});
