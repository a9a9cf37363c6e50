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
 * - round trip: a script sends a request event, another answers with a
 *   reply event, for each pair of languages (Lua → JS, JS → Lua, Lua → Lua,
 *   JS → JS); the requester marks every 50 round trips and the host times
 *   the marks, so the figure is the median of the per-batch means (scripts
 *   have no microsecond wall clock), next to the floor of the same two
 *   thread hand-offs through isolated-vm alone (the host settles the promise
 *   an isolate waits on in applySyncPromise, the isolate calls straight back).
 *
 * - idle: JS scripts parked in receive must cost nothing (the host loop polls
 *   only while an isolate runs between two calls).
 *
 * Figures are timed inside the scripts (the isolate's start-up is not
 * counted); each case runs several times, alternating, and reports medians.
 * `--check` also verifies counts and order of every run.
 */



import ivm from 'isolated-vm';
import { createBus, runScripts } from '../../dist/index.js';
import { languageFor, runScript as runOne } from '../../dist/scripting/engines.js';
import { idleCpu, median, standalone } from './lib.js';

const SUITE = 'js';
const LIMITS = { cpuLimitMs: 120_000, deadlineMs: 0, memoryLimitMb: 512 };
/** One script on its own (no start barrier), language by its name. */
const engine = { run: (bus, file, opts) => runOne(bus, file, languageFor(file.name), opts) };
const js = engine;
const lua = engine;
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

// ---- round trips ------------------------------------------------------------------------

const REQUESTER = {
  lua: (n, every) => `local rep = Event.subscribe("rt.rep")
     local bad = 0
     for i = 1, ${n} do
       if (i - 1) % ${every} == 0 then Event.publish("rt.mark", i) Event.get_stats() end
       local id = Event.publish("rt.req", i)
       local e = Event.receive(rep, 10000)
       if e == nil or e.data ~= i or e.source.correlation_id ~= id then bad = bad + 1 end
     end
     Event.publish("rt.mark", ${n + 1}) Event.get_stats()
     Event.publish("rt.req", "stop")
     Event.publish("rt.result", { bad = bad })`,
  javascript: (n, every) => `const rep = Event.subscribe('rt.rep');
     let bad = 0;
     for (let i = 1; i <= ${n}; i++) {
       if ((i - 1) % ${every} === 0) { Event.publish('rt.mark', i); Event.getStats(); }
       const id = Event.publish('rt.req', i);
       const e = Event.receive(rep, 10000);
       if (e === null || e.data !== i || e.source.correlation_id !== id) bad++;
     }
     Event.publish('rt.mark', ${n + 1}); Event.getStats();
     Event.publish('rt.req', 'stop');
     Event.publish('rt.result', { bad });`,
};
const RESPONDER = {
  lua: `local req = Event.subscribe("rt.req")
     while true do
       local e = Event.receive(req, 10000)
       if e == nil or e.data == "stop" then break end
       Event.publish("rt.rep", e.data, { correlation_id = e.id })
     end`,
  javascript: `const req = Event.subscribe('rt.req');
     for (;;) {
       const e = Event.receive(req, 10000);
       if (e === null || e.data === 'stop') break;
       Event.publish('rt.rep', e.data, { correlation_id: e.id });
     }`,
};
const EXT = { lua: 'lua', javascript: 'js' };
const NAME = { lua: 'Lua', javascript: 'JS' };

/** Per-round-trip means of each batch of `every`, in µs, timed by the host between the requester's marks. */
async function roundTripOnce(from, to, n, every) {
  const bus = createBus();
  const marks = bus.subscribe('rt.mark', { max_queue_size: 10_000 });
  const results = bus.subscribe('rt.result');
  const times = [];
  const watching = (async () => {
    for (;;) {
      const e = await marks.receive(60_000);
      if (e === null) return;
      times.push(performance.now());
      if (e.data === n + 1) return;
    }
  })();
  const c0 = cpuNow();
  const rs = await runScripts(
    bus,
    [
      { name: `responder.${EXT[to]}`, source: RESPONDER[to] },
      { name: `requester.${EXT[from]}`, source: REQUESTER[from](n, every) },
    ],
    { limits: LIMITS, output: () => {} },
  );
  const cpu = (cpuNow() - c0) / n;
  for (const r of rs) if (!r.ok) throw new Error(`${r.script} failed: ${r.error.code}: ${r.error.message}`);
  await watching;
  const bad = results.poll()?.data.bad;
  await bus.close();
  const means = [];
  for (let k = 1; k < times.length; k++) means.push(((times[k] - times[k - 1]) * 1000) / every);
  return { means, cpu, ok: bad === 0 && times.length === n / every + 1 };
}

async function roundTrip(rows, { quick, check }) {
  const n = quick ? 1000 : 4000;
  const every = 50;
  // the floor is measured before and after, as the machine's wake-up costs drift
  const bare = await bareRoundTrip(n, 200);
  let ok = true;
  for (const [from, to] of [
    ['lua', 'javascript'],
    ['javascript', 'lua'],
    ['lua', 'lua'],
    ['javascript', 'javascript'],
  ]) {
    await roundTripOnce(from, to, n / 4, every); // warm-up
    const r = await roundTripOnce(from, to, n, every);
    ok &&= r.ok;
    const med = median(r.means);
    const judged = !(from === 'javascript' && to === 'javascript');
    rows.push({
      suite: SUITE,
      name: `${NAME[from]} → ${NAME[to]} round trip, median`,
      value: med,
      unit: 'µs',
      vs: 'bare isolated-vm round trip (host → isolate → host), median',
      ...(judged ? { target: '≤ 150 µs', pass: med <= 150 } : {}),
      note: `median of ${r.means.length} batch means of ${every} request/reply pairs; ${r.cpu.toFixed(0)} µs CPU per pair, every thread`,
    });
  }
  bare.push(...(await bareRoundTrip(n, 200)));
  rows.push({
    suite: SUITE,
    name: 'bare isolated-vm round trip (host → isolate → host), median',
    value: median(bare),
    unit: 'µs',
    note: 'the two thread hand-offs alone (no bus, no script, no event), measured before and after',
  });
  if (check) rows.push(checkRow('round trips: every reply matched its request', ok));
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
  log('round trips');
  await roundTrip(rows, { quick, check });
  log('idle scripts');
  await idle(rows, { quick, check });
  return rows;
}

await standalone(import.meta.url, run);
