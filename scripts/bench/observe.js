/**
 * Observability benchmarks (issue #12).
 *
 *   node --expose-gc --no-node-snapshot scripts/bench/observe.js [--quick] [--check]
 *
 * 1. Throughput with metrics and causation on: publish → receiveBatch (and →
 *    drain) through a plain bus, next to a bus watched by createMetrics whose
 *    publishes run inside bus.handling() (every event carries a correlation
 *    id and metadata.caused_by), and each of the two alone; round-robin in
 *    one process, ratios to the plain bus. Then the plain bus in fresh
 *    processes that did or did not use an AsyncLocalStorage (node's promise
 *    hooks for it cost every promise of the process), alternating, medians.
 * 2. Over a SQLite store of 1,000,000 events (100,000 with --quick) holding a
 *    1,000-event causal chain: traceEvents by the chain's correlation id and
 *    by an event in its middle (a scan of the ids, then the index), and the
 *    whole `crosstalk trace` command next to `crosstalk --version` (node's
 *    start-up).
 *    Then `stats --field data.duration_ms` over the same store: the
 *    percentiles and histogram (fieldStats) and the whole command, and
 *    `analyze` (sequences and anomalies) over it.
 * 3. The dashboard under load: 100,000 events/s published for 20 s (6 with
 *    --quick), 10 pages: one in headless Chromium (its update times recorded
 *    in the page), 8 WebSocket clients in another process (the gaps between
 *    their frames), and one that connects and never reads. The server's heap
 *    and RSS are sampled every second: first third against last third.
 * `--check` verifies the traces (1,000 steps, depth 0 … 999), the
 * percentiles against a sort of the same values, and the counters metrics
 * report against the bus's own.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';

import { createBus, createMetrics } from '../../dist/index.js';
import { SqliteStore } from '../../dist/store/sqlite.js';
import { traceEvents } from '../../dist/observe/trace.js';
import { fieldStats } from '../../dist/observe/analysis.js';
import { analyze } from '../../dist/observe/patterns.js';
import { normalizeQuery } from '../../dist/core/query.js';
import { lastParallelRead } from '../../dist/store/parallel-numbers.js';
import { compare, median, ROOT, seeded, standalone, tick } from './lib.js';

const SUITE = 'observe';
const log = (msg) => process.stderr.write(`[observe] ${msg}\n`);
const BATCH = 1000;

export async function run({ quick = false, check = false } = {}) {
  const rows = [];
  const row = (r) => rows.push({ suite: SUITE, ...r });
  const timing = quick ? { samples: 3, minMs: 150, warmupMs: 100 } : { samples: 11, minMs: 250, warmupMs: 200 };
  const only = process.env.BENCH_OBSERVE_ONLY ? new Set(process.env.BENCH_OBSERVE_ONLY.split(',')) : null;
  const want = (s) => only === null || only.has(s);
  const section = async (label, fn) => {
    log(label);
    try {
      await fn();
    } catch (e) {
      row({ name: `error in ${label}`, value: 0, unit: 'check', pass: false, note: String(e?.stack ?? e).split('\n').slice(0, 3).join(' | ') });
    }
  };
  if (want('throughput')) await section('throughput with metrics and causation', () => throughput(row, { timing, check }));
  if (want('store')) await section('trace, stats and analyze over a large store', () => storeFigures(row, { quick, check }));
  if (want('dashboard')) await section('the dashboard at 100,000 events/s', () => dashboardLoad(row, { quick, check }));
  return rows;
}

// ---- 1. throughput ----------------------------------------------------------------------

/** A publish → receive loop on its own bus; `wrap` runs each batch of publishes (inside handling(), or not). */
function loop(bus, mode, wrap) {
  const sub = bus.subscribe('bench.small', { max_queue_size: 10_000 });
  let n = 0;
  const publishBatch = () => {
    for (let k = 0; k < BATCH; k++) bus.publish('bench.small', { n: n++ });
  };
  const fn =
    mode === 'batch'
      ? async (reps) => {
          let got = 0;
          for (let b = Math.ceil(reps / BATCH); b > 0; b--) {
            wrap(publishBatch);
            got += (await sub.receiveBatch({ max_events: BATCH, timeout_ms: 0 })).length;
          }
          return got;
        }
      : (reps) => {
          let got = 0;
          for (let b = Math.ceil(reps / BATCH); b > 0; b--) {
            wrap(publishBatch);
            got += sub.drain(BATCH).length;
          }
          return got;
        };
  return { fn, sub };
}

async function throughput(row, { timing, check }) {
  const handled = { id: randomUUID(), event_type: 'order.paid', source: { component: 'x', instance_id: 'y', language: 'host' } };
  const names = {
    plain: 'publish → receiveBatch, plain bus',
    both: 'publish → receiveBatch, metrics + causation on',
    metrics: 'publish → receiveBatch, metrics on',
    causation: 'publish → receiveBatch, causation on',
    plainDrain: 'publish → drain, plain bus',
    bothDrain: 'publish → drain, metrics + causation on',
  };
  const buses = {};
  const cases = [];
  const add = (key, mode, { metrics, causation }) => {
    const bus = createBus();
    const m = metrics ? createMetrics(bus) : null;
    const wrap = causation ? (f) => bus.handling(handled, f) : (f) => f();
    const l = loop(bus, mode, wrap);
    buses[key] = { bus, m, sub: l.sub };
    cases.push({ name: names[key], fn: l.fn });
  };
  add('plain', 'batch', {});
  add('both', 'batch', { metrics: true, causation: true });
  add('metrics', 'batch', { metrics: true });
  add('causation', 'batch', { causation: true });
  add('plainDrain', 'drain', {});
  add('bothDrain', 'drain', { metrics: true, causation: true });
  const r = await compare(cases, timing);
  const plain = r[names.plain].median;
  const v = (k) => r[names[k]].median;
  row({ name: names.plain, value: plain, unit: 'events/s' });
  // each sample of a case is taken in the same round as the plain bus's: their ratio cancels slow drifts in load
  const paired = r[names.both].samples.map((s, i) => s / r[names.plain].samples[i]);
  row({
    name: names.both,
    value: v('both'),
    unit: 'events/s',
    vs: names.plain,
    target: '≥ 0.8× plain',
    pass: v('both') / plain >= 0.8,
    note: `per-round ratios ${paired.map((x) => x.toFixed(2)).join(' ')}; their median ${median(paired).toFixed(2)}`,
  });
  row({ name: names.metrics, value: v('metrics'), unit: 'events/s', vs: names.plain });
  row({ name: names.causation, value: v('causation'), unit: 'events/s', vs: names.plain });
  row({ name: names.plainDrain, value: v('plainDrain'), unit: 'events/s' });
  row({ name: names.bothDrain, value: v('bothDrain'), unit: 'events/s', vs: names.plainDrain, target: '≥ 0.8× plain', pass: v('bothDrain') / v('plainDrain') >= 0.8 });
  await alsProcesses(row, timing.samples);
  sameBus(row, 3);

  if (check) {
    const { bus, m, sub } = buses.both;
    sub.drain();
    const text = await m.metrics();
    const published = Number(/crosstalk_events_published_total\{type_prefix="bench"\} (\d+)/.exec(text)?.[1]);
    const delivered = Number(/crosstalk_events_delivered_total\{type_prefix="bench"\} (\d+)/.exec(text)?.[1]);
    const s = bus.stats();
    row({ name: 'check: metrics counters equal the bus stats', value: published, unit: 'check', pass: published === s.published && delivered === s.delivered });
    bus.publish('bench.small', {}) && bus.handling(handled, () => bus.publish('bench.small', {}));
    const got = sub.drain();
    row({
      name: 'check: events published under handling() carry caused_by and the correlation id',
      value: got.length,
      unit: 'check',
      pass: got.length === 2 && got[1].metadata.caused_by === handled.id && got[1].source.correlation_id === handled.id && got[0].metadata.caused_by === undefined,
    });
  }
  for (const { bus, m } of Object.values(buses)) {
    m?.close();
    await bus.close();
  }
}

/**
 * Metrics and causation on and off on one bus, in fresh processes
 * (_toggle-child.js): the rows above compare six buses in one process, whose
 * different configurations all run through the same JIT-compiled code.
 */
function sameBus(row, processes) {
  const child = path.join(path.dirname(new URL(import.meta.url).pathname), '_toggle-child.js');
  const runs = [];
  for (let i = 0; i < processes; i++) runs.push(JSON.parse(execFileSync(process.execPath, [child, '15'], { encoding: 'utf8' }).trim()));
  const medians = runs.map((r) => r.median);
  row({
    name: 'publish → receiveBatch, one bus with metrics + causation on ÷ the same bus with them off (fresh process)',
    value: median(medians),
    unit: '×',
    target: '≥ 0.8× (one bus)',
    pass: median(medians) >= 0.8,
    note: `${processes} processes, 15 alternating rounds each: medians ${medians.map((x) => x.toFixed(2)).join(' ')}; rounds ${Math.min(...runs.map((r) => r.min)).toFixed(2)}–${Math.max(...runs.map((r) => r.max)).toFixed(2)}`,
  });
}

/** The plain bus in fresh processes with and without an AsyncLocalStorage used, alternating. */
async function alsProcesses(row, runs) {
  const child = path.join(path.dirname(new URL(import.meta.url).pathname), '_als-child.js');
  const with_ = [];
  const without = [];
  for (let i = 0; i < runs; i++) {
    for (const [flag, into] of i % 2 ? [['1', with_], ['0', without]] : [['0', without], ['1', with_]]) {
      into.push(Number(execFileSync(process.execPath, [child, flag, '1000000'], { encoding: 'utf8' }).trim()));
    }
  }
  const a = median(without);
  const b = median(with_);
  row({ name: 'publish → receiveBatch, plain bus, fresh process, no AsyncLocalStorage ever', value: a, unit: 'events/s', note: `${runs} processes: ${without.map((x) => (x / 1e6).toFixed(2)).join(' ')} M/s` });
  row({
    name: 'publish → receiveBatch, plain bus, fresh process after an AsyncLocalStorage was used',
    value: b,
    unit: 'events/s',
    vs: 'publish → receiveBatch, plain bus, fresh process, no AsyncLocalStorage ever',
    note: `${runs} processes: ${with_.map((x) => (x / 1e6).toFixed(2)).join(' ')} M/s (node's promise hooks, paid by every promise)`,
  });
}

// ---- 2. a large store ------------------------------------------------------------------------

const T0 = Date.parse('2026-11-01T00:00:00Z');
const SPACING_MS = 86; // 1M events span about a day
const CHAIN = 1000;
const TYPES = [
  'order.created', 'order.paid', 'order.shipped', 'payment.requested', 'payment.done', 'payment.failed',
  'agent.started', 'agent.finished', 'tool.call', 'tool.result', 'user.login', 'user.logout',
  'metric.cpu', 'metric.mem', 'audit.entry', 'system.heartbeat',
];

/**
 * A store of `n` events over about a day: a random mix of types with a
 * log-normal `data.duration_ms`; most `order.created` are followed by a
 * `payment.requested` (a sequence for analyze to find); and one causal
 * chain of CHAIN events (correlation id = its root's id) spread through the
 * middle.
 */
export async function buildObserveDataset(file, n) {
  if (existsSync(file)) {
    const db = new Database(file, { readonly: true });
    const have = db.prepare('SELECT count(*) FROM events').pluck().get();
    const root = db.prepare("SELECT value FROM meta WHERE key = 'bench_chain_root'").pluck().get();
    db.close();
    if (have === n && root) return { root, reused: true };
    for (const x of ['', '-wal', '-shm']) rmSync(file + x, { force: true });
  }
  const store = new SqliteStore(file, { sweepIntervalMs: 0 });
  const rand = seeded(12);
  const chainEvery = Math.floor(n / 2 / CHAIN);
  const chainStart = Math.floor(n / 4);
  let root = null;
  let prev = null;
  let link = 0;
  let follows = false;
  for (let i = 0; i < n; i++) {
    const ts = T0 + i * SPACING_MS;
    const id = randomUUID();
    let type = follows ? 'payment.requested' : TYPES[Math.floor(rand() * TYPES.length)];
    follows = type === 'order.created' && rand() < 0.9;
    let source = { component: `svc-${i % 12}`, instance_id: 'bench', language: 'host' };
    let metadata = {};
    if (i >= chainStart && link < CHAIN && (i - chainStart) % chainEvery === 0) {
      type = `chain.step${link % 7}`;
      if (link === 0) root = id;
      else {
        source = { component: link % 2 ? 'relay.lua' : 'relay.js', instance_id: 'bench', language: link % 2 ? 'lua' : 'javascript', correlation_id: root };
        metadata = { caused_by: prev };
      }
      prev = id;
      link++;
    }
    // log-normal around 40 ms: a long right tail, as durations have
    const duration = Math.round(Math.exp(Math.log(40) + 0.8 * gaussian(rand)) * 10) / 10;
    store.append({ id, event_type: type, timestamp: new Date(ts).toISOString(), version: '1.0', sequence: i + 1, source, data: { duration_ms: duration, n: i }, metadata, priority: 'normal' });
    if ((i & 16383) === 16383) await tick();
  }
  await store.close();
  const db = new Database(file);
  db.prepare("INSERT INTO meta (key, value) VALUES ('bench_chain_root', ?)").run(root);
  db.close();
  return { root, reused: false };
}

function gaussian(rand) {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

async function timeIt(times, fn) {
  const out = [];
  let last;
  for (let i = 0; i < times; i++) {
    const t0 = process.hrtime.bigint();
    last = await fn();
    out.push(ms(t0));
  }
  return { median: median(out), min: Math.min(...out), max: Math.max(...out), last };
}

async function storeFigures(row, { quick, check }) {
  const n = quick ? 100_000 : 1_000_000;
  const file = path.join(os.tmpdir(), `crosstalk-bench-observe-${n}-v2.db`);
  log(`dataset of ${n} events at ${file}`);
  const t0 = Date.now();
  const { root, reused } = await buildObserveDataset(file, n);
  if (!reused) log(`built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const store = new SqliteStore(file, { readonly: true });
  try {
    const byCorrelation = await timeIt(quick ? 5 : 15, () => traceEvents(store, root));
    row({
      name: `trace of a ${CHAIN}-event chain by correlation id (${n} stored)`,
      value: byCorrelation.median,
      unit: 'ms',
      target: '≤ 100 ms',
      pass: byCorrelation.median <= 100,
      note: `min ${byCorrelation.min.toFixed(1)}, max ${byCorrelation.max.toFixed(1)} ms (warm page cache)`,
    });
    const middle = byCorrelation.last.events[CHAIN / 2].id;
    const byEvent = await timeIt(3, () => traceEvents(store, middle));
    row({ name: `trace by an event id in the chain, ids scanned (${n} stored)`, value: byEvent.median, unit: 'ms', note: 'no index on id: one scan finds the event, then its correlation id is a seek' });
    if (check) {
      const t = byCorrelation.last;
      const ok = t.events.length === CHAIN && t.events.every((s, i) => s.depth === i) && byEvent.last.events.length === CHAIN && byEvent.last.focus === middle;
      row({ name: 'check: the trace holds the whole chain, depth 0 … 999', value: t.events.length, unit: 'check', pass: ok });
    }
    // the command, start-up included, next to node starting the CLI and doing nothing
    const cli = (args) => () => execFileSync(process.execPath, ['--no-node-snapshot', path.join(ROOT, 'bin/crosstalk.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const version = await timeIt(quick ? 2 : 5, cli(['--version']));
    const command = await timeIt(quick ? 2 : 5, cli(['trace', root, '--store', `sqlite:${file}`]));
    row({ name: 'crosstalk --version (node start-up and the CLI loading)', value: version.median, unit: 'ms' });
    row({ name: `crosstalk trace of the ${CHAIN}-event chain, whole command`, value: command.median, unit: 'ms', note: `${(command.median - version.median).toFixed(0)} ms beyond start-up` });

    // stats --field: percentiles and a histogram over every stored event
    const all = normalizeQuery({});
    // the floor any SQL answer pays: SQLite reading every body's number, nothing handed to JS
    const floorDb = new Database(file, { readonly: true });
    floorDb.pragma('cache_size = -65536');
    const floorSql = floorDb.prepare(`SELECT sum(json_extract(body, '$."data"."duration_ms"')) FROM events`).pluck();
    const fieldTimes = [];
    const floorTimes = [];
    let field;
    for (let i = 0; i < (quick ? 2 : 3); i++) {
      // alternating, so load from elsewhere hits both alike
      let t0 = process.hrtime.bigint();
      floorSql.get();
      floorTimes.push(ms(t0));
      t0 = process.hrtime.bigint();
      field = { last: await fieldStats(store, all, 'data.duration_ms') };
      fieldTimes.push(ms(t0));
    }
    floorDb.close();
    field.median = median(fieldTimes);
    field.min = Math.min(...fieldTimes);
    field.max = Math.max(...fieldTimes);
    row({ name: `floor: one SQLite statement summing json_extract(body, data.duration_ms) over ${n} stored`, value: median(floorTimes), unit: 'ms', note: 'one thread, nothing handed to JS' });
    row({
      name: `stats --field data.duration_ms: p50/p90/p99 + histogram over ${n} stored`,
      value: field.median,
      unit: 'ms',
      target: '≤ 2,000 ms',
      pass: field.median <= 2000,
      vs: `floor: one SQLite statement summing json_extract(body, data.duration_ms) over ${n} stored`,
      note: `min ${field.min.toFixed(0)}, max ${field.max.toFixed(0)} ms; p50 ${field.last.all.p50}, p99 ${field.last.all.p99}; read on ${lastParallelRead.parts} thread(s) (one per idle core, by the load average)`,
    });
    if (check) {
      const col = (await store.numbersAt(all, 'data.duration_ms')).get('');
      const sorted = [...col.values].sort((a, b) => a - b);
      const at = (p) => sorted[Math.ceil((p / 100) * sorted.length) - 1];
      const f = field.last.all;
      row({ name: 'check: percentiles equal a sort of the same values', value: sorted.length, unit: 'check', pass: f.count === n && f.p50 === at(50) && f.p90 === at(90) && f.p99 === at(99) });
    }
    const fieldCli = await timeIt(quick ? 1 : 3, cli(['stats', '--field', 'data.duration_ms', '--store', `sqlite:${file}`]));
    row({ name: `crosstalk stats --field data.duration_ms, whole command (${n} stored)`, value: fieldCli.median, unit: 'ms', note: `${(fieldCli.median - version.median).toFixed(0)} ms beyond start-up` });
    const an = await timeIt(1, () => analyze(store, all, { sequences: { windowMs: 200 } }));
    row({
      name: `analyze (sequences within 200 ms, anomalies) over ${n} stored`,
      value: an.median,
      unit: 'ms',
      note: `${an.last.sequences.length} sequences, ${an.last.anomalies.length} anomalies; first: ${an.last.sequences[0]?.explanation ?? 'none'}`,
    });
  } finally {
    await store.close();
  }
}

// ---- 3. the dashboard under load --------------------------------------------------------------

async function dashboardLoad(row, { quick }) {
  const seconds = quick ? 6 : 20;
  const rate = 100_000;
  const { serveDashboard } = await import('../../dist/observe/dashboard/server.js');
  const bus = createBus();
  const d = await serveDashboard(bus, ':0');
  const sub = bus.subscribe('load.**', { max_queue_size: 50_000 });
  const here = path.dirname(new URL(import.meta.url).pathname);
  const child = spawn(process.execPath, [path.join(here, '_dashboard-clients.js'), d.url, '8'], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdout.setEncoding('utf8');
  const lines = [];
  child.stdout.on('data', (c) => lines.push(...c.split('\n').filter(Boolean)));
  while (!lines.includes('ready')) await once(child.stdout, 'data');

  let browser = null;
  let page = null;
  try {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage();
    await page.goto(`${d.url}/`);
    await page.waitForSelector('#status[data-state="live"]');
    // the page records when it shows each frame
    await page.evaluate(() => {
      window.__shown = [];
      new MutationObserver(() => window.__shown.push(performance.now())).observe(document.getElementById('updated'), { attributes: true, attributeFilter: ['data-frame'] });
    });
  } catch (e) {
    row({ name: 'error: no Chromium page (the WebSocket clients still measure)', value: 0, unit: 'check', pass: false, note: String(e).split('\n')[0] });
  }

  const types = Array.from({ length: 20 }, (_, i) => `load.t${i}`);
  const memory = [];
  child.stdin.write('start\n');
  const t0 = performance.now();
  let sent = 0;
  const publisher = setInterval(() => {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate);
    while (sent < due) bus.publish(types[sent % 20], { n: sent, pad: 'x'.repeat(40) }), sent++;
    sub.drain();
  }, 5);
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    memory.push({ heap: m.heapUsed, rss: m.rss });
  }, 1000);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  clearInterval(publisher);
  clearInterval(sampler);
  const elapsed = (performance.now() - t0) / 1000;
  const shown = page ? await page.evaluate(() => window.__shown) : [];
  child.stdin.write('stop\n');
  while (!lines.some((l) => l.startsWith('{'))) await once(child.stdout, 'data');
  const clients = JSON.parse(lines.find((l) => l.startsWith('{')));
  await browser?.close();
  await d.close();
  await bus.close();

  row({ name: 'dashboard: events published', value: sent / elapsed, unit: 'events/s', target: '100,000 events/s', note: `${sent} events in ${elapsed.toFixed(1)} s` });
  const gaps = shown.slice(1).map((t, i) => t - shown[i]).sort((a, b) => a - b);
  const maxGap = gaps.length ? gaps[gaps.length - 1] : Infinity;
  row({
    name: 'dashboard: longest gap between two updates of the Chromium page',
    value: maxGap,
    unit: 'ms',
    target: '≤ 500 ms',
    pass: maxGap <= 500,
    note: `${shown.length} updates; median gap ${gaps.length ? gaps[gaps.length >> 1].toFixed(0) : '-'} ms, p99 ${gaps.length ? gaps[Math.floor(gaps.length * 0.99)].toFixed(0) : '-'} ms`,
  });
  row({
    name: 'dashboard: longest gap between frames at 8 WebSocket clients',
    value: clients.max,
    unit: 'ms',
    target: '≤ 500 ms',
    pass: clients.max !== null && clients.max <= 500,
    note: `${clients.frames} frames; median ${clients.median?.toFixed(0)} ms, p99 ${clients.p99?.toFixed(0)} ms; frames a reader skipped: ${clients.skipped}`,
  });
  const third = Math.max(1, Math.floor(memory.length / 3));
  const mb = (xs, k) => median(xs.map((x) => x[k])) / 2 ** 20;
  const first = memory.slice(1, 1 + third);
  const last = memory.slice(-third);
  const growth = mb(last, 'heap') - mb(first, 'heap');
  row({
    name: 'dashboard: server heap, last third − first third of the run',
    value: growth,
    unit: 'MB',
    target: 'flat (≤ 16 MB)',
    pass: growth <= 16,
    note: `heap ${mb(first, 'heap').toFixed(0)} → ${mb(last, 'heap').toFixed(0)} MB, rss ${mb(first, 'rss').toFixed(0)} → ${mb(last, 'rss').toFixed(0)} MB; 10 pages, one never reading (dropped after 10 s)`,
  });
}

await standalone(import.meta.url, run);
