/**
 * The writer thread of a SQLite store (`writer: 'thread'`): it owns a
 * writing connection and runs the group commits, so SQLite's work overlaps
 * publishing on another core. The main thread serialises and batches rows
 * (thread-writer.ts); this side only writes them.
 *
 * Batches are committed in the order they came. Every batch queued when the
 * thread gets to work goes into one transaction, so a busy publisher gets
 * larger groups, not a longer queue. A failed commit keeps its batches
 * queued (later ones wait behind them, so sequences become visible in
 * order) and is retried with backoff; a sync request retries at once.
 */
import Database from 'better-sqlite3';
import { deserialize } from 'node:v8';
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { resolveRetention } from '../core/retention.js';
import { GroupCommit, RETRY_MAX_MS, RETRY_MIN_MS, type Group } from './group-commit.js';
import type { RowChunks } from './rows.js';
import { configureWriter, registerFunctions } from './schema.js';
import { SqliteSweep, sweepBudget } from './sweep.js';
import {
  PROGRESS_FAILING,
  PROGRESS_ROWS,
  type FromWorker,
  type RowsMessage,
  type SweepMessage,
  type ToWorker,
  type WorkerInit,
} from './worker-protocol.js';

const init = workerData as WorkerInit;
const port = parentPort!;
const progress = new Int32Array(init.progress);

function openDatabase(): [Database.Database, GroupCommit] {
  let db: Database.Database | null = null;
  try {
    db = new Database(init.path);
    configureWriter(db, init.synchronous, init.busyTimeoutMs);
    registerFunctions(db);
    return [db, new GroupCommit(db, init.synchronous, init.high)];
  } catch (e) {
    db?.close();
    // a plain Error: SQLite's own error class reaches the main thread without its message
    throw new Error(`cannot open ${init.path}: ${(e as Error).message}`);
  }
}

const [db, group] = openDatabase();

/** a batch as it waits here: its rows deserialised */
type Batch = Omit<RowsMessage, 'bytes'> & { chunks: RowChunks };

let queue: Batch[] = [];
let requests: (ToWorker & { t: 'sync' | 'close' })[] = [];
let retryTimer: NodeJS.Timeout | null = null;
let retryDelay = RETRY_MIN_MS;
let failure: Error | null = null;
let committedRows = 0;
/** the sweep in progress: one step between turns, commits in between */
let sweeping: { run: SqliteSweep; req: number } | null = null;
let sweepTimer: NodeJS.Immediate | null = null;
/** ms spent committing since the sweep's last step: its next step gets a share of it */
let busyMs = 0;

const post = (m: FromWorker) => port.postMessage(m);

function merge(batches: Batch[]): Group {
  const mark = `${init.token}:${batches[batches.length - 1]!.id}`;
  if (batches.length === 1) return { ...batches[0]!, mark };
  const g: Group & { chunks: unknown[][]; types: string[]; checkpoints: [string, number][] } = { chunks: [], types: [], checkpoints: [], high: 0, mark };
  for (const b of batches) {
    for (const c of b.chunks) g.chunks.push(c);
    for (const t of b.types) g.types.push(t);
    for (const c of b.checkpoints) g.checkpoints.push(c);
    if (b.high > g.high) g.high = b.high;
  }
  return g;
}

/** Commits every queued batch in one transaction; on failure they stay queued. */
function commit(): void {
  if (queue.length === 0) return;
  const batches = queue;
  const t0 = performance.now();
  try {
    group.write(merge(batches));
    busyMs += performance.now() - t0;
  } catch (e) {
    failure = e as Error;
    Atomics.store(progress, PROGRESS_FAILING, 1);
    Atomics.notify(progress, PROGRESS_ROWS);
    post({ t: 'failed', message: failure.message });
    return;
  }
  queue = [];
  failure = null;
  retryDelay = RETRY_MIN_MS;
  let rows = 0;
  for (const b of batches) rows += b.rows;
  committedRows = (committedRows + rows) | 0;
  Atomics.store(progress, PROGRESS_ROWS, committedRows);
  Atomics.store(progress, PROGRESS_FAILING, 0);
  // a publisher held back by the in-flight limit may go on
  Atomics.notify(progress, PROGRESS_ROWS);
  post({ t: 'committed', upTo: batches[batches.length - 1]!.id, rows });
}

function retryLater(): void {
  if (retryTimer) return;
  retryTimer = setTimeout(() => {
    retryTimer = null;
    work();
  }, retryDelay);
  retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
}

function endSweep(error?: string): void {
  if (sweeping === null) return;
  const { run, req } = sweeping;
  sweeping = null;
  post({ t: 'done', req, removed: [...run.removed], ...(error !== undefined ? { error } : {}) });
}

/**
 * One step of the sweep, as long as the commits since the last step allow
 * (sweepBudget). Steps run after each round of commits (a busy port hands
 * over a thousand messages before an immediate runs) and, when no batch
 * comes, back to back.
 */
function sweepStep(): void {
  if (sweepTimer !== null) clearImmediate(sweepTimer);
  sweepTimer = null;
  if (sweeping === null) return;
  const budget = sweepBudget(busyMs);
  busyMs = 0;
  let done: boolean;
  try {
    done = sweeping.run.step(budget);
  } catch (e) {
    endSweep((e as Error).message);
    return;
  }
  if (done) endSweep();
  else sweepTimer = setImmediate(sweepStep);
}

function startSweep(m: SweepMessage): void {
  if (sweeping !== null) {
    // one sweep at a time: the later request waits for nothing, it shares the result
    post({ t: 'done', req: m.req, removed: [] });
    return;
  }
  try {
    sweeping = { run: new SqliteSweep(db, resolveRetention(m.retention), m.now), req: m.req };
  } catch (e) {
    post({ t: 'done', req: m.req, error: (e as Error).message });
    return;
  }
  sweepTimer ??= setImmediate(sweepStep);
}

function answer(r: ToWorker & { t: 'sync' | 'close' }, committed: boolean): void {
  if (r.t === 'close') {
    // the store is closing: what the sweep removed so far is reported, the rest waits for the next one
    if (sweepTimer !== null) clearImmediate(sweepTimer);
    sweepTimer = null;
    endSweep();
  }
  if (!committed) {
    post({ t: 'done', req: r.req, error: failure!.message, commitFailed: true });
    return;
  }
  try {
    if (r.t === 'sync') group.sync();
    else db.close();
  } catch (e) {
    post({ t: 'done', req: r.req, error: (e as Error).message });
    return;
  }
  // after a close the main thread terminates this thread once it has the answer
  post({ t: 'done', req: r.req });
}

function work(): void {
  // while backing off, rows wait; a request to sync or close tries at once
  if (retryTimer === null || requests.length > 0) commit();
  if (queue.length > 0) retryLater();
  const todo = requests;
  requests = [];
  for (const r of todo) answer(r, queue.length === 0);
}

function take(m: ToWorker): void {
  if (m.t === 'rows') {
    const { bytes, ...rest } = m;
    queue.push({ ...rest, chunks: deserialize(bytes) as RowChunks });
  } else if (m.t === 'sweep') startSweep(m);
  else requests.push(m);
}

post({ t: 'open' });

port.on('message', (m: ToWorker) => {
  take(m);
  // everything else already queued joins the same transaction
  for (let next = receiveMessageOnPort(port); next !== undefined; next = receiveMessageOnPort(port)) take(next.message as ToWorker);
  work();
  if (sweeping !== null && busyMs > 0) sweepStep();
});
