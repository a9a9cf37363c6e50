/**
 * A worker thread of parallel-numbers.ts: reads the numbers of one range of
 * sequences with a read-only connection of its own, and sends them back
 * (the arrays are transferred, not copied).
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { NumbersAnswer, NumbersTask } from './parallel-numbers.js';
import { configureReader, registerFunctions } from './schema.js';
import { numbersAt } from './sqlite-analysis.js';

const task = workerData as NumbersTask;
let answer: NumbersAnswer;
const transfer: ArrayBuffer[] = [];
try {
  const db = new Database(task.path, { readonly: true, fileMustExist: true });
  try {
    configureReader(db);
    registerFunctions(db);
    const columns = numbersAt(db, task.where, task.field, task.by, task.range);
    answer = { ok: true, columns: [...columns].map(([k, c]) => [k, c.matched, c.values]) };
    for (const [, , v] of answer.columns) transfer.push(v.buffer as ArrayBuffer);
  } finally {
    db.close();
  }
} catch (e) {
  answer = { ok: false, message: (e as Error).message };
}
parentPort!.postMessage(answer, transfer);
