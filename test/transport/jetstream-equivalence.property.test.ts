/**
 * The JetStream stream answers queries as the SQLite store does, for the
 * same events: random queries (type patterns, filters, expressions, time
 * ranges, paging, both orders, limits) against a real nats-server, and the
 * SQLite store holding what the stream holds (with the stream's sequences).
 * Also: a short query leaves little in flight behind it (pulls are sized by
 * what the query still needs).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeQuery, openJetStreamStore, openSqliteStore, type Bus, type StreamStore, type UniversalEvent } from '../../src/index.js';
import { startNatsServer, type NatsServer } from '../setup/nats.js';
import { joined, raw } from './helpers.js';

let server: NatsServer;
let bus: Bus;
let stream: StreamStore;
let sameClock: StreamStore;
let sqlite: ReturnType<typeof openSqliteStore>;
let events: UniversalEvent[];

const TYPES = ['order.created', 'order.paid', 'order.item.added', 'user.login', 'audit'];
const SOURCES = ['shop', 'billing'];

beforeAll(async () => {
  server = await startNatsServer();
  bus = await joined(server.url, {}, { component: 'shop' });
  // bursts, so that timestamps spread over a few milliseconds each
  for (let burst = 0; burst < 8; burst++) {
    for (let i = 0; i < 40; i++) {
      const n = burst * 40 + i;
      bus.publish(TYPES[n % TYPES.length]!, { n, amount: (n * 37) % 100, tag: n % 3 === 0 ? 'vip' : 'std', ...(n % 4 === 0 ? { extra: true } : {}) }, {
        persistent: true,
        ...(n % 7 === 0 ? { correlation_id: 'c-7' } : {}),
      });
    }
    await bus.flush();
  }
  stream = await openJetStreamStore(server.url);
  sameClock = await openJetStreamStore(server.url, { clock_skew_ms: 0 });
  events = await stream.query(normalizeQuery({ limit: 10_000 }));
  sqlite = openSqliteStore(':memory:', { sweepIntervalMs: 0 });
  for (const e of events) sqlite.append(e);
  await sqlite.flush();
});

afterAll(async () => {
  await stream?.close();
  await sameClock?.close();
  await sqlite?.close();
  await bus?.close();
  await server?.stop();
});

const times = () => events.map((e) => Date.parse(e.timestamp));

const query = fc.record(
  {
    event_type: fc.constantFrom('order.*', 'order.**', 'order.paid', '{order,user}.*', 'o*.paid', '*', 'audit', 'nothing.here'),
    where: fc.constantFrom("data.amount > 50", "type LIKE 'order.*' AND data.tag = 'vip'", 'data.extra EXISTS OR data.n < 20', "NOT type LIKE 'user.*'"),
    filters: fc.constantFrom({ 'data.tag': 'vip' }, { 'data.amount': { op: '<', value: 30 } }),
    correlation_id: fc.constant('c-7'),
    source: fc.constantFrom(...SOURCES),
    after_sequence: fc.integer({ min: 0, max: 330 }),
    start_time: fc.integer({ min: 0, max: 319 }),
    end_time: fc.integer({ min: 0, max: 319 }),
    limit: fc.integer({ min: 1, max: 120 }),
    order: fc.constantFrom('asc', 'desc'),
  },
  { requiredKeys: [] },
);

describe('the JetStream stream answers as the SQLite store', () => {
  it('for random queries over the same events', async () => {
    const ts = times();
    await fc.assert(
      fc.asyncProperty(query, fc.boolean(), async (raw, skewless) => {
        const spec: Record<string, unknown> = { ...raw };
        // times are picked among the events' own (the edges are where a start or an end can go wrong)
        if (raw.start_time !== undefined) spec.start_time = ts[raw.start_time]!;
        // with clock_skew_ms 0 the read stops at the stream's time for end_time, and each event reached the
        // stream a little after its timestamp: the last ones can be missed (docs/persistence.md "Times")
        if (raw.end_time !== undefined && !skewless) spec.end_time = ts[raw.end_time]!;
        const q = normalizeQuery(spec);
        const reader = skewless ? sameClock : stream;
        const want = (await sqlite.query(q)).map((e) => e.id);
        const got = (await reader.query(q)).map((e) => e.id);
        expect([JSON.stringify(spec), skewless, got]).toEqual([JSON.stringify(spec), skewless, want]);
        expect(await reader.countMatching(q)).toBe(await sqlite.countMatching(q));
      }),
      { numRuns: 150 },
    );
  });

  it('page after page (the reads a replay, an export or a tail make)', async () => {
    for (const spec of [{ event_type: 'order.*' }, { where: 'data.amount >= 50' }, { start_time: times()[100]! }, {}]) {
      for (const reader of [stream, sameClock]) {
        const pages: string[] = [];
        let after = 0;
        for (;;) {
          const page = await reader.query(normalizeQuery({ ...spec, after_sequence: after, limit: 7 }));
          if (page.length === 0) break;
          pages.push(...page.map((e) => e.id));
          after = page.at(-1)!.sequence;
        }
        expect(pages).toEqual((await sqlite.query(normalizeQuery({ ...spec, limit: 10_000 }))).map((e) => e.id));
      }
    }
  });
});

describe('pulls are sized by what a query still needs', () => {
  it('a query for 10 rows, one message in 10 matching, has the server send a few hundred messages, not thousands', async () => {
    const b = await joined(server.url, { prefix: 'demand' });
    for (let i = 0; i < 3000; i++) b.publish('d.x', { i, tenth: i % 10 === 0 }, { persistent: true });
    await b.flush();
    const r = await openJetStreamStore(server.url, { prefix: 'demand' });
    const got = await r.query(normalizeQuery({ event_type: 'd.x', filters: { 'data.tenth': true }, limit: 10 }));
    expect(got.map((e) => (e.data as { i: number }).i)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    // the query's reader is parked for a next page: its consumer shows what the server was asked to send
    const { nc, jsm } = await raw(server.url);
    let delivered = 0;
    for (let attempt = 0; attempt < 100; attempt++) {
      const consumers = await jsm.consumers.list('CROSSTALK').next();
      const mine = consumers.filter((c) => c.config.filter_subject === 'demand.p.d.x');
      expect(mine).toHaveLength(1);
      delivered = mine[0]!.delivered.consumer_seq;
      if (mine[0]!.num_waiting === 0) break;
    }
    // 91 messages hold the 10 rows; reading ahead in full would have asked for 2,000 or more
    expect(delivered).toBeGreaterThanOrEqual(91);
    expect(delivered).toBeLessThan(400);
    await nc.close();
    await r.close();
    await b.close();
  });
});
