/**
 * The coordination conformance suite (docs/coordination.md "Coordination"): priorities,
 * deduplication, retained events, interceptors, work queues with acks,
 * handler subscriptions, delivery statistics and batch publishing, run
 * unchanged against the in-process bus, one bus joined to NATS, and two
 * buses joined through NATS (publisher on one, subscribers on the other).
 * What works per process only (retained events) is checked to be so.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createBatchPublisher, type Bus, type BusOptions, type Subscription, type UniversalEvent } from '../../src/index.js';
import { expectCode } from '../core/helpers.js';
import { PAIRS, stopServer, type Pair } from './pairs.js';

afterAll(() => stopServer());

/** Receives exactly n events, each within 10 s. */
async function take(sub: Subscription, n: number): Promise<UniversalEvent[]> {
  const out: UniversalEvent[] = [];
  while (out.length < n) {
    const got = await sub.receiveBatch({ max_events: n - out.length, timeout_ms: 10_000 });
    if (got.length === 0) throw new Error(`received ${out.length} of ${n} events`);
    out.push(...got);
  }
  return out;
}

/** The next event of `type` on `sub`, within 10 s. */
async function next(sub: Subscription): Promise<UniversalEvent> {
  const e = await sub.receive(10_000);
  if (e === null) throw new Error('no event within 10 s');
  return e;
}

const data = (es: readonly UniversalEvent[]) => es.map((e) => e.data);

describe.each(PAIRS)('coordination conformance: $name', (kind) => {
  let pair: Pair;
  const open: Pair[] = [];
  const make = async (o?: { pub?: BusOptions; sub?: BusOptions }) => {
    const p = await kind.make(o);
    open.push(p);
    return p;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.close()));
  });

  // ---- priorities -------------------------------------------------------------------

  describe('priorities', () => {
    it('critical, high, normal, low: higher priorities are received first, publish order within one', async () => {
      pair = await make();
      const s = pair.sub.subscribe('job.*');
      await pair.ready();
      pair.pub.publish('job.a', 'low1', { priority: 'low' });
      pair.pub.publish('job.a', 'n1');
      pair.pub.publish('job.a', 'c1', { priority: 'critical' });
      pair.pub.publish('job.a', 'h1', { priority: 'high' });
      pair.pub.publish('job.a', 'n2', { priority: 'normal' });
      pair.pub.publish('job.a', 'c2', { priority: 'critical' });
      await pair.settle();
      expect(data(s.drain())).toEqual(['c1', 'c2', 'h1', 'n1', 'n2', 'low1']);
    });

    it('an event already taken is not overtaken; one still queued is', async () => {
      pair = await make();
      const s = pair.sub.subscribe('job.*');
      await pair.ready();
      pair.pub.publish('job.a', 'n1');
      pair.pub.publish('job.a', 'n2');
      await pair.settle();
      expect((await s.receive(0))!.data).toBe('n1');
      pair.pub.publish('job.a', 'c1', { priority: 'critical' });
      await pair.settle();
      expect(data(s.drain())).toEqual(['c1', 'n2']);
    });

    it("ordering: 'publish' keeps publish order whatever the priority", async () => {
      pair = await make();
      const s = pair.sub.subscribe('job.*', { ordering: 'publish' });
      await pair.ready();
      for (const p of ['low', 'critical', 'normal', 'high'] as const) pair.pub.publish('job.a', p, { priority: p });
      await pair.settle();
      expect(data(s.drain())).toEqual(['low', 'critical', 'normal', 'high']);
    });

    it('drop_oldest evicts the oldest of the lowest priority; an event below everything queued is the one dropped', async () => {
      pair = await make();
      const s = pair.sub.subscribe('q', { max_queue_size: 3 });
      await pair.ready();
      pair.pub.publish('q', 'n1');
      pair.pub.publish('q', 'low1', { priority: 'low' });
      pair.pub.publish('q', 'low2', { priority: 'low' });
      pair.pub.publish('q', 'c1', { priority: 'critical' }); // evicts low1
      pair.pub.publish('q', 'low3', { priority: 'low' }); // same as the lowest: evicts low2 (oldest)
      pair.pub.publish('q', 'h1', { priority: 'high' }); // evicts low3
      pair.pub.publish('q', 'low4', { priority: 'low' }); // below everything queued: dropped
      await pair.settle();
      expect(data(s.drain())).toEqual(['c1', 'h1', 'n1']);
      expect(s.stats()).toMatchObject({ total_received: 7, dropped: 4, delivered: 3, full: 4 });
    });

    it('drop_newest evicts the newest of the lowest priority; one of that priority or below is the one dropped', async () => {
      pair = await make();
      const s = pair.sub.subscribe('q', { max_queue_size: 3, backpressure: 'drop_newest' });
      await pair.ready();
      pair.pub.publish('q', 'low1', { priority: 'low' });
      pair.pub.publish('q', 'low2', { priority: 'low' });
      pair.pub.publish('q', 'n1');
      pair.pub.publish('q', 'h1', { priority: 'high' }); // evicts low2 (newest low)
      pair.pub.publish('q', 'low3', { priority: 'low' }); // the lowest: dropped
      pair.pub.publish('q', 'n2'); // evicts low1
      pair.pub.publish('q', 'n3'); // the lowest now: dropped
      await pair.settle();
      expect(data(s.drain())).toEqual(['h1', 'n1', 'n2']);
      expect(s.stats()).toMatchObject({ dropped: 4 });
    });
  });

  // ---- deduplication ---------------------------------------------------------------------

  describe('deduplication', () => {
    it('an id published twice is delivered once; the repeat returns the id and is counted', async () => {
      pair = await make();
      const s = pair.sub.subscribe('pay.*');
      await pair.ready();
      const id = randomUUID();
      expect(pair.pub.publish({ event_type: 'pay.done', id, data: 1 })).toBe(id);
      expect(pair.pub.publish({ event_type: 'pay.done', id, data: 2 })).toBe(id);
      expect(pair.pub.publish({ event_type: 'pay.other', id, data: 3 })).toBe(id);
      await pair.settle();
      expect(s.drain().map((e) => [e.id, e.data])).toEqual([[id, 1]]);
      expect(pair.pub.stats()).toMatchObject({ duplicates: 2 });
    });
  });

  // ---- retained events -------------------------------------------------------------------

  describe('retained events', () => {
    it.runIf(!kind.remote)('a new subscription gets the retained events its patterns match first, marked, then live ones', async () => {
      pair = await make();
      pair.pub.publish('sensor.1.temp', 20, { retain: true });
      pair.pub.publish('sensor.2.temp', 21, { retain: true });
      pair.pub.publish('sensor.1.temp', 22, { retain: true }); // replaces 20
      pair.pub.publish('sensor.1.humidity', 50, { retain: true });
      pair.pub.publish('sensor.3.temp', 99); // not retained
      const s = pair.sub.subscribe('sensor.*.temp');
      await pair.ready();
      pair.pub.publish('sensor.3.temp', 30);
      await pair.settle();
      const got = s.drain();
      expect(got.map((e) => [e.event_type, e.data, e.metadata.retained ?? false])).toEqual([
        ['sensor.2.temp', 21, true],
        ['sensor.1.temp', 22, true],
        ['sensor.3.temp', 30, false],
      ]);
      expect(pair.sub.stats().retained).toBe(3);
      expect(pair.sub.retained('sensor.1.*').map((e) => e.data)).toEqual([22, 50]);
    });

    it.runIf(!kind.remote)('a retained publish with empty data clears the type (and is delivered live)', async () => {
      pair = await make();
      pair.pub.publish('cfg.mode', 'fast', { retain: true });
      const live = pair.sub.subscribe('cfg.*');
      pair.pub.publish({ event_type: 'cfg.mode', retain: true }); // no data: null
      expect(data(live.drain())).toEqual(['fast', null]);
      expect(pair.sub.retained()).toEqual([]);
      const late = pair.sub.subscribe('cfg.*');
      expect(late.drain()).toEqual([]);
    });

    it.runIf(!kind.remote)("retained: false, and group members, do not get retained events", async () => {
      pair = await make();
      pair.pub.publish('cfg.mode', 'fast', { retain: true });
      expect(pair.sub.subscribe('cfg.*', { retained: false }).drain()).toEqual([]);
      expect(pair.sub.subscribe('cfg.*', { group: 'g' }).drain()).toEqual([]);
    });

    it.runIf(kind.remote)('retained events stay in the publishing process (per process, README)', async () => {
      pair = await make();
      const s0 = pair.sub.subscribe('cfg.*');
      await pair.ready();
      pair.pub.publish('cfg.mode', 'fast', { retain: true });
      await pair.settle();
      expect(data(s0.drain())).toEqual(['fast']); // delivered live across processes
      expect(pair.pub.retained().map((e) => e.data)).toEqual(['fast']);
      expect(pair.sub.retained()).toEqual([]);
      expect(pair.sub.subscribe('cfg.*').drain()).toEqual([]);
    });

    it('RETAIN_LIMIT: a new type past max_retained is refused with no effect; known types and clears still go', async () => {
      pair = await make({ pub: { max_retained: 2 }, sub: { max_retained: 2 } });
      const s = pair.sub.subscribe('r.*');
      await pair.ready();
      pair.pub.publish('r.a', 1, { retain: true });
      pair.pub.publish('r.b', 1, { retain: true });
      expectCode(() => pair.pub.publish('r.c', 1, { retain: true }), 'RETAIN_LIMIT');
      pair.pub.publish('r.a', 2, { retain: true });
      pair.pub.publish('r.b', null, { retain: true });
      pair.pub.publish('r.c', 3, { retain: true });
      await pair.settle();
      expect(data(s.drain())).toEqual([1, 1, 2, null, 3]);
      expect(pair.pub.retained().map((e) => e.data)).toEqual([2, 3]);
    });
  });

  // ---- interceptors -----------------------------------------------------------------------

  describe('interceptors', () => {
    it('block and allow lists by component, session (metadata.session_id) and correlation id; counted', async () => {
      pair = await make({
        pub: {
          interceptors: [
            { type: 'block_list', by: 'session', values: ['s-bad'] },
            { type: 'allow_list', pattern: 'admin.**', by: 'component', values: ['console'] },
            { type: 'block_list', pattern: 'trace.*', by: 'correlation', values: ['c-noise'] },
          ],
        },
      });
      const s = pair.sub.subscribe(['user.*', 'admin.**', 'trace.*']);
      await pair.ready();
      pair.pub.publish('user.login', 1, { metadata: { session_id: 's-ok' } });
      const blockedId = pair.pub.publish('user.login', 2, { metadata: { session_id: 's-bad' } });
      expect(typeof blockedId).toBe('string'); // a blocked publish still answers an id
      pair.pub.publish('user.login', 3); // no session: not on the block list
      pair.pub.publish('admin.reset', 4); // component 'host': not allowed
      pair.pub.publish({ event_type: 'admin.reset', data: 5, source: { component: 'console' } });
      pair.pub.publish('trace.step', 6, { correlation_id: 'c-noise' });
      pair.pub.publish('trace.step', 7, { correlation_id: 'c-real' });
      await pair.settle();
      expect(data(s.drain())).toEqual([1, 3, 5, 7]);
      expect(pair.pub.stats().intercepted).toMatchObject({ blocked: 3 });
      expect(pair.pub.listInterceptors().map((i) => [i.name, i.stats.matched, i.stats.blocked])).toEqual([
        ['block_list#1', 8, 1], // and the settle marker
        ['allow_list#2', 2, 1],
        ['block_list#3', 2, 1],
      ]);
    });

    it('a rate limit answers RATE_LIMITED past its burst, with nothing delivered; per type keeps a bucket per type', async () => {
      pair = await make();
      pair.pub.addInterceptor({ type: 'rate_limit', pattern: 'api.*', rate: 0.001, burst: 2, name: 'api' });
      pair.pub.addInterceptor({ type: 'rate_limit', pattern: 'log.*', rate: 0.001, burst: 1, per: 'type' });
      const s = pair.sub.subscribe(['api.*', 'log.*']);
      await pair.ready();
      pair.pub.publish('api.get', 1);
      pair.pub.publish('api.put', 2);
      const err = expectCode(() => pair.pub.publish('api.get', 3), 'RATE_LIMITED');
      expect(err.message).toMatch(/interceptor "api" \(0\.001\/s, burst 2\)/);
      expect(err.eventType).toBe('api.get');
      pair.pub.publish('log.a', 4);
      pair.pub.publish('log.b', 5);
      expectCode(() => pair.pub.publish('log.a', 6), 'RATE_LIMITED');
      await pair.settle();
      expect(data(s.drain())).toEqual([1, 2, 4, 5]);
      expect(pair.pub.stats()).toMatchObject({ published: 4 + 1, intercepted: { rate_limited: 2 } }); // + the settle marker
    });

    it('modify merges data and metadata and sets priority; transform renames the type, and later rules see the new type', async () => {
      pair = await make();
      pair.pub.addInterceptor({ type: 'transform', pattern: 'legacy.order', event_type: 'order.created' });
      pair.pub.addInterceptor({ type: 'modify', pattern: 'order.*', metadata: { tenant: 't1' }, data: { v: 2 }, priority: 'high' });
      const s = pair.sub.subscribe(['order.*', 'legacy.*']);
      await pair.ready();
      const mine = { id: 7 };
      pair.pub.publish('legacy.order', mine, { metadata: { user: 'u' } });
      pair.pub.publish('order.paid', 'not an object');
      await pair.settle();
      const [a, b] = s.drain();
      expect([a!.event_type, a!.data, a!.metadata, a!.priority]).toEqual(['order.created', { id: 7, v: 2 }, { user: 'u', tenant: 't1' }, 'high']);
      expect(mine).toEqual({ id: 7 }); // the publisher's object is not changed
      expect([b!.data, b!.metadata]).toEqual(['not an object', { tenant: 't1' }]);
      expect(pair.pub.stats().intercepted).toMatchObject({ transformed: 1, modified: 2 });
    });

    it('a function rule allows, blocks or changes; a throw is INTERCEPTOR_FAILED (a CrosstalkError passes as it is)', async () => {
      pair = await make();
      const id = pair.pub.addInterceptor({
        type: 'function',
        pattern: 'f.*',
        fn: (e) => {
          if (e.data === 'drop') return 'block';
          if (e.data === 'up') return { data: 'UP', event_type: 'f.changed' };
          if (e.data === 'boom') throw new Error('kaput');
          if (e.data === 'bad') return { event_type: 'not valid!' };
          return undefined;
        },
      });
      const s = pair.sub.subscribe('f.*');
      await pair.ready();
      pair.pub.publish('f.x', 'keep');
      pair.pub.publish('f.x', 'drop');
      pair.pub.publish('f.x', 'up');
      expect(expectCode(() => pair.pub.publish('f.x', 'boom'), 'INTERCEPTOR_FAILED').message).toMatch(/kaput/);
      expectCode(() => pair.pub.publish('f.x', 'bad'), 'INTERCEPTOR_FAILED');
      expect(pair.pub.removeInterceptor(id)).toBe(true);
      expect(pair.pub.removeInterceptor(id)).toBe(false);
      pair.pub.publish('f.x', 'boom');
      await pair.settle();
      expect(s.drain().map((e) => [e.event_type, e.data])).toEqual([
        ['f.x', 'keep'],
        ['f.changed', 'UP'],
        ['f.x', 'boom'],
      ]);
    });
  });

  // ---- work queues --------------------------------------------------------------------------

  describe('work queues', () => {
    it('round robin: each event reaches exactly one member, evenly', async () => {
      pair = await make();
      const ms = [0, 1, 2].map(() => pair.sub.subscribe('job.*', { group: 'w' }));
      const other = pair.sub.subscribe('job.*'); // not in the group: gets every event
      await pair.ready();
      for (let i = 0; i < 30; i++) pair.pub.publish('job.run', i);
      await pair.settle();
      const got = ms.map((m) => data(m.drain()) as number[]);
      expect(got.map((g) => g.length)).toEqual([10, 10, 10]);
      expect(got.flat().sort((a, b) => a - b)).toEqual([...Array(30).keys()]);
      expect(other.drain()).toHaveLength(30);
      expect(pair.sub.groupStats('w')).toMatchObject({ members: 3, delivered: 30, balance: 'round_robin', ack: false });
      expect(ms[0]!.info().group).toBe('w');
    });

    it('weighted: shares follow the weights; least_loaded: the member with the least outstanding work', async () => {
      pair = await make();
      const heavy = pair.sub.subscribe('w.*', { group: 'wt', balance: 'weighted', weight: 3 });
      const light = pair.sub.subscribe('w.*', { group: 'wt', weight: 1 });
      const busy = pair.sub.subscribe('l.*', { group: 'll', balance: 'least_loaded' });
      const idle = pair.sub.subscribe('l.*', { group: 'll' });
      await pair.ready();
      for (let i = 0; i < 40; i++) pair.pub.publish('w.x', i);
      await pair.settle();
      expect([heavy.drain().length, light.drain().length]).toEqual([30, 10]);
      pair.pub.publish('l.x', 1);
      pair.pub.publish('l.x', 2);
      await pair.settle();
      expect(busy.drain()).toHaveLength(1); // one each; both idle again
      expect(idle.drain()).toHaveLength(1);
      for (let i = 0; i < 4; i++) pair.pub.publish('l.x', i);
      await pair.settle();
      idle.drain();
      for (let i = 0; i < 3; i++) pair.pub.publish('l.x', i); // busy holds 2, idle 0: idle first
      await pair.settle();
      expect([busy.stats().queue_size, idle.stats().queue_size]).toEqual([3, 2]);
    });

    it('a member whose queue is full, or that stopped receiving, is passed over', async () => {
      pair = await make();
      const small = pair.sub.subscribe('j', { group: 'f', max_queue_size: 2 });
      const big = pair.sub.subscribe('j', { group: 'f' });
      await pair.ready();
      for (let i = 0; i < 10; i++) pair.pub.publish('j', i);
      await pair.settle();
      expect(small.drain()).toHaveLength(2);
      expect(big.drain()).toHaveLength(8);
      expect(small.stats().dropped).toBe(0);

      const stuck = pair.sub.subscribe('s', { group: 'st', stall_ms: 1 });
      const live = pair.sub.subscribe('s', { group: 'st' });
      await pair.ready();
      pair.pub.publish('s', 'first');
      pair.pub.publish('s', 'second');
      await pair.settle();
      expect([stuck.stats().queue_size, live.stats().queue_size]).toEqual([1, 1]);
      await live.receive(0); // live takes; stuck never does
      const t0 = Date.now();
      while (Date.now() - t0 < 3); // let stall_ms (1 ms) pass on the clock
      pair.pub.publish('s', 'third');
      await pair.settle();
      expect([stuck.stats().queue_size, live.stats().queue_size]).toEqual([1, 1]);
      // both have stalled now (live holds 'third'): members with room take turns again
      while (Date.now() - t0 < 6);
      for (let i = 0; i < 4; i++) pair.pub.publish('s', i);
      await pair.settle();
      expect([stuck.stats().queue_size, live.stats().queue_size]).toEqual([3, 3]);
    });

    it('ack: an event not acknowledged within ack_wait_ms goes to another member with metadata.delivery.count 2', async () => {
      pair = await make();
      const a = pair.sub.subscribe('task', { group: 'acks', ack: true, ack_wait_ms: 50 });
      const b = pair.sub.subscribe('task', { group: 'acks' });
      await pair.ready();
      pair.pub.publish('task', 'one');
      pair.pub.publish('task', 'two');
      await pair.settle();
      const ea = await next(a);
      const eb = await next(b);
      expect(ea.metadata.delivery).toEqual({ group: 'acks', count: 1 });
      expect(b.ack(eb)).toBe(true);
      expect(b.ack(eb)).toBe(false); // acknowledged once
      expect(pair.sub.groupStats('acks')).toMatchObject({ pending: 1, acked: 1 });
      expect(a.stats()).toMatchObject({ unacked: 1 });
      // `a` never acknowledges: after 50 ms `b` gets it again
      const again = await next(b);
      expect([again.id, again.data, again.metadata.delivery]).toEqual([ea.id, 'one', { group: 'acks', count: 2 }]);
      expect(a.stats()).toMatchObject({ unacked: 0, failed: 1 });
      expect(pair.sub.ack(again)).toBe(true); // bus.ack finds the group in metadata.delivery
      expect(a.ack(ea)).toBe(false); // too late: it was acknowledged
      expect(pair.sub.groupStats('acks')).toMatchObject({ pending: 0, acked: 2, redelivered: 1, delivered: 3 });
      expect(pair.sub.stats().groups).toMatchObject({ pending: 0, acked: 2, redelivered: 1 });
    });

    it('nak gives an event back: to another member at once, or after delay_ms', async () => {
      pair = await make();
      const a = pair.sub.subscribe('task', { group: 'n', ack: true });
      const b = pair.sub.subscribe('task', { group: 'n' });
      await pair.ready();
      pair.pub.publish('task', 1);
      await pair.settle();
      const e = await next(a);
      expect(a.nak(e)).toBe(true);
      const e2 = await next(b);
      expect([e2.data, e2.metadata.delivery]).toEqual([1, { group: 'n', count: 2 }]);
      expect(b.nak(e2.id, { delay_ms: 20 })).toBe(true);
      expect(pair.sub.groupStats('n')).toMatchObject({ pending: 1, naks: 2 });
      const e3 = await Promise.race([next(a), next(b)]);
      expect(e3.metadata.delivery).toEqual({ group: 'n', count: 3 });
      expect(pair.sub.ack(e3)).toBe(true);
      expectCode(() => a.nak(e3, { delay_ms: -1 } as never), 'INVALID_OPTION');
    });

    it(`after max_deliver deliveries an event goes to crosstalk.dead_letter.<group>, whole`, async () => {
      pair = await make();
      const dead = pair.sub.subscribe('crosstalk.dead_letter.*');
      const m = pair.sub.subscribe('task', { group: 'dl', ack: true, max_deliver: 2 });
      await pair.ready();
      pair.pub.publish('task', { n: 1 }, { metadata: { k: 'v' } });
      await pair.settle();
      const first = await next(m);
      m.nak(first);
      const second = await next(m);
      expect(second.metadata.delivery).toEqual({ group: 'dl', count: 2 });
      m.nak(second);
      const d = await next(dead);
      expect(d.event_type).toBe('crosstalk.dead_letter.dl');
      expect(d.source.component).toBe('crosstalk');
      expect(d.data).toMatchObject({ group: 'dl', deliveries: 2, reason: 'max_deliver', event: { id: first.id, data: { n: 1 }, metadata: { k: 'v' } } });
      expect(pair.sub.groupStats('dl')).toMatchObject({ pending: 0, dead_lettered: 1 });
      expect(m.poll()).toBeNull();
    });

    it('a member that ends mid-stream: its queued and unacknowledged events go to the others; each is acknowledged exactly once', async () => {
      pair = await make();
      const N = 600;
      const members = [0, 1, 2, 3].map(() => pair.sub.subscribe('work', { group: 'stop', ack: true, max_queue_size: 50, backpressure: 'drop_newest' }));
      await pair.ready();
      const acked = new Map<number, number>();
      const seen = new Set<number>();
      let stopped = false;
      const consume = async (m: Subscription, k: number) => {
        for (;;) {
          const batch = await m.receiveBatch({ max_events: 10, timeout_ms: 200 });
          if (m.closed) return;
          if (batch.length === 0) {
            if (acked.size === N) return;
            continue;
          }
          for (const e of batch) {
            seen.add(e.data as number);
            // member 0 stops after its first batch, holding it unacknowledged
            if (k === 0 && !stopped) continue;
            if (m.ack(e)) acked.set(e.data as number, (acked.get(e.data as number) ?? 0) + 1);
          }
          if (k === 0 && !stopped) {
            stopped = true;
            m.unsubscribe();
            return;
          }
        }
      };
      const runs = members.map((m, k) => consume(m, k));
      for (let i = 0; i < N; i++) {
        pair.pub.publish('work', i);
        if (i % 50 === 49) await pair.settle(); // room: 4 × 50 queued at most
      }
      await Promise.all(runs);
      expect(stopped).toBe(true);
      expect(acked.size).toBe(N);
      expect([...acked.values()].every((c) => c === 1)).toBe(true);
      const st = pair.sub.groupStats('stop');
      expect(st).toMatchObject({ members: 3, pending: 0, acked: N, dropped: 0, dead_lettered: 0 });
      expect(st.redelivered).toBeGreaterThan(0);
    });

    it('when the last member leaves, unacknowledged events wait for the next member', async () => {
      pair = await make();
      const a = pair.sub.subscribe('task', { group: 'solo', ack: true });
      await pair.ready();
      pair.pub.publish('task', 1);
      pair.pub.publish('task', 2);
      await pair.settle();
      await next(a); // taken, never acknowledged; 2 still queued
      a.unsubscribe();
      expect(pair.sub.groupStats('solo')).toMatchObject({ members: 0, waiting: 2, pending: 2 });
      const b = pair.sub.subscribe('task', { group: 'solo' });
      const got = b.drain();
      expect(got.map((e) => [e.data, e.metadata.delivery])).toEqual([
        [1, { group: 'solo', count: 2 }],
        [2, { group: 'solo', count: 1 }],
      ]);
      for (const e of got) b.ack(e);
      b.unsubscribe();
      expectCode(() => pair.sub.groupStats('solo'), 'INVALID_OPTION'); // gone with nothing left
    });

    it('members must agree on patterns and group-wide settings; group options need a group', async () => {
      pair = await make();
      pair.sub.subscribe('a.*', { group: 'g', ack: true, max_deliver: 3 });
      expectCode(() => pair.sub.subscribe('b.*', { group: 'g' }), 'INVALID_OPTION');
      expect(expectCode(() => pair.sub.subscribe('a.*', { group: 'g', max_deliver: 4 }), 'INVALID_OPTION').option).toBe('max_deliver');
      expect(expectCode(() => pair.sub.subscribe('a.*', { group: 'g', backpressure: 'block' }), 'INVALID_OPTION').option).toBe('backpressure');
      expect(pair.sub.subscribe('a.*', { group: 'g', ack: true, weight: 5 }).info().group).toBe('g');
      expect(expectCode(() => pair.sub.subscribe('a.*', { ack: true }), 'INVALID_OPTION').option).toBe('ack');
      expectCode(() => pair.sub.subscribe('a.*', { group: 'bad name' }), 'INVALID_OPTION');
      expectCode(() => pair.sub.subscribe('a.*').ack(randomUUID()), 'INVALID_OPTION');
      expectCode(() => pair.sub.ack({ id: 'x' } as never), 'INVALID_OPTION');
    });
  });

  // ---- handler subscriptions --------------------------------------------------------------

  describe('handler subscriptions', () => {
    it('calls the handler per event in order, one at a time; a handler subscription cannot be received from', async () => {
      pair = await make();
      const seen: number[] = [];
      let running = 0;
      let most = 0;
      let done!: () => void;
      const all = new Promise<void>((r) => (done = r));
      const h = pair.sub.subscribe('h.*', async (e) => {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setImmediate(r));
        seen.push(e.data as number);
        running--;
        if (seen.length === 20) done();
      });
      await pair.ready();
      for (let i = 0; i < 20; i++) pair.pub.publish('h.x', i);
      await all;
      expect(seen).toEqual([...Array(20).keys()]);
      expect(most).toBe(1);
      await expect(h.receive(0)).rejects.toMatchObject({ code: 'INVALID_OPTION' });
      expectCode(() => h.drain(), 'INVALID_OPTION');
      expect(h.info().handler).toBe(true);
      expect(h.stats().handler).toMatchObject({ succeeded: 20, failed: 0, breaker: 'closed' });
    });

    it('what a handler publishes records the handled event as its cause', async () => {
      pair = await make();
      const replies = pair.sub.subscribe('order.confirmed');
      pair.sub.subscribe('order.placed', async (e) => {
        await new Promise((r) => setImmediate(r));
        pair.sub.publish('order.confirmed', { order: (e.data as { order: number }).order });
      });
      await pair.ready();
      const id = pair.pub.publish('order.placed', { order: 7 }, { correlation_id: 'c-7' }) as string;
      const reply = await next(replies);
      expect(reply.metadata.caused_by).toBe(id);
      expect(reply.source.correlation_id).toBe('c-7');
    });

    it('concurrency runs that many at once', async () => {
      pair = await make();
      let running = 0;
      let most = 0;
      let n = 0;
      let done!: () => void;
      const all = new Promise<void>((r) => (done = r));
      pair.sub.subscribe(
        'c.*',
        async () => {
          running++;
          most = Math.max(most, running);
          await new Promise((r) => setImmediate(r));
          running--;
          if (++n === 12) done();
        },
        { concurrency: 3 },
      );
      await pair.ready();
      for (let i = 0; i < 12; i++) pair.pub.publish('c.x', i);
      await all;
      expect(most).toBe(3);
    });

    it('retries a failing call with backoff; after every attempt fails, crosstalk.handler.failed tells', async () => {
      pair = await make();
      const failed = pair.sub.subscribe('crosstalk.handler.failed');
      const attempts: [unknown, number][] = [];
      const h = pair.sub.subscribe(
        'r.*',
        (e, { attempt }) => {
          attempts.push([e.data, attempt]);
          if (e.data === 'flaky' && attempt < 3) throw new Error('not yet');
          if (e.data === 'broken') throw new Error('never works');
        },
        { retry: { attempts: 3, backoff_ms: 1 }, breaker: false },
      );
      await pair.ready();
      pair.pub.publish('r.x', 'flaky');
      pair.pub.publish('r.x', 'broken');
      pair.pub.publish('r.x', 'fine');
      const f = await next(failed);
      expect(f.data).toMatchObject({ subscription_id: h.id, event_type: 'r.x', attempts: 3, error: 'never works' });
      await pair.settle();
      while (h.stats().handler!.succeeded < 2) await new Promise((r) => setImmediate(r));
      expect(attempts).toEqual([
        ['flaky', 1], ['flaky', 2], ['flaky', 3],
        ['broken', 1], ['broken', 2], ['broken', 3],
        ['fine', 1],
      ]);
      expect(h.stats()).toMatchObject({ failed: 1, handler: { succeeded: 2, failed: 1, retries: 4 } });
    });

    it('the circuit breaker opens after failure_threshold failed calls, stops calling, half-opens after reset_ms, closes on success', async () => {
      pair = await make();
      const told = pair.sub.subscribe('crosstalk.handler.circuit_*');
      let healthy = false;
      const calls: unknown[] = [];
      const h = pair.sub.subscribe(
        'b.*',
        (e) => {
          calls.push(e.data);
          if (!healthy) throw new Error('down');
        },
        { retry: false, breaker: { failure_threshold: 2, reset_ms: 30 } },
      );
      await pair.ready();
      for (let i = 0; i < 5; i++) pair.pub.publish('b.x', i);
      const open = await next(told);
      expect(open.event_type).toBe('crosstalk.handler.circuit_open');
      expect(open.data).toMatchObject({ subscription_id: h.id, state: 'open', failures: 2, error: 'down' });
      expect(calls).toEqual([0, 1]);
      expect(h.stats()).toMatchObject({ queue_size: 3, handler: { breaker: 'open', breaker_opened: 1 } });
      healthy = true;
      expect((await next(told)).event_type).toBe('crosstalk.handler.circuit_half_open');
      expect((await next(told)).event_type).toBe('crosstalk.handler.circuit_closed');
      while (calls.length < 5) await new Promise((r) => setImmediate(r));
      expect(calls).toEqual([0, 1, 2, 3, 4]);
      expect(h.stats().handler).toMatchObject({ breaker: 'closed', failed: 2, succeeded: 3 });
    });

    it('in an ack group, success acknowledges and a failure after every retry gives the event back', async () => {
      pair = await make();
      const dead = pair.sub.subscribe('crosstalk.dead_letter.hq');
      const ok: unknown[] = [];
      pair.sub.subscribe(
        'job',
        (e) => {
          if (e.data === 'poison') throw new Error('cannot');
          ok.push(e.data);
        },
        { group: 'hq', ack: true, max_deliver: 2, retry: false, breaker: false },
      );
      await pair.ready();
      pair.pub.publish('job', 'a');
      pair.pub.publish('job', 'poison');
      pair.pub.publish('job', 'b');
      const d = await next(dead);
      expect(d.data).toMatchObject({ deliveries: 2, event: { data: 'poison' } });
      await pair.settle();
      while (pair.sub.groupStats('hq').acked < 2) await new Promise((r) => setImmediate(r));
      expect(ok).toEqual(['a', 'b']);
      expect(pair.sub.groupStats('hq')).toMatchObject({ pending: 0, acked: 2, naks: 2, dead_lettered: 1 });
    });
  });

  // ---- delivery statistics -----------------------------------------------------------------

  describe('delivery statistics', () => {
    it('delivered, failed and full per subscription; reset zeroes them and keeps the invariant', async () => {
      pair = await make();
      const s = pair.sub.subscribe('d.*', { max_queue_size: 2 });
      const t = pair.sub.subscribe('d.*');
      await pair.ready();
      for (let i = 0; i < 5; i++) pair.pub.publish('d.x', i);
      await pair.settle();
      await s.receive(0);
      expect(s.stats()).toMatchObject({ total_received: 5, delivered: 1, dropped: 3, full: 3, failed: 0, queue_size: 1 });
      s.resetStats();
      expect(s.stats()).toMatchObject({ total_received: 1, delivered: 0, dropped: 0, full: 0, queue_size: 1, high_water: 1 });
      pair.pub.publish('d.x', 9);
      await pair.settle();
      const st = s.stats();
      expect(st.total_received).toBe(st.delivered + st.filtered + st.dropped + st.reassigned + st.queue_size);
      pair.sub.resetSubscriptionStats();
      expect(t.stats()).toMatchObject({ total_received: 6, delivered: 0, queue_size: 6 });
      pair.sub.resetSubscriptionStats(s.id);
      expectCode(() => pair.sub.resetSubscriptionStats('nope'), 'UNKNOWN_SUBSCRIPTION');
    });
  });

  // ---- batch publishing -------------------------------------------------------------------

  describe('batch publishing', () => {
    it('flushes by size, by time and on call, in order, with its metrics', async () => {
      pair = await make();
      const s = pair.sub.subscribe('b.*', { max_queue_size: 1000 });
      await pair.ready();
      const bp = createBatchPublisher(pair.pub, { max_events: 4, max_wait_ms: 5 });
      const ids = Array.from({ length: 10 }, (_, i) => bp.publish('b.x', i));
      expect(new Set(ids).size).toBe(10);
      const got = await take(s, 8); // two batches by size
      expect(data(got)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(got.map((e) => e.id)).toEqual(ids.slice(0, 8));
      expect(data(await take(s, 2))).toEqual([8, 9]); // the rest after 5 ms
      bp.publish({ event_type: 'b.y', data: 'last', priority: 'high' });
      const r = await bp.flush();
      expect(r).toEqual({ published: 1, failed: [] });
      await pair.settle();
      expect(s.drain().map((e) => [e.data, e.priority])).toEqual([['last', 'high']]);
      expect(bp.stats()).toMatchObject({
        waiting: 0, published: 11, failed: 0, batches: 4, flushed_by_size: 2, flushed_by_time: 1, flushed_by_call: 1, largest_batch: 4,
      });
      await bp.close();
      expectCode(() => bp.publish('b.x'), 'BUS_UNAVAILABLE');
    });

    it('checks each event when handed over; a flush reports what could not be published', async () => {
      pair = await make();
      pair.pub.addInterceptor({ type: 'rate_limit', pattern: 'b.*', rate: 0.001, burst: 1 });
      const errors: string[] = [];
      const bp = createBatchPublisher(pair.pub, { max_events: 100, on_error: (e, ev) => errors.push(`${e.code} ${ev.event_type}`) });
      expectCode(() => bp.publish('bad type!'), 'INVALID_EVENT_TYPE');
      expectCode(() => bp.publish('b.x', NaN), 'INVALID_DATA');
      bp.publish('b.x', 1);
      bp.publish('b.x', 2);
      const r = await bp.flush();
      expect(r.published).toBe(1);
      expect(r.failed.map((f) => f.error.code)).toEqual(['RATE_LIMITED']);
      expect(errors).toEqual(['RATE_LIMITED b.x']);
      expect(bp.stats()).toMatchObject({ published: 1, failed: 1 });
    });
  });
});

// ---- per bus, not per pair ------------------------------------------------------------------

describe('block backpressure on a work queue', () => {
  it('a publisher waits until a member acknowledges (unacknowledged events take room)', async () => {
    const bus: Bus = (await PAIRS[0]!.make()).pub;
    const m = bus.subscribe('job', { group: 'b', ack: true, max_queue_size: 2, backpressure: 'block' });
    bus.publish('job', 1);
    bus.publish('job', 2);
    const third = bus.publish('job', 3);
    expect(typeof third).not.toBe('string'); // waits
    const [e1] = m.drain(1);
    m.ack(e1!); // one free slot: the third goes in
    expect(await third).toMatch(/^[0-9a-f-]{36}$/);
    expect(data(m.drain())).toEqual([2, 3]);
    await bus.close();
  });
});
