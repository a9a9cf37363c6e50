/**
 * Events on their way into an isolate, packed as one JSON string.
 *
 * Plain `JSON.stringify(events)` spends most of its time, on both sides of
 * the boundary, on what every event in a batch repeats: the same keys, event
 * type, timestamp (to the millisecond), source and empty metadata. The packed
 * form sends those once per batch:
 *
 *   [types[], timestamps[], sources[], rows[]]
 *   rows: 9 fields per event: id, type#, timestamp#, sequence, source#,
 *         priority#, metadata (0 when empty), data, ttl_seconds (0 when absent)
 *
 * guest/codec.ts is the isolate-side inverse; it builds fresh objects for
 * every event, so a script changing one event's source or metadata changes
 * no other event.
 */
import { PRIORITIES, type UniversalEvent } from '../../core/event.js';

const PRIORITY_INDEX: Readonly<Record<string, number>> = Object.freeze(Object.fromEntries(PRIORITIES.map((p, i) => [p, i])));

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

export function encodeEvents(events: readonly UniversalEvent[]): string {
  const types: string[] = [];
  const times: string[] = [];
  const sources: object[] = [];
  const typeIx = new Map<string, number>();
  const timeIx = new Map<string, number>();
  const sourceIx = new Map<object, number>();
  const rows: unknown[] = [];
  let emptyMeta: object | null = null;
  for (const e of events) {
    let t = typeIx.get(e.event_type);
    if (t === undefined) {
      t = types.push(e.event_type) - 1;
      typeIx.set(e.event_type, t);
    }
    let ts = timeIx.get(e.timestamp);
    if (ts === undefined) {
      ts = times.push(e.timestamp) - 1;
      timeIx.set(e.timestamp, ts);
    }
    let s = sourceIx.get(e.source);
    if (s === undefined) {
      s = sources.push(e.source) - 1;
      sourceIx.set(e.source, s);
    }
    let meta: unknown = 0;
    if (e.metadata !== emptyMeta) {
      if (isEmpty(e.metadata)) emptyMeta = e.metadata;
      else meta = e.metadata;
    }
    rows.push(e.id, t, ts, e.sequence, s, PRIORITY_INDEX[e.priority] ?? 2, meta, e.data, e.ttl_seconds ?? 0);
  }
  return JSON.stringify([types, times, sources, rows]);
}
