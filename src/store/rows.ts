/**
 * The rows waiting for a group commit, kept the way the insert wants them.
 *
 * A row is the INSERT's ROW_WIDTH values, flat. Rows are collected in chunks
 * of CHUNK_ROWS: a full chunk is exactly the parameter list of the multi-row
 * INSERT (INSERT_CHUNK_SQL), bound in one call instead of CHUNK_ROWS calls,
 * and the same arrays travel to the writer thread unchanged. Only the last,
 * partial chunk of a group is inserted row by row.
 */
import type { UniversalEvent } from '../core/event.js';
import { CHUNK_ROWS, ROW_WIDTH } from './schema.js';
import { eventJson } from '../core/event-json.js';

/** flat row values; every chunk but the last of a group holds CHUNK_ROWS rows */
export type RowChunks = unknown[][];

const CHUNK_VALUES = CHUNK_ROWS * ROW_WIDTH;

export class RowBuffer {
  private chunks: RowChunks = [];
  private current: unknown[] = [];
  private rows = 0;
  // many events share a millisecond: each timestamp string is parsed once
  private lastTimestamp = '';
  private lastTsMs = 0;

  get count(): number {
    return this.rows;
  }

  /** Serialises the event now, so later changes to the object cannot change what is stored. */
  push(event: UniversalEvent): void {
    if (event.timestamp !== this.lastTimestamp) {
      this.lastTimestamp = event.timestamp;
      this.lastTsMs = Date.parse(event.timestamp);
    }
    const ts = this.lastTsMs;
    const ttl = event.ttl_seconds;
    const c = this.current;
    c.push(
      event.sequence,
      event.id,
      event.event_type,
      ts,
      event.source.component,
      event.source.correlation_id ?? null,
      typeof ttl === 'number' ? ts + ttl * 1000 : null,
      eventJson(event),
    );
    if (c.length === CHUNK_VALUES) {
      this.chunks.push(c);
      this.current = [];
    }
    this.rows++;
  }

  /** Hands over everything buffered and starts empty. */
  take(): RowChunks {
    const out = this.chunks;
    if (this.current.length > 0) out.push(this.current);
    this.chunks = [];
    this.current = [];
    this.rows = 0;
    return out;
  }
}

/** How many rows some chunks hold. */
export function rowCount(chunks: RowChunks): number {
  let n = 0;
  for (const c of chunks) n += c.length;
  return n / ROW_WIDTH;
}
