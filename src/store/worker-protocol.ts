/**
 * What the store's main thread and its writer thread (sqlite-worker.ts) say
 * to each other. Batch ids increase by one per batch; the worker commits
 * batches in id order and acknowledges the highest committed id.
 */
import type { RetentionOptions } from '../core/retention.js';

export interface WorkerInit {
  path: string;
  synchronous: 'normal' | 'full';
  busyTimeoutMs: number;
  /** the sequence high-water mark already stored */
  high: number;
  /** this writer's batches are marked `${token}:${id}` in meta `writer_batch` */
  token: string;
  /** Int32 slots shared with the main thread, see PROGRESS_* */
  progress: SharedArrayBuffer;
}

/** rows committed by this worker (wrapping at 2^31) */
export const PROGRESS_ROWS = 0;
/** 1 while the oldest queued batch cannot be committed */
export const PROGRESS_FAILING = 1;
export const PROGRESS_SLOTS = 2;

export interface RowsMessage {
  t: 'rows';
  id: number;
  rows: number;
  /** the batch's RowChunks, v8.serialize()d (see thread-writer.ts) */
  bytes: Uint8Array;
  types: string[];
  checkpoints: [string, number][];
  high: number;
}

/** commit what is queued now (even while backing off), then fsync the WAL */
export interface SyncMessage {
  t: 'sync';
  req: number;
}

/** close the connection; only sent after a successful sync */
export interface CloseMessage {
  t: 'close';
  req: number;
}

/**
 * delete expired events and apply the retention policies, in steps between
 * commits (store/sweep.ts); answered with `done` and what each policy removed
 */
export interface SweepMessage {
  t: 'sweep';
  req: number;
  /** validated options (resolved again on the thread: compiled patterns do not cross) */
  retention: RetentionOptions | null;
  now: number;
}

export type ToWorker = RowsMessage | SyncMessage | CloseMessage | SweepMessage;

export type FromWorker =
  /** the connection is open and the thread is waiting for batches */
  | { t: 'open' }
  /** batches up to `upTo` are committed, in one transaction */
  | { t: 'committed'; upTo: number; rows: number }
  /** a commit attempt failed; the batches stay queued and are retried */
  | { t: 'failed'; message: string }
  /** the answer to a sync or close request */
  | { t: 'done'; req: number; error?: string; commitFailed?: boolean; removed?: [string, number][] };
