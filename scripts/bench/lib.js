/**
 * Shared helpers for the benchmark suites: timing (round-robin samples,
 * medians), GC and heap measurement, seeded randomness, the result table and
 * the JSON record. Suites stay small scripts; everything they share is here.
 *
 * A row: {suite, name, value, unit, ratio?, vs?, target?, pass?, note?}
 *   ratio = value / (value of the row named in `vs`), both from the same run;
 *   target is text ("≥ 2,000,000 events/s"); pass is the measured verdict.
 *   Rows with unit 'check' are correctness checks: `--check` fails (exit 1)
 *   when one of them has pass === false.
 */
import { execSync, spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// ---- arguments -----------------------------------------------------------------

/** `[suite...] [--quick] [--check] [--runs N] [--no-json] [--markdown] [--report FILE]` */
export function parseArgs(argv) {
  const out = { suites: [], quick: false, check: false, runs: 1, json: true, markdown: false, report: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') out.quick = true;
    else if (a === '--check') out.check = true;
    else if (a === '--no-json') out.json = false;
    else if (a === '--markdown') out.markdown = true;
    else if (a === '--report') out.report = argv[++i] ?? '';
    else if (a.startsWith('--report=')) out.report = a.slice(9);
    else if (a === '--runs') out.runs = positiveInt('--runs', argv[++i]);
    else if (a.startsWith('--runs=')) out.runs = positiveInt('--runs', a.slice(7));
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}; known: --quick, --check, --runs N, --no-json, --markdown, --report FILE`);
    else out.suites.push(a);
  }
  return out;
}

function positiveInt(name, v) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`Expected \`${name}\` to be an integer >= 1, got ${JSON.stringify(v)}`);
  return n;
}

// ---- numbers -------------------------------------------------------------------

export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** mulberry32: a small seeded PRNG so every run uses the same workload. */
export function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws ranks 0..n-1 with P(k) ∝ 1/(k+1)^s (inverse CDF over a table). */
export function zipf(n, s, rand) {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) cdf[k] = sum += 1 / Math.pow(k + 1, s);
  return () => {
    const x = rand() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

export function shuffle(xs, rand) {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

// ---- timing --------------------------------------------------------------------

const now = () => performance.now();

/**
 * Measures several cases in the same process, round-robin: sample 1 of every
 * case, then sample 2 of every case (rotating the order), … so that noise from
 * other processes on the machine hits all cases alike. Each case is
 * `{name, fn(reps) → ops}` where fn may be async; reps is calibrated so one
 * sample lasts about `minMs`. Returns `{[name]: {median, samples, ops}}` in
 * ops per second.
 */
export async function compare(cases, { samples = 5, minMs = 250, warmupMs = 150 } = {}) {
  const reps = new Map();
  for (const c of cases) {
    // warm-up doubles as calibration
    let r = 1;
    for (;;) {
      const t0 = now();
      await c.fn(r);
      const dt = now() - t0;
      if (dt >= warmupMs || r >= 1 << 30) {
        reps.set(c.name, Math.max(1, Math.round((r * minMs) / Math.max(dt, 0.001))));
        break;
      }
      r = dt < 1 ? r * 16 : Math.ceil(r * Math.min(16, Math.max(2, (warmupMs * 1.2) / dt)));
    }
  }
  const out = {};
  for (const c of cases) out[c.name] = { samples: [], median: NaN };
  for (let s = 0; s < samples; s++) {
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(k + s) % cases.length];
      const r = reps.get(c.name);
      const t0 = now();
      const ops = await c.fn(r);
      const dt = (now() - t0) / 1000;
      out[c.name].samples.push(ops / dt);
    }
  }
  for (const c of cases) out[c.name].median = median(out[c.name].samples);
  return out;
}

/** Runs `fn` `n` times (fresh state each time) and returns the median of what it returns. */
export async function repeat(n, fn) {
  const vals = [];
  const extra = [];
  for (let i = 0; i < n; i++) {
    const r = await fn(i);
    if (typeof r === 'number') vals.push(r);
    else {
      vals.push(r.value);
      extra.push(r);
    }
  }
  const m = median(vals);
  const closest = extra.length ? extra.reduce((a, b) => (Math.abs(b.value - m) < Math.abs(a.value - m) ? b : a)) : null;
  return { median: m, values: vals, at: closest };
}

// ---- GC and heap -----------------------------------------------------------------

let gcFn = globalThis.gc;
/** global.gc, exposing it on the fly when node was started without --expose-gc. */
export function gc() {
  if (!gcFn) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc');
  }
  gcFn();
}

/** heapUsed after full collections (several, so weak callbacks and finalizers settle). */
export async function settledHeap() {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  gc();
  return process.memoryUsage().heapUsed;
}

/**
 * CPU of the whole process while `count` scripts wait on `bus`. `start(i,
 * signal)` starts script i, which publishes `idle.ready` once it is about to
 * wait, and returns its run (a Promise of its result); every script is
 * stopped through its signal after the window. → {results, row}: the
 * row (`suite`, `name`) says what share of a core the process used.
 */
export async function idleCpu(bus, count, windowMs, start, { suite, name }) {
  const ready = bus.subscribe('idle.ready', { max_queue_size: count });
  const stops = [];
  const runs = [];
  for (let i = 0; i < count; i++) {
    const stop = new AbortController();
    stops.push(stop);
    runs.push(start(i, stop.signal));
  }
  let seen = 0;
  while (seen < count) {
    const b = await ready.receiveBatch({ max_events: count, timeout_ms: 30_000 });
    if (b.length === 0) throw new Error(`only ${seen} of ${count} idle scripts started`);
    seen += b.length;
  }
  // settle the heap, so collection work left over from earlier cases is not counted
  await settledHeap();
  await new Promise((r) => setTimeout(r, 100));
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, windowMs));
  const c = process.cpuUsage(c0);
  const wall = performance.now() - t0;
  for (const stop of stops) stop.abort();
  const results = await Promise.all(runs);
  ready.unsubscribe();
  const cpuMs = (c.user + c.system) / 1000;
  const row = {
    suite,
    name,
    value: (cpuMs / wall) * 100,
    unit: '% of a core',
    target: '≈ 0 (no polling)',
    pass: cpuMs / wall < 0.02,
    note: `${cpuMs.toFixed(1)} ms CPU over ${Math.round(wall)} ms (the bench process itself included)`,
  };
  return { results, row };
}

const GC_KINDS = {
  [perfConstants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [perfConstants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [perfConstants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

/** Starts recording GC pauses; `await stop()` → {count, ms, byKind: {minor: {count, ms}, …}}. */
export function recordGc() {
  const byKind = {};
  let count = 0;
  let ms = 0;
  const take = (entries) => {
    for (const e of entries) {
      const kind = GC_KINDS[e.detail?.kind ?? e.kind] ?? 'other';
      const k = (byKind[kind] ??= { count: 0, ms: 0 });
      k.count++;
      k.ms += e.duration;
      count++;
      ms += e.duration;
    }
  };
  const obs = new PerformanceObserver((list) => take(list.getEntries()));
  obs.observe({ entryTypes: ['gc'] });
  return async () => {
    await new Promise((r) => setTimeout(r, 20)); // entries arrive asynchronously
    take(obs.takeRecords());
    obs.disconnect();
    return { count, ms, byKind };
  };
}

export const tick = () => new Promise((r) => setImmediate(r));

// ---- machine -----------------------------------------------------------------------

export function machine() {
  const cpus = os.cpus();
  let commit = null;
  try {
    commit = execSync('git rev-parse --short HEAD', { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    // not a git checkout
  }
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    nproc: os.availableParallelism?.() ?? cpus.length,
    cpu: cpus[0]?.model ?? 'unknown',
    mem_gb: Math.round(os.totalmem() / 2 ** 30),
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
    commit,
  };
}

// ---- table and JSON -------------------------------------------------------------------

export function fmtNum(v, unit) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return String(v);
  if (unit === 'check') return v.toLocaleString('en-US');
  const a = Math.abs(v);
  if (a >= 100) return Math.round(v).toLocaleString('en-US');
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

export function fmtRatio(r) {
  return typeof r === 'number' && Number.isFinite(r) ? `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}×` : '';
}

function verdict(row) {
  if (row.pass === true) return row.unit === 'check' ? 'ok' : 'PASS';
  if (row.pass === false) return 'FAIL';
  return '';
}

/** A fixed-width text table of rows (one per line, grouped by suite). */
export function formatTable(rows) {
  const head = ['suite', 'benchmark', 'value', 'unit', 'ratio', 'vs', 'target', 'pass'];
  const body = rows.map((r) => [
    r.suite ?? '',
    r.name ?? '',
    fmtNum(r.value, r.unit),
    r.unit ?? '',
    fmtRatio(r.ratio),
    r.vs ?? '',
    r.target ?? '',
    verdict(r),
  ]);
  const widths = head.map((h, i) => Math.min(i === 1 ? 64 : 40, Math.max(h.length, ...body.map((b) => b[i].length))));
  const numeric = new Set([2, 4]);
  const line = (cells) =>
    cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  ')];
  let last = null;
  for (let i = 0; i < body.length; i++) {
    if (last !== null && rows[i].suite !== last) out.push('');
    last = rows[i].suite;
    out.push(line(body[i]));
    if (rows[i].note) out.push(`${' '.repeat(widths[0] + 2)}  ↳ ${rows[i].note}`);
  }
  return out.join('\n');
}

/** A GitHub-markdown table (for BENCHMARKS.md). */
export function formatMarkdown(rows) {
  const out = ['| benchmark | value | unit | ratio | vs | target | result |', '|---|---:|---|---:|---|---|---|'];
  for (const r of rows) {
    const cells = [r.name, fmtNum(r.value, r.unit), r.unit, fmtRatio(r.ratio), r.vs ?? '', r.target ?? '', verdict(r)];
    out.push(`| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`);
  }
  return out.join('\n');
}

/** Writes bench-results/<timestamp>.json and bench-results/latest.json; returns the first path. */
export function writeResults(record) {
  const dir = path.join(ROOT, 'bench-results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = path.join(dir, `${stamp}.json`);
  const text = `${JSON.stringify(record, null, 2)}\n`;
  writeFileSync(file, text);
  writeFileSync(path.join(dir, 'latest.json'), text);
  return file;
}

/** True when some correctness check failed. */
export function failedChecks(rows) {
  return rows.filter((r) => r.unit === 'check' && r.pass === false);
}

/** Fills `ratio` for rows that name a `vs` row of the same suite. */
export function linkRatios(rows) {
  const byName = new Map(rows.map((r) => [`${r.suite}\u0000${r.name}`, r]));
  for (const r of rows) {
    if (r.vs === undefined || r.ratio !== undefined) continue;
    const ref = byName.get(`${r.suite}\u0000${r.vs}`);
    if (ref && typeof ref.value === 'number' && ref.value !== 0) r.ratio = r.value / ref.value;
  }
  return rows;
}

/**
 * Makes a suite file runnable on its own: `node scripts/bench/<suite>.js
 * [--quick] [--check]` prints the table and writes bench-results/<suite>.json
 * (the runner writes its own combined file).
 */
export async function standalone(moduleUrl, run) {
  if (!process.argv[1] || pathToFileURL(path.resolve(process.argv[1])).href !== moduleUrl) return;
  const suite = path.basename(fileURLToPath(moduleUrl), '.js');
  const args = parseArgs(process.argv.slice(2));
  const rows = linkRatios((await run({ quick: args.quick, check: args.check })).map((r) => ({ suite, ...r })));
  console.log(formatTable(rows));
  const dir = path.join(ROOT, 'bench-results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${suite}.json`);
  const record = { finished: new Date().toISOString(), machine: machine(), args: { quick: args.quick, check: args.check }, rows };
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  console.log(`\nresults: ${path.relative(process.cwd(), file)}`);
  const failed = args.check ? failedChecks(rows) : [];
  if (failed.length) {
    console.error(`\n${failed.length} check(s) failed: ${failed.map((r) => r.name).join('; ')}`);
    process.exitCode = 1;
  }
}

// ---- nats-server --------------------------------------------------------------------

function natsServerBinary() {
  for (const d of [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin']) {
    if (!d) continue;
    try {
      accessSync(path.join(d, 'nats-server'), constants.X_OK);
      return path.join(d, 'nats-server');
    } catch {
      // not here
    }
  }
  throw new Error('nats-server is not installed: apt-get install -y nats-server');
}

/**
 * A JetStream server on a port it picks; resolves when its log says it is
 * ready. Its store is a temporary directory removed by stop(), or `dir`,
 * kept (the server is then stopped gently, so the next start is quick).
 */
export async function startNatsServer({ dir } = {}) {
  const storeDir = dir ?? mkdtempSync(path.join(os.tmpdir(), 'crosstalk-bench-nats-'));
  mkdirSync(storeDir, { recursive: true });
  const child = spawn(natsServerBinary(), ['-js', '-a', '127.0.0.1', '-p', '-1', '-sd', storeDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  const port = await new Promise((resolve, reject) => {
    let text = '';
    child.once('exit', (code) => reject(new Error(`nats-server exited with ${code}\n${text}`)));
    child.stderr.setEncoding('utf8').on('data', (c) => {
      text += c;
      const m = /Listening for client connections on [^\s]+:(\d+)/.exec(text);
      if (m && text.includes('Server is ready')) resolve(Number(m[1]));
    });
  });
  child.removeAllListeners('exit');
  child.stderr.removeAllListeners('data');
  child.stderr.resume();
  return {
    url: `nats://127.0.0.1:${port}`,
    async stop() {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill(dir === undefined ? 'SIGKILL' : 'SIGTERM');
      await gone;
      if (dir === undefined) rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
