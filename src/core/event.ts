/**
 * UniversalEvent (docs/event-api.md "Events"): the one shape every event has in every language
 * and on disk, plus the checks that guard it.
 */
import { CrosstalkError, describeValue } from './errors.js';

export type Priority = 'critical' | 'high' | 'normal' | 'low';
export const PRIORITIES: readonly Priority[] = ['critical', 'high', 'normal', 'low'];

export type Language = 'lua' | 'javascript' | 'host' | (string & {});

/** Any value JSON can carry. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface EventSource {
  component: string;
  instance_id: string;
  correlation_id?: string;
  language: Language;
}

export interface UniversalEvent<T extends JsonValue = JsonValue> {
  id: string;
  event_type: string;
  /** ISO-8601 UTC with milliseconds and `Z` */
  timestamp: string;
  version: '1.0';
  /** strictly increasing per bus (and across restarts with a store) */
  sequence: number;
  source: EventSource;
  data: T;
  metadata: JsonObject;
  priority: Priority;
  /** only on persisted events */
  ttl_seconds?: number;
}

export const EVENT_VERSION = '1.0' as const;
export const MAX_EVENT_TYPE_LENGTH = 255;
/** Default limits (docs/event-api.md "Events"); a bus can be configured with others. */
export const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;
export const DEFAULT_MAX_DEPTH = 64;

/** Keys of the options of a short-form publish `(type, data, options)`. */
export const PUBLISH_OPTION_KEYS = ['persistent', 'ttl_seconds', 'correlation_id', 'priority', 'metadata', 'language', 'retain'] as const;
/** Keys of the table/object form of publish. */
export const EVENT_INIT_KEYS = [
  'event_type', 'data', 'id', 'source', 'metadata', 'priority', 'correlation_id', 'persistent', 'ttl_seconds', 'language', 'retain',
] as const;
/** Keys of `source` a publisher may give. */
export const SOURCE_KEYS: readonly string[] = ['component', 'instance_id', 'correlation_id', 'language'];

/** The event-type rule; script isolates check publishes at the call with it too. */
export const EVENT_TYPE_RE = /^[A-Za-z0-9_:-]+(?:\.[A-Za-z0-9_:-]+)*$/;

/** Throws INVALID_EVENT_TYPE unless `t` is 1–255 chars of dot-separated valid segments. */
export function assertEventType(t: unknown): asserts t is string {
  if (typeof t !== 'string') {
    throw new CrosstalkError('INVALID_EVENT_TYPE', `event_type must be a string, got ${describeValue(t)}`);
  }
  if (t.length === 0) throw new CrosstalkError('INVALID_EVENT_TYPE', 'event_type must not be empty', { eventType: t });
  if (t.length > MAX_EVENT_TYPE_LENGTH) {
    throw new CrosstalkError('INVALID_EVENT_TYPE', `event_type is ${t.length} characters; the limit is ${MAX_EVENT_TYPE_LENGTH}`, {
      eventType: t.slice(0, 64),
    });
  }
  if (!EVENT_TYPE_RE.test(t)) {
    throw new CrosstalkError(
      'INVALID_EVENT_TYPE',
      `invalid event_type ${describeValue(t)}: dot-separated non-empty segments of letters, digits, '_', '-', ':'`,
      { eventType: t },
    );
  }
}

export function isValidEventType(t: unknown): t is string {
  return typeof t === 'string' && t.length > 0 && t.length <= MAX_EVENT_TYPE_LENGTH && EVENT_TYPE_RE.test(t);
}

const UUID_V4_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** A publisher may supply its own id; it must be a UUID v4. */
export function isUuidV4(s: unknown): s is string {
  return typeof s === 'string' && s.length === 36 && UUID_V4_RE.test(s);
}

// Timestamps: many events share a millisecond, so the ISO string is cached
// per millisecond instead of formatted per event.
let lastMs = -1;
let lastIso = '';
export function isoNow(ms = Date.now()): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/**
 * Checks that `value` is plain JSON: finite numbers, strings, booleans, null,
 * arrays and plain objects, no cycles, nesting within `maxDepth`.
 * Returns an upper bound of its UTF-8 JSON size, exact enough to decide the
 * size limit without serialising small events. Throws INVALID_DATA naming
 * the path of the first bad value.
 */
export function checkJson(value: unknown, path: string, maxDepth: number = DEFAULT_MAX_DEPTH): number {
  try {
    // Fast pass without paths or a cycle list (a cycle runs into the depth
    // limit); only a value it refuses is walked again to name the problem.
    const size = sizeOf(value, 0, maxDepth);
    return size >= 0 ? size : walk(value, path, 0, maxDepth, []);
  } catch (e) {
    if (e instanceof CrosstalkError) throw e;
    // a throwing getter or a hostile Proxy: the value cannot be read as JSON
    const why = e instanceof Error ? e.message : String(e);
    throw new CrosstalkError('INVALID_DATA', `${path} cannot be read as JSON: ${why}`, { path, cause: e });
  }
}

/** The same bound as walk(), or -1 where walk() would throw. */
function sizeOf(v: unknown, depth: number, maxDepth: number): number {
  switch (typeof v) {
    case 'string':
      return v.length * 6 + 2;
    case 'number':
      return Number.isFinite(v) ? 24 : -1;
    case 'boolean':
      return 5;
    case 'object': {
      if (v === null) return 4;
      if (depth >= maxDepth) return -1;
      let size = 2;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          const s = sizeOf(v[i], depth + 1, maxDepth);
          if (s < 0) return -1;
          size += s + 1;
        }
      } else {
        const proto = Object.getPrototypeOf(v);
        if (proto !== Object.prototype && proto !== null) return -1;
        for (const k in v) {
          const s = sizeOf((v as Record<string, unknown>)[k], depth + 1, maxDepth);
          if (s < 0) return -1;
          size += k.length * 6 + 4 + s;
        }
      }
      return size;
    }
    default:
      return -1;
  }
}

function walk(v: unknown, path: string, depth: number, maxDepth: number, seen: object[]): number {
  switch (typeof v) {
    case 'string':
      // worst case of UTF-8 JSON: 6 bytes per UTF-16 unit (\u001f), plus quotes
      return v.length * 6 + 2;
    case 'number':
      if (!Number.isFinite(v)) {
        throw new CrosstalkError('INVALID_DATA', `${path} is ${v}; JSON numbers must be finite`, { path });
      }
      return 24;
    case 'boolean':
      return 5;
    case 'undefined':
      throw new CrosstalkError('INVALID_DATA', `${path} is undefined; use null`, { path });
    case 'object': {
      if (v === null) return 4;
      if (depth >= maxDepth) {
        throw new CrosstalkError('INVALID_DATA', `${path} nests deeper than ${maxDepth} levels`, { path });
      }
      if (seen.includes(v)) throw new CrosstalkError('INVALID_DATA', `${path} is a cycle (refers to an enclosing value)`, { path });
      seen.push(v);
      let size = 2;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) size += walk(v[i], `${path}[${i}]`, depth + 1, maxDepth, seen) + 1;
      } else {
        const proto = Object.getPrototypeOf(v);
        if (proto !== Object.prototype && proto !== null) {
          throw new CrosstalkError('INVALID_DATA', `${path} is ${describeKind(v)}, not a plain object`, { path });
        }
        for (const k in v) {
          size += k.length * 6 + 4 + walk((v as Record<string, unknown>)[k], `${path}.${k}`, depth + 1, maxDepth, seen);
        }
      }
      seen.pop();
      return size;
    }
    default:
      throw new CrosstalkError('INVALID_DATA', `${path} is ${describeValue(v)}, which JSON cannot carry`, { path });
  }
}

function describeKind(v: object): string {
  const name = (v as { constructor?: { name?: string } }).constructor?.name;
  return name ? `a ${name}` : 'an exotic object';
}

/** Exact UTF-8 size of a value's JSON. */
export function jsonByteLength(v: unknown): number {
  return utf8Length(JSON.stringify(v));
}

/**
 * Exact UTF-8 length of a string as JSON text carries it (a lone surrogate,
 * which JSON escapes, is counted as 3 bytes). Pure JS, so script isolates,
 * which have no Buffer, count exactly as the host does.
 */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}
