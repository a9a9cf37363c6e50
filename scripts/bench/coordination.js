/**
 * Coordination benchmarks (issue #11): what interceptors, priorities, work
 * queues with acks, retained events, handler subscriptions and the batch
 * publisher cost, each next to the plain bus in the same run.
 *
 *   node --expose-gc scripts/bench/coordination.js [--quick] [--check]
 *
 * Targets: with 5 interceptors (one a rate limit) and mixed priorities,
 * publish → receive ≥ 0.5× the plain bus; a work queue of 4 members with
 * ack ≥ 300,000 events/s acknowledged; 0 events lost or acknowledged twice
 * when a member stops mid-stream; a retained lookup over 100,000 retained
 * types for a pattern matching 1,000 of them ≤ 5 ms.
 */
import { createBatchPublisher, createBus } from '../../dist/index.js';
import { portOf } from '../../dist/core/port.js';
import { compare, median, standalone } from './lib.js';

const SUITE = 'coordination';
const BATCH = 1000;
const PRIORITIES = ['normal', 'high', 'low', 'critical'];

export async function run({ quick = false, check = false } = {}) {
  const rows = [];
  const row = (r) => rows.push({ suite: SUITE, ...r });
  const timing = quick ? { samples: 3, minMs: 120, warmupMs: 80 } : { samples: 7, minMs: 300, warmupMs: 200 };
  const log = (msg) => process.stderr.write(`[coordination] ${msg}\n`);
  const section = async (label, fn) => {
    log(label);
    try {
      await fn();
    } catch (e) {
      row({ name: `error in ${label}`, value: 0, unit: 'check', pass: false, note: String(e?.stack ?? e).split('\n').slice(0, 3).join(' | ') });
    }
  };
  // BENCH_COORD_ONLY=intercept,queue,stop,retained,handlers narrows a run while working on one figure
  const only = process.env.BENCH_COORD_ONLY ? new Set(process.env.BENCH_COORD_ONLY.split(',')) : null;
  const want = (s) => only === null || only.has(s);
  if (want('intercept')) await section('interceptors and priorities against the plain bus', () => intercepted(row, timing, check));
  if (want('queue')) await section('work queue with acks', () => workQueue(row, { quick, check }));
  if (want('stop')) await section('a member stops mid-stream', () => stopMidStream(row, { quick }));
  if (want('retained')) await section('retained lookup', () => retainedLookup(row, { quick, check }));
  if (want('handlers')) await section('handler subscriptions and the batch publisher', () => handlersAndBatches(row, timing));
  if (want('handles')) await section('weakly held handles (dead-subscriber reaping)', () => handles(row, timing));
  return rows;
}

// ---- 1. interceptors + priorities --------------------------------------------------------

/** publish → receiveBatch on `bus`, BATCH at a time; `options(i)` gives each publish its options. */
function pump(bus, type, options) {
  const sub = bus.subscribe(type, { max_queue_size: 10_000 });
  let n = 0;
  return {
    sub,
    fn: async (reps) => {
      let got = 0;
      for (let b = Math.ceil(reps / BATCH); b > 0; b--) {
        for (let k = 0; k < BATCH; k++) bus.publish(type, { n: n++ }, options(n));
        got += (await sub.receiveBatch({ max_events: BATCH, timeout_ms: 0 })).length;
      }
      return got;
    },
  };
}

const FIVE = [
  { type: 'block_list', by: 'session', values: ['s-banned', 's-spam'] },
  { type: 'allow_list', pattern: 'bench.*', by: 'component', values: ['host', 'billing'] },
  { type: 'modify', pattern: 'bench.**', metadata: { region: 'eu-1' } },
  { type: 'rate_limit', pattern: 'bench.*', rate: 1e9, burst: 1e9, name: 'generous' },
  { type: 'function', pattern: '**', fn: (e) => (e.data.n < 0 ? 'block' : undefined) },
];

async function intercepted(row, timing, check) {
  // every case publishes the same events (a session id in metadata, for the
  // session block list); the plain bus has no rules and one priority
  const META = { metadata: { session_id: 's-ok' } };
  const plainBus = createBus();
  const plain = pump(plainBus, 'bench.small', () => META);
  // priorities alone: four priorities interleaved, so every queue uses its lanes
  const prioBus = createBus();
  const prio = pump(prioBus, 'bench.small', (n) => ({ priority: PRIORITIES[n & 3], ...META }));
  const fullBus = createBus({ interceptors: FIVE });
  const full = pump(fullBus, 'bench.small', (n) => ({ priority: PRIORITIES[n & 3], ...META }));
  const names = {
    plain: 'publish → receiveBatch, plain bus (metadata, one priority)',
    prio: 'publish → receiveBatch, 4 priorities interleaved',
    full: 'publish → receiveBatch, 5 interceptors (1 rate limit) + 4 priorities',
  };
  const r = await compare(
    [
      { name: names.plain, fn: plain.fn },
      { name: names.prio, fn: prio.fn },
      { name: names.full, fn: full.fn },
    ],
    timing,
  );
  row({ name: names.plain, value: r[names.plain].median, unit: 'events/s' });
  row({ name: names.prio, value: r[names.prio].median, unit: 'events/s', vs: names.plain });
  const ratio = r[names.full].median / r[names.plain].median;
  row({ name: names.full, value: r[names.full].median, unit: 'events/s', vs: names.plain, target: '≥ 0.5× the plain bus', pass: ratio >= 0.5 });
  if (check) {
    // priority order within every batch, and every interceptor applied
    const sub = fullBus.subscribe('bench.check', { max_queue_size: 100 });
    for (let i = 0; i < 40; i++) fullBus.publish('bench.check', { n: i }, { priority: PRIORITIES[i & 3], metadata: { session_id: 's-ok' } });
    fullBus.publish('bench.check', { n: 99 }, { metadata: { session_id: 's-banned' } });
    const got = sub.drain(100);
    const rank = { critical: 0, high: 1, normal: 2, low: 3 };
    let ordered = got.length === 40;
    for (let i = 1; i < got.length; i++) {
      const a = got[i - 1];
      const b = got[i];
      if (rank[a.priority] > rank[b.priority] || (a.priority === b.priority && a.data.n > b.data.n)) ordered = false;
    }
    ordered &&= got.every((e) => e.metadata.region === 'eu-1');
    row({ name: 'check: priority order, interceptors applied, the banned session blocked', value: got.length, unit: 'check', pass: ordered });
  }
  for (const b of [plainBus, prioBus, fullBus]) await b.close();
}

// ---- 2. work queue with acks ---------------------------------------------------------------

/** 4 ack members, fed BATCH at a time; each takes what it has and acknowledges each event. */
async function workQueueRate(n) {
  const bus = createBus();
  const members = [0, 1, 2, 3].map(() => bus.subscribe('job.run', { group: 'workers', ack: true, max_queue_size: 10_000 }));
  const acked = new Uint8Array(n);
  let doubled = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i += BATCH) {
    for (let k = i; k < Math.min(n, i + BATCH); k++) bus.publish('job.run', k);
    for (const m of members) {
      for (const e of m.drain(BATCH)) {
        if (!m.ack(e)) doubled++;
        if (acked[e.data]++ > 0) doubled++;
      }
    }
  }
  const s = (performance.now() - t0) / 1000;
  const stats = bus.groupStats('workers');
  await bus.close();
  let missing = 0;
  for (let i = 0; i < n; i++) if (acked[i] !== 1) missing++;
  return { rate: n / s, missing, doubled, stats };
}

async function workQueue(row, { quick, check }) {
  const n = quick ? 100_000 : 400_000;
  await workQueueRate(20_000); // warm
  const runs = [];
  for (let r = 0; r < (quick ? 3 : 5); r++) runs.push(await workQueueRate(n));
  const rate = median(runs.map((r) => r.rate));
  const last = runs[runs.length - 1];
  row({
    name: 'work queue, 4 members, ack: publish → receive → ack',
    value: rate,
    unit: 'events/s',
    target: '≥ 300,000 events/s acknowledged',
    pass: rate >= 300_000,
    note: `median of ${runs.length} runs of ${n.toLocaleString('en-US')} events; runs ${runs.map((r) => Math.round(r.rate / 1000)).join(', ')} k/s`,
  });
  if (check) {
    const ok = runs.every((r) => r.missing === 0 && r.doubled === 0 && r.stats.pending === 0 && r.stats.acked === n);
    row({ name: 'check: every event acknowledged exactly once', value: last.stats.acked, unit: 'check', pass: ok });
  }
}

// ---- 3. a member stops mid-stream -----------------------------------------------------------

async function stopMidStream(row, { quick }) {
  const n = quick ? 50_000 : 200_000;
  const bus = createBus();
  const members = [0, 1, 2, 3].map(() => bus.subscribe('job.run', { group: 'workers', ack: true, max_queue_size: 10_000 }));
  const acks = new Uint8Array(n);
  let refused = 0;
  let heldWhenStopped = 0;
  let live = members;
  for (let i = 0; i < n; i += BATCH) {
    for (let k = i; k < Math.min(n, i + BATCH); k++) bus.publish('job.run', k);
    for (const m of live) {
      const got = m.drain(BATCH);
      if (m === members[0] && i >= n / 2) {
        // member 0 stops halfway with a batch taken and not acknowledged, and more queued
        heldWhenStopped = got.length + m.stats().queue_size;
        m.unsubscribe();
        continue;
      }
      for (const e of got) {
        if (m.ack(e)) acks[e.data]++;
        else refused++;
      }
    }
    live = live.filter((m) => !m.closed);
  }
  // what the stopped member held went to the others
  for (let more = true; more; ) {
    more = false;
    for (const m of live) {
      for (const e of m.drain(BATCH)) {
        more = true;
        if (m.ack(e)) acks[e.data]++;
        else refused++;
      }
    }
  }
  let lost = 0;
  let twice = 0;
  for (let i = 0; i < n; i++) {
    if (acks[i] === 0) lost++;
    else if (acks[i] > 1) twice++;
  }
  const st = bus.groupStats('workers');
  await bus.close();
  row({
    name: 'check: a member stopped mid-stream, 0 lost, 0 acknowledged twice',
    value: n - lost - twice,
    unit: 'check',
    pass: lost === 0 && twice === 0 && refused === 0 && st.pending === 0 && st.acked === n,
    note: `${n.toLocaleString('en-US')} events, ${heldWhenStopped} held by the stopped member, ${st.redelivered} redelivered; lost ${lost}, acknowledged twice ${twice}`,
  });
}

// ---- 4. retained lookup ---------------------------------------------------------------------------

async function retainedLookup(row, { quick, check }) {
  const bus = createBus();
  const SITES = 100;
  const DEVICES = 1000; // 100 × 1000 = 100,000 retained types
  for (let s = 0; s < SITES; s++) for (let d = 0; d < DEVICES; d++) bus.publish(`site${s}.dev${d}.temp`, { s, d }, { retain: true });
  const times = [];
  let count = 0;
  for (let r = 0; r < (quick ? 20 : 100); r++) {
    const t0 = performance.now();
    const sub = bus.subscribe(`site${r % SITES}.*.temp`, { max_queue_size: 2000 });
    times.push(performance.now() - t0);
    count = sub.stats().queue_size;
    sub.unsubscribe();
  }
  const ms = median(times);
  row({
    name: 'retained: subscribe over 100,000 retained types, pattern matching 1,000',
    value: ms,
    unit: 'ms',
    target: '≤ 5 ms',
    pass: ms <= 5,
    note: `median of ${times.length}; max ${Math.max(...times).toFixed(2)} ms; ${bus.stats().retained.toLocaleString('en-US')} retained, ${count} delivered to the new subscription`,
  });
  // the worst case: a pattern the index cannot narrow
  const t0 = performance.now();
  const all = bus.subscribe('**', { max_queue_size: 200_000 });
  row({ name: 'retained: subscribe ** over 100,000 retained types (all match)', value: performance.now() - t0, unit: 'ms' });
  if (check) row({ name: 'check: retained lookups find 1,000 and 100,000', value: count, unit: 'check', pass: count === 1000 && all.stats().queue_size === 100_000 });
  await bus.close();
}

// ---- 5. handlers and batches -------------------------------------------------------------------

async function handlersAndBatches(row, timing) {
  // a sync handler against pulling the same events
  const pullBus = createBus();
  const pull = pump(pullBus, 'h.x', () => undefined);
  const hBus = createBus();
  let handled = 0;
  hBus.subscribe('h.x', () => void handled++, { max_queue_size: 10_000 });
  let n = 0;
  const viaHandler = async (reps) => {
    const start = handled;
    for (let b = Math.ceil(reps / BATCH); b > 0; b--) {
      for (let k = 0; k < BATCH; k++) hBus.publish('h.x', { n: n++ });
      await new Promise((r) => setImmediate(r));
    }
    return handled - start;
  };
  // the batch publisher against publishing one by one
  const bBus = createBus();
  const bSub = bBus.subscribe('b.x', { max_queue_size: 10_000 });
  const batcher = createBatchPublisher(bBus, { max_events: BATCH, max_wait_ms: 1000 });
  const viaBatcher = async (reps) => {
    let got = 0;
    for (let b = Math.ceil(reps / BATCH); b > 0; b--) {
      for (let k = 0; k < BATCH; k++) batcher.publish('b.x', { n: n++ });
      await batcher.flush();
      got += bSub.drain(BATCH).length;
    }
    return got;
  };
  const names = {
    pull: 'pull: publish → receiveBatch',
    handler: 'handler subscription (sync handler)',
    batch: 'batch publisher (1000 a batch) → drain',
  };
  const r = await compare(
    [
      { name: names.pull, fn: pull.fn },
      { name: names.handler, fn: viaHandler },
      { name: names.batch, fn: viaBatcher },
    ],
    timing,
  );
  row({ name: names.pull, value: r[names.pull].median, unit: 'events/s' });
  row({ name: names.handler, value: r[names.handler].median, unit: 'events/s', vs: names.pull });
  row({ name: names.batch, value: r[names.batch].median, unit: 'events/s', vs: names.pull, note: 'ids handed out at publish, checked at publish, published at flush' });
  for (const b of [pullBus, hBus, bBus]) await b.close();
}

// ---- 6. what reaping dropped handles costs ------------------------------------------------------

/**
 * Host subscriptions come as a handle the bus holds weakly (registered with
 * a FinalizationRegistry); script subscriptions (the port) have none.
 * Publishing never touches handles; receiving goes through one more call.
 */
async function handles(row, timing) {
  const bus = createBus();
  const port = portOf(bus);
  const viaHandle = (reps) => {
    for (let i = 0; i < reps; i++) bus.subscribe('s.x').unsubscribe();
    return reps;
  };
  const viaPort = (reps) => {
    for (let i = 0; i < reps; i++) port.subscribe('s.x').unsubscribe();
    return reps;
  };
  const recvBuses = [createBus(), createBus()];
  const handle = recvBuses[0].subscribe('r.x', { max_queue_size: 10_000 });
  const core = portOf(recvBuses[1]).subscribe('r.x', { max_queue_size: 10_000 });
  let n = 0;
  const recv = (b, sub) => async (reps) => {
    let got = 0;
    for (let k = Math.ceil(reps / BATCH); k > 0; k--) {
      for (let i = 0; i < BATCH; i++) b.publish('r.x', n++);
      got += (await sub.receiveBatch({ max_events: BATCH, timeout_ms: 0 })).length;
    }
    return got;
  };
  const names = {
    subHandle: 'subscribe + unsubscribe, host handle (weakly held)',
    subPort: 'subscribe + unsubscribe, no handle (port)',
    recvHandle: 'publish → receiveBatch through a handle',
    recvPort: 'publish → receiveBatch without a handle',
  };
  // apart: the subscribe loops leave garbage that would fall on whatever runs next
  const r = {
    ...(await compare(
      [
        { name: names.subHandle, fn: viaHandle },
        { name: names.subPort, fn: viaPort },
      ],
      timing,
    )),
    ...(await compare(
      [
        { name: names.recvHandle, fn: recv(recvBuses[0], handle) },
        { name: names.recvPort, fn: recv(recvBuses[1], core) },
      ],
      timing,
    )),
  };
  row({ name: names.subPort, value: r[names.subPort].median, unit: 'ops/s' });
  row({ name: names.subHandle, value: r[names.subHandle].median, unit: 'ops/s', vs: names.subPort });
  row({ name: names.recvPort, value: r[names.recvPort].median, unit: 'events/s' });
  row({ name: names.recvHandle, value: r[names.recvHandle].median, unit: 'events/s', vs: names.recvPort });
  await bus.close();
  for (const b of recvBuses) await b.close();
}

await standalone(import.meta.url, run);
