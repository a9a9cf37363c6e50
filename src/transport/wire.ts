/**
 * Events on the wire: the UniversalEvent as JSON, and the checks a message
 * from the network must pass before it becomes an event. Anyone who can
 * publish on the server can send anything, so decoding never throws: a
 * message that is not a valid event yields the reason it was dropped.
 *
 * Encoding is the store's envelope serializer (core/event-json.ts): the same
 * bytes as JSON.stringify, made for less. Decoding first tries the reader
 * for the layout every bus writes (wire-reader.ts), which checks while it
 * reads; anything else goes through JSON.parse and the checks below, which
 * decide. Both accept exactly the same messages.
 */
import { checkJson, isUuidV4, isValidEventType, PRIORITIES, type Priority, type UniversalEvent } from '../core/event.js';
import { RecentSet } from '../core/recent-set.js';
import { isValidSource, readCanonical, readEnd, skipSpace, valueEnd } from './wire-reader.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Header naming the bus that published a message, so that bus skips its own echo. */
export const ORIGIN_HEADER = 'Crosstalk-Bus';

/** A serialized event carries its envelope besides data and metadata; this much is allowed over the data limit. */
export const ENVELOPE_BYTES = 4096;

const ISO_MS_Z = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

export interface DecodeLimits {
  readonly max_event_bytes: number;
  readonly max_depth: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Subject types found valid lately: a stream of a few types is checked once
 * per type, not at every change of type (a request and its reply alternate).
 * Only the newest are kept, so it stays small whatever the traffic.
 */
const validTypes = new RecentSet<string>(128);

/**
 * The events in one message, which arrived on a subject naming
 * `subjectType`: one event (a JSON object) or a batch (a JSON array of
 * events, each checked on its own). Each event found goes to `event`, in
 * order, after the whole message was read; each part that is not one goes
 * to `invalid` with the reason (a message that is not an array of separate
 * values, once for the whole message).
 */
export function decodeMessage(
  bytes: Uint8Array,
  subjectType: string,
  limits: DecodeLimits,
  event: (e: UniversalEvent) => void,
  invalid: (reason: string) => void,
): void {
  if (!validTypes.has(subjectType)) {
    if (!isValidEventType(subjectType)) return invalid('the subject does not name a valid event type');
    validTypes.add(subjectType);
  }
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = b.length;
  const first = skipSpace(b, 0, end);
  if (b[first] !== OPEN_BRACKET) {
    const e = decodeOne(b, 0, end, subjectType, limits);
    return typeof e === 'string' ? invalid(e) : event(e);
  }
  // a batch: split into values, then read each; nothing is handed on from a message that does not split
  const found: (UniversalEvent | string)[] = [];
  let i = skipSpace(b, first + 1, end);
  if (b[i] !== CLOSE_BRACKET) {
    for (;;) {
      const from = skipSpace(b, i, end);
      let e = readCanonical(b, from, end, subjectType, limits.max_depth);
      let to = readEnd;
      if (e === null) {
        to = valueEnd(b, from, end);
        if (to < 0) return invalid('not a JSON array of events');
      }
      found.push(e !== null && to - from <= limits.max_event_bytes + ENVELOPE_BYTES ? e : decodeOne(b, from, to, subjectType, limits));
      i = skipSpace(b, to, end);
      if (b[i] === COMMA) i++;
      else if (b[i] === CLOSE_BRACKET) break;
      else return invalid('not a JSON array of events');
    }
  }
  if (skipSpace(b, i + 1, end) !== end) return invalid('not a JSON array of events');
  if (found.length === 0) return invalid('an empty batch');
  for (const e of found) {
    if (typeof e === 'string') invalid(e);
    else event(e);
  }
}

/** One event in `bytes` (a message that is not a batch), or why it is not one. */
export function decodeEvent(bytes: Uint8Array, subjectType: string, limits: DecodeLimits): UniversalEvent | string {
  if (!isValidEventType(subjectType)) return 'the subject does not name a valid event type';
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return decodeOne(b, 0, b.length, subjectType, limits);
}

/** decodeEvent through the general path alone (JSON.parse, then every check): the reference the reader is held to. */
export function decodeGeneral(bytes: Uint8Array, subjectType: string, limits: DecodeLimits): UniversalEvent | string {
  if (!isValidEventType(subjectType)) return 'the subject does not name a valid event type';
  if (bytes.length > limits.max_event_bytes + ENVELOPE_BYTES) return `${bytes.length} bytes is over the event size limit`;
  return decodeAny(bytes, subjectType, limits);
}

/** The event in `b[from, to)`, or why it is not one. */
function decodeOne(b: Buffer, from: number, to: number, subjectType: string, limits: DecodeLimits): UniversalEvent | string {
  if (to - from > limits.max_event_bytes + ENVELOPE_BYTES) return `${to - from} bytes is over the event size limit`;
  const e = readCanonical(b, from, to, subjectType, limits.max_depth);
  if (e !== null && readEnd === to) return e;
  return decodeAny(b.subarray(from, to), subjectType, limits);
}

const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** The general path: any JSON text, parsed, then checked field by field. */
function decodeAny(bytes: Uint8Array, subjectType: string, limits: DecodeLimits): UniversalEvent | string {
  let v: unknown;
  try {
    v = JSON.parse(decoder.decode(bytes));
  } catch {
    return 'not UTF-8 JSON';
  }
  if (!isObject(v)) return 'not a JSON object';
  if (!isUuidV4(v.id)) return 'id is not a UUID v4';
  if (!isValidEventType(v.event_type)) return 'event_type is not a valid event type';
  if (v.event_type !== subjectType) return `event_type ${v.event_type} differs from the subject's ${subjectType}`;
  if (typeof v.timestamp !== 'string' || !ISO_MS_Z.test(v.timestamp)) return 'timestamp is not ISO-8601 UTC with milliseconds';
  if (v.version !== '1.0') return 'version is not "1.0"';
  if (typeof v.sequence !== 'number' || !Number.isSafeInteger(v.sequence) || v.sequence < 1) return 'sequence is not a positive integer';
  if (!isValidSource(v.source)) return 'source is not an object of component, instance_id, language (and correlation_id) strings';
  if (!('data' in v)) return 'data is missing';
  if (!isObject(v.metadata)) return 'metadata is not an object';
  if (!PRIORITIES.includes(v.priority as Priority)) return 'priority is not one of critical, high, normal, low';
  if (v.ttl_seconds !== undefined && (typeof v.ttl_seconds !== 'number' || !Number.isSafeInteger(v.ttl_seconds) || v.ttl_seconds < 1)) {
    return 'ttl_seconds is not a positive integer';
  }
  // JSON.parse yields only JSON values; what is left is the nesting limit
  try {
    checkJson(v.data, 'data', limits.max_depth);
    checkJson(v.metadata, 'metadata', limits.max_depth);
  } catch (e) {
    return (e as Error).message;
  }
  for (const k of Object.keys(v)) if (!EVENT_KEYS.has(k)) return `unknown field ${k.slice(0, 40)}`;
  return v as unknown as UniversalEvent;
}

const EVENT_KEYS = new Set(['id', 'event_type', 'timestamp', 'version', 'sequence', 'source', 'data', 'metadata', 'priority', 'ttl_seconds']);
