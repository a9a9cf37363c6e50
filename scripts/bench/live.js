/**
 * Benchmarks of scripts that live (issue #10; docs/scripts.md "Scripts that live"):
 * request/reply, outstanding requests, timers.
 *
 *   node --expose-gc --no-node-snapshot scripts/bench/live.js [--quick] [--check]
 *
 * 1. Request/reply round trip for every requester × responder pair of host
 *    (bus.request; a handler subscription answering with bus.reply), Lua and
 *    JS (Event.request; a handler subscription answering with Event.reply):
 *    many sequential requests after a warm-up. Scripts have no microsecond
 *    clock (JS has Date.now, Lua only os.time), so every pair is timed the
 *    same way on the host: a `function` interceptor on the request type
 *    notes performance.now() as each request is published, and as the
 *    requester asks again only once it has its answer, one round trip is the
 *    time from one request to the next (the requester's turn-around
 *    included). Next to them, in the same run, nats.js request/reply through
 *    a local nats-server (two connections, the responder answering from a
 *    callback subscription), timed around each `await nc.request()`.
 * 2. 10,000 outstanding requests: 10,000 concurrent bus.request calls (the
 *    code path of a script's Event.request: BusPort.requestAs) to a
 *    responder that holds them all before answering. Heap and RSS after full
 *    collections, before and while they are all outstanding; then every one
 *    is answered. A script's Event.request blocks the script until its
 *    answer, and a JS handler's next event waits for its promise, so one
 *    script has at most one request outstanding: the 10,000 are the host's.
 * 3. 100 JS scripts, each with setInterval(…, 100): 1,000 callbacks/s into
 *    isolates. Each callback notes Date.now() inside its isolate; the host's
 *    timers are recorded as they fire (this suite wraps setInterval while
 *    the scripts start), so a callback's lateness is the time it ran minus
 *    its due time (the host's previous firing + 100 ms, as Node's
 *    setInterval counts). Next to it, the lateness of the host's timers
 *    themselves (Node's own setInterval on this loaded machine). The CPU of
 *    the process over the window (process.cpuUsage, every thread) minus that
 *    of the same 100 scripts without a timer over a window of the same
 *    length. The same for 100 Lua scripts looping on Event.sleep(100): each
 *    publishes a tick after every sleep, which reaches the host with its next
 *    sleep, so a tick's timestamp is the time that sleep began; a sleep's
 *    lateness is its end (the next tick) minus its start plus 100 ms.
 *    Next to both, the floor of the mechanism: 100 bare isolated-vm
 *    isolates (no crosstalk) woken 10 times a second each, the way a JS
 *    timer reaches its script (the host calls into the isolate) and the way
 *    a sleep ends (the isolate waits in applySyncPromise on a host timer).
 *
 * `--check`: every reply matched its request (same data, in_reply_to, the
 * request's correlation id); each of the 10,000 outstanding requests got its
 * own reply, once; every interval firing reached its script, and every
 * script had its callbacks all through the window.
 */
import { connect } from '@nats-io/transport-node';
import ivm from 'isolated-vm';
import { createBus } from '../../dist/index.js';
import { languageFor, runScript as runOne } from '../../dist/scripting/engines.js';
import { gc, median, settledHeap, standalone, startNatsServer } from './lib.js';

const SUITE = 'live';
const LIMITS = { cpuLimitMs: 600_000, deadlineMs: 0, memoryLimitMb: 128 };
const log = (msg) => process.stderr.write(`[live] ${msg}\n`);
const NAME = { host: 'host', lua: 'Lua', javascript: 'JS' };
const EXT = { lua: 'lua', javascript: 'js' };

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

function checkRow(name, pass, note) {
  return { suite: SUITE, name, value: pass ? 1 : 0, unit: 'check', pass, ...(note ? { note } : {}) };
}

/** Starts one script (language by its name); resolves with its result. */
function start(bus, name, source, signal, output = () => {}) {
  return runOne(bus, { name, source }, languageFor(name), { limits: LIMITS, output, ...(signal ? { signal } : {}) });
}

function failed(r, name) {
  return new Error(`${name} failed: ${r.error?.code}: ${r.error?.message} (line ${r.error?.line ?? '?'})`);
}

// ---- 1. request/reply round trips ------------------------------------------------------

const RESPONDER = {
  lua: `Event.subscribe("rr.req", function(e) Event.reply(e, e.data) end)
        Event.publish("rr.ready", true)`,
  javascript: `Event.subscribe('rr.req', (e) => { Event.reply(e, e.data); });
               Event.publish('rr.ready', true);`,
};
const REQUESTER = {
  lua: (n) => `local bad = 0
     for i = 1, ${n} do
       local r = Event.request("rr.req", i, {timeout_ms = 10000})
       if r == nil or r.data ~= i or r.source.correlation_id == nil or r.metadata.in_reply_to == nil then bad = bad + 1 end
     end
     Event.publish("rr.done", {bad = bad})`,
  javascript: (n) => `let bad = 0;
     for (let i = 1; i <= ${n}; i++) {
       const r = Event.request('rr.req', i, { timeout_ms: 10000 });
       if (r === null || r.data !== i || !r.source.correlation_id || !r.metadata.in_reply_to) bad++;
     }
     Event.publish('rr.done', { bad });`,
};

/**
 * One pair: `n` timed round trips after `warm` untimed ones. → {times (µs), ok}.
 * ok: every reply matched its request (data, in_reply_to, correlation id).
 */
async function roundTripPair(from, to, n, warm) {
  const bus = createBus();
  const total = warm + n + 1;
  const stamps = [];
  bus.addInterceptor({ type: 'function', pattern: 'rr.req', name: 'bench clock', fn: () => void stamps.push(performance.now()) });
  // taps for the check, the same for every pair: every request and every reply, queued
  const asked = bus.subscribe('rr.req', { max_queue_size: total + 10 });
  const answered = bus.subscribe('crosstalk.inbox.**', { max_queue_size: total + 10 });
  const stop = new AbortController();
  let responder = null;
  let mismatched = 0;
  if (to === 'host') {
    bus.subscribe('rr.req', (e) => void bus.reply(e, e.data));
  } else {
    const ready = bus.subscribe('rr.ready');
    responder = start(bus, `responder.${EXT[to]}`, RESPONDER[to], stop.signal);
    if ((await ready.receive(30_000)) === null) throw new Error(`the ${NAME[to]} responder did not start`);
    ready.unsubscribe();
  }
  if (from === 'host') {
    for (let i = 1; i <= total; i++) {
      const r = await bus.request('rr.req', i, { timeout_ms: 10_000 });
      if (r === null || r.data !== i) mismatched++;
    }
  } else {
    const done = bus.subscribe('rr.done');
    const r = await start(bus, `requester.${EXT[from]}`, REQUESTER[from](total));
    if (!r.ok) throw failed(r, `requester.${EXT[from]}`);
    mismatched += (await done.receive(10_000))?.data.bad ?? total;
  }
  // every reply answers a request: same data, in_reply_to its id, its correlation id
  const requests = new Map(asked.drain(total + 10).map((e) => [e.id, e]));
  for (const e of answered.drain(total + 10)) {
    const q = requests.get(e.metadata.in_reply_to);
    if (q === undefined || q.data !== e.data || q.source.correlation_id !== e.source.correlation_id) mismatched++;
    else requests.delete(e.metadata.in_reply_to);
  }
  mismatched += requests.size;
  stop.abort();
  if (responder !== null) await responder;
  await bus.close();
  const times = [];
  for (let k = warm; k + 1 < stamps.length; k++) times.push((stamps[k + 1] - stamps[k]) * 1000);
  return { times, ok: mismatched === 0 && stamps.length === total };
}

/** nats.js request/reply through a local nats-server, timed around each request. → µs */
async function natsRoundTrips(n, warm) {
  const server = await startNatsServer();
  try {
    const requester = await connect({ servers: server.url });
    const responder = await connect({ servers: server.url });
    responder.subscribe('rr.req', { callback: (_err, m) => m.respond(m.data) });
    await responder.flush();
    const times = [];
    let bad = 0;
    const enc = new TextEncoder();
    const dec = new TextDecoder();
    for (let i = 1; i <= warm + n; i++) {
      const t0 = performance.now();
      const m = await requester.request('rr.req', enc.encode(JSON.stringify(i)), { timeout: 10_000 });
      const t = (performance.now() - t0) * 1000;
      if (JSON.parse(dec.decode(m.data)) !== i) bad++;
      if (i > warm) times.push(t);
    }
    await requester.close();
    await responder.close();
    return { times, ok: bad === 0 };
  } finally {
    await server.stop();
  }
}

async function roundTrips(rows, { quick, check }) {
  const n = quick ? 500 : 3000;
  const warm = quick ? 100 : 500;
  const nats = await natsRoundTrips(n, warm);
  let ok = nats.ok;
  const kinds = ['host', 'lua', 'javascript'];
  for (const from of kinds) {
    for (const to of kinds) {
      const r = await roundTripPair(from, to, n, warm);
      ok &&= r.ok;
      const med = median(r.times);
      rows.push({
        suite: SUITE,
        name: `request/reply ${NAME[from]} → ${NAME[to]}, median`,
        value: med,
        unit: 'µs',
        vs: 'nats.js request/reply via local nats-server, median',
        target: '≤ 150 µs',
        pass: med <= 150,
        note: `p99 ${pct(r.times, 99).toFixed(0)} µs; ${r.times.length} sequential round trips after ${warm}; request publish to next request publish`,
      });
    }
  }
  rows.push({
    suite: SUITE,
    name: 'nats.js request/reply via local nats-server, median',
    value: median(nats.times),
    unit: 'µs',
    note: `p99 ${pct(nats.times, 99).toFixed(0)} µs; ${n} sequential requests after ${warm}, two connections, the responder a callback subscription`,
  });
  if (check) rows.push(checkRow('request/reply: every reply matched its request (data, in_reply_to, correlation id)', ok));
}

// ---- 2. outstanding requests -----------------------------------------------------------

async function outstanding(rows, { quick, check }) {
  const count = 10_000;
  const bus = createBus();
  const held = bus.subscribe('hold.req', { max_queue_size: count * 2 });
  // the inbox subscription is made on the first request: make it before measuring
  const first = bus.request('hold.req', 0, { timeout_ms: 10_000 });
  bus.reply(await held.receive(1000), 0);
  await first;
  const heap0 = await settledHeap();
  const rss0 = process.memoryUsage().rss;
  const waiting = [];
  for (let i = 1; i <= count; i++) waiting.push(bus.request('hold.req', { i }, { timeout_ms: 120_000 }));
  // the responder takes every request and holds it: all 10,000 are outstanding
  const requests = [];
  while (requests.length < count) {
    const batch = await held.receiveBatch({ max_events: count, timeout_ms: 10_000 });
    if (batch.length === 0) throw new Error(`only ${requests.length} of ${count} requests arrived`);
    requests.push(...batch);
  }
  const heap1 = await settledHeap();
  const rss1 = process.memoryUsage().rss;
  const heldIn = requests.length;
  // answers in reverse order, each with its request's number
  for (let k = requests.length - 1; k >= 0; k--) bus.reply(requests[k], { i: requests[k].data.i });
  const replies = await Promise.all(waiting);
  let ok = replies.every((r, k) => r !== null && r.data.i === k + 1);
  // each once: a second reply to a settled request finds nobody (nothing was pending afterwards)
  ok &&= new Set(replies.map((r) => r.metadata.in_reply_to)).size === count && heldIn === count;
  await bus.close();
  const mb = (heap1 - heap0) / 2 ** 20;
  const rssMb = (rss1 - rss0) / 2 ** 20;
  rows.push({
    suite: SUITE,
    name: '10,000 outstanding requests (host bus.request = a script’s requestAs path), heap',
    value: mb,
    unit: 'MB',
    target: '≤ 50 MB',
    pass: mb <= 50,
    note: `${Math.round((heap1 - heap0) / count)} B per request, the held request events included; RSS +${rssMb.toFixed(1)} MB. One script has one request outstanding at a time (Event.request blocks it; a JS handler's next event waits for its promise), so the 10,000 are the host's`,
  });
  if (check) rows.push(checkRow('outstanding requests: all 10,000 answered, each by its own reply, once', ok));
}

// ---- 3. timers ------------------------------------------------------------------------

/**
 * Wraps setInterval while `fn` runs: every host interval of `ms` started then
 * records when it fires (Date.now(), the clock isolates read too). → {fn's result, logs}
 */
async function recordingIntervals(ms, fn) {
  const real = globalThis.setInterval;
  const logs = [];
  globalThis.setInterval = function (cb, delay, ...args) {
    if (delay !== ms || typeof cb !== 'function') return real(cb, delay, ...args);
    const log = { armed: Date.now(), fires: [] };
    logs.push(log);
    return real(
      (...a) => {
        log.fires.push(Date.now());
        cb(...a);
      },
      delay,
      ...args,
    );
  };
  try {
    return { result: await fn(), logs };
  } finally {
    globalThis.setInterval = real;
  }
}

const JS_TIMER = (i, withTimer) => `const seen = [];
  ${withTimer ? 'const every = setInterval(() => seen.push(Date.now()), 100);' : ''}
  const stop = Event.subscribe('timers.stop', () => {
    ${withTimer ? 'clearInterval(every);' : ''}
    Event.publish('timers.report', { i: ${i}, seen });
    stop.unsubscribe();
  });
  Event.publish('timers.ready', ${i});
  Event.get_stats();`;

/** CPU (ms of every thread) and wall time (ms) over `ms`, after settling. */
async function cpuWindow(ms) {
  await settledHeap();
  await new Promise((r) => setTimeout(r, 100));
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const w0 = Date.now();
  await new Promise((r) => setTimeout(r, ms));
  const c = process.cpuUsage(c0);
  return { cpuMs: (c.user + c.system) / 1000, wallMs: performance.now() - t0, from: w0, to: Date.now() };
}

/** 100 JS scripts, with or without setInterval(100); → {cpu, logs, reports} */
async function jsTimers(count, windowMs, withTimer) {
  const bus = createBus();
  const ready = bus.subscribe('timers.ready', { max_queue_size: count });
  const reports = bus.subscribe('timers.report', { max_queue_size: count });
  const runs = [];
  // one at a time, so the k-th host interval is script k's
  const { logs } = await recordingIntervals(100, async () => {
    for (let i = 0; i < count; i++) {
      runs.push(start(bus, `timer${i}.js`, JS_TIMER(i, withTimer)));
      if ((await ready.receive(30_000))?.data !== i) throw new Error(`timer${i}.js did not start`);
    }
  });
  const cpu = await cpuWindow(windowMs);
  bus.publish('timers.stop', null);
  const results = await Promise.all(runs);
  for (const [i, r] of results.entries()) if (!r.ok) throw failed(r, `timer${i}.js`);
  const got = reports.drain(count);
  await bus.close();
  const seen = new Array(count);
  for (const e of got) seen[e.data.i] = e.data.seen;
  return { cpu, logs, seen };
}

/** Lateness (ms) of each callback due inside the window, and of the host timers themselves. */
function intervalLateness({ logs, seen, cpu }, count) {
  const late = [];
  const hostLate = [];
  let ok = logs.length === count && seen.every(Array.isArray);
  for (let s = 0; s < count && ok; s++) {
    const { armed, fires } = logs[s];
    const o = seen[s];
    // every firing before the stop reached the script (the last may have met its clearInterval)
    if (o.length < fires.length - 1 || o.length > fires.length) ok = false;
    let inWindow = 0;
    for (let k = 0; k < o.length; k++) {
      const due = (k === 0 ? armed : fires[k - 1]) + 100;
      if (due < cpu.from || due > cpu.to) continue;
      inWindow++;
      late.push(o[k] - due);
      hostLate.push(fires[k] - due);
    }
    // a script that stopped ticking in the window would have far fewer
    if (inWindow < (cpu.to - cpu.from) / 200) ok = false;
  }
  return { late, hostLate, ok };
}

const LUA_SLEEPER = (i, withSleep) =>
  withSleep
    ? `Event.publish("timers.ready", ${i})
       local k = 0
       while true do
         Event.sleep(100)
         k = k + 1
         Event.publish("timers.tick", {i = ${i}, k = k})
       end`
    : `Event.publish("timers.ready", ${i})
       Event.sleep(600000)`;

/** 100 Lua scripts looping on Event.sleep(100) (or in one long sleep); → {cpu, late, ok} */
async function luaSleepers(count, windowMs, withSleep) {
  const bus = createBus();
  const ready = bus.subscribe('timers.ready', { max_queue_size: count });
  const ticks = bus.subscribe('timers.tick', { max_queue_size: 100_000 });
  const stops = Array.from({ length: count }, () => new AbortController());
  const runs = stops.map((stop, i) => start(bus, `sleeper${i}.lua`, LUA_SLEEPER(i, withSleep), stop.signal));
  let seen = 0;
  while (seen < count) {
    const b = await ready.receiveBatch({ max_events: count, timeout_ms: 30_000 });
    if (b.length === 0) throw new Error(`only ${seen} of ${count} Lua scripts started`);
    seen += b.length;
  }
  const cpu = await cpuWindow(windowMs);
  for (const stop of stops) stop.abort();
  await Promise.all(runs);
  const byScript = Array.from({ length: count }, () => []);
  for (const e of ticks.drain(100_000)) byScript[e.data.i].push({ k: e.data.k, at: Date.parse(e.timestamp) });
  await bus.close();
  const late = [];
  let ok = true;
  if (withSleep) {
    for (const list of byScript) {
      let inWindow = 0;
      for (let j = 1; j < list.length; j++) {
        if (list[j].k !== list[j - 1].k + 1) ok = false;
        const due = list[j - 1].at + 100;
        if (due < cpu.from || due > cpu.to) continue;
        inWindow++;
        late.push(list[j].at - due);
      }
      // each sleep ends late, and the next starts then: fewer than window/100, but not far fewer
      if (inWindow < (cpu.to - cpu.from) / 200) ok = false;
    }
  }
  return { cpu, late, ok };
}

const share = (c) => (c.cpuMs / c.wallMs) * 100;

/**
 * The floor under the timer rows: `count` bare isolated-vm isolates, no
 * crosstalk, each woken every 100 ms — 'push': a host setInterval calls a
 * function in the isolate (how a JS timer reaches its script); 'wait': the
 * isolate loops on applySyncPromise of a host promise that a 100 ms timer
 * resolves (how a sleep or a receive ends). → process CPU over the window,
 * minus the same isolates idle.
 */
async function bareWakes(mode, count, windowMs) {
  const isolates = [];
  const intervals = [];
  const idle = await cpuWindow(windowMs); // nothing created yet: the process's own floor
  for (let i = 0; i < count; i++) {
    const isolate = new ivm.Isolate({ memoryLimit: 32 });
    const context = await isolate.createContext();
    await context.global.set('host', new ivm.Reference(() => new Promise((r) => setTimeout(() => r(1), 100))));
    const fn = await context.eval('(function (loop) { if (loop) for (;;) host.applySyncPromise(undefined, []); return 1; })', { reference: true });
    isolates.push(isolate);
    if (mode === 'push') intervals.push(setInterval(() => fn.apply(undefined, [false]).catch(() => {}), 100));
    else fn.apply(undefined, [true]).catch(() => {}); // ends when the isolate is disposed
  }
  const busy = await cpuWindow(windowMs);
  for (const t of intervals) clearInterval(t);
  for (const isolate of isolates) isolate.dispose();
  return share(busy) - share(idle);
}

async function timers(rows, { quick, check }) {
  const count = 100;
  const windowMs = quick ? 1500 : 5000;
  // JS: idle baseline first, then the same scripts with their interval
  log('timers: 100 JS scripts, idle');
  const idleJs = await jsTimers(count, windowMs, false);
  log('timers: 100 JS scripts, setInterval 100 ms');
  const busy = await jsTimers(count, windowMs, true);
  const js = intervalLateness(busy, count);
  const jsCost = share(busy.cpu) - share(idleJs.cpu);
  rows.push({
    suite: SUITE,
    name: '100 JS scripts × setInterval 100 ms: callback lateness, median',
    value: median(js.late),
    unit: 'ms',
    vs: 'host timers under those scripts: Node setInterval lateness, median',
    target: '≤ 5 ms',
    pass: median(js.late) <= 5,
    note: `p99 ${pct(js.late, 99)} ms over ${js.late.length} callbacks (1,000/s for ${windowMs / 1000} s); Date.now() in the isolate minus the host's previous firing + 100 ms (ms resolution)`,
  });
  rows.push({
    suite: SUITE,
    name: 'host timers under those scripts: Node setInterval lateness, median',
    value: median(js.hostLate),
    unit: 'ms',
    note: `p99 ${pct(js.hostLate, 99)} ms: the same firings as the host saw them, before they reached the isolates`,
  });
  rows.push({
    suite: SUITE,
    name: '100 JS scripts × setInterval 100 ms: CPU above the same scripts idle',
    value: jsCost,
    unit: '% of a core',
    target: '≤ 10 %',
    pass: jsCost <= 10,
    note: `${share(busy.cpu).toFixed(1)} % with timers − ${share(idleJs.cpu).toFixed(1)} % idle (process.cpuUsage, every thread, ${windowMs / 1000} s windows)`,
  });
  log('timers: the floor, 100 bare isolated-vm isolates');
  const floorPush = await bareWakes('push', count, windowMs);
  const floorWait = await bareWakes('wait', count, windowMs);
  rows.push({
    suite: SUITE,
    name: 'isolated-vm alone: 100 isolates, a host setInterval 100 ms calling into each: CPU',
    value: floorPush,
    unit: '% of a core',
    note: `the floor under a JS timer callback (no crosstalk); the JS timer row ÷ this: ${(jsCost / floorPush).toFixed(2)}×`,
  });
  rows.push({
    suite: SUITE,
    name: 'isolated-vm alone: 100 isolates, each waiting 100 ms in applySyncPromise on a host timer: CPU',
    value: floorWait,
    unit: '% of a core',
    note: 'the floor under a sleep or a receive that waits (no crosstalk)',
  });
  // Lua: the same with Event.sleep(100) in a loop
  log('timers: 100 Lua scripts, idle');
  const idleLua = await luaSleepers(count, windowMs, false);
  log('timers: 100 Lua scripts, Event.sleep(100) loop');
  const lua = await luaSleepers(count, windowMs, true);
  const luaCost = share(lua.cpu) - share(idleLua.cpu);
  rows.push({
    suite: SUITE,
    name: '100 Lua scripts × Event.sleep(100) loop: sleep lateness, median',
    value: median(lua.late),
    unit: 'ms',
    target: '≤ 5 ms',
    pass: median(lua.late) <= 5,
    note: `p99 ${pct(lua.late, 99)} ms over ${lua.late.length} sleeps; from the timestamps of a tick published after each sleep (ms resolution)`,
  });
  rows.push({
    suite: SUITE,
    name: '100 Lua scripts × Event.sleep(100) loop: CPU above the same scripts idle',
    value: luaCost,
    unit: '% of a core',
    target: '≤ 10 %',
    pass: luaCost <= 10,
    note: `${share(lua.cpu).toFixed(1)} % sleeping − ${share(idleLua.cpu).toFixed(1)} % in one long sleep (the ticks published included); ÷ the applySyncPromise floor: ${(luaCost / floorWait).toFixed(1)}×`,
  });
  if (check) rows.push(checkRow('timers: every interval firing reached its script; every script ticked all through the window', js.ok && lua.ok));
}

export async function run({ quick = false, check = false } = {}) {
  const rows = [];
  log('request/reply round trips');
  await roundTrips(rows, { quick, check });
  log('outstanding requests');
  await outstanding(rows, { quick, check });
  gc();
  await timers(rows, { quick, check });
  return rows;
}

await standalone(import.meta.url, run);
