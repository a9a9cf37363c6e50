/**
 * The JetStream stream read as a store, against a real nats-server: query
 * in stream order with every query field, paging and newest-first,
 * catch-up subscriptions without gap or duplicate while others publish,
 * replay with a checkpoint kept in NATS, expiry, masking before storage,
 * garbage in the stream, and connection errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectNats,
  createBus,
  historyOf,
  normalizeQuery,
  openJetStreamStore,
  replay,
  type Bus,
  type StreamStore,
  type UniversalEvent,
} from '../../src/index.js';
import { expectRejectCode } from '../core/helpers.js';
import { startNatsServer, type NatsServer } from '../setup/nats.js';
import { joined, raw, take } from './helpers.js';

let server: NatsServer;
let a: Bus;
let b: Bus;
let reader: StreamStore;
const T0 = Date.now() - 3_600_000;

beforeAll(async () => {
  server = await startNatsServer();
  a = await joined(server.url, {}, { component: 'shop' });
  b = await joined(server.url, {}, { component: 'billing' });
  // 60 events alternating between two publishers, so stream order interleaves their own sequences
  for (let i = 0; i < 30; i++) {
    a.publish('order.created', { i, amount: i * 10, tags: i % 3 === 0 ? ['vip'] : [] }, { persistent: true, correlation_id: `c-${i % 5}` });
    await a.flush();
    b.publish(i % 2 ? 'invoice.sent' : 'invoice.paid', { i, amount: i }, { persistent: true });
    await b.flush();
  }
  a.publish('order.note', { ephemeral: true }); // not persistent: never in the stream
  await a.flush();
  reader = await openJetStreamStore(server.url);
});

afterAll(async () => {
  await reader?.close();
  await a?.close();
  await b?.close();
  await server?.stop();
});

const q = (x: Record<string, unknown>) => normalizeQuery(x);

describe('query reads the stream in its order', () => {
  it('every persistent event of every process, sequence = stream sequence', async () => {
    const all = await reader.query(q({ limit: 1000 }));
    expect(all).toHaveLength(60);
    expect(all.map((e) => e.sequence)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(all.map((e) => e.source.component)).toEqual(Array.from({ length: 60 }, (_, i) => (i % 2 ? 'billing' : 'shop')));
    expect(await reader.snapshot()).toBe(60);
    expect(await reader.count()).toBe(60);
  });

  it('type patterns (server-side subjects), filters, expressions, correlation and source', async () => {
    expect((await reader.query(q({ event_type: 'invoice.*', limit: 100 }))).length).toBe(30);
    expect((await reader.query(q({ event_type: 'invoice.p*', limit: 100 }))).map((e) => e.event_type)).toEqual(Array(15).fill('invoice.paid'));
    expect((await reader.query(q({ event_type: '{order,invoice}.paid', limit: 100 }))).length).toBe(15);
    const big = await reader.query(q({ event_type: 'order.*', filters: { 'data.amount': { op: '>=', value: 250 } }, limit: 100 }));
    expect(big.map((e) => (e.data as { i: number }).i)).toEqual([25, 26, 27, 28, 29]);
    const expr = await reader.query(q({ where: "type LIKE 'order.**' AND data.tags CONTAINS 'vip' AND NOT data.i IN (0, 3)", limit: 100 }));
    expect(expr.map((e) => (e.data as { i: number }).i)).toEqual([6, 9, 12, 15, 18, 21, 24, 27]);
    expect((await reader.query(q({ correlation_id: 'c-2', limit: 100 }))).length).toBe(6);
    expect((await reader.query(q({ source: 'billing', limit: 100 }))).length).toBe(30);
    expect(await reader.countMatching(q({ event_type: 'order.created', where: 'data.amount > 100' }))).toBe(19);
    expect(await reader.query(q({ event_type: 'nothing.here' }))).toEqual([]);
  });

  it('pages by after_sequence, newest first, and time ranges', async () => {
    const first = await reader.query(q({ limit: 25 }));
    const second = await reader.query(q({ limit: 25, after_sequence: first.at(-1)!.sequence }));
    const third = await reader.query(q({ limit: 25, after_sequence: second.at(-1)!.sequence }));
    expect([...first, ...second, ...third].map((e) => e.sequence)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    const newest = await reader.query(q({ order: 'desc', limit: 3, event_type: 'order.*' }));
    expect(newest.map((e) => (e.data as { i: number }).i)).toEqual([29, 28, 27]);
    const above = await reader.query(q({ order: 'desc', limit: 100, after_sequence: 55 }));
    expect(above.map((e) => e.sequence)).toEqual([60, 59, 58, 57, 56]);
    const all = await reader.query(q({ limit: 100 }));
    const mid = Date.parse(all[30]!.timestamp);
    const later = await reader.query(q({ start_time: mid, limit: 100 }));
    expect(later.every((e) => Date.parse(e.timestamp) >= mid)).toBe(true);
    expect(later.length).toBe(all.filter((e) => Date.parse(e.timestamp) >= mid).length);
    expect(await reader.query(q({ end_time: T0, limit: 100 }))).toEqual([]);
  });

  it('a read from a time that found nothing does not stand in for a read from the start', async () => {
    const r = await openJetStreamStore(server.url);
    // reaches the end of the stream without taking a message (and waits there for a next page)
    expect(await r.query(q({ start_time: Date.now() + 3_600_000, limit: 10 }))).toEqual([]);
    expect((await r.query(q({ limit: 100 }))).map((e) => e.sequence)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    await r.close();
  });
});

describe('catch-up subscriptions on a bus joined to the stream', () => {
  it('history of every process first, then live events, none twice and none missing', async () => {
    const c = await joined(server.url);
    const sub = c.subscribe(['order.*', 'invoice.*'], { from_sequence: 0, max_queue_size: 100_000 });
    // others keep publishing while the history is read
    const more = (async () => {
      for (let i = 0; i < 40; i++) {
        (i % 2 ? a : b).publish('order.late', { i }, { persistent: i % 4 !== 0 });
        if (i % 10 === 9) await Promise.all([a.flush(), b.flush()]);
      }
      await Promise.all([a.flush(), b.flush()]);
    })();
    const got: UniversalEvent[] = await take(sub, 100, 10_000);
    await more;
    expect(await sub.receive(300)).toBeNull();
    const history = got.slice(0, 60);
    expect(history.map((e) => e.sequence)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    const late = got.filter((e) => e.event_type === 'order.late').map((e) => (e.data as { i: number }).i);
    expect([...late].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(new Set(got.map((e) => e.id)).size).toBe(100);
    await c.close();
  });

  it('from_sequence and from_time pick up in the stream', async () => {
    const c = await joined(server.url);
    const sub = c.subscribe('invoice.*', { from_sequence: 50 });
    const got = await take(sub, 5);
    expect(got.map((e) => e.sequence)).toEqual([52, 54, 56, 58, 60]);
    await c.close();
  });
});

describe('replay from the stream', () => {
  it('re-publishes with a checkpoint kept in NATS; the next replay resumes', async () => {
    const c = await joined(server.url);
    const store = historyOf(c)!;
    expect(store.kind).toBe('jetstream');
    const copies = c.subscribe('invoice.*', { max_queue_size: 1000 });
    const n1 = await replay(c, store, { event_type: 'invoice.*', speed: 0, checkpoint: 'nightly', limit: 10 });
    expect(n1).toBe(10);
    const first = copies.drain();
    expect(first.map((e) => (e.metadata.replay as { original_sequence: number }).original_sequence)).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    await c.close();
    // another process resumes after the last replayed
    const d = await joined(server.url);
    const copies2 = d.subscribe('invoice.*', { max_queue_size: 1000 });
    expect(await replay(d, historyOf(d)!, { event_type: 'invoice.*', speed: 0, checkpoint: 'nightly' })).toBe(20);
    expect((copies2.drain()[0]!.metadata.replay as { original_sequence: number }).original_sequence).toBe(22);
    const { nc, jsm } = await raw(server.url);
    const kv = await jsm.streams.getMessage('KV_CROSSTALK_checkpoints', { last_by_subj: '$KV.CROSSTALK_checkpoints.nightly' });
    expect(new TextDecoder().decode(kv!.data)).toBe('60');
    await nc.close();
    await d.close();
  });
});

describe('expiry, masking and garbage', () => {
  it('expired events are never returned; sweep deletes them from the stream', async () => {
    const e = await joined(server.url, { prefix: 'ttl' });
    for (let i = 0; i < 5; i++) e.publish('tmp.file', { i }, { persistent: true, ttl_seconds: i < 3 ? 1 : 3600 });
    await e.flush();
    const r = await openJetStreamStore(server.url, { prefix: 'ttl' });
    expect((await r.query(q({ limit: 10 }))).length).toBe(5);
    // a second and a bit later the first three have expired
    await new Promise((ok) => setTimeout(ok, 1100));
    expect((await r.query(q({ limit: 10 }))).map((x) => (x.data as { i: number }).i)).toEqual([3, 4]);
    expect(await r.sweep()).toBe(3);
    const { nc, jsm } = await raw(server.url);
    const info = await jsm.streams.info('CROSSTALK', { subjects_filter: 'ttl.p.>' });
    expect(info.state.subjects?.['ttl.p.tmp.file']).toBe(2);
    await nc.close();
    await r.close();
    await e.close();
  });

  it('masking rules for storage apply to what JetStream keeps', async () => {
    const m = createBus({
      transport: await connectNats(server.url, { prefix: 'mask' }),
      masking: [{ path: 'data.card', action: 'partial' }],
    });
    const local = m.subscribe('pay.*');
    m.publish('pay.done', { card: '4111111111111111' }, { persistent: true });
    await m.flush();
    expect((local.poll()!.data as { card: string }).card).toBe('4111111111111111');
    const r = await openJetStreamStore(server.url, { prefix: 'mask' });
    expect((await r.query(q({})))[0]!.data).toEqual({ card: '************1111' });
    await r.close();
    await m.close();
  });

  it('a message in the stream that is not an event is skipped and counted', async () => {
    // the bus's connection widens the stream to its prefix
    const e = await joined(server.url, { prefix: 'junk' });
    const { nc } = await raw(server.url);
    const { jetstream } = await import('@nats-io/jetstream');
    const js = jetstream(nc);
    await js.publish('junk.p.x.y', 'not json');
    await js.publish('junk.p.x.y', JSON.stringify({ id: 'nope' }));
    e.publish('x.y', { ok: true }, { persistent: true });
    await e.flush();
    const r = await openJetStreamStore(server.url, { prefix: 'junk' });
    expect((await r.query(q({}))).map((x) => x.data)).toEqual([{ ok: true }]);
    expect(r.invalid).toBe(2);
    await r.close();
    await e.close();
    await nc.close();
  });
});

describe('connection errors', () => {
  it('a malformed URL is INVALID_OPTION; an unreachable server or a missing stream BUS_UNAVAILABLE', async () => {
    await expectRejectCode(openJetStreamStore('http://x'), 'INVALID_OPTION');
    await expectRejectCode(openJetStreamStore('nats://127.0.0.1:1', { connect_timeout_ms: 500, max_reconnect_attempts: 0 }), 'BUS_UNAVAILABLE');
    const err = await expectRejectCode(openJetStreamStore(server.url, { stream: 'NOPE' }), 'BUS_UNAVAILABLE');
    expect(err.message).toContain('has no JetStream stream NOPE');
    expect(() => reader.append({} as never)).toThrow(/written by the bus's transport/);
  });
});
