/**
 * Query and replay from JetStream (issue #13).
 *
 *   node --no-node-snapshot scripts/bench/jetstream.js [--quick] [--check]
 *
 * Starts its own nats-server (JetStream, random port) on a store directory
 * kept in the temp directory between runs, and fills the stream once with
 * 1,000,000 persistent events (100,000 with --quick) of 20 types, published
 * by a bus through the NATS transport. Then, through the stream reader
 * (transport/jetstream-store.ts, a connection of its own as `crosstalk
 * query --bus` has):
 *
 * 1. Query latency, 100 rows, p50/p95 over random instances: one type from
 *    a random point in time (subject filter + start time); an expression on
 *    a type pattern and the payload from a random point; a page of one type
 *    after a random stream sequence; the newest 100 of one type.
 * 2. Replay at speed 0: 100,000 events of `order.*` re-published on a bus
 *    (events/s), next to only reading the same events from the stream.
 * `--check` compares a query's answer with a filter over the events read
 *    in full.
 */
import os from 'node:os';
import path from 'node:path';

import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createBus } from '../../dist/core/bus.js';
import { normalizeQuery } from '../../dist/core/query.js';
import { replay } from '../../dist/store/replay.js';
import { openJetStreamStore } from '../../dist/transport/jetstream-store.js';
import { connectNats } from '../../dist/transport/nats.js';
import { median, seeded, standalone, startNatsServer } from './lib.js';

const log = (msg) => process.stderr.write(`[jetstream] ${msg}\n`);
const TYPES = [
  'order.created', 'order.paid', 'order.shipped', 'order.cancelled', 'order.refunded',
  'agent.started', 'agent.finished', 'agent.error', 'agent.task.queued', 'agent.task.done',
  'tool.call', 'tool.result', 'user.login', 'user.logout', 'user.signup',
  'metric.cpu', 'metric.mem', 'metric.disk', 'audit.entry', 'system.heartbeat',
];

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** Publishes `n` persistent events through a bus; returns publish → acknowledged events/s. */
async function fill(url, n) {
  const bus = createBus({ transport: await connectNats(url, { max_pending_acks: 8192, ack_timeout_ms: 60_000 }), component: 'bench' });
  const rand = seeded(42);
  const t0 = Date.now();
  for (let i = 0; i < n; i++) {
    const type = TYPES[Math.floor(rand() * TYPES.length)];
    const r = bus.publish(type, { i, amount: Math.floor(rand() * 100), user: `u${Math.floor(rand() * 5000)}` }, { persistent: true });
    if (typeof r !== 'string') await r;
    if ((i & 65535) === 65535) log(`filled ${i + 1}`);
  }
  await bus.flush();
  await bus.close();
  return n / ((Date.now() - t0) / 1000);
}

export async function run({ quick = false, check = false } = {}) {
  const rows = [];
  const n = quick ? 100_000 : 1_000_000;
  const dir = path.join(os.tmpdir(), `crosstalk-bench-jetstream-${n}-v1`);
  const server = await startNatsServer({ dir });
  try {
    let store = await openJetStreamStore(server.url).catch(() => null);
    let have = store === null ? 0 : await store.snapshot();
    if (have !== n) {
      await store?.close();
      if (have > 0) throw new Error(`${dir} holds ${have} events, not ${n}: remove it`);
      log(`filling the stream with ${n} events (kept in ${dir})`);
      const rate = await fill(server.url, n);
      rows.push({ name: `filling: persistent publishes through the bus, acknowledged`, value: rate, unit: 'events/s', note: `${n} events, max_pending_acks 8192` });
      store = await openJetStreamStore(server.url);
      have = await store.snapshot();
    }
    log(`${have} events in the stream`);
    const all = await store.query(normalizeQuery({ limit: 1, order: 'desc' }));
    const first = await store.query(normalizeQuery({ limit: 1 }));
    const t0 = Date.parse(first[0].timestamp);
    const span = Date.parse(all[0].timestamp) - t0;
    const rand = seeded(7);
    const iterations = quick ? 40 : 100;
    // The fill squeezes the stream's timeline into seconds, where the default
    // clock_skew_ms (10 s: how far a publisher's clock may run ahead of the
    // server's) is most of it; publishers and server share this host's clock.
    const sameClock = await openJetStreamStore(server.url, { clock_skew_ms: 0 });
    // the platform's floor for the first case, run alternately with it: nats.js creating an
    // ordered consumer from the same time and fetching 100 (what any reader of the stream pays)
    const bareNc = await connect({ servers: server.url });
    const bareJs = jetstream(bareNc);
    const bareTimes = [];
    const bareQuery = async (q) => {
      const b0 = process.hrtime.bigint();
      const c = await bareJs.consumers.get('CROSSTALK', {
        filter_subjects: 'crosstalk.p.order.paid',
        deliver_policy: DeliverPolicy.StartTime,
        opt_start_time: new Date(q.start_time).toISOString(),
      });
      const it = await c.fetch({ max_messages: 100, expires: 2000 });
      let got = 0;
      for await (const m of it) {
        JSON.parse(m.string());
        if (++got === 100) break;
      }
      bareTimes.push(Number(process.hrtime.bigint() - b0) / 1e6);
      await c.delete().catch(() => undefined);
    };
    const cases = [
      {
        name: 'one type from a random point in time (clock_skew_ms 0)',
        store: sameClock,
        alternate: bareQuery,
        make: () => ({ event_type: 'order.paid', start_time: t0 + Math.floor(rand() * span * 0.9), limit: 100 }),
      },
      {
        name: "expression: type LIKE 'order.*' AND data.amount > 50, from a random point (clock_skew_ms 0)",
        store: sameClock,
        make: () => ({ where: "type LIKE 'order.*' AND data.amount > 50", start_time: t0 + Math.floor(rand() * span * 0.9), limit: 100 }),
      },
      {
        name: `one type from a random point in time (default clock_skew_ms: 10 s of a ${(span / 1000).toFixed(0)} s stream)`,
        make: () => ({ event_type: 'order.paid', start_time: t0 + Math.floor(rand() * span * 0.9), limit: 100 }),
      },
      {
        name: 'one type after a random stream sequence (a page)',
        make: () => ({ event_type: 'user.login', after_sequence: Math.floor(rand() * have * 0.9), limit: 100 }),
      },
      { name: 'the newest 100 of one type', make: () => ({ event_type: 'audit.entry', order: 'desc', limit: 100 }) },
    ];
    for (const c of cases) {
      const reader = c.store ?? store;
      const qs = Array.from({ length: iterations }, () => normalizeQuery(c.make()));
      for (let i = 0; i < 5; i++) await reader.query(qs[i]);
      const times = [];
      let short = 0;
      for (const q of qs) {
        if (c.alternate) await c.alternate(q);
        const s0 = process.hrtime.bigint();
        const got = await reader.query(q);
        times.push(Number(process.hrtime.bigint() - s0) / 1e6);
        if (got.length < 100) short++;
      }
      if (c.alternate) {
        rows.push({ name: 'nats.js alone: an ordered consumer on one type from the same times, fetch 100 p50', value: pct(bareTimes, 50), unit: 'ms' });
        rows.push({ name: 'nats.js alone: the same p95', value: pct(bareTimes, 95), unit: 'ms', note: 'run alternately with the next two rows' });
      }
      const p95 = pct(times, 95);
      rows.push({ name: `JetStream query, ${c.name}, 100 rows (${have} stored) p50`, value: pct(times, 50), unit: 'ms' });
      rows.push({
        name: `JetStream query, ${c.name}, 100 rows (${have} stored) p95`,
        value: p95,
        unit: 'ms',
        target: '≤ 50 ms p95',
        pass: p95 <= 50,
        note: `${iterations} random instances${short ? `; ${short} returned fewer than 100` : ''}`,
      });
      if (check) {
        const q = qs[0];
        const got = (await reader.query(q)).map((e) => e.sequence);
        const want = (await reader.query({ ...q, limit: 10_000 })).slice(0, 100).map((e) => e.sequence);
        rows.push({ name: `JetStream query, ${c.name}: the first 100 of the long answer`, value: got.length, unit: 'check', pass: JSON.stringify(got) === JSON.stringify(want) });
      }
    }

    // replay at speed 0, next to reading alone
    const want = quick ? 20_000 : 100_000;
    const spec = { event_type: 'order.*', limit: want, speed: 0 };
    const runs = { replay: [], read: [] };
    for (let s = 0; s < 3; s++) {
      const bus = createBus({ component: 'bench-replay' });
      const sub = bus.subscribe('order.*', { max_queue_size: 10 });
      const r0 = process.hrtime.bigint();
      const count = await replay(bus, store, spec);
      const secs = Number(process.hrtime.bigint() - r0) / 1e9;
      runs.replay.push(count / secs);
      if (check && s === 0) rows.push({ name: `replay published ${want} events`, value: count, unit: 'check', pass: count === want && sub.stats().total_received === want });
      await bus.close();
      const q0 = process.hrtime.bigint();
      let read = 0;
      let after = 0;
      while (read < want) {
        const page = await store.query(normalizeQuery({ event_type: 'order.*', after_sequence: after, limit: Math.min(1000, want - read) }));
        if (page.length === 0) break;
        read += page.length;
        after = page[page.length - 1].sequence;
      }
      runs.read.push(read / (Number(process.hrtime.bigint() - q0) / 1e9));
    }
    // the platform's own reader: nats.js's ordered consumer, JSON.parse per message
    const nc = await connect({ servers: server.url });
    const js = jetstream(nc);
    const bare = [];
    for (let s = 0; s < 3; s++) {
      const c = await js.consumers.get('CROSSTALK', { filter_subjects: 'crosstalk.p.order.*' });
      const b0 = process.hrtime.bigint();
      const iter = await c.consume({ max_messages: 2000 });
      let got = 0;
      for await (const m of iter) {
        JSON.parse(m.string());
        if (++got === want) break;
      }
      bare.push(got / (Number(process.hrtime.bigint() - b0) / 1e9));
      await iter.close();
    }
    await nc.close();
    const BARE = `nats.js alone: an ordered consumer on order.* reading ${want} messages, JSON.parse each`;
    rows.push({ name: BARE, value: median(bare), unit: 'events/s', note: `runs ${bare.map(Math.round).join(', ')}` });
    const READ = `reading ${want} order.* events from JetStream (pages of 1000, as replay reads)`;
    rows.push({ name: READ, value: median(runs.read), unit: 'events/s', vs: BARE, note: `runs ${runs.read.map(Math.round).join(', ')}` });
    rows.push({
      name: `replay from JetStream at speed 0, ${want} events`,
      value: median(runs.replay),
      unit: 'events/s',
      vs: READ,
      target: '≥ 100,000 events/s',
      pass: median(runs.replay) >= 100_000,
      note: `runs ${runs.replay.map(Math.round).join(', ')}`,
    });
    await sameClock.close();
    await bareNc.close();
    await store.close();
  } finally {
    await server.stop();
  }
  return rows;
}

await standalone(import.meta.url, run);
