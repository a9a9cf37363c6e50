/**
 * An event's JSON, as stores keep it and the NATS transport sends it: the
 * text `JSON.stringify(event)` gives for an event as the bus builds it
 * (docs/event-api.md "Events" key order, `ttl_seconds` last when present), made for a fraction
 * of the cost. One serializer for both, so the wire reader can rely on the
 * layout (transport/wire-reader.ts).
 *
 * Why it is cheaper: the envelope fields need no escaping (a UUID, a
 * validated event type, an ISO timestamp, "1.0", an integer, a priority
 * keyword), so they are pasted in, and the fragments around the type and the
 * timestamp are cached, since both repeat from event to event. A frozen
 * object of primitives (the source object the bus shares between one
 * publisher's events, the shared empty metadata) never changes, so its JSON is
 * cached per object. Only `data` (and unshared sources and metadata) go
 * through JSON.stringify. `eventJson` joins the pieces into one flat
 * string, so neither the SQLite binding nor postMessage has to flatten a
 * rope; `pushEventJson` hands them over unjoined, for a batch that is
 * joined once.
 *
 * Anything outside those assumptions (an id or type with characters that
 * would need escaping, a fractional sequence, an unknown priority, missing
 * data) falls back to `JSON.stringify(event)`. The envelope is written in the
 * canonical order whatever order the object's own keys are in.
 */
import type { UniversalEvent } from './event.js';

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

/**
 * objectJson with a one-entry memo in front: one publisher's events share
 * their source and metadata objects, so the WeakMap is asked only when the
 * object changes. Only frozen objects are remembered, as in objectJson.
 */
class LastObject {
  private object: unknown = null;
  private json = '';

  get(o: unknown): string | undefined {
    if (o === this.object) return this.json;
    const j = objectJson(o);
    if (j !== undefined && typeof o === 'object' && o !== null && frozenJson.get(o) === j) {
      this.object = o;
      this.json = j;
    }
    return j;
  }
}
const lastSource = new LastObject();
const lastMetadata = new LastObject();

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

/** 1 for the characters JSON.stringify copies as they are in an id (as PLAIN) */
const PLAIN_CHAR = new Uint8Array(128);
for (const c of '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_.:+-') PLAIN_CHAR[c.charCodeAt(0)] = 1;

/** PLAIN.test(id), without a regex run per event */
function plainId(id: unknown): id is string {
  if (typeof id !== 'string' || id.length === 0) return false;
  let ok = 1;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    ok &= c < 128 ? PLAIN_CHAR[c]! : 0;
  }
  return ok === 1;
}

let lastType: unknown = '';
let lastTypeJson: string | null = null;

/** the pieces of the last event written by `pieces` (all 12, or its whole JSON alone in slot 0) */
const P: string[] = new Array<string>(12).fill('');
/** how many characters they hold */
let chars = 0;

/** Writes the pieces of `JSON.stringify(event)` into P; returns how many there are (12, or 1 for the fallback). */
function pieces(event: UniversalEvent): number {
  const id = event.id;
  const t = event.event_type;
  if (t !== lastType) {
    lastType = t;
    lastTypeJson = typeFragment(t);
  }
  const type = lastTypeJson;
  const ts = timestampFragment(event.timestamp);
  const seq = event.sequence;
  const priority = PRIORITY_JSON.get(event.priority);
  if (type === null || ts === null || priority === undefined || event.version !== '1.0' || !plainId(id) || !Number.isSafeInteger(seq)) {
    return whole(event);
  }
  const source = lastSource.get(event.source);
  const data = JSON.stringify(event.data);
  const metadata = lastMetadata.get(event.metadata);
  if (source === undefined || data === undefined || metadata === undefined) return whole(event);
  const sequence = String(seq); // an integer: as JSON prints it (-0 too)
  const ttl = event.ttl_seconds === undefined ? undefined : JSON.stringify(event.ttl_seconds);
  const tail = ttl === undefined ? `${priority}}` : `${priority},"ttl_seconds":${ttl}}`;
  P[0] = '{"id":"';
  P[1] = id;
  P[2] = type;
  P[3] = ts;
  P[4] = sequence;
  P[5] = ',"source":';
  P[6] = source;
  P[7] = ',"data":';
  P[8] = data;
  P[9] = ',"metadata":';
  P[10] = metadata;
  P[11] = tail;
  // the fixed pieces: {"id":" (7), ,"source": (10), ,"data": (8), ,"metadata": (12)
  chars = 37 + id.length + type.length + ts.length + sequence.length + source.length + data.length + metadata.length + tail.length;
  return 12;
}

function whole(event: UniversalEvent): number {
  P[0] = JSON.stringify(event);
  chars = P[0].length;
  return 1;
}

/**
 * Appends the pieces of `JSON.stringify(event)` to `out`, in order (joined
 * they are the text; a batch of events joins once); returns how many
 * characters they hold.
 */
export function pushEventJson(event: UniversalEvent, out: string[]): number {
  const n = pieces(event);
  for (let k = 0; k < n; k++) out.push(P[k]!);
  return chars;
}

/** `JSON.stringify(event)`, faster (see the file comment). */
export function eventJson(event: UniversalEvent): string {
  // join makes one flat string: neither the SQLite binding nor postMessage has to flatten a rope
  return pieces(event) === 12 ? P.join('') : P[0]!;
}
