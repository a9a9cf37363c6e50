/**
 * `numbersAt` over a large SQLite file on several cores. Reading a number
 * out of every stored event means parsing every body (json_extract), which
 * is most of the cost; the sequence range is split into parts, worker
 * threads each read one with a read-only connection of their own (WAL lets
 * any number read), and this thread reads the first part meanwhile. A part
 * whose worker cannot start or fails is read here instead: the answer is
 * the same either way, only slower.
 *
 * Threads are used only for cores that are idle (by the load average): on
 * a machine whose cores are all busy, more threads only add start-up cost
 * and contention (measured). `CROSSTALK_ANALYSIS_THREADS=N` overrides it.
 */
import type Database from 'better-sqlite3';
import { availableParallelism, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { numbersAt } from './sqlite-analysis.js';
import type { SqlPart } from './sql.js';
import type { NumberColumn } from './types.js';

/** Below this many rows per part, a thread costs more than it saves. */
export const MIN_ROWS_PER_PART = 100_000;
const MAX_PARTS = 4;

export interface NumbersTask {
  path: string;
  where: SqlPart;
  field: string;
  by?: 'type' | 'source';
  range: [number, number];
}

export type NumbersAnswer = { ok: true; columns: [string, number, Float64Array][] } | { ok: false; message: string };

function workerUrl(): URL {
  if (import.meta.url.endsWith('.ts')) return new URL('../../dist/store/parallel-numbers-worker.js', import.meta.url);
  return new URL('./parallel-numbers-worker.js', import.meta.url);
}

function inWorker(task: NumbersTask): Promise<Map<string, NumberColumn> | null> {
  return new Promise((resolve) => {
    let w: Worker;
    try {
      w = new Worker(workerUrl(), { workerData: task });
    } catch {
      return resolve(null);
    }
    let done = false;
    const finish = (r: Map<string, NumberColumn> | null) => {
      if (done) return;
      done = true;
      resolve(r);
      void w.terminate();
    };
    w.once('message', (a: NumbersAnswer) => finish(a.ok ? new Map(a.columns.map(([k, matched, values]) => [k, { matched, values }])) : null));
    w.once('error', () => finish(null));
    w.once('exit', () => finish(null));
  });
}

function merge(parts: Map<string, NumberColumn>[]): Map<string, NumberColumn> {
  const out = new Map<string, NumberColumn>();
  const keys = new Set(parts.flatMap((p) => [...p.keys()]));
  for (const k of keys) {
    const cols = parts.map((p) => p.get(k)).filter((c): c is NumberColumn => c !== undefined);
    const values = new Float64Array(cols.reduce((n, c) => n + c.values.length, 0));
    let at = 0;
    for (const c of cols) {
      values.set(c.values, at);
      at += c.values.length;
    }
    out.set(k, { matched: cols.reduce((n, c) => n + c.matched, 0), values });
  }
  return out;
}

/** This thread plus one per idle core (or CROSSTALK_ANALYSIS_THREADS). */
function threads(): number {
  const forced = Number(process.env.CROSSTALK_ANALYSIS_THREADS);
  if (Number.isInteger(forced) && forced >= 1) return forced;
  const cores = availableParallelism();
  const idle = cores - loadavg()[0]!;
  return Math.max(1, Math.min(cores, 1 + Math.floor(idle)));
}

/** How the last parallel read went (for tests and tuning): parts, and how many workers answered. */
export const lastParallelRead = { parts: 0, byWorkers: 0 };

/** The same answer as `numbersAt`, read in parallel when the table is large enough. */
export async function numbersAtParallel(
  db: Database.Database,
  file: string,
  where: SqlPart,
  field: string,
  by?: 'type' | 'source',
): Promise<Map<string, NumberColumn>> {
  const [lo, hi] = db.prepare('SELECT min(seq), max(seq) FROM events').raw().get() as [number | null, number | null];
  const rows = lo === null || hi === null ? 0 : hi - lo + 1;
  const parts = Math.min(MAX_PARTS, threads(), Math.floor(rows / MIN_ROWS_PER_PART));
  if (parts < 2) {
    lastParallelRead.parts = 1;
    lastParallelRead.byWorkers = 0;
    return numbersAt(db, where, field, by);
  }
  const size = Math.ceil(rows / parts);
  const ranges: [number, number][] = Array.from({ length: parts }, (_, i) => [lo! + i * size, Math.min(hi!, lo! + (i + 1) * size - 1)]);
  const others = ranges.slice(1).map((range) => ({ range, answer: inWorker({ path: file, where, field, ...(by ? { by } : {}), range }) }));
  const mine = numbersAt(db, where, field, by, ranges[0]);
  const answers = [mine];
  lastParallelRead.parts = parts;
  lastParallelRead.byWorkers = 0;
  for (const o of others) {
    const a = await o.answer;
    if (a !== null) lastParallelRead.byWorkers++;
    answers.push(a ?? numbersAt(db, where, field, by, o.range));
  }
  return merge(answers);
}
