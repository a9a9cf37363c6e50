/**
 * Retention benchmarks (issue #13).
 *
 *   node --no-node-snapshot scripts/bench/retention.js [--quick] [--check]
 *
 * The sweeper deleting 1,000,000 expired events (100,000 with --quick)
 * while a bus publishes persisted events as fast as it can, next to the
 * same publishing without a sweep, in the same run on a copy of the same
 * database: publish throughput with the sweep ÷ without (target ≥ 0.7×),
 * and the longest write stall in each — the longest a publish call took
 * (holding the publisher back) and the longest wait between two turns of
 * the publishing loop (target: none over 50 ms). Samples alternate between
 * the two. Each writer of the SQLite store is measured (`thread`, the
 * default: the sweep runs on the writer thread between its commits;
 * `inline`: on the publishing thread, in steps between turns).
 * Then `compact` on the swept database: time, and bytes given back.
 * `--check` verifies that the sweep removed exactly the expired events and
 * kept every event published meanwhile.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';

import { createBus } from '../../dist/core/bus.js';
import { SqliteStore } from '../../dist/store/sqlite.js';
import { median, seeded, standalone, tick } from './lib.js';

const log = (msg) => process.stderr.write(`[retention] ${msg}\n`);
const DAY = 86_400_000;
const RETENTION = { default: '30d', by_type: { 'audit.**': '7y' } };

/** A database of `n` events 60 days old (so the default age expires them all), reused between runs. */
async function buildExpired(file, n) {
  if (existsSync(file)) return false;
  const store = new SqliteStore(file, { sweepIntervalMs: 0 });
  const rand = seeded(5);
  const t0 = Date.now() - 60 * DAY;
  for (let i = 0; i < n; i++) {
    store.append({
      id: randomUUID(),
      event_type: ['order.created', 'order.paid', 'metric.cpu', 'user.login'][i & 3],
      timestamp: new Date(t0 + i).toISOString(),
      version: '1.0',
      sequence: i + 1,
      source: { component: 'svc', instance_id: 'bench', language: 'host' },
      data: { x: Math.floor(rand() * 1e6), user: `u${i % 5000}`, note: 'an event from last month' },
      metadata: {},
      priority: 'normal',
    });
    if ((i & 16383) === 16383) await tick();
  }
  await store.close();
  return true;
}

/** Opens a copy of the database with a bus persisting `live.**`; starts the sweep when asked. */
async function openSample(file, writer, sweep) {
  const store = new SqliteStore(file, { sweepIntervalMs: 0, writer, retention: RETENTION });
  await store.opened();
  let maxCommit = 0;
  store.onCommit((rows, secs) => {
    if (secs > maxCommit) maxCommit = secs;
  });
  const bus = createBus({ store, persist: ['live.**'] });
  const state = { report: null, done: !sweep, maxCommit: () => maxCommit * 1000 };
  const sweeping = sweep ? store.sweepReport().then((r) => ((state.report = r), (state.done = true))) : Promise.resolve();
  return { store, bus, state, sweeping };
}

async function finish(s, n) {
  await s.sweeping;
  await s.bus.flush();
  const live = await s.store.countMatching({ event_type: 'live.**', limit: 100, order: 'asc' });
  const total = await s.store.count();
  await s.bus.close();
  return { live, total, report: s.state.report, ok: live === n && total === n };
}

const payload = { x: 1, user: 'u1', note: 'published while the sweeper runs' };

/** As fast as the store lets it, for `ms`: publishes/s. */
async function floodSample(file, writer, sweep, ms) {
  const s = await openSample(file, writer, sweep);
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    for (let i = 0; i < 512; i++) s.bus.publish('live.event', payload);
    n += 512;
    await tick();
  }
  const secs = (performance.now() - t0) / 1000;
  const sweptWhile = s.state.done;
  const end = await finish(s, n);
  return { rate: n / secs, n, sweptWhile, ...end };
}

/**
 * At `rate` events/s (batches every millisecond), for `ms` or until the sweep
 * ends: the longest publish call, the longest the loop was late, and the
 * longest append → commit.
 */
async function pacedSample(file, writer, sweep, ms, rate) {
  const s = await openSample(file, writer, sweep);
  let n = 0;
  let maxCall = 0;
  let maxLate = 0;
  const t0 = performance.now();
  let expected = t0;
  while (!s.state.done || performance.now() - t0 < ms) {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate) - n;
    for (let i = 0; i < due; i++) {
      const c0 = performance.now();
      s.bus.publish('live.event', payload);
      const d = performance.now() - c0;
      if (d > maxCall) maxCall = d;
    }
    n += Math.max(due, 0);
    expected = performance.now() + 1;
    await new Promise((r) => setTimeout(r, 1));
    const late = performance.now() - expected;
    if (late > maxLate) maxLate = late;
  }
  const secs = (performance.now() - t0) / 1000;
  const maxCommit = s.state.maxCommit();
  const end = await finish(s, n);
  return { secs, n, maxCall, maxLate, maxCommit, ...end };
}

export async function run({ quick = false, check = false } = {}) {
  const rows = [];
  const n = quick ? 100_000 : 1_000_000;
  const template = path.join(os.tmpdir(), `crosstalk-bench-retention-${n}-v1.db`);
  log(`database of ${n} expired events at ${template}`);
  const t0 = Date.now();
  if (await buildExpired(template, n)) log(`built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'crosstalk-bench-retention-'));
  const samples = quick ? 2 : 3;
  const floodMs = quick ? 2000 : 5000;
  const pace = 20_000;
  let file = '';
  const fresh = (name) => {
    file = path.join(dir, `${name}.db`);
    copyFileSync(template, file);
    return file;
  };
  const drop = () => {
    for (const x of ['', '-wal', '-shm']) rmSync(file + x, { force: true });
  };
  try {
    for (const writer of ['thread', 'inline']) {
      // 1. throughput: publishing as fast as the store takes it, with and without a sweep under way
      const flood = { sweep: [], plain: [] };
      for (let s = 0; s < samples; s++) {
        for (const kind of s % 2 ? ['sweep', 'plain'] : ['plain', 'sweep']) {
          const r = await floodSample(fresh(`${writer}-${kind}-${s}`), writer, kind === 'sweep', floodMs);
          flood[kind].push(r);
          log(`${writer} flood ${kind}: ${Math.round(r.rate)} events/s${kind === 'sweep' ? ` (the sweep ${r.sweptWhile ? 'ended' : 'still ran'} at the end of the window)` : ''}`);
          if (check && kind === 'sweep') {
            rows.push({
              name: `${writer} writer, flood: the sweep removed exactly the ${n} expired events and kept all ${r.n} published`,
              value: r.report.removed,
              unit: 'check',
              pass: r.report.removed === n && r.ok,
            });
          }
          drop();
        }
      }
      const rate = (xs) => median(xs.map((x) => x.rate));
      const ratio = median(flood.sweep.map((x, i) => x.rate / flood.plain[i].rate));
      const PLAIN = `${writer} writer: persisted publishes/s as fast as the store takes them, no sweep`;
      rows.push({ name: PLAIN, value: rate(flood.plain), unit: 'events/s', note: `runs ${flood.plain.map((x) => Math.round(x.rate)).join(', ')}` });
      rows.push({
        name: `${writer} writer: the same while the sweeper deletes ${n} expired events`,
        value: rate(flood.sweep),
        unit: 'events/s',
        vs: PLAIN,
        ratio,
        target: '≥ 0.7× without the sweep',
        pass: ratio >= 0.7,
        note: `runs ${flood.sweep.map((x) => Math.round(x.rate)).join(', ')}; ${floodMs / 1000} s windows, the sweep goes on after them`,
      });

      // 2. stalls: a steady publisher while the whole sweep runs, and the same without it
      const paced = { sweep: [], plain: [] };
      for (const kind of ['sweep', 'plain']) {
        const ms = kind === 'sweep' ? 1000 : Math.max(1000, paced.sweep[0].secs * 1000);
        const r = await pacedSample(fresh(`${writer}-paced-${kind}`), writer, kind === 'sweep', ms, pace);
        paced[kind].push(r);
        log(`${writer} paced ${kind}: ${r.secs.toFixed(1)} s; longest call ${r.maxCall.toFixed(1)} ms, late ${r.maxLate.toFixed(1)} ms, commit ${r.maxCommit.toFixed(1)} ms`);
        if (check && kind === 'sweep') {
          rows.push({ name: `${writer} writer, paced: every expired event removed, every published one kept`, value: r.report.removed, unit: 'check', pass: r.report.removed === n && r.ok });
        }
        if (kind === 'sweep' && writer === 'thread') {
          const store = new SqliteStore(file, { sweepIntervalMs: 0, writer: 'inline' });
          const c0 = performance.now();
          const rep = await store.compact();
          const cms = performance.now() - c0;
          await store.close();
          rows.push({
            name: `compact after sweeping ${n} events`,
            value: cms,
            unit: 'ms',
            note: `${(rep.bytes_before / 2 ** 20).toFixed(0)} MiB → ${(rep.bytes_after / 2 ** 20).toFixed(1)} MiB, ${rep.vacuum} vacuum, ${rep.pages_freed} pages`,
          });
        }
        drop();
      }
      const [sw, pl] = [paced.sweep[0], paced.plain[0]];
      const stall = Math.max(sw.maxCall, sw.maxLate);
      rows.push({
        name: `${writer} writer: sweep of ${n} expired events under a steady ${pace.toLocaleString('en-US')} publishes/s`,
        value: sw.secs,
        unit: 's',
        note: `${Math.round(n / sw.secs)} deletes/s`,
      });
      rows.push({
        name: `${writer} writer: longest write stall during that sweep (a publish call, or the publishing loop held up)`,
        value: stall,
        unit: 'ms',
        target: '≤ 50 ms',
        pass: stall <= 50,
        note:
          `call ${sw.maxCall.toFixed(1)} ms, loop late ${sw.maxLate.toFixed(1)} ms, longest append → commit ${sw.maxCommit.toFixed(1)} ms; ` +
          `without the sweep: call ${pl.maxCall.toFixed(1)}, late ${pl.maxLate.toFixed(1)}, commit ${pl.maxCommit.toFixed(1)} ms`,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  rows.push({ name: 'database of expired events', value: statSync(template).size / 2 ** 20, unit: 'MiB', note: `${n} events` });
  return rows;
}

await standalone(import.meta.url, run);
