/**
 * What both store writers (inline, sqlite-writer.ts; on a thread,
 * thread-writer.ts) do with an event before they write it: serialise it into
 * the row buffer, note its type in the catalog, keep the highest sequence,
 * collect checkpoint moves, and decide when the next write is due: at once
 * when `maxBatch` rows wait, otherwise once per event-loop turn, so a burst
 * of publishes costs one write.
 */
import { CrosstalkError } from '../core/errors.js';
import type { UniversalEvent } from '../core/event.js';
import type { TypeCatalog } from './catalog.js';
import { RowBuffer } from './rows.js';

export abstract class BufferedWriter {
  protected readonly buffer = new RowBuffer();
  /** checkpoints set and not written (or sent) yet */
  protected checkpoints = new Map<string, number>();
  /** the highest sequence appended or marked */
  protected high: number;
  /** set when the store is closing (names it): an append now would never be written */
  protected closedBy: string | null = null;
  private scheduled: NodeJS.Immediate | null = null;
  /**
   * Told of each group commit: rows written, and seconds from the append of
   * the group's oldest row to its commit (metrics' store write latency).
   */
  commitListener: ((rows: number, seconds: number) => void) | null = null;
  /** performance.now() of the oldest buffered row's append while a listener wants it, else 0 */
  protected oldestAppend = 0;

  constructor(
    protected readonly catalog: TypeCatalog,
    private readonly maxBatch: number,
    highSequence: number,
  ) {
    this.high = highSequence;
  }

  /** Writes (or sends) what is buffered now. */
  protected abstract write(): void;
  /** False while a write must not be scheduled (a retry is pending, the writer stopped). */
  protected abstract mayWrite(): boolean;

  get highSequence(): number {
    return this.high;
  }

  append(event: UniversalEvent): void {
    if (this.closedBy !== null) throw new CrosstalkError('STORE_UNAVAILABLE', `${this.closedBy}: the store is closing`);
    if (this.commitListener !== null && this.buffer.count === 0) this.oldestAppend = performance.now();
    this.buffer.push(event);
    this.catalog.note(event.event_type);
    if (event.sequence > this.high) this.high = event.sequence;
    if (this.buffer.count >= this.maxBatch) this.write();
    else this.schedule();
  }

  markSequence(sequence: number): void {
    if (sequence > this.high) this.high = sequence;
  }

  setCheckpoint(name: string, sequence: number): void {
    this.checkpoints.set(name, sequence);
    this.schedule();
  }

  protected schedule(): void {
    if (this.scheduled !== null || !this.mayWrite()) return;
    this.scheduled = setImmediate(() => {
      this.scheduled = null;
      this.write();
    });
  }

  /** The oldest buffered row's append time, and forget it (its rows are being written). */
  protected takeOldestAppend(): number {
    const t = this.oldestAppend;
    this.oldestAppend = 0;
    return t;
  }

  /** Reports a commit whose oldest row was appended at `since` (0: unknown, not reported). */
  protected reportCommit(rows: number, since: number): void {
    if (since > 0 && this.commitListener !== null) this.commitListener(rows, (performance.now() - since) / 1000);
  }

  /** Drops a scheduled write (the writer is stopping). */
  protected unschedule(): void {
    if (this.scheduled !== null) clearImmediate(this.scheduled);
    this.scheduled = null;
  }
}
