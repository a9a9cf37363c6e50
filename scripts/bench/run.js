/**
 * The benchmark runner (`npm run bench`):
 *
 *   node --expose-gc scripts/bench/run.js [suite...] [--quick] [--check] [--runs N] [--no-json] [--markdown]
 *   node scripts/bench/run.js --report bench-results/latest.json [--markdown] [suite...]
 *
 * Runs the named suites (default: every suite found, core first), each in its
 * own child process so one suite's heap cannot colour another's memory
 * figures; with `--runs N` each suite runs N times and every figure is the
 * median of the N runs. Prints one table and writes
 * bench-results/<timestamp>.json and bench-results/latest.json.
 *
 * A suite is scripts/bench/<name>.js exporting
 * `async function run({quick, check})` that returns rows
 * `{suite, name, value, unit, ratio?, vs?, target?, pass?, note?}` (see lib.js).
 * A missing suite is skipped with a note; a suite that throws is reported and
 * makes the exit status 1. `--check` also makes failed correctness checks
 * (rows with unit 'check' and pass false) exit 1; targets never do.
 * `--markdown` also prints one markdown table per suite (for BENCHMARKS.md);
 * `--report FILE` prints the tables of a saved result without running anything.
 */
import { fork } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { failedChecks, formatMarkdown, formatTable, linkRatios, machine, median, parseArgs, writeResults } from './lib.js';

const DIR = path.dirname(fileURLToPath(import.meta.url));
const KNOWN = ['core', 'lua', 'js', 'store'];
const NOT_SUITES = new Set(['run', 'lib']);
const EXPORTS_RUN = /export\s+(async\s+)?function\s+run\b|export\s+(const|let)\s+run\b|export\s*\{[^}]*\brun\b/;

/** Known suites in their order, then any other scripts/bench/*.js that exports run(). */
function discover() {
  const found = KNOWN.filter((s) => existsSync(path.join(DIR, `${s}.js`)));
  for (const f of readdirSync(DIR).sort()) {
    const name = f.replace(/\.js$/, '');
    if (!f.endsWith('.js') || NOT_SUITES.has(name) || found.includes(name) || name.startsWith('_')) continue;
    if (EXPORTS_RUN.test(readFileSync(path.join(DIR, f), 'utf8'))) found.push(name);
  }
  return found;
}

/** Child mode: run one suite and send its rows to the parent. */
async function child(name, opts) {
  try {
    const mod = await import(pathToFileURL(path.join(DIR, `${name}.js`)).href);
    if (typeof mod.run !== 'function') throw new Error(`scripts/bench/${name}.js does not export run()`);
    const rows = await mod.run(opts);
    if (!Array.isArray(rows)) throw new Error(`run() of suite ${name} returned ${typeof rows}, not a list of rows`);
    process.send({ ok: true, rows: rows.map((r) => ({ suite: name, ...r })) }, () => process.exit(0));
  } catch (e) {
    process.send({ ok: false, error: e?.stack ?? String(e) }, () => process.exit(1));
  }
}

/** Runs one suite in a child node with the same flags (--expose-gc …). */
function runSuite(name, opts) {
  return new Promise((resolve) => {
    const execArgv = [...process.execArgv];
    if (!execArgv.includes('--expose-gc')) execArgv.push('--expose-gc');
    const p = fork(fileURLToPath(import.meta.url), ['--child', name, JSON.stringify(opts)], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let answer = null;
    p.on('message', (m) => (answer = m));
    p.on('exit', (code, signal) => {
      if (answer) resolve(answer);
      else resolve({ ok: false, error: `suite ${name} exited with ${signal ?? `code ${code}`} before reporting` });
    });
  });
}

/** One row per (suite, name): numeric fields become medians over the runs. */
function mergeRuns(runs) {
  if (runs.length === 1) return runs[0];
  const byKey = new Map();
  const order = [];
  for (const rows of runs) {
    for (const r of rows) {
      const key = `${r.suite}\u0000${r.name}`;
      if (!byKey.has(key)) {
        byKey.set(key, []);
        order.push(key);
      }
      byKey.get(key).push(r);
    }
  }
  return order.map((key) => {
    const list = byKey.get(key);
    const values = list.map((r) => r.value).filter((v) => typeof v === 'number');
    const m = median(values);
    // notes and verdict come from the run whose value is the median
    const mid = list.reduce((a, b) => (Math.abs(b.value - m) < Math.abs(a.value - m) ? b : a));
    const out = { ...mid, value: m, runs: values };
    const ratios = list.map((r) => r.ratio).filter((v) => typeof v === 'number');
    if (ratios.length) out.ratio = median(ratios);
    if (list[0].unit === 'check') out.pass = list.every((r) => r.pass !== false) && list.some((r) => r.pass === true) ? true : list.some((r) => r.pass === false) ? false : undefined;
    return out;
  });
}

function printMarkdown(rows, m, runs) {
  const by = new Map();
  for (const r of rows) (by.get(r.suite) ?? by.set(r.suite, []).get(r.suite)).push(r);
  for (const [suite, list] of by) {
    console.log(`\n### ${suite}\n\n${formatMarkdown(list)}`);
    const notes = list.filter((r) => r.note).map((r) => `- *${r.name}*: ${r.note}`);
    if (notes.length) console.log(`\n${notes.join('\n')}`);
  }
  console.log(`\n(node ${m.node}, ${m.nproc} cores ${m.cpu}, load ${m.loadavg.join(' ')}${runs > 1 ? `, median of ${runs} runs` : ''})`);
}

/** Prints a saved result (bench-results/*.json), optionally only some suites. */
function report(args) {
  let rec;
  try {
    rec = JSON.parse(readFileSync(args.report, 'utf8'));
  } catch (e) {
    console.error(`cannot read ${args.report}: ${e.message}`);
    process.exitCode = 2;
    return;
  }
  const rows = args.suites.length ? rec.rows.filter((r) => args.suites.includes(r.suite)) : rec.rows;
  console.log(`${args.report}: ${rec.started} … ${rec.finished}, runs ${rec.args?.runs ?? 1}${rec.args?.quick ? ', quick' : ''}`);
  console.log(formatTable(rows));
  if (args.markdown) printMarkdown(rows, rec.machine, rec.args?.runs ?? 1);
}

async function main() {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') return child(argv[1], JSON.parse(argv[2]));
  let args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    console.error(e.message);
    process.exitCode = 2;
    return;
  }
  if (args.report !== null) return report(args);
  const suites = args.suites.length ? args.suites : discover();
  const opts = { quick: args.quick, check: args.check };
  const started = new Date().toISOString();
  const rows = [];
  const skipped = [];
  const errors = [];
  for (const name of suites) {
    if (!/^[\w-]+$/.test(name) || !existsSync(path.join(DIR, `${name}.js`))) {
      skipped.push(name);
      console.error(`[bench] no suite scripts/bench/${name}.js; skipped`);
      continue;
    }
    const runs = [];
    for (let k = 0; k < args.runs; k++) {
      console.error(`[bench] ${name}${args.runs > 1 ? ` (run ${k + 1}/${args.runs})` : ''}…`);
      const t0 = Date.now();
      const res = await runSuite(name, opts);
      if (!res.ok) {
        errors.push({ suite: name, error: res.error });
        console.error(`[bench] suite ${name} failed:\n${res.error}`);
        break;
      }
      console.error(`[bench] ${name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      runs.push(res.rows);
    }
    if (runs.length) {
      // a ratio is the median of the per-run ratios, each taken within one run
      const merged = mergeRuns(runs.map((r) => linkRatios(r)));
      rows.push(...merged);
    }
  }
  console.log(formatTable(rows));
  if (args.markdown) printMarkdown(rows, machine(), args.runs);
  if (skipped.length) console.log(`\nskipped (no file): ${skipped.join(', ')}`);
  const failed = args.check ? failedChecks(rows) : [];
  if (args.json) {
    const file = writeResults({ started, finished: new Date().toISOString(), machine: machine(), args: { ...opts, runs: args.runs, suites }, rows, skipped, errors });
    console.log(`\nresults: ${path.relative(process.cwd(), file)} (and bench-results/latest.json)`);
  }
  if (failed.length) console.error(`\n${failed.length} check(s) failed: ${failed.map((r) => `${r.suite}: ${r.name}`).join('; ')}`);
  if (errors.length) console.error(`\n${errors.length} suite(s) failed: ${errors.map((e) => e.suite).join(', ')}`);
  if (failed.length || errors.length) process.exitCode = 1;
}

await main();
