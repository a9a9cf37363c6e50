/**
 * Lua scripting benchmarks: real Lua scripts, each in its own isolate, on a
 * real bus.
 *
 *   node --no-node-snapshot scripts/bench/lua.js [--quick] [--check]
 *
 * - publish: a Lua loop publishing small tables into one subscription,
 *   against the in-thread engine this one replaced (its figures on this
 *   machine, measured before it was removed, are in BENCHMARKS.md);
 * - two publishers at once: both cores at work (aggregate vs one script);
 * - drain: a Lua consumer emptying a full queue with receive_batch, at 100,
 *   1,000 and 5,000 events per batch;
 * - idle: 100 scripts waiting in receive: CPU, resident memory per script
 *   and start-up time per script.
 * - fengari alone, for the ceiling of the two above in the same run: the
 *   same Lua script building what a publish and a received batch hold with
 *   no bus and no host call — a publish's table encoded as JSON by
 *   concatenation, and batches of event-shaped tables (an event's fields,
 *   its data, source and metadata tables) that live until the batch has
 *   been read, as a receive_batch answer does.
 *
 * Rates are timed by the host between two marks the script publishes, so
 * isolate start-up is not counted; each case runs several times and reports
 * medians. `--check` also verifies counts and order.
 */
import { readFileSync } from 'node:fs';
import { createBus, runScripts } from '../../dist/index.js';
import { idleCpu, machine, median, standalone } from './lib.js';

const SUITE = 'lua';
const LIMITS = { cpuLimitMs: 120_000, memoryLimitMb: 256 };
const log = (msg) => process.stderr.write(`[lua] ${msg}\n`);
const SMALL_TABLE = '{order_id = i, amount = 10.5, currency = "USD"}';
/** The in-thread engine's publish rate into one subscription, on this machine before it was removed (BENCHMARKS.md). */
export const IN_THREAD_PUBLISH = 364_039;

/** Runs scripts together; resolves with each one's printed lines, throws when one failed. */
async function runAll(bus, scripts) {
  const lines = new Map(scripts.map((s) => [s.name, []]));
  const results = await runScripts(bus, scripts, { limits: LIMITS, output: (script, text) => lines.get(script).push(text) });
  for (const r of results) if (!r.ok) throw new Error(`${r.script} failed: ${r.error.code}: ${r.error.message} (line ${r.error.line ?? '?'})`);
  return scripts.map((s) => lines.get(s.name));
}

function checkRow(name, pass, note) {
  return { suite: SUITE, name, value: pass ? 1 : 0, unit: 'check', pass, ...(note ? { note } : {}) };
}

/**
 * Wall time between the script's two `bench.mark` events, seen by the host.
 * The script calls get_stats after each mark so the mark crosses at once.
 */
function marks(bus) {
  const sub = bus.subscribe('bench.mark', { max_queue_size: 100 });
  const times = [];
  const watching = (async () => {
    for (;;) {
      const e = await sub.receive(60_000);
      if (e === null) return;
      times.push(performance.now());
    }
  })();
  return {
    /** ms between mark k and mark k+1 */
    span: async (k = 0) => {
      sub.unsubscribe();
      await watching;
      return times[k + 1] - times[k];
    },
  };
}

const MARK = 'Event.publish("bench.mark") Event.get_stats()';

// ---- publish ----------------------------------------------------------------------

async function publishOnce(n, check) {
  const bus = createBus();
  const sink = bus.subscribe('bench.order', { max_queue_size: n });
  const m = marks(bus);
  await runAll(bus, [{ name: 'publisher.lua', source: `${MARK} for i = 1, ${n} do Event.publish("bench.order", ${SMALL_TABLE}) end ${MARK}` }]);
  const ms = await m.span();
  let ok = true;
  if (check) {
    const got = [];
    for (let b = sink.drain(50_000); b.length > 0; b = sink.drain(50_000)) got.push(...b);
    ok = got.length === n && got.every((e, i) => e.data.order_id === i + 1 && e.source.language === 'lua');
  }
  await bus.close();
  return { rate: (n / ms) * 1000, ok };
}

async function publish(rows, { quick, check }) {
  const n = quick ? 100_000 : 300_000;
  const runs = quick ? 3 : 5;
  const one = [];
  const two = [];
  let ok = true;
  await publishOnce(n / 2, false); // warm-up: the JIT sees every path
  for (let r = 0; r < runs; r++) {
    const a = await publishOnce(n, check);
    one.push(a.rate);
    ok &&= a.ok;
    two.push(await twoPublishers(n));
  }
  const v = median(one);
  rows.push({ suite: SUITE, name: 'in-thread engine (before issue 9): Lua publish into 1 subscription', value: IN_THREAD_PUBLISH, unit: 'events/s', note: 'recorded on this machine before the engine was removed (BENCHMARKS.md)' });
  rows.push({
    suite: SUITE,
    name: 'Lua publish loop, small tables, 1 subscription',
    value: v,
    unit: 'events/s',
    vs: 'in-thread engine (before issue 9): Lua publish into 1 subscription',
    target: '≥ 400,000 events/s and ≥ 1.0× the in-thread engine',
    pass: v >= 400_000 && v >= IN_THREAD_PUBLISH,
    note: `${n.toLocaleString('en-US')} events, median of ${runs}`,
  });
  const alone = [];
  for (let r = 0; r < runs; r++) alone.push(await luaAlonePublishOnce(n));
  const f = median(alone);
  rows.push({
    suite: SUITE,
    name: 'fengari alone: the same loop building each table and its JSON in Lua (no bus, no host call)',
    value: f,
    unit: 'events/s',
    note: `${n.toLocaleString('en-US')} tables, median of ${runs}; the publish loop above ÷ this: ${(v / f).toFixed(2)}×`,
  });
  const t = median(two);
  rows.push({
    suite: SUITE,
    name: 'two Lua scripts publishing at once, aggregate',
    value: t,
    unit: 'events/s',
    vs: 'Lua publish loop, small tables, 1 subscription',
    target: '≥ 1.3× one script',
    pass: t >= 1.3 * v,
    note: `${n.toLocaleString('en-US')} events each into one subscription; ${machine().nproc} cores`,
  });
  if (check) rows.push(checkRow('publish: every event delivered, in order', ok));
}

/** The publish loop's Lua side alone: each small table built and encoded by concatenation, nothing handed to the host. */
async function luaAlonePublishOnce(n) {
  const bus = createBus();
  const m = marks(bus);
  const json = `'{"order_id":' .. t.order_id .. ',"amount":' .. t.amount .. ',"currency":"' .. t.currency .. '"}'`;
  const [lines] = await runAll(bus, [
    { name: 'alone.lua', source: `local last ${MARK} for i = 1, ${n} do local t = ${SMALL_TABLE} last = ${json} end ${MARK} print(last)` },
  ]);
  const ms = await m.span();
  await bus.close();
  if (lines[0] !== `{"order_id":${n},"amount":10.5,"currency":"USD"}`) throw new Error(`fengari alone: unexpected ${lines[0]}`);
  return (n / ms) * 1000;
}

/** Aggregate rate of two scripts publishing n events each, from the first start mark to the last end mark. */
async function twoPublishers(n) {
  const bus = createBus();
  bus.subscribe('bench.*', { max_queue_size: 2 * n });
  const sub = bus.subscribe('bench.mark', { max_queue_size: 100 });
  const times = [];
  const watching = (async () => {
    while (times.length < 4) {
      const e = await sub.receive(60_000);
      if (e === null) return;
      times.push(performance.now());
    }
  })();
  const src = (k) => `${MARK} for i = 1, ${n} do Event.publish("bench.p${k}", ${SMALL_TABLE}) end ${MARK}`;
  await runAll(bus, [
    { name: 'p1.lua', source: src(1) },
    { name: 'p2.lua', source: src(2) },
  ]);
  await watching;
  await bus.close();
  return ((2 * n) / (Math.max(...times) - Math.min(...times))) * 1000;
}

// ---- drain ------------------------------------------------------------------------

/**
 * The consumer both drain cases run: `setup` (Lua) before the first mark,
 * then batches taken by `take` (Lua that sets `events`) until n are read,
 * each checked in order; prints whether all were.
 */
function consumer(n, setup, take) {
  return `local n = ${n}
       ${setup}
       local got, inorder = 0, true
       ${MARK}
       while got < n do
         ${take}
         if #events == 0 then break end
         for k = 1, #events do
           got = got + 1
           if events[k].data.order_id ~= got then inorder = false end
         end
       end
       ${MARK}
       print(got == n and inorder)`;
}

async function drainOnce(n, batch, check) {
  const bus = createBus();
  const m = marks(bus);
  // the script fills its own queue, then the host times only the drain
  const setup = `local sub = Event.subscribe("bench.order", {max_queue_size = n})
       for i = 1, n do Event.publish("bench.order", ${SMALL_TABLE}) end
       Event.get_stats()`;
  const take = `local events = Event.receive_batch(sub, {max_events = ${batch}, timeout_ms = 1000})`;
  const [lines] = await runAll(bus, [{ name: 'consumer.lua', source: consumer(n, setup, take) }]);
  const ms = await m.span();
  await bus.close();
  return { rate: (n / ms) * 1000, ok: !check || lines[0] === 'true' };
}

/**
 * What a received batch costs fengari by itself: the consumer's loop, with
 * each batch built in Lua (an event's fields and its data, source and
 * metadata tables) instead of taken from the bus.
 */
async function luaAloneBatchesOnce(n, batch) {
  const bus = createBus();
  const m = marks(bus);
  const take = `local events = {}
         for k = 1, ${batch} do
           events[k] = {id = "0b6f8f2e-3c1d-4a8e-9b7a-1f2e3d4c5b6a", event_type = "bench.order",
             timestamp = "2026-12-06T04:00:00.000Z", version = "1.0",
             data = {order_id = got + k, amount = 10.5, currency = "USD"},
             source = {component = "consumer.lua", instance_id = "4f1c2b3a-5d6e-4f70-8a9b-0c1d2e3f4a5b", language = "lua"},
             metadata = {}}
         end`;
  const [lines] = await runAll(bus, [{ name: 'alone.lua', source: consumer(n, '', take) }]);
  const ms = await m.span();
  await bus.close();
  if (lines[0] !== 'true') throw new Error('fengari alone: the batches were not read in order');
  return (n / ms) * 1000;
}

async function drain(rows, { quick, check }) {
  const n = quick ? 50_000 : 200_000;
  const runs = quick ? 3 : 5;
  let ok = true;
  for (const batch of [100, 1000, 5000]) {
    await drainOnce(n / 4, batch, false); // warm-up
    const xs = [];
    for (let r = 0; r < runs; r++) {
      const d = await drainOnce(n, batch, check);
      xs.push(d.rate);
      ok &&= d.ok;
    }
    const v = median(xs);
    const alone = [];
    for (let r = 0; r < runs; r++) alone.push(await luaAloneBatchesOnce(n, batch));
    const f = median(alone);
    const target = batch === 100 ? 400_000 : batch === 5000 ? 300_000 : null;
    rows.push({
      suite: SUITE,
      name: `Lua receive_batch drain, ${batch} per batch`,
      value: v,
      unit: 'events/s',
      ...(target === null ? {} : { target: `≥ ${target.toLocaleString('en-US')} events/s`, pass: v >= target }),
      note: `${n.toLocaleString('en-US')} queued events, median of ${runs}`,
    });
    rows.push({
      suite: SUITE,
      name: `fengari alone: batches of ${batch} event tables built and read in Lua (no bus, no host call)`,
      value: f,
      unit: 'events/s',
      note: `${n.toLocaleString('en-US')} events, median of ${runs}; the drain above ÷ this: ${(v / f).toFixed(2)}×`,
    });
  }
  if (check) rows.push(checkRow('drain: every event received, in order', ok));
}

// ---- idle -------------------------------------------------------------------------

/** Resident memory of this process, in bytes. */
function rss() {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : process.memoryUsage().rss;
}

async function idle(rows, { quick, check }) {
  const count = 100;
  const bus = createBus();
  const { results, row } = await idleCpu(
    bus,
    count,
    quick ? 500 : 1000,
    (i, signal) =>
      runScripts(bus, [{ name: `idle${i}.lua`, source: 'local s = Event.subscribe("never.*")\nEvent.publish("idle.ready")\nEvent.receive(s, 600000)' }], {
        limits: LIMITS,
        output: () => {},
        signal,
      }).then(([r]) => r),
    { suite: SUITE, name: `${count} Lua scripts waiting in receive: CPU while idle` },
  );
  rows.push(row);
  await bus.close();
  if (check) rows.push(checkRow('idle: every script was waiting until stopped', results.every((r) => r.error?.message === 'stopped')));
}

/** Resident memory and start-up of 100 idle Lua scripts, measured while they wait. */
async function footprint(rows) {
  const count = 100;
  const bus = createBus();
  const ready = bus.subscribe('idle.ready', { max_queue_size: count });
  const stop = new AbortController();
  const before = rss();
  const t0 = performance.now();
  const running = runScripts(
    bus,
    Array.from({ length: count }, (_, i) => ({ name: `idle${i}.lua`, source: 'local s = Event.subscribe("never.*")\nEvent.publish("idle.ready")\nEvent.receive(s, 600000)' })),
    { limits: LIMITS, output: () => {}, signal: stop.signal, barrier: false },
  );
  let seen = 0;
  while (seen < count) {
    const b = await ready.receiveBatch({ max_events: count, timeout_ms: 60_000 });
    if (b.length === 0) throw new Error(`only ${seen} of ${count} idle scripts started`);
    seen += b.length;
  }
  const startMs = (performance.now() - t0) / count;
  const perScript = (rss() - before) / count;
  stop.abort();
  await running;
  await bus.close();
  rows.push({
    suite: SUITE,
    name: `${count} Lua scripts waiting in receive: resident memory per script`,
    value: perScript / 1048576,
    unit: 'MB',
    target: '≤ 8 MB',
    pass: perScript <= 8 * 1048576,
    note: 'growth of the process RSS with all of them waiting, divided by their number',
  });
  rows.push({
    suite: SUITE,
    name: 'Lua script start-up (isolate, runtime, script up to its first publish)',
    value: startMs,
    unit: 'ms',
    target: '≤ 50 ms',
    pass: startMs <= 50,
    note: `${count} started one after another from one call, until each published`,
  });
}

export async function run({ quick = false, check = false } = {}) {
  const rows = [];
  log('publish (one script, two at once)');
  await publish(rows, { quick, check });
  log('drain');
  await drain(rows, { quick, check });
  log('idle scripts');
  await idle(rows, { quick, check });
  log('footprint');
  await footprint(rows);
  return rows;
}

await standalone(import.meta.url, run);
