/**
 * What can go wrong around a joined bus: bad URLs and options, servers that
 * are not there or lack JetStream, garbage on the subjects, and the server
 * dying mid-run. None of it may crash the host; each failure is a
 * CrosstalkError that says what happened.
 */
import { randomUUID } from 'node:crypto';
import { headers } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNats, CrosstalkError, parseBusUrl, type BusStatus, type UniversalEvent } from '../../src/index.js';
import { ORIGIN_HEADER } from '../../src/transport/wire.js';
import { followBus } from '../../src/cli/store/follow-bus.js';
import { expectRejectCode } from '../core/helpers.js';
import { startNatsServer, type NatsServer } from '../setup/nats.js';
import { joined, raw, take } from './helpers.js';

let server: NatsServer;

beforeAll(async () => {
  server = await startNatsServer();
});

afterAll(async () => {
  await server?.stop();
});

describe('bus URLs and options', () => {
  it.each([
    ['nats://', /no host/],
    ['http://x', /scheme is http, not nats/],
    ['', /empty/],
    ['   ', /empty/],
    ['nats://x:0', /port 0 is not 1–65535/],
    ['nats://x:99999', /not a URL \(or its port is not 1–65535\)/],
    ['nats://x:4222/path', /a path is not allowed/],
    ['nats://x:4222?a=b', /a query or fragment/],
    ['127.0.0.1:4222', /scheme/],
    [42, /not a string/],
    [null, /not a string/],
    [undefined, /not a string/],
    [{}, /not a string/],
  ])('%j is INVALID_OPTION before any connection', async (url, why) => {
    const err = await expectRejectCode(() => connectNats(url as string), 'INVALID_OPTION');
    expect(err.message).toMatch(why);
    expect(err.message).toMatch(/expected nats:\/\/host:port/);
    expect(err.option).toBe('bus');
  });

  it('normalizes good URLs and keeps credentials out of what it displays', () => {
    expect(parseBusUrl('nats://127.0.0.1')).toEqual({ server: 'nats://127.0.0.1:4222', display: 'nats://127.0.0.1:4222' });
    expect(parseBusUrl(' nats://u:p@h:1/ ')).toEqual({ server: 'nats://u:p@h:1', display: 'nats://h:1' });
  });

  it.each([
    [{ prefix: 'a..b' }, 'prefix'],
    [{ prefix: 'a.>' }, 'prefix'],
    [{ stream: 'A.B' }, 'stream'],
    [{ connect_timeout_ms: 0 }, 'connect_timeout_ms'],
    [{ reconnect_buffer: -1 }, 'reconnect_buffer'],
    [{ max_pending_acks: 0 }, 'max_pending_acks'],
    [{ max_pending_acks: NaN }, 'max_pending_acks'],
    [{ colour: 'red' }, 'colour'],
  ])('option %j is INVALID_OPTION naming %s', async (opts, option) => {
    const err = await expectRejectCode(() => connectNats(server.url, opts as object), 'INVALID_OPTION');
    expect(err.option).toBe(option);
  });

  it('an unreachable server fails within the connect timeout', async () => {
    const gone = await startNatsServer();
    await gone.stop();
    const started = Date.now();
    const err = await expectRejectCode(() => connectNats(gone.url, { connect_timeout_ms: 2000 }), 'BUS_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(err.message).toMatch(new RegExp(`cannot connect to ${gone.url.replace(/\./g, '\\.')}: `));
  });

  it('a server without JetStream is BUS_UNAVAILABLE saying so', async () => {
    const plain = await startNatsServer({ jetstream: false });
    try {
      const err = await expectRejectCode(() => connectNats(plain.url, { connect_timeout_ms: 2000 }), 'BUS_UNAVAILABLE');
      expect(err.message).toMatch(/JetStream is not available on .*start nats-server with -js/);
    } finally {
      await plain.stop();
    }
  });
});

/** A well-formed event as a raw client would send it. */
function valid(type: string, data: unknown = 1): UniversalEvent {
  return {
    id: randomUUID(),
    event_type: type,
    timestamp: new Date().toISOString(),
    version: '1.0',
    sequence: 1,
    source: { component: 'raw', instance_id: 'r1', language: 'host' },
    data: data as never,
    metadata: {},
    priority: 'normal',
  };
}
const json = (v: unknown) => JSON.stringify(v);

describe('garbage on the subjects', () => {
  let nested: unknown = 0;
  for (let i = 0; i < 100; i++) nested = [nested];

  const garbage: [string, string, string | Uint8Array][] = [
    ['not JSON', 'crosstalk.e.order.paid', 'hello'],
    ['not UTF-8', 'crosstalk.e.order.paid', new Uint8Array([0xff, 0xfe, 0x7b, 0x7d])],
    ['empty', 'crosstalk.e.order.paid', ''],
    ['an array', 'crosstalk.e.order.paid', '[]'],
    ['null', 'crosstalk.e.order.paid', 'null'],
    ['an empty object', 'crosstalk.e.order.paid', '{}'],
    ['a bad id', 'crosstalk.e.order.paid', json({ ...valid('order.paid'), id: 'x' })],
    ['a type unlike the subject', 'crosstalk.e.order.paid', json(valid('order.refunded'))],
    ['a bad timestamp', 'crosstalk.e.order.paid', json({ ...valid('order.paid'), timestamp: 'yesterday' })],
    ['a bad version', 'crosstalk.e.order.paid', json({ ...valid('order.paid'), version: 2 })],
    ['a bad sequence', 'crosstalk.e.order.paid', json({ ...valid('order.paid'), sequence: -1 })],
    ['a bad source', 'crosstalk.e.order.paid', json({ ...valid('order.paid'), source: 'me' })],
    ['source without language', 'crosstalk.e.order.paid', json({ ...valid('order.paid'), source: { component: 'a', instance_id: 'b' } })],
    ['no data', 'crosstalk.e.order.paid', json({ ...valid('order.paid'), data: undefined })],
    ['bad metadata', 'crosstalk.e.order.paid', json({ ...valid('order.paid'), metadata: [1] })],
    ['a bad priority', 'crosstalk.e.order.paid', json({ ...valid('order.paid'), priority: 'urgent' })],
    ['a bad ttl', 'crosstalk.e.order.paid', json({ ...valid('order.paid'), ttl_seconds: 1.5 })],
    ['an unknown field', 'crosstalk.e.order.paid', json({ ...valid('order.paid'), extra: 1 })],
    ['nesting too deep', 'crosstalk.e.order.paid', json(valid('order.paid', nested))],
    ['over the size limit', 'crosstalk.e.order.paid', json(valid('order.paid', 'x'.repeat(20_000)))],
    ['an unknown kind token', 'crosstalk.q.order.paid', json(valid('order.paid'))],
  ];

  it('is dropped and counted; the valid event after it arrives; the host goes on', async () => {
    const b = await joined(server.url, {}, { max_event_bytes: 4096 });
    const { nc } = await raw(server.url);
    try {
      const sub = b.subscribe('order.*');
      const all = b.subscribe('**');
      await b.flush();
      for (const [, subject, payload] of garbage) nc.publish(subject, payload);
      // a message that claims to come from b itself is skipped as an echo
      const h = headers();
      h.set(ORIGIN_HEADER, 'someone-else');
      const good = valid('order.paid', { ok: true });
      nc.publish('crosstalk.e.order.paid', json(good), { headers: h });
      const [got] = await take(sub, 1);
      expect(got).toEqual(good);
      expect(sub.poll()).toBeNull();
      expect(all.drain()).toEqual([good]);
      // every message arrives twice, once for each pattern's server subscription
      expect(b.stats().transport).toMatchObject({ received: 2 * (garbage.length + 1), invalid: 2 * garbage.length, duplicates: 1, delivered: 1 });
    } finally {
      await nc.close();
      await b.close();
    }
  });
});

describe('garbage in batches', () => {
  it('each event of a batch is checked on its own; an array that does not split delivers nothing', async () => {
    const b = await joined(server.url);
    const { nc } = await raw(server.url);
    try {
      const sub = b.subscribe('order.*');
      await b.flush();
      const [one, two, three] = [valid('order.paid', 1), valid('order.paid', 2), valid('order.paid', 3)];
      const messages = [
        `[${json(one)}, {"not":"an event"}, ${json({ ...valid('order.paid', 'x'), event_type: 'order.refunded' })},${json(two)}]`, // 2 bad
        `[${json(valid('order.paid', 'lost'))},`, // does not split: 1 bad
        `[${json(valid('order.paid', 'lost'))}] trailing`, // 1 bad
        '[]', // 1 bad
        `[ ${json(three)} ]`,
      ];
      for (const m of messages) nc.publish('crosstalk.e.order.paid', m);
      const got = await take(sub, 3);
      expect(got).toEqual([one, two, three]);
      expect(sub.poll()).toBeNull();
      expect(b.stats().transport).toMatchObject({ received: messages.length, invalid: 5, delivered: 3 });
    } finally {
      await nc.close();
      await b.close();
    }
  });
});

describe('the server going away', () => {
  it('ends tail --bus: what arrived is printed, the loss is told, and it fails with BUS_UNAVAILABLE', async () => {
    const s = await startNatsServer();
    const printed: UniversalEvent[] = [];
    const told: string[] = [];
    let ready!: () => void;
    const following = new Promise<void>((resolve) => (ready = resolve));
    const tail = followBus({
      bus: s.url,
      pattern: 'job.*',
      filters: undefined,
      max: Infinity,
      signal: new AbortController().signal,
      out: { write: async (events) => void printed.push(...events), end: async () => undefined },
      ready: () => ready(),
      status: (m) => told.push(m),
      nats: { max_reconnect_attempts: 1, reconnect_time_wait_ms: 50 },
    });
    const done = tail.then(
      () => null,
      (e: unknown) => e,
    );
    await following;
    const producer = await joined(s.url);
    producer.publish('job.one', 1);
    await producer.flush();
    await producer.close();
    await s.stop();
    const err = await done;
    expect(err).toBeInstanceOf(CrosstalkError);
    expect((err as CrosstalkError).code).toBe('BUS_UNAVAILABLE');
    expect((err as CrosstalkError).message).toMatch(/is closed: gave up reconnecting/);
    expect(printed.map((e) => e.data)).toEqual([1]);
    expect(told).toEqual([expect.stringMatching(/^lost the connection/), expect.stringMatching(/is closed: gave up reconnecting/)]);
  });

  it('is reported, publishing fails with BUS_UNAVAILABLE, local use goes on, close does not throw', async () => {
    const s = await startNatsServer();
    const a = await joined(s.url, { max_reconnect_attempts: 1, reconnect_time_wait_ms: 50 });
    const seen: BusStatus[] = [];
    const closed = new Promise<void>((resolve) =>
      a.onStatus((st) => {
        seen.push(st);
        if (st.type === 'connection' && st.state === 'closed') resolve();
      }),
    );
    const sub = a.subscribe('x');
    await s.stop();
    await closed;
    expect(seen.map((st) => (st.type === 'connection' ? st.state : st.type))).toEqual(['disconnected', 'closed']);
    expect(seen[1]).toMatchObject({ url: s.url, message: expect.stringMatching(/is closed: gave up reconnecting/) });
    let err: unknown;
    try {
      a.publish('x', 1);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CrosstalkError);
    expect((err as CrosstalkError).code).toBe('BUS_UNAVAILABLE');
    expect((err as CrosstalkError).message).toMatch(/the connection to nats:\/\/127\.0\.0\.1:\d+ is closed/);
    expect(sub.poll()).toBeNull(); // the failed publish had no effect
    expect(a.stats().transport!.state).toBe('closed');
    await expectRejectCode(() => a.flush(), 'BUS_UNAVAILABLE');
    // subscriptions still come and go; closing does not throw
    a.subscribe('y').unsubscribe();
    await a.close();
  });

  it('while reconnecting, publishes are held up to reconnect_buffer and sent when the server is back', async () => {
    const s = await startNatsServer();
    const storeDir = s.storeDir;
    const a = await joined(s.url, { max_reconnect_attempts: -1, reconnect_time_wait_ms: 50, reconnect_buffer: 3, ack_timeout_ms: 20_000 });
    const states: string[] = [];
    let onState: (st: string) => void = () => undefined;
    a.onStatus((st) => {
      if (st.type !== 'connection') return;
      states.push(st.state);
      onState(st.state);
    });
    const reached = (state: string) => new Promise<void>((resolve) => (onState = (st) => st === state && resolve()));
    try {
      const down = reached('disconnected');
      await s.kill();
      await down;
      const ids = [0, 1, 2].map((i) => a.publish('held', i, { persistent: true }) as string);
      await expectRejectCode(async () => a.publish('held', 3), 'BUS_UNAVAILABLE');
      const up = reached('reconnected');
      const back = await startNatsServer({ port: s.port, storeDir });
      try {
        await up;
        await a.flush();
        expect(a.stats().transport).toMatchObject({ state: 'connected', acked: 3, ack_failures: 0 });
        const { nc, jsm } = await raw(back.url);
        const stored = await jsm.streams.getMessage('CROSSTALK', { seq: 3 });
        expect(stored!.json<UniversalEvent>().id).toBe(ids[2]);
        await nc.close();
        expect(typeof a.publish('held', 4)).toBe('string');
      } finally {
        await a.close();
        await back.stop();
      }
    } finally {
      await s.stop();
    }
    expect(states).toEqual(['disconnected', 'reconnected']);
  });
});
