/**
 * NATS transport benchmarks (docs/nats.md "Several processes: NATS JetStream").
 *
 *   node --no-node-snapshot scripts/bench/nats.js [--quick] [--check]
 *
 * Starts its own nats-server (JetStream on, random port, store in a temp
 * directory; killed at the end) and measures, in one process with one
 * connection per side as two processes would have:
 *
 * 1. Cross-bus throughput: bus A publishes a burst of small events, bus B
 *    (subscribed to `bench.*`) has all of them in its queue. Next to it, the
 *    same burst through bare nats.js: the same JSON bytes published on one
 *    connection, counted by a callback subscription on another. Samples
 *    alternate (lib.compare). A third case adds only JSON.stringify /
 *    JSON.parse to the raw one: the floor any JSON event bus over nats.js
 *    starts from, and the figure crosstalk is held to (≥ 1.3×).
 * 2. Round trip: A publishes `ping`, B receives it and publishes `pong`, A
 *    receives that; p50/p95 over many rounds, next to a bare nats.js
 *    request/reply on the same server (≤ 0.8× its p50), and two floors:
 *    nats.js publish → callback → publish → callback, and two bare sockets
 *    speaking the NATS protocol (the server and the kernel alone).
 * 3. Persistent events/s, pipelined: A publishes persistent events with
 *    `max_pending_acks` = W, awaiting a publish only when it has to wait for
 *    room, until every JetStream acknowledgement is in; next to nats.js's
 *    own JetStream client publishing the same bytes with W acks in flight
 *    (a sliding window of js.publish promises). Samples alternate.
 * `--check` verifies that B received every event of a burst once, in order,
 *    and that a burst of persistent events was acknowledged, each once, and
 *    reached B in order.
 *
 * Standalone it prints a table and writes bench-results/nats.json; the
 * runner (scripts/bench/run.js) imports run().
 */

import net from 'node:net';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createBus } from '../../dist/core/bus.js';
import { connectNats } from '../../dist/transport/nats.js';
import { compare, median, standalone, startNatsServer } from './lib.js';

const log = (msg) => process.stderr.write(`[nats] ${msg}\n`);

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

// ---- cases ------------------------------------------------------------------------------

/**
 * Two plain TCP sockets on the server, one subscribed to `sock.ping` and
 * answering on `sock.pong`: a round trip with no client library at all.
 */
async function socketPingPong(url, payload) {
  const { hostname, port } = new URL(url);
  const open = () =>
    new Promise((resolve, reject) => {
      const s = net.connect(Number(port), hostname);
      s.setNoDelay(true);
      s.once('error', reject);
      // the server speaks first (INFO); then CONNECT, and PING/PONG to know it has read our SUB
      s.once('data', () => resolve(s));
    });
  const [ask, answer] = [await open(), await open()];
  const pub = (subject) => Buffer.concat([Buffer.from(`PUB ${subject} ${payload.length}\r\n`), payload, Buffer.from('\r\n')]);
  const ping = pub('sock.ping');
  const pongMsg = pub('sock.pong');
  let pending = null;
  // a reader that counts MSG lines and answers the server's PINGs; payloads are skipped by length
  const reader = (s, onMsg) => {
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      for (;;) {
        const eol = buf.indexOf('\r\n');
        if (eol < 0) return;
        const line = buf.slice(0, eol);
        if (line.startsWith('MSG ')) {
          const size = Number(line.slice(line.lastIndexOf(' ') + 1));
          if (buf.length < eol + 2 + size + 2) return;
          buf = buf.slice(eol + 2 + size + 2);
          onMsg();
        } else {
          buf = buf.slice(eol + 2);
          if (line === 'PING') s.write('PONG\r\n');
          else if (line === 'PONG' && pending !== null && pending.ready) pending.ready();
          else if (line.startsWith('-ERR')) throw new Error(`nats-server: ${line}`);
        }
      }
    });
  };
  reader(answer, () => answer.write(pongMsg));
  reader(ask, () => pending.done());
  const connect = 'CONNECT {"verbose":false,"pedantic":false}\r\n';
  answer.write(`${connect}SUB sock.ping 1\r\n`);
  ask.write(`${connect}SUB sock.pong 2\r\n`);
  for (const s of [answer, ask]) {
    await new Promise((ready) => {
      pending = { ready };
      s.write('PING\r\n');
    });
  }
  return {
    round: () =>
      new Promise((done) => {
        pending = { done };
        ask.write(ping);
      }),
    close: () => {
      ask.destroy();
      answer.destroy();
    },
  };
}

/** Waits until `sub` has had `n` events, taking them in batches. */
async function takeAll(sub, n, check) {
  let got = 0;
  let bad = 0;
  let last = -1;
  while (got < n) {
    const batch = await sub.receiveBatch({ max_events: 10_000, timeout_ms: 10_000 });
    if (batch.length === 0) throw new Error(`only ${got} of ${n} events arrived`);
    if (check) {
      for (const e of batch) {
        if (e.data.i !== last + 1) bad++;
        last = e.data.i;
      }
    }
    got += batch.length;
  }
  return bad;
}

export async function run({ quick = false, check = false } = {}) {
  const rows = [];
  const row = (r) => rows.push({ suite: 'nats', ...r });
  const server = await startNatsServer();
  log(`nats-server at ${server.url}`);
  const opts = { prefix: 'bench', stream: 'BENCH' };
  const a = createBus({ transport: await connectNats(server.url, opts) });
  const b = createBus({ transport: await connectNats(server.url, opts) });
  const rawPub = await connect({ servers: server.url });
  const rawSub = await connect({ servers: server.url });
  try {
    // ---- 1. throughput
    const sub = b.subscribe('bench.*', { max_queue_size: 1_000_000 });
    await b.flush();
    let rawWanted = 0;
    let rawGot = 0;
    let rawDone = null;
    rawSub.subscribe('raw.bench.x', {
      callback: () => {
        if (++rawGot === rawWanted) rawDone();
      },
    });
    const parsed = [];
    rawSub.subscribe('raw.bench.json', {
      callback: (_err, m) => {
        parsed.push(JSON.parse(m.string()));
        if (++rawGot === rawWanted) rawDone();
      },
    });
    await rawSub.flush();
    // the bytes a crosstalk event of the same shape puts on the wire
    const probe = b.subscribe('probe');
    await b.flush();
    a.publish('probe', { i: 0 });
    const [probed] = await probe.receiveBatch({ timeout_ms: 5000 });
    probe.unsubscribe();
    const wire = new TextEncoder().encode(JSON.stringify({ ...probed, event_type: 'bench.x' }));

    let seq = 0;
    const cases = [
      {
        name: 'crosstalk: bus → bus through nats-server',
        fn: async (reps) => {
          for (let i = 0; i < reps; i++) a.publish('bench.x', { i: seq++ });
          await takeAll(sub, reps, false);
          return reps;
        },
      },
      {
        name: 'nats.js: publish → callback subscription',
        fn: async (reps) => {
          rawWanted = reps;
          rawGot = 0;
          const done = new Promise((r) => (rawDone = r));
          for (let i = 0; i < reps; i++) rawPub.publish('raw.bench.x', wire);
          await done;
          return reps;
        },
      },
      {
        name: 'nats.js + JSON: stringify → publish → callback → parse',
        fn: async (reps) => {
          rawWanted = reps;
          rawGot = 0;
          parsed.length = 0;
          const done = new Promise((r) => (rawDone = r));
          for (let i = 0; i < reps; i++) rawPub.publish('raw.bench.json', JSON.stringify({ ...probed, data: { i } }));
          await done;
          return reps;
        },
      },
    ];
    const r = await compare(cases, quick ? { samples: 3, minMs: 150, warmupMs: 80 } : { samples: 7, minMs: 400, warmupMs: 200 });
    const [ct, raw, json] = cases.map((c) => r[c.name].median);
    row({
      name: cases[0].name, value: ct, unit: 'events/s', vs: cases[2].name, target: '≥ 1.3× nats.js + JSON', pass: ct / json >= 1.3,
      note: `${wire.length}-byte events; all in B's queue; ${(ct / raw).toFixed(2)}× nats.js alone`,
    });
    row({ name: cases[1].name, value: raw, unit: 'events/s', note: 'same bytes, one message each, no headers, no parsing' });
    row({ name: cases[2].name, value: json, unit: 'events/s', vs: cases[1].name, note: 'the serialization floor: what any JSON event bus on nats.js pays' });

    if (check) {
      const N = quick ? 5_000 : 50_000;
      const base = seq;
      seq = 0;
      for (let i = 0; i < N; i++) a.publish('bench.x', { i: seq++ });
      const bad = await takeAll(sub, N, true);
      seq = base + N;
      row({ name: 'check: every event arrives once, in order', value: N, unit: 'check', pass: bad === 0 && sub.poll() === null });
    }
    sub.unsubscribe();

    // ---- 2. round trip
    const rounds = quick ? 200 : 2000;
    const pings = b.subscribe('rt.ping');
    const pongs = a.subscribe('rt.pong');
    await Promise.all([a.flush(), b.flush()]);
    let stop = false;
    const echo = (async () => {
      while (!stop) {
        const e = await pings.receive(1000);
        if (e !== null) b.publish('rt.pong', e.data);
      }
    })();
    rawSub.subscribe('raw.rt', { callback: (_err, m) => m.respond(m.data) });
    // the floors under any round trip through the server: nats.js publish → callback → publish →
    // callback (no request machinery), and two bare sockets speaking the NATS protocol (no client)
    rawSub.subscribe('raw.ping', { callback: (_err, m) => rawSub.publish('raw.pong', m.data) });
    let pong = null;
    rawPub.subscribe('raw.pong', { callback: () => pong() });
    await Promise.all([rawSub.flush(), rawPub.flush()]);
    const sockets = await socketPingPong(server.url, wire);
    // blocks of rounds alternate between them, so that the machine's load hits all alike
    const ctTimes = [];
    const rawTimes = [];
    const pubSubTimes = [];
    const socketTimes = [];
    const BLOCK = 20;
    for (let i = 0; i < rounds; ) {
      for (const end = i + BLOCK; i < end; i++) {
        const t0 = performance.now();
        a.publish('rt.ping', i);
        const e = await pongs.receive(5000);
        if (e === null || e.data !== i) throw new Error(`round ${i} lost`);
        ctTimes.push((performance.now() - t0) * 1000);
      }
      for (let k = 0; k < BLOCK; k++) {
        const t0 = performance.now();
        await rawPub.request('raw.rt', wire, { timeout: 5000 });
        rawTimes.push((performance.now() - t0) * 1000);
      }
      for (let k = 0; k < BLOCK; k++) {
        const t0 = performance.now();
        const back = new Promise((r) => (pong = r));
        rawPub.publish('raw.ping', wire);
        await back;
        pubSubTimes.push((performance.now() - t0) * 1000);
      }
      for (let k = 0; k < BLOCK; k++) {
        const t0 = performance.now();
        await sockets.round();
        socketTimes.push((performance.now() - t0) * 1000);
      }
    }
    sockets.close();
    stop = true;
    await echo;
    row({
      name: 'crosstalk round trip p50 (publish → receive → publish → receive)', value: median(ctTimes), unit: 'µs', vs: 'nats.js request/reply p50',
      target: '≤ 0.8× nats.js request/reply', pass: median(ctTimes) <= 0.8 * median(rawTimes),
    });
    row({ name: 'crosstalk round trip p95', value: pct(ctTimes, 95), unit: 'µs' });
    row({ name: 'nats.js request/reply p50', value: median(rawTimes), unit: 'µs', note: `${rounds} rounds each, in alternating blocks of ${BLOCK}` });
    row({ name: 'nats.js request/reply p95', value: pct(rawTimes, 95), unit: 'µs' });
    row({
      name: 'floor: nats.js publish → callback → publish → callback p50', value: median(pubSubTimes), unit: 'µs', vs: 'nats.js request/reply p50',
      note: 'the same two hops without request/reply\'s inbox and timer: what a bus on nats.js starts from',
    });
    row({
      name: 'floor: two sockets speaking the NATS protocol, p50', value: median(socketTimes), unit: 'µs', vs: 'nats.js request/reply p50',
      note: 'no client library: the server and the kernel alone',
    });

    // ---- 3. persistent, pipelined
    const W = quick ? 256 : 1024;
    const keeper = createBus({ transport: await connectNats(server.url, { ...opts, max_pending_acks: W }) });
    const jsm = await jetstreamManager(rawPub);
    await jsm.streams.add({ name: 'RAWBENCH', subjects: ['rawjs.>'] });
    const js = jetstream(rawPub);
    let msgId = 0;
    const persistCases = [
      {
        name: `crosstalk: persistent events/s, ${W} acks in flight (max_pending_acks)`,
        fn: async (reps) => {
          for (let i = 0; i < reps; i++) {
            const id = keeper.publish('keep.x', { i }, { persistent: true });
            if (typeof id !== 'string') await id; // only when the window is full
          }
          await keeper.flush();
          return reps;
        },
      },
      {
        name: `nats.js JetStream: js.publish, ${W} acks in flight`,
        fn: async (reps) => {
          let inflight = 0;
          let room = null;
          const settled = () => {
            inflight--;
            if (room !== null) {
              const r = room;
              room = null;
              r();
            }
          };
          const all = [];
          for (let i = 0; i < reps; i++) {
            while (inflight >= W) await new Promise((r) => (room = r));
            inflight++;
            const p = js.publish('rawjs.keep.x', wire, { msgID: `m${msgId++}` });
            p.then(settled, settled);
            all.push(p);
          }
          await Promise.all(all);
          return reps;
        },
      },
    ];
    // a longer warm-up: the JetStream paths (both) take a second of acknowledgements to reach their steady rate
    const pr = await compare(persistCases, quick ? { samples: 3, minMs: 300, warmupMs: 300 } : { samples: 5, minMs: 600, warmupMs: 1500 });
    const [ctKeep, rawKeep] = persistCases.map((c) => pr[c.name].median);
    row({
      name: persistCases[0].name, value: ctKeep, unit: 'events/s', vs: persistCases[1].name,
      target: '≥ 50,000 events/s and ≥ 0.7× nats.js', pass: ctKeep >= 50_000 && ctKeep / rawKeep >= 0.7,
      note: 'every JetStream acknowledgement awaited (flush) in each sample',
    });
    row({ name: persistCases[1].name, value: rawKeep, unit: 'events/s', note: 'the same bytes, a sliding window of js.publish promises' });
    if (check) {
      const P = quick ? 5_000 : 20_000;
      const kept = b.subscribe('keep.*', { max_queue_size: P });
      await b.flush();
      const before = keeper.stats().transport;
      for (let i = 0; i < P; i++) {
        const id = keeper.publish('keep.x', { i }, { persistent: true });
        if (typeof id !== 'string') await id;
      }
      await keeper.flush();
      const after = keeper.stats().transport;
      const bad = await takeAll(kept, P, true);
      row({
        name: 'check: every persistent event acknowledged once and received once, in order', value: after.acked - before.acked, unit: 'check',
        pass: after.acked - before.acked === P && after.ack_failures === 0 && bad === 0 && kept.poll() === null,
      });
      kept.unsubscribe();
    }
    await keeper.close();
  } finally {
    await Promise.allSettled([a.close(), b.close(), rawPub.close(), rawSub.close()]);
    await server.stop();
  }
  return rows;
}

await standalone(import.meta.url, run);
