/**
 * Publishing (docs/event-api.md "Events", §3): the UniversalEvent shape, ids, sequence and
 * timestamps, the two publish forms, options, fan-out and ordering.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createBus, type PublishOptions, type UniversalEvent } from '../../src/index.js';
import { portOf } from '../../src/core/port.js';
import { expectCode, ISO_MS_Z, UUID_V4 } from './helpers.js';

function one(bus: ReturnType<typeof createBus>, publish: () => unknown): UniversalEvent {
  const s = bus.subscribe('**');
  publish();
  const got = s.drain();
  s.unsubscribe();
  expect(got).toHaveLength(1);
  return got[0]!;
}

describe('the event', () => {
  it('has every field of docs/event-api.md "Events" and nothing else', () => {
    const bus = createBus();
    let id = '';
    const e = one(bus, () => (id = bus.publish('agent.started', { n: 1 }) as string));
    expect(Object.keys(e).sort()).toEqual(['data', 'event_type', 'id', 'metadata', 'priority', 'sequence', 'source', 'timestamp', 'version']);
    expect(e.id).toBe(id);
    expect(e.id).toMatch(UUID_V4);
    expect(e.event_type).toBe('agent.started');
    expect(e.timestamp).toMatch(ISO_MS_Z);
    expect(Math.abs(Date.parse(e.timestamp) - Date.now())).toBeLessThan(5000);
    expect(e.version).toBe('1.0');
    expect(Number.isInteger(e.sequence)).toBe(true);
    expect(e.source).toEqual({ component: 'host', instance_id: expect.stringMatching(UUID_V4), language: 'host' });
    expect(e.data).toEqual({ n: 1 });
    expect(e.metadata).toEqual({});
    expect(e.priority).toBe('normal');
    expect(JSON.parse(JSON.stringify(e))).toEqual(e);
  });

  it('data defaults to null', () => {
    const bus = createBus();
    expect(one(bus, () => bus.publish('a')).data).toBeNull();
    expect(one(bus, () => bus.publish({ event_type: 'a' })).data).toBeNull();
  });

  it('carries any JSON value as data', () => {
    const bus = createBus();
    const values = [0, -1.5, 'text', '', true, false, null, [], {}, [1, [2, [3]]], { a: { b: [null, 'x'] } }, Object.create(null)];
    for (const v of values) expect(one(bus, () => bus.publish('a', v)).data).toEqual(v);
  });

  it('gets a fresh UUID v4 each time', () => {
    const bus = createBus();
    const ids = new Set(Array.from({ length: 200 }, () => bus.publish('a') as string));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(UUID_V4);
  });

  it('keeps a valid publisher-supplied id, and refuses an invalid one with INVALID_OPTION', () => {
    const bus = createBus();
    const mine = randomUUID();
    expect(bus.publish({ event_type: 'a', id: mine })).toBe(mine);
    const again = randomUUID();
    expect(one(bus, () => bus.publish({ event_type: 'a', id: again })).id).toBe(again);
    const upper = randomUUID().toUpperCase();
    expect(one(bus, () => bus.publish({ event_type: 'a', id: upper })).id).toBe(upper.toLowerCase());
    const bad = [
      'not-a-uuid',
      '',
      42,
      null,
      'e0a8a0a0-0000-1000-8000-000000000000', // v1
      '6ba7b810-9dad-41d1-70b4-00c04fd430c8', // v4 with a bad variant
      `${randomUUID()}x`,
    ];
    for (const id of bad) expectCode(() => bus.publish({ event_type: 'a', id } as never), 'INVALID_OPTION');
    // the short form has no id option
    expectCode(() => bus.publish('a', null, { id: mine } as never), 'INVALID_OPTION');
  });

  it('accepts a supplied id it saw lately once: the repeat returns the id, delivers nothing and is counted', () => {
    const bus = createBus();
    const s = bus.subscribe('**');
    const told: unknown[] = [];
    bus.onStatus((st) => told.push(st));
    const id = randomUUID();
    expect(bus.publish({ event_type: 'a', id, data: 1 })).toBe(id);
    expect(bus.publish({ event_type: 'a', id, data: 2 })).toBe(id);
    // the same id in upper case is the same id, whatever the type
    expect(bus.publish({ event_type: 'b', id: id.toUpperCase() })).toBe(id);
    expect(s.drain().map((e) => e.data)).toEqual([1]);
    expect(bus.stats()).toMatchObject({ published: 1, duplicates: 2 });
    expect(told).toEqual([
      { type: 'duplicate', id, event_type: 'a' },
      { type: 'duplicate', id, event_type: 'b' },
    ]);
  });

  it('a publish that failed leaves its id unseen: the retry goes through', () => {
    const bus = createBus();
    const r = bus.subscribe('a', { backpressure: 'reject', max_queue_size: 1 });
    bus.publish('a');
    const id = randomUUID();
    expectCode(() => bus.publish({ event_type: 'a', id, data: 1 }), 'QUEUE_FULL');
    r.drain();
    expect(bus.publish({ event_type: 'a', id, data: 1 })).toBe(id);
    expect(r.drain().map((e) => e.id)).toEqual([id]);
    expect(bus.stats().duplicates).toBe(0);
  });

  it('remembers dedup_max_ids supplied ids, and forgets the oldest after that', () => {
    const bus = createBus({ dedup_max_ids: 1000 });
    const s = bus.subscribe('a', { max_queue_size: 100_000 });
    const ids = Array.from({ length: 1001 }, () => randomUUID());
    for (const id of ids) bus.publish({ event_type: 'a', id });
    // the newest 1000 are remembered: repeats are duplicates
    for (const id of ids.slice(1)) bus.publish({ event_type: 'a', id });
    expect(bus.stats()).toMatchObject({ published: 1001, duplicates: 1000 });
    // the first one has been pushed out: publishing it again is a new event
    bus.publish({ event_type: 'a', id: ids[0]! });
    expect(bus.stats()).toMatchObject({ published: 1002, duplicates: 1000 });
    expect(s.drain(100_000)).toHaveLength(1002);
  });

  it('refuses bad duplicate-window options', () => {
    for (const [k, v] of [
      ['dedup_window_ms', 0],
      ['dedup_window_ms', -1],
      ['dedup_window_ms', 1.5],
      ['dedup_window_ms', 'long'],
      ['dedup_max_ids', 0],
      ['dedup_max_ids', 2e7],
      ['dedup_max_ids', null],
    ] as const) {
      expect(expectCode(() => createBus({ [k]: v } as never), 'INVALID_OPTION').option).toBe(k);
    }
  });

  it('publishMinted uses the id the host minted, without the supplied-id check', () => {
    const bus = createBus();
    const who = { component: 'job.js', instance_id: randomUUID(), language: 'javascript' };
    const minted = randomUUID();
    const e = one(bus, () => expect(portOf(bus).publishMinted(who, { event_type: 'a', data: 1 }, minted)).toBe(minted));
    expect(e.id).toBe(minted);
    expect(e.source).toEqual(who);
    // the init is checked as any publish is
    expectCode(() => portOf(bus).publishMinted(who, { event_type: '', data: 1 }, randomUUID()), 'INVALID_EVENT_TYPE');
    expectCode(() => portOf(bus).publishMinted(who, { event_type: 'a', data: NaN }, randomUUID()), 'INVALID_DATA');
    expectCode(() => portOf(bus).publishMinted(who, 'a' as never, randomUUID()), 'INVALID_EVENT_TYPE');
    // an init naming its own id is a supplied id: validated, and a duplicate when repeated
    expectCode(() => portOf(bus).publishMinted(who, { event_type: 'a', id: 'nope' }, randomUUID()), 'INVALID_OPTION');
    const own = randomUUID();
    expect(portOf(bus).publishMinted(who, { event_type: 'a', id: own }, randomUUID())).toBe(own);
    expect(portOf(bus).publishMinted(who, { event_type: 'a', id: own }, randomUUID())).toBe(own);
    expect(bus.stats().duplicates).toBe(1);
    void bus.close();
    expectCode(() => portOf(bus).publishMinted(who, { event_type: 'a' }, randomUUID()), 'BUS_UNAVAILABLE');
  });

  it('sequence is strictly increasing across types and subscriptions', () => {
    const bus = createBus();
    const s = bus.subscribe('**');
    for (let i = 0; i < 300; i++) bus.publish(['a', 'b.c', 'd.e.f'][i % 3]!, i);
    const seqs = s.drain(1000).map((e) => e.sequence);
    expect(seqs).toHaveLength(300);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1]! + 1);
    expect(bus.stats().sequence).toBe(seqs[seqs.length - 1]);
  });

  it('an unmatched publish still takes a sequence number', () => {
    const bus = createBus();
    bus.publish('nobody.listens');
    const e = one(bus, () => bus.publish('x'));
    expect(e.sequence).toBe(2);
  });

  it('timestamps are ISO-8601 UTC with milliseconds and never go backwards', () => {
    const bus = createBus();
    const s = bus.subscribe('a');
    for (let i = 0; i < 50; i++) bus.publish('a');
    const ts = s.drain().map((e) => e.timestamp);
    for (const t of ts) {
      expect(t).toMatch(ISO_MS_Z);
      expect(new Date(t).toISOString()).toBe(t);
    }
    expect([...ts].sort()).toEqual(ts);
  });
});

describe('publish forms and options', () => {
  it('the table form and the short form make the same event', () => {
    const bus = createBus();
    const opts: PublishOptions = { priority: 'high', metadata: { k: [1] }, correlation_id: 'corr-1' };
    const a = one(bus, () => bus.publish('t.x', { v: 1 }, opts));
    const b = one(bus, () => bus.publish({ event_type: 't.x', data: { v: 1 }, ...opts }));
    const strip = ({ id: _i, sequence: _s, timestamp: _t, ...rest }: UniversalEvent) => rest;
    expect(strip(b)).toEqual(strip(a));
    expect(a.source.correlation_id).toBe('corr-1');
  });

  it('priority, metadata, correlation_id and language land where docs/event-api.md "Events" says', () => {
    const bus = createBus();
    for (const priority of ['critical', 'high', 'normal', 'low'] as const) {
      expect(one(bus, () => bus.publish('a', 1, { priority })).priority).toBe(priority);
    }
    const e = one(bus, () => bus.publish('a', 1, { metadata: { user: 'u1', n: [1, 2] }, correlation_id: 'c-9', language: 'rust' }));
    expect(e.metadata).toEqual({ user: 'u1', n: [1, 2] });
    expect(e.source).toMatchObject({ component: 'host', correlation_id: 'c-9', language: 'rust' });
    // options that are absent leave no trace
    expect('correlation_id' in one(bus, () => bus.publish('a')).source).toBe(false);
  });

  it('the table form takes a source', () => {
    const bus = createBus();
    const e = one(bus, () =>
      bus.publish({ event_type: 'a', source: { component: 'billing', instance_id: 'i-1', correlation_id: 'c', language: 'lua' } }),
    );
    expect(e.source).toEqual({ component: 'billing', instance_id: 'i-1', correlation_id: 'c', language: 'lua' });
  });

  it('persistent: false is fine without a store', () => {
    const bus = createBus();
    expect(one(bus, () => bus.publish('a', 1, { persistent: false })).data).toBe(1);
  });

  it('persisting without a store is STORE_UNAVAILABLE and delivers nothing', () => {
    const bus = createBus({ persist: ['audit.**'] });
    const s = bus.subscribe('**');
    expectCode(() => bus.publish('a', 1, { persistent: true }), 'STORE_UNAVAILABLE');
    expectCode(() => bus.publish('a', 1, { ttl_seconds: 60 }), 'STORE_UNAVAILABLE');
    expectCode(() => bus.publish({ event_type: 'a', persistent: true }), 'STORE_UNAVAILABLE');
    expectCode(() => bus.publish('audit.login'), 'STORE_UNAVAILABLE');
    expect(s.stats().total_received).toBe(0);
    expect(bus.stats().sequence).toBe(0);
    bus.publish('audit.login', null, { persistent: false });
    expect(s.drain()).toHaveLength(1);
  });

  it('the bus component names the host publisher', () => {
    const bus = createBus({ component: 'svc-a' });
    expect(one(bus, () => bus.publish('a')).source.component).toBe('svc-a');
  });

  it('publishAs records another identity', () => {
    const bus = createBus();
    const who = { component: 'job.lua', instance_id: randomUUID(), language: 'lua' };
    const e = one(bus, () => portOf(bus).publishAs(who, 'a', 1));
    expect(e.source).toEqual(who);
  });
});

describe('delivery', () => {
  it('fans one event out to every matching subscription, synchronously', () => {
    const bus = createBus();
    const subs = [bus.subscribe('a.b'), bus.subscribe('a.*'), bus.subscribe('**'), bus.subscribe(['x', '{a,z}.b'])];
    const miss = bus.subscribe('a');
    const id = bus.publish('a.b', 1);
    // in every queue when publish returns
    for (const s of subs) expect(s.stats().queue_size).toBe(1);
    const got = subs.map((s) => s.poll()!);
    for (const e of got) expect(e.id).toBe(id);
    expect(miss.stats().total_received).toBe(0);
  });

  it('each subscription sees events in publish order', () => {
    const bus = createBus();
    const all = bus.subscribe('**');
    const evens = bus.subscribe('even.*');
    const order: number[] = [];
    for (let i = 0; i < 100; i++) {
      bus.publish(i % 2 ? `odd.${i}` : `even.${i}`, i);
      order.push(i);
    }
    expect(all.drain(1000).map((e) => e.data)).toEqual(order);
    expect(evens.drain(1000).map((e) => e.data)).toEqual(order.filter((i) => i % 2 === 0));
  });

  it('a subscriber receives its own events', async () => {
    const bus = createBus();
    const me = { component: 'me', instance_id: randomUUID(), language: 'javascript' };
    const s = bus.subscribe('chat.*');
    const waiting = s.receive(1000);
    const id = portOf(bus).publishAs(me, 'chat.msg', 'hello');
    const e = await waiting;
    expect(e).toMatchObject({ id, data: 'hello', source: { component: 'me' } });
  });

  it('a subscription made later does not see earlier events', () => {
    const bus = createBus();
    bus.publish('a', 1);
    const s = bus.subscribe('a');
    bus.publish('a', 2);
    expect(s.drain().map((e) => e.data)).toEqual([2]);
  });
});
