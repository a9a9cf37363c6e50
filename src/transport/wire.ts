/**
 * Events on the wire: the UniversalEvent as JSON, and the checks a message
 * from the network must pass before it becomes an event. Anyone who can
 * publish on the server can send anything, so decoding never throws: a
 * message that is not a valid event yields the reason it was dropped.
 */
import { checkJson, isUuidV4, isValidEventType, PRIORITIES, type Priority, type UniversalEvent } from '../core/event.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Header naming the bus that published a message, so that bus skips its own echo. */
export const ORIGIN_HEADER = 'Crosstalk-Bus';

/** A serialized event carries its envelope besides data and metadata; this much is allowed over the data limit. */
export const ENVELOPE_BYTES = 4096;

const ISO_MS_Z = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const MAX_FIELD = 255;

export function encodeEvent(e: UniversalEvent): Uint8Array {
  // Buffer.from takes small strings from a pooled slab: cheaper than TextEncoder
  return Buffer.from(JSON.stringify(e), 'utf8');
}

export interface DecodeLimits {
  readonly max_event_bytes: number;
  readonly max_depth: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isShortString = (v: unknown, max = MAX_FIELD): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;

/**
 * The event in `bytes`, which arrived on a subject naming `subjectType`; or
 * a string saying why it is not one.
 */
export function decodeEvent(bytes: Uint8Array, subjectType: string, limits: DecodeLimits): UniversalEvent | string {
  if (bytes.length > limits.max_event_bytes + ENVELOPE_BYTES) return `${bytes.length} bytes is over the event size limit`;
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
  const src = v.source;
  if (!isObject(src)) return 'source is not an object';
  if (!isShortString(src.component) || !isShortString(src.instance_id) || !isShortString(src.language, 64)) {
    return 'source needs component, instance_id and language strings';
  }
  if (src.correlation_id !== undefined && !isShortString(src.correlation_id)) return 'source.correlation_id is not a string';
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
  for (const k of Object.keys(src)) if (!SOURCE_KEYS.has(k)) return `unknown source field ${k.slice(0, 40)}`;
  return v as unknown as UniversalEvent;
}

const EVENT_KEYS = new Set(['id', 'event_type', 'timestamp', 'version', 'sequence', 'source', 'data', 'metadata', 'priority', 'ttl_seconds']);
const SOURCE_KEYS = new Set(['component', 'instance_id', 'correlation_id', 'language']);
