/**
 * JS scripting benchmarks (issue #4): real isolates on a real bus.
 *
 *   node --no-node-snapshot scripts/bench/js.js [--quick] [--check]
 *
 * - publish: a JS script publishing small objects to one subscription (the
 *   bus default queue), with micro-batching across the isolate boundary;
 *   the same with a `reject` subscription elsewhere on the bus (the type
 *   cannot reach it, so it is still batched after its first publish); and
 *   the same script forced to cross once per publish (a `reject`
 *   subscription for the published type);
 * - drain: a JS script emptying a full queue with receive_batch;
 * - round trip: a Lua script sends a request event, a JS script answers with
 *   a reply event; latency as the Lua script measures it (publish → reply
 *   received), median and p95, next to the floor of the same two thread
 *   hand-offs through isolated-vm alone (the host settles the promise an
 *   isolate waits on in applySyncPromise, the isolate calls straight back).
 *
 * - idle: JS scripts parked in receive must cost nothing (the host loop polls
 *   only while an isolate runs between two calls).
 *
 * Figures are timed inside the scripts (the isolate's start-up is not
 * counted); each case runs several times, alternating, and reports medians.
 * `--check` also verifies counts and order of every run.
 */



import ivm from 'isolated-vm';
import { createBus } from '../../dist/index.js';
import { JsEngine } from '../../dist/scripting/js/engine.js';
import { LuaEngine } from '../../dist/scripting/lua/engine.js';
import { idleCpu, median, standalone } from './lib.js';

const SUITE = 'js';
const js = new JsEngine();
const lua = new LuaEngine();
const LIMITS = { timeoutMs: 120_000, memoryLimitMb: 512 };
const log = (msg) => process.stderr.write(`[js] ${msg}\n`);
/** CPU time of the whole process (host thread and isolate threads), µs */
const cpuNow = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** Runs a script; resolves with its printed lines, throws when it failed. */
async function runScript(engine, bus, name, source) {
  const lines = [];
  const r = await engine.run(bus, { name, source }, { limits: LIMITS, output: (_s, text) => lines.push(text) });
  if (!r.ok) throw new Error(`${name} failed: ${r.error.code}: ${r.error.message} (line ${r.error.line ?? '?'})`);
  return lines;
}

function checkRow(name, pass, note) {
  return { suite: SUITE, name, value: pass ? 1 : 0, unit: 'check', pass, ...(note ? { note } : {}) };
}

// ---- publish ------------------------------------------------------------------------

/** mode: 'batched' | 'strict elsewhere' | 'per call' */
async function publishOnce(n, mode, check) {
  const bus = createBus();
  // the bus default queue (10,000, drop_oldest): what a subscriber that is not reading sees
  const sink = bus.subscribe('bench.*');
  if (mode === 'strict elsewhere') bus.subscribe('never.*', { backpressure: 'reject' });
  if (mode === 'per call') bus.subscribe('bench.*', { backpressure: 'reject', max_queue_size: n });
  const c0 = cpuNow();
  const [rate] = await runScript(
    js,
    bus,
    'publisher.js',
    `const n = ${n};
     const t0 = Date.now();
     for (let i = 0; i < n; i++) Event.publish('bench.tick', { i, name: 'x' });
     Event.get_stats(); // every batch is on the bus when this returns
     console.log(n / Math.max(1, Date.now() - t0) * 1000);`,
  );
  const cpu = (cpuNow() - c0) / n;
  let ok = true;
  if (check) {
    // every event reached the queue; the newest 10,000 are kept, in order
    const kept = sink.drain(100_000);
    ok = sink.stats().total_received === n && kept.length === Math.min(n, 10_000) && kept.every((e, k) => e.data.i === n - kept.length + k);
  }
  await bus.close();
  return { rate: Number(rate), cpu, ok };
}

async function publish(rows, { quick, check }) {
  const n = quick ? 100_000 : 300_000;
  const runs = quick ? 3 : 5;
  const batched = [];
  const elsewhere = [];
  const perCall = [];
  const cpu = [];
  let ok = true;
  for (let k = 0; k < runs; k++) {
    const a = await publishOnce(n, 'batched', check);
    const b = await publishOnce(Math.round(n / 10), 'per call', check);
    const c = await publishOnce(n, 'strict elsewhere', check);
    batched.push(a.rate);
    perCall.push(b.rate);
    elsewhere.push(c.rate);
    cpu.push(a.cpu);
    ok &&= a.ok && b.ok && c.ok;
  }
  rows.push({
    suite: SUITE,
    name: 'publish, one crossing per publish',
    value: median(perCall),
    unit: 'events/s',
    note: `${Math.round(n / 10).toLocaleString('en-US')} events, median of ${runs}; a reject subscription for the published type`,
  });
  const value = median(batched);
  rows.push({
    suite: SUITE,
    name: 'publish, micro-batched',
    value,
    unit: 'events/s',
    vs: 'publish, one crossing per publish',
    target: '≥ 500,000 events/s',
    pass: value >= 500_000,
    note: `${n.toLocaleString('en-US')} small objects, median of ${runs}; ${median(cpu).toFixed(2)} µs CPU per event, host and isolate threads together`,
  });
  rows.push({
    suite: SUITE,
    name: 'publish, micro-batched, a reject subscription elsewhere on the bus',
    value: median(elsewhere),
    unit: 'events/s',
    vs: 'publish, micro-batched',
    note: 'the type cannot reach it: only its first publish crosses alone',
  });
  if (check) rows.push(checkRow('publish: every event delivered, in order', ok));
}

// ---- drain ----------------------------------------------------------------------------

async function drainOnce(n, maxEvents, check) {
  const bus = createBus();
  const ready = bus.subscribe('consumer.ready');
  const done = js.run(
    bus,
    {
      name: 'consumer.js',
      source: `const sub = Event.subscribe('bench.*', { max_queue_size: ${n} });
       Event.publish('consumer.ready', null);
       let n = 0, inOrder = true;
       const first = Event.receive(sub, 10000);
       if (first) { n++; inOrder = first.data.i === 0; }
       const t0 = Date.now();
       while (n < ${n}) {
         const batch = Event.receive_batch(sub, { max_events: ${maxEvents}, timeout_ms: 5000 });
         if (batch.length === 0) break;
         for (const e of batch) { if (e.data.i !== n) inOrder = false; n++; }
       }
       console.log((n - 1) / Math.max(1, Date.now() - t0) * 1000, n, inOrder);`,
    },
    { limits: LIMITS, output: (_s, text) => lines.push(text) },
  );
  const lines = [];
  await ready.receive(10_000);
  for (let i = 0; i < n; i++) bus.publish('bench.tick', { i, name: 'x' });
  const c0 = cpuNow();
  const r = await done;
  const cpu = (cpuNow() - c0) / n;
  if (!r.ok) throw new Error(`consumer.js failed: ${r.error.code}: ${r.error.message}`);
  const [rate, count, inOrder] = lines[0].split(' ');
  await bus.close();
  return { rate: Number(rate), cpu, ok: !check || (Number(count) === n && inOrder === 'true') };
}

async function drain(rows, { quick, check }) {
  const n = quick ? 100_000 : 300_000;
  const runs = quick ? 3 : 5;
  for (const maxEvents of [1000, 100]) {
    const rates = [];
    const cpu = [];
    let ok = true;
    for (let k = 0; k < runs; k++) {
      const r = await drainOnce(n, maxEvents, check);
      rates.push(r.rate);
      cpu.push(r.cpu);
      ok &&= r.ok;
    }
    const value = median(rates);
    rows.push({
      suite: SUITE,
      name: `drain with receive_batch (max_events ${maxEvents})`,
      value,
      unit: 'events/s',
      ...(maxEvents === 1000 ? { target: '≥ 500,000 events/s', pass: value >= 500_000 } : {}),
      note: `${n.toLocaleString('en-US')} queued events, median of ${runs}; ${median(cpu).toFixed(2)} µs CPU per event`,
    });
    if (check) rows.push(checkRow(`drain (max_events ${maxEvents}): every event, in order`, ok));
  }
}

// ---- Lua → JS round trip ------------------------------------------------------------------

async function roundTrip(rows, { quick, check }) {
  const n = quick ? 500 : 2000;
  const warm = 200;
  const bus = createBus();
  const ready = bus.subscribe('rt.ready');
  const results = bus.subscribe('rt.result');
  const responder = runScript(
    js,
    bus,
    'responder.js',
    `const req = Event.subscribe('rt.req');
     Event.publish('rt.ready', null);
     for (;;) {
       const e = Event.receive(req, 10000);
       if (e === null || e.data === 'stop') break;
       Event.publish('rt.rep', e.data, { correlation_id: e.id });
     }`,
  );
  await ready.receive(10_000);
  // the floor is measured before and after, as the machine's wake-up costs drift
  const bare = await bareRoundTrip(n, warm);
  // CPU of the measured pairs only: the requester marks where they start and end
  const marks = bus.subscribe('rt.mark');
  const cpuSpan = (async () => {
    await marks.receive(60_000);
    const c0 = cpuNow();
    await marks.receive(60_000);
    return cpuNow() - c0;
  })();
  const requester = runScript(
    lua,
    bus,
    'requester.lua',
    `local rep = Event.subscribe('rt.rep')
     local lat, bad = {}, 0
     for i = 1, ${n + warm} do
       if i == ${warm + 1} then Event.publish('rt.mark', 'start') end
       local t0 = os.clock()
       local id = Event.publish('rt.req', i)
       local e = Event.receive(rep, 10000)
       local dt = os.clock() - t0
       if e == nil or e.data ~= i or e.source.correlation_id ~= id then bad = bad + 1 end
       if i > ${warm} then lat[#lat + 1] = dt * 1e6 end
     end
     Event.publish('rt.mark', 'end')
     Event.publish('rt.req', 'stop')
     Event.publish('rt.result', { lat = lat, bad = bad })`,
  );
  await Promise.all([responder, requester]);
  const cpu = (await cpuSpan) / n;
  const res = results.poll();
  await bus.close();
  const lat = res.data.lat;
  lat.sort((a, b) => a - b);
  const p = (q) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))];
  const med = median(lat);
  bare.push(...(await bareRoundTrip(n, warm)));
  rows.push({
    suite: SUITE,
    name: 'bare isolated-vm round trip (host → isolate → host), median',
    value: median(bare),
    unit: 'µs',
    note: 'the two thread hand-offs alone (no bus, no Lua, no event), measured before and after',
  });
  rows.push({
    suite: SUITE,
    name: 'Lua → JS round trip, median',
    value: med,
    unit: 'µs',
    vs: 'bare isolated-vm round trip (host → isolate → host), median',
    target: '≤ 200 µs',
    pass: med <= 200,
    note: `${n.toLocaleString('en-US')} request/reply pairs after ${warm} warm-up; ${cpu.toFixed(0)} µs CPU per pair, both threads`,
  });
  rows.push({ suite: SUITE, name: 'Lua → JS round trip, p95', value: p(0.95), unit: 'µs' });
  if (check) rows.push(checkRow('round trip: every reply matched its request', res.data.bad === 0 && lat.length === n));
}

/** Latencies (µs) of the floor: the host settles the promise an isolate waits on, the isolate calls back. */
async function bareRoundTrip(n, warm) {
  const isolate = new ivm.Isolate({ memoryLimit: 32 });
  try {
    const context = await isolate.createContext();
    const lat = [];
    let t0 = 0;
    const ref = new ivm.Reference(() => {
      if (t0 > 0) lat.push((performance.now() - t0) * 1000);
      // answer on the next turn, as an event published by another script would
      return new Promise((resolve) => setImmediate(() => {
        t0 = performance.now();
        resolve(0);
      }));
    });
    const loop = await context.evalClosure(`return function () { for (let i = 0; i < ${n + warm + 1}; i++) $0.applySyncPromise(undefined, []); }`, [ref], {
      result: { reference: true },
    });
    await loop.apply(undefined, [], { result: { promise: true } });
    return lat.slice(warm);
  } finally {
    isolate.dispose();
  }
}

// ---- idle ----------------------------------------------------------------------------

async function idle(rows, { quick, check }) {
  const count = 20;
  const bus = createBus();
  const { results, row } = await idleCpu(
    bus,
    count,
    quick ? 500 : 1000,
    (i, signal) =>
      js.run(
        bus,
        { name: `idle${i}.js`, source: `const s = Event.subscribe('never.*'); Event.publish('idle.ready', null); Event.receive(s, 600000);` },
        { limits: LIMITS, output: () => {}, signal },
      ),
    { suite: SUITE, name: `${count} JS scripts waiting in receive: CPU while idle` },
  );
  await bus.close();
  rows.push(row);
  if (check) rows.push(checkRow('idle: every script was waiting until stopped', results.every((r) => !r.ok && r.error?.code === 'SCRIPT_ERROR')));
}

export async function run({ quick = false, check = false } = {}) {
  const rows = [];
  log('publish');
  await publish(rows, { quick, check });
  log('drain');
  await drain(rows, { quick, check });
  log('Lua → JS round trip');
  await roundTrip(rows, { quick, check });
  log('idle scripts');
  await idle(rows, { quick, check });
  return rows;
}

await standalone(import.meta.url, run);
