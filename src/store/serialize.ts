/**
 * The stored body of an event: the text `JSON.stringify(event)` gives for an
 * event as the bus builds it (SPEC §1 key order, `ttl_seconds` last when
 * present), made for a fraction of the cost.
 *
 * Why it is cheaper: the envelope fields need no escaping (a UUID, a
 * validated event type, an ISO timestamp, "1.0", an integer, a priority
 * keyword), so they are pasted in, and the fragments around the type and the
 * timestamp are cached, since both repeat from event to event. A frozen
 * object of primitives (the source object the bus shares between one
 * publisher's events, the shared empty metadata) never changes, so its JSON is
 * cached per object. Only `data` (and unshared sources and metadata) go
 * through JSON.stringify. The pieces are joined into one flat string, so
 * neither the SQLite binding nor postMessage has to flatten a rope.
 *
 * Anything outside those assumptions (an id or type with characters that
 * would need escaping, a fractional sequence, an unknown priority, missing
 * data) falls back to `JSON.stringify(event)`. The envelope is written in the
 * canonical order whatever order the object's own keys are in.
 */
import type { UniversalEvent } from '../core/event.js';

/** characters that JSON.stringify copies as they are, in the envelope's tokens */
const PLAIN = /^[\w.:+-]+$/;
const TYPE_CACHE = 1024;

/** JSON of frozen objects whose own properties are all primitive data properties */
const frozenJson = new WeakMap<object, string>();

function immutable(o: object): boolean {
  if (!Object.isFrozen(o)) return false;
  const proto: unknown = Object.getPrototypeOf(o);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const d of Object.values(Object.getOwnPropertyDescriptors(o))) {
    // a getter or a toJSON could answer differently next time; a nested object could change
    if (!('value' in d) || (d.value !== null && (typeof d.value === 'object' || typeof d.value === 'function'))) return false;
  }
  return true;
}

/** JSON of an object, from the cache when the object cannot change. Undefined for non-JSON values. */
export function objectJson(o: unknown): string | undefined {
  if (typeof o !== 'object' || o === null) return JSON.stringify(o);
  let j = frozenJson.get(o);
  if (j === undefined) {
    j = JSON.stringify(o);
    if (immutable(o)) frozenJson.set(o, j);
  }
  return j;
}

const PRIORITY_JSON = new Map<unknown, string>(['critical', 'high', 'normal', 'low'].map((p) => [p, `,"priority":"${p}"`]));

/** `","event_type":"<type>","timestamp":"` per event type seen; null marks a type that needs escaping */
const typeJson = new Map<unknown, string | null>();

function typeFragment(t: unknown): string | null {
  let f = typeJson.get(t);
  if (f === undefined) {
    f = typeof t === 'string' && PLAIN.test(t) ? `","event_type":"${t}","timestamp":"` : null;
    if (typeJson.size >= TYPE_CACHE) typeJson.clear();
    typeJson.set(t, f);
  }
  return f;
}

// events published in the same millisecond share their timestamp
let lastTimestamp = '';
let lastTimestampJson: string | null = null;

function timestampFragment(ts: unknown): string | null {
  if (ts !== lastTimestamp) {
    lastTimestamp = typeof ts === 'string' ? ts : '';
    lastTimestampJson = typeof ts === 'string' && PLAIN.test(ts) ? `${ts}","version":"1.0","sequence":` : null;
  }
  return lastTimestampJson;
}

const parts: string[] = new Array<string>(12);

/** `JSON.stringify(event)`, faster (see the file comment). */
export function eventJson(event: UniversalEvent): string {
  const id = event.id;
  const type = typeFragment(event.event_type);
  const ts = timestampFragment(event.timestamp);
  const seq = event.sequence;
  const priority = PRIORITY_JSON.get(event.priority);
  if (
    type === null ||
    ts === null ||
    priority === undefined ||
    event.version !== '1.0' ||
    typeof id !== 'string' ||
    !PLAIN.test(id) ||
    !Number.isSafeInteger(seq)
  ) {
    return JSON.stringify(event);
  }
  const source = objectJson(event.source);
  const data = JSON.stringify(event.data);
  const metadata = objectJson(event.metadata);
  if (source === undefined || data === undefined || metadata === undefined) return JSON.stringify(event);
  parts[0] = '{"id":"';
  parts[1] = id;
  parts[2] = type;
  parts[3] = ts;
  parts[4] = String(seq); // an integer: as JSON prints it (-0 too)
  parts[5] = ',"source":';
  parts[6] = source;
  parts[7] = ',"data":';
  parts[8] = data;
  parts[9] = ',"metadata":';
  parts[10] = metadata;
  const ttl = event.ttl_seconds === undefined ? undefined : JSON.stringify(event.ttl_seconds);
  parts[11] = ttl === undefined ? `${priority}}` : `${priority},"ttl_seconds":${ttl}}`;
  return parts.join('');
}
