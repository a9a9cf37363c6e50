/**
 * Pattern matching under hostile input (issue #15): the cost of one match for
 * an ordinary glob next to adversarial ones (many in-segment stars, many
 * `**`, braces), in the same run, and what the backtracking regular
 * expression the matcher replaced costs on the same pattern at a length it
 * can still finish. Then the same adversarial pattern through a SQLite query
 * (`-t` and a `matches` filter), next to an ordinary query on the same store.
 *
 *   node --no-node-snapshot scripts/bench/patterns.js [--quick] [--check]
 *
 * `--check` verifies the answers (picomatch for the ordinary glob, known
 * answers for the adversarial ones, row counts for the queries).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { compilePattern } from '../../dist/index.js';
import { Router } from '../../dist/internal.js';
import { normalizeQuery } from '../../dist/core/query.js';
import { SqliteStore } from '../../dist/store/sqlite.js';
import { compare, median, standalone } from './lib.js';

const require = createRequire(import.meta.url);
const picomatch = require('picomatch');

const STARS = `${'*a'.repeat(13)}b*`; // the pattern of the report
const A200 = 'a'.repeat(200);
const GLOBSTARS = `${'**.a.'.repeat(20)}b`;
const SEGS127 = Array(127).fill('a').join('.');
const BRACES = `{a,b}{a,c}{a,d}{a,e}{a,f}{a,g}{a,h}{a,i}${'*a'.repeat(10)}*z`;
const ORDINARY = ['exec*.v[0-9]?.{done,failed}', 'execute.v12.done'];
/** the old matcher: the regular expression the grammar used to build for STARS */
const OLD_RE = new RegExp(`^${'[^.]*a'.repeat(13)}b[^.]*$`);
const OLD_LENGTH = 24;

let sink = 0;
const log = (msg) => process.stderr.write(`[patterns] ${msg}\n`);

export async function run({ quick = false, check = false } = {}) {
  const rows = [];
  const row = (r) => rows.push({ suite: 'patterns', ...r });
  const timing = quick ? { samples: 3, minMs: 100, warmupMs: 60 } : { samples: 7, minMs: 250, warmupMs: 150 };

  log('matching');
  const tests = {
    ordinary: [compilePattern(ORDINARY[0]), ORDINARY[1]],
    stars: [compilePattern(STARS), A200],
    globstars: [compilePattern(GLOBSTARS), SEGS127],
    braces: [compilePattern(BRACES), 'a'.repeat(240)],
    short: [compilePattern(STARS), 'a'.repeat(OLD_LENGTH)],
  };
  const loop = (c, t) => (reps) => {
    for (let i = 0; i < reps; i++) sink += c.test(t) ? 1 : 0;
    return reps;
  };
  const router = new Router(0);
  router.add('hostile', compilePattern(STARS));
  router.add('globstars', compilePattern(GLOBSTARS));
  const cases = [
    { name: `ordinary glob ${ORDINARY[0]} on ${ORDINARY[1]}`, fn: loop(...tests.ordinary) },
    { name: `${STARS} on 200 a's`, fn: loop(...tests.stars) },
    { name: `(**.a.)×20 b on a 127-segment type`, fn: loop(...tests.globstars) },
    { name: `256 brace alternatives, each *a×10*z, on 240 a's`, fn: loop(...tests.braces) },
    {
      name: `router (trie, no cache) holding both, on 200 a's and 127 segments`,
      fn: (reps) => {
        for (let i = 0; i < reps; i++) sink += router.route(i & 1 ? A200 : SEGS127).length;
        return reps;
      },
    },
    { name: `${STARS} on ${OLD_LENGTH} a's`, fn: loop(...tests.short) },
  ];
  const res = await compare(cases, timing);
  const us = (c) => 1e6 / res[c.name].median;
  const ordinary = cases[0].name;
  row({ name: ordinary, value: us(cases[0]), unit: 'µs/match' });
  for (const c of cases.slice(1)) row({ name: c.name, value: us(c), unit: 'µs/match', vs: ordinary });

  // the replaced backtracking regexp: a few timed runs (each takes milliseconds)
  const old = [];
  for (let i = 0; i < (quick ? 3 : 7); i++) {
    const t0 = performance.now();
    sink += OLD_RE.test('a'.repeat(OLD_LENGTH)) ? 1 : 0;
    old.push((performance.now() - t0) * 1000);
  }
  row({
    name: `backtracking RegExp (the old matcher), ${STARS} on ${OLD_LENGTH} a's`,
    value: median(old),
    unit: 'µs/match',
    vs: cases[5].name,
    note: 'grows about 20× per 5 more a\'s (30 a\'s: ~0.5 s, 35: ~10 s); 200 a\'s ran for minutes',
  });

  if (check) {
    const pm = picomatch(ORDINARY[0].split('.').join('/'), { dot: true, posix: true });
    const checks = [
      ['ordinary glob = picomatch', tests.ordinary[0].test(ORDINARY[1]) === pm(ORDINARY[1].split('.').join('/'))],
      ['adversarial answers', !tests.stars[0].test(A200) && tests.stars[0].test(`${A200}b`) && !tests.globstars[0].test(SEGS127)],
      ['router answers', router.route(A200).length === 0 && router.route(`${A200}b`).includes('hostile')],
    ];
    for (const [name, pass] of checks) row({ name: `check: ${name}`, value: pass ? 1 : 0, unit: 'check', pass });
  }

  log('SQLite queries');
  await queries(row, { quick, check });
  if (sink === -1) console.log(sink);
  return rows;
}

/** The adversarial pattern through the SQLite store's translation (ct_match), next to an ordinary query. */
async function queries(row, { quick, check }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'crosstalk-bench-patterns-'));
  const store = new SqliteStore(path.join(dir, 'events.db'), { sweepIntervalMs: 0, writer: 'inline' });
  try {
    const n = quick ? 500 : 2000;
    const long = 'a'.repeat(1000);
    for (let i = 1; i <= n; i++) {
      const type = i % 2 ? A200 : i % 4 ? 'order.created' : 'order.paid';
      store.append({
        id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, event_type: type, timestamp: new Date(1_800_000_000_000 + i).toISOString(),
        version: '1.0', sequence: i, source: { component: 'bench', instance_id: 'i', language: 'host' }, data: { s: long, i }, metadata: {}, priority: 'normal',
      });
    }
    await store.flush();
    const q = {
      ordinary: normalizeQuery({ event_type: 'order.*ed', limit: 10_000 }),
      type: normalizeQuery({ event_type: STARS, limit: 10_000 }),
      filter: normalizeQuery({ filters: { 'data.s': { op: 'matches', value: STARS } }, limit: 10_000 }),
    };
    const cases = [
      { name: `SQLite query -t order.*ed over ${n} events`, q: q.ordinary },
      { name: `SQLite query -t ${STARS} over ${n} events`, q: q.type },
      { name: `SQLite query data.s matches ${STARS} (1,000 a's each) over ${n} events`, q: q.filter },
    ];
    const ms = {};
    for (const c of cases) {
      const xs = [];
      for (let i = 0; i < (quick ? 5 : 15); i++) {
        const t0 = performance.now();
        sink += (await store.query(c.q)).length;
        xs.push(performance.now() - t0);
      }
      ms[c.name] = median(xs);
    }
    row({ name: cases[0].name, value: ms[cases[0].name], unit: 'ms/query' });
    for (const c of cases.slice(1)) row({ name: c.name, value: ms[c.name], unit: 'ms/query', vs: cases[0].name });
    if (check) {
      const counts = await Promise.all(cases.map((c) => store.query(c.q).then((r) => r.length)));
      const pass = counts[0] === n / 4 && counts[1] === 0 && counts[2] === 0;
      row({ name: 'check: query answers', value: pass ? 1 : 0, unit: 'check', pass, note: pass ? undefined : `got ${counts.join(', ')}` });
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await standalone(import.meta.url, run);
