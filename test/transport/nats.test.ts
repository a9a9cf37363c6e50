/**
 * Buses joined through a real nats-server (docs/nats.md "Several processes: NATS JetStream"), in one process: each
 * bus has its own connection, as separate processes would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBus, createMemoryStore, CrosstalkError, type UniversalEvent } from '../../src/index.js';
import { expectRejectCode } from '../core/helpers.js';
import { startNatsServer, type NatsServer } from '../setup/nats.js';
import { joined, raw, take, type JoinedBus } from './helpers.js';

let server: NatsServer;
const open: JoinedBus[] = [];

beforeAll(async () => {
  server = await startNatsServer();
});

afterAll(async () => {
  await Promise.all(open.map((b) => b.close()));
  await server?.stop();
});

/** A bus on its own prefix and stream, so tests do not hear each other. */
async function bus(space: string, opts: Parameters<typeof joined>[2] = {}): Promise<JoinedBus> {
  const b = await joined(server.url, { prefix: `t.${space}`, stream: `T_${space}` }, opts);
  open.push(b);
  return b;
}

describe('two buses on one server', () => {
  it('a publish reaches local subscribers at once and remote ones with every field intact', async () => {
    const a = await bus('fields');
    const b = await bus('fields');
    const local = a.subscribe('order.*');
    const remote = b.subscribe('order.*');
    await b.flush(); // the server knows b's interest
    const id = a.publish('order.paid', { amount: 5, tags: ['x'] }, { metadata: { user: 'u1' }, priority: 'high', correlation_id: 'c1' }) as string;
    const mine = local.poll(); // synchronous, as without a transport
    expect(mine?.id).toBe(id);
    const [theirs] = await take(remote, 1);
    expect(theirs).toEqual(JSON.parse(JSON.stringify(mine)));
    expect(theirs!.source).toMatchObject({ component: 'host', correlation_id: 'c1', language: 'host' });
    expect(b.stats().transport).toMatchObject({ received: 1, delivered: 1, invalid: 0 });
    expect(b.stats().published).toBe(0); // remote events are not b's publishes
  });

  it('delivers once each, however many patterns and subscriptions overlap', async () => {
    const a = await bus('overlap');
    const b = await bus('overlap');
    const many = b.subscribe(['order.*', 'order.**', '*.paid', '{order,x}.paid', 'or*.p?id']);
    const other = b.subscribe('**');
    await b.flush();
    expect(b.stats().transport!.subjects).toBeGreaterThan(1);
    for (let i = 0; i < 100; i++) a.publish('order.paid', i);
    a.publish('end', null);
    const seen = await take(many, 100);
    expect(seen.map((e) => e.data)).toEqual([...Array(100).keys()]);
    const all = await take(other, 101);
    expect(all.at(-1)!.event_type).toBe('end');
    expect(many.poll()).toBeNull(); // `end` came after: nothing more is on its way to `many`
    expect(b.stats().transport!.duplicates).toBeGreaterThan(0);
    expect(b.stats().transport!.delivered).toBe(101);
  });

  it('keeps per-publisher order over 10,000 events, ephemeral and persistent mixed, from two publishers', async () => {
    const N = 10_000;
    const a = await bus('order');
    const c = await bus('order');
    const b = await bus('order');
    const sub = b.subscribe('load.*', { max_queue_size: 3 * N });
    await b.flush();
    for (let i = 0; i < N; i++) {
      a.publish('load.a', i, i % 10 === 0 ? { persistent: true } : undefined);
      c.publish('load.c', i, i % 7 === 0 ? { persistent: true } : undefined);
    }
    await Promise.all([a.flush(), c.flush()]);
    const got = await take(sub, 2 * N);
    const from = (t: string) => got.filter((e) => e.event_type === t);
    for (const t of ['load.a', 'load.c']) {
      const seq = from(t);
      expect(seq.map((e) => e.data)).toEqual([...Array(N).keys()]);
      expect(seq.every((e, i) => i === 0 || e.sequence > seq[i - 1]!.sequence)).toBe(true);
    }
    expect(sub.poll()).toBeNull();
    expect(a.stats().transport).toMatchObject({ published: N, acked: N / 10, ack_failures: 0, pending_acks: 0 });
  });

  it('a burst of one type travels as one message, a JSON array of its events in order; anything else as one event each', async () => {
    const a = await bus('batch');
    const b = await bus('batch');
    const sub = b.subscribe('**');
    const { nc } = await raw(server.url);
    try {
      const messages: { subject: string; body: unknown }[] = [];
      nc.subscribe('t.batch.e.>', { callback: (_err, m) => void messages.push({ subject: m.subject, body: m.json() }) });
      await Promise.all([b.flush(), nc.flush()]);
      for (let i = 0; i < 3; i++) a.publish('x', i);
      a.publish('y', 3);
      a.publish('x', 4);
      await a.flush(); // sends the open batch, then waits for the server
      const got = await take(sub, 5);
      expect(got.map((e) => [e.event_type, e.data])).toEqual([['x', 0], ['x', 1], ['x', 2], ['y', 3], ['x', 4]]);
      await nc.flush();
      expect(messages.map((m) => m.subject)).toEqual(['t.batch.e.x', 't.batch.e.y', 't.batch.e.x']);
      expect(messages.map((m) => m.body)).toEqual([got.slice(0, 3), got[3], got[4]]);
      expect(b.stats().transport).toMatchObject({ received: 3, delivered: 5, invalid: 0 });
      expect(a.stats().transport).toMatchObject({ published: 5 });
    } finally {
      await nc.close();
    }
  });

  it('a bus does not hear its own events back', async () => {
    const a = await bus('echo');
    const b = await bus('echo');
    const mine = a.subscribe(['ping', 'pong']);
    const theirs = b.subscribe('ping');
    await Promise.all([a.flush(), b.flush()]);
    a.publish('ping', 1);
    await take(theirs, 1);
    b.publish('pong', 2);
    // an echo of `ping` would reach `a` before `pong`, which was sent after b received `ping`
    const got = await take(mine, 2);
    expect(got.map((e) => e.event_type)).toEqual(['ping', 'pong']);
    expect(mine.poll()).toBeNull();
    expect(a.stats().transport).toMatchObject({ received: 1, delivered: 1 });
  });

  it('subscribes on the server for its patterns only, counted, and gives the interest up with the last subscription', async () => {
    const a = await bus('interest');
    const b = await bus('interest');
    const marker = b.subscribe('marker');
    const s1 = b.subscribe('x.*');
    const s2 = b.subscribe(['x.*', 'y']);
    expect(b.stats().transport!.subjects).toBe(3);
    s1.unsubscribe();
    expect(b.stats().transport!.subjects).toBe(3); // s2 still wants x.*
    await b.flush();
    a.publish('x.1', 1);
    expect((await take(s2, 1))[0]!.data).toBe(1);
    s2.unsubscribe();
    expect(b.stats().transport!.subjects).toBe(1);
    await b.flush();
    const before = b.stats().transport!.received;
    a.publish('x.2', 2);
    a.publish('y', 3);
    a.publish('z', 4); // never wanted
    a.publish('marker', 5);
    await take(marker, 1);
    // x.2, y and z never came: the server sends a bus only what its patterns want
    expect(b.stats().transport!.received - before).toBe(1);
  });

  it('a full reject or block queue refuses a remote event (counted); the publisher and other subscribers go on', async () => {
    const a = await bus('full');
    const b = await bus('full');
    const strict = b.subscribe('job', { backpressure: 'reject', max_queue_size: 1 });
    const blocking = b.subscribe('job', { backpressure: 'block', max_queue_size: 2 });
    const easy = b.subscribe('job');
    await b.flush();
    for (let i = 0; i < 5; i++) expect(typeof a.publish('job', i)).toBe('string');
    expect((await take(easy, 5)).map((e) => e.data)).toEqual([0, 1, 2, 3, 4]);
    expect(strict.drain().map((e) => e.data)).toEqual([0]);
    expect(blocking.drain().map((e) => e.data)).toEqual([0, 1]);
    expect(strict.stats()).toMatchObject({ rejected: 4, delivered: 1 });
    expect(blocking.stats()).toMatchObject({ rejected: 3, delivered: 2 });
  });

  it('remote events pass through subscription filters like local ones', async () => {
    const a = await bus('filters');
    const b = await bus('filters');
    const big = b.subscribe('pay', { filter: { 'data.amount': { op: '>=', value: 100 } } });
    const all = b.subscribe('pay');
    await b.flush();
    for (const amount of [5, 500, 50, 100]) a.publish('pay', { amount });
    await take(all, 4);
    expect(big.drain().map((e) => (e.data as { amount: number }).amount)).toEqual([500, 100]);
    expect(big.stats()).toMatchObject({ total_received: 4, filtered: 2 });
  });

  it('buses on different prefixes do not hear each other; one stream can keep both', async () => {
    const shared = { stream: 'T_SHARED' };
    const x = await joined(server.url, { ...shared, prefix: 't.px' });
    const y = await joined(server.url, { ...shared, prefix: 't.py' });
    open.push(x, y);
    const xs = x.subscribe('**');
    const ys = y.subscribe('**');
    await Promise.all([x.flush(), y.flush()]);
    x.publish('hello', 'from x', { persistent: true });
    y.publish('hello', 'from y', { persistent: true });
    y.publish('done', null);
    // once the server has y's events, a round trip on x's connection comes back after anything routed to x
    await y.flush();
    await x.flush();
    expect((await take(ys, 2)).map((e) => e.event_type)).toEqual(['hello', 'done']); // its own, locally
    expect(xs.drain().map((e) => e.data)).toEqual(['from x']);
    expect(x.stats().transport!.received).toBe(0);
    const { nc, jsm } = await raw(server.url);
    try {
      const info = await jsm.streams.info('T_SHARED');
      expect([...info.config.subjects!].sort()).toEqual(['t.px.p.>', 't.py.p.>']);
      expect(info.state.messages).toBe(2);
    } finally {
      await nc.close();
    }
  });

  it('an event too large for the server fails with PAYLOAD_TOO_LARGE and has no effect', async () => {
    const a = await bus('large', { max_event_bytes: 4 * 1024 * 1024 });
    const sub = a.subscribe('big');
    const before = a.stats().sequence;
    let err: unknown;
    try {
      a.publish('big', 'x'.repeat(2 * 1024 * 1024));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CrosstalkError);
    expect((err as CrosstalkError).code).toBe('PAYLOAD_TOO_LARGE');
    expect((err as CrosstalkError).message).toMatch(/NATS server at nats:\/\/127\.0\.0\.1:\d+ takes at most/);
    expect(sub.poll()).toBeNull();
    expect(a.stats().sequence).toBe(before);
  });

  it('persistent publishes past max_pending_acks wait for room, and later publishes queue behind them, in order', async () => {
    const b = await joined(server.url, { prefix: 't.acks', stream: 'T_acks', max_pending_acks: 2 });
    const r = await bus('acks');
    open.push(b);
    const local = b.subscribe('**');
    const remote = r.subscribe('**');
    await Promise.all([b.flush(), r.flush()]);
    expect(typeof b.publish('p.a', 1, { persistent: true })).toBe('string');
    expect(typeof b.publish('p.b', 2, { persistent: true })).toBe('string');
    // two acks are outstanding: the window is full until one comes back
    const third = b.publish('p.c', 3, { persistent: true });
    const fourth = b.publish('e.x', 4); // ephemeral, but after a waiting publish: it waits its turn
    expect(third).toBeInstanceOf(Promise);
    expect(fourth).toBeInstanceOf(Promise);
    expect(b.stats().transport).toMatchObject({ pending_acks: 2, waiting: 2 });
    expect(local.drain().map((e) => e.data)).toEqual([1, 2]); // the waiting ones have no effect yet
    const ids = await Promise.all([third, fourth]);
    expect(ids.every((id) => typeof id === 'string')).toBe(true);
    await b.flush();
    expect(local.drain().map((e) => e.data)).toEqual([3, 4]);
    const got = await take(remote, 4);
    expect(got.map((e) => e.data)).toEqual([1, 2, 3, 4]);
    expect(got.every((e, i) => i === 0 || e.sequence > got[i - 1]!.sequence)).toBe(true);
    expect(b.stats().transport).toMatchObject({ acked: 3, ack_failures: 0, pending_acks: 0, waiting: 0 });
  });

  it('a publish waiting for room fails with BUS_UNAVAILABLE when the bus closes, with no effect', async () => {
    const b = await joined(server.url, { prefix: 't.closing', stream: 'T_closing', max_pending_acks: 1 });
    const sub = b.subscribe('**');
    b.publish('p.a', 1, { persistent: true });
    const waiting = b.publish('p.b', 2, { persistent: true });
    expect(waiting).toBeInstanceOf(Promise);
    const closed = b.close();
    const err = await expectRejectCode(() => waiting as Promise<string>, 'BUS_UNAVAILABLE');
    expect(err.message).toMatch(/closed while the publish waited/);
    await closed;
    expect(sub.poll()).toBeNull();
    expect(b.stats()).toMatchObject({ published: 1, transport: { acked: 1, waiting: 0 } });
  });

  it('one transport serves one bus', async () => {
    const a = await bus('one');
    let err: unknown;
    try {
      createBus({ transport: a.transport });
    } catch (e) {
      err = e;
    }
    expect((err as CrosstalkError).code).toBe('INVALID_OPTION');
    expect((err as CrosstalkError).message).toMatch(/already serves another bus/);
  });
});

describe('persistence in JetStream', () => {
  it('persistent events outlast the bus that published them; ephemeral ones are not kept; ids dedupe', async () => {
    const a = await bus('keep');
    expect(a.store).toBeNull();
    const ids = [
      a.publish('audit.login', { user: 'ann' }, { persistent: true }) as string,
      a.publish('audit.noise', 1) as string,
      a.publish('audit.logout', { user: 'ann' }, { ttl_seconds: 3600 }) as string,
    ];
    await a.flush();
    await a.close();

    const { nc, jsm } = await raw(server.url);
    try {
      const info = await jsm.streams.info('T_keep');
      expect(info.config.subjects).toEqual(['t.keep.p.>']);
      expect(info.state.messages).toBe(2);
      const first = await jsm.streams.getMessage('T_keep', { seq: 1 });
      const second = await jsm.streams.getMessage('T_keep', { seq: 2 });
      expect(first!.subject).toBe('t.keep.p.audit.login');
      expect(first!.header.get('Nats-Msg-Id')).toBe(ids[0]);
      expect(first!.json<UniversalEvent>()).toMatchObject({ id: ids[0], event_type: 'audit.login', data: { user: 'ann' } });
      expect(second!.json<UniversalEvent>()).toMatchObject({ id: ids[2], ttl_seconds: 3600 });

      // a new bus (a restart) finds the stream as it was, and a repeated id is not stored twice
      const again = await bus('keep');
      again.publish({ event_type: 'audit.login', id: ids[0], persistent: true, data: { user: 'ann' } });
      again.publish('audit.other', 2, { persistent: true });
      await again.flush();
      expect((await jsm.streams.info('T_keep')).state.messages).toBe(3);
      expect(again.stats().transport).toMatchObject({ acked: 2, ack_failures: 0 });
    } finally {
      await nc.close();
    }
  });

  it('a bus with a store keeps its own persistent events there too, and no one else\'s', async () => {
    const store = createMemoryStore();
    const a = await bus('both', { store });
    const b = await bus('both');
    const sub = a.subscribe('**');
    await a.flush();
    a.publish('mine', 1, { persistent: true });
    b.publish('theirs', 2, { persistent: true });
    await b.flush();
    await take(sub, 2);
    await a.flush();
    expect((await store.query({ limit: 10, order: 'asc' })).map((e) => e.event_type)).toEqual(['mine']);
    expect(a.stats().transport).toMatchObject({ acked: 1 });
  });

  it('acknowledgements that fail are counted and reported by flush: no stream, another stream, no answer in time', async () => {
    const a = await bus('fail', { route_cache_size: 10 });
    const { nc, jsm } = await raw(server.url);
    try {
      // no stream captures the subject any more: the server answers "no responders" at once
      await jsm.streams.delete('T_fail');
      a.publish('lost.one', 1, { persistent: true });
      a.publish('lost.two', 2, { persistent: true });
      let err = await expectRejectCode(() => a.flush(), 'BUS_UNAVAILABLE');
      expect(err.message).toMatch(/2 persistent events were not stored in JetStream stream T_fail on .*: no stream captures the subject \(no responders\)/);
      // a stream of another name captures it: JetStream refuses the expected-stream header
      await jsm.streams.add({ name: 'T_other', subjects: ['t.fail.p.>'] });
      a.publish('lost.three', 3, { persistent: true });
      err = await expectRejectCode(() => a.flush(), 'BUS_UNAVAILABLE');
      expect(err.message).toMatch(/1 persistent event was not stored in JetStream stream T_fail on .*: expected stream does not match/);
      expect(a.stats().transport).toMatchObject({ acked: 0, ack_failures: 3, pending_acks: 0 });
      await a.flush(); // reported once
    } finally {
      await jsm.streams.delete('T_other').catch(() => undefined);
      await nc.close();
    }
  });

  it('a server that stops answering: acks time out after ack_timeout_ms, a publish waits for room at most as long', async () => {
    const s = await startNatsServer();
    const a = await joined(s.url, { ack_timeout_ms: 300, max_pending_acks: 1 });
    try {
      const sub = a.subscribe('**');
      s.pause();
      a.publish('hung', 1, { persistent: true });
      const second = a.publish('hung', 2, { persistent: true }); // goes when the first ack times out
      const third = a.publish('hung', 3, { persistent: true }); // still no room by then: given up
      expect(await second).toEqual(expect.any(String));
      const err = await expectRejectCode(() => third as Promise<string>, 'BUS_UNAVAILABLE');
      expect(err.message).toMatch(/a publish waited 300 ms \(ack_timeout_ms\) for room among the persistent events awaiting JetStream's acknowledgement on .* \(max_pending_acks 1\)/);
      s.resume(); // flush also waits for the server's answer to a ping
      const flushErr = await expectRejectCode(() => a.flush(), 'BUS_UNAVAILABLE');
      // the first ack ran out while the server was paused; the second may come back once it resumes
      expect(flushErr.message).toMatch(/(1 persistent event was|2 persistent events were) not stored .*no acknowledgement within 300 ms \(ack_timeout_ms\)/);
      expect(sub.drain().map((e) => e.data)).toEqual([1, 2]);
    } finally {
      s.resume();
      await a.close();
      await s.stop();
    }
  });

  it('persist patterns need no local store on a joined bus', async () => {
    const a = await bus('pattern', { persist: ['order.**'] });
    a.publish('order.paid', 1);
    a.publish('chat', 2);
    await a.flush();
    expect(a.stats()).toMatchObject({ persisted: 1, transport: { acked: 1 } });
  });
});
