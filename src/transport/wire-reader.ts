/**
 * Reads an event from the bytes a bus writes, with the checks done while
 * reading (wire.ts). Every crosstalk bus writes the envelope in one layout,
 * the one `eventJson` produces:
 *
 *   {"id":"<uuid>","event_type":"<type>","timestamp":"<iso>","version":"1.0",
 *    "sequence":<n>,"source":{…},"data":<json>,"metadata":{…},
 *    "priority":"<p>"[,"ttl_seconds":<n>]}
 *
 * so the envelope is matched byte by byte in place: the id and timestamp are
 * checked as they are read, the type is compared with the subject's, and
 * only `data` (and a `source` or `metadata` not seen just before) goes
 * through JSON.parse. Finding where `data` ends is one scan that also
 * measures its nesting depth, notes any byte outside ASCII (only then is
 * UTF-8 validity checked, natively) and notes numbers JSON.parse could turn
 * into Infinity. Repeated pieces are kept from earlier messages: the source
 * objects of the last few publishers (each sends the same one with every
 * event, and a subscriber hears several in turn), the timestamp string
 * (events of one millisecond share it) and the empty metadata.
 *
 * This reader never refuses anything: whatever it is not sure of (another
 * key order, whitespace, escapes in the envelope, an exponent, a value it
 * cannot vouch for) makes it answer null, and the caller runs the general
 * path (JSON.parse and every check on the result), which then decides. So
 * both paths accept exactly the same messages, and build equal events.
 */
import { isUtf8 } from 'node:buffer';

declare module 'node:buffer' {
  interface Buffer {
    /** Node's own latin1 slice (what toString('latin1', …) calls), without the encoding switch */
    latin1Slice(start: number, end: number): string;
  }
}
import { PRIORITIES, type EventSource, type JsonObject, type JsonValue, type Priority, type UniversalEvent } from '../core/event.js';

const bytesOf = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

const ID_OPEN = bytesOf('{"id":"');
const TYPE_OPEN = bytesOf('","event_type":"');
const TIME_OPEN = bytesOf('","timestamp":"');
const SEQUENCE_OPEN = bytesOf('","version":"1.0","sequence":');
const SOURCE_OPEN = bytesOf(',"source":');
const DATA_OPEN = bytesOf(',"data":');
const METADATA_OPEN = bytesOf(',"metadata":');
const PRIORITY_OPEN = bytesOf(',"priority":"');
const TTL_OPEN = bytesOf(',"ttl_seconds":');
const PRIORITY_BYTES = PRIORITIES.map((p) => ({ name: p, bytes: bytesOf(`${p}"`) }));

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const ID_LENGTH = 36;
const TIMESTAMP_LENGTH = 24;
/** a run of digits this long can overflow a double (1e308): JSON.parse would make it Infinity */
const LONG_NUMBER = 300;

const EMPTY_METADATA: JsonObject = Object.freeze({}) as JsonObject;

/**
 * The sources read lately, most recent first, with their bytes: a source
 * seen again is compared, not parsed. More than one, because a subscriber
 * hears several publishers in turn (a request and its reply come from two);
 * with one kept, every change of publisher parsed the source again and
 * copied its bytes, 3.5x the cost of reading the whole event.
 */
const KEPT_SOURCES = 8;
const keptSourceBytes: Uint8Array[] = [];
const keptSources: EventSource[] = [];
const lastTimestampBytes = new Uint8Array(TIMESTAMP_LENGTH);
let lastTimestamp = '';

/** Where the event readCanonical read last ended (the index after its `}`). */
export let readEnd = 0;

/**
 * The event at `b[start]` when it has the layout above and passes every
 * check (it ends at `readEnd`, anywhere up to `end`); null to let the
 * general path decide.
 */
export function readCanonical(b: Buffer, start: number, end: number, subjectType: string, maxDepth: number): UniversalEvent | null {
  let i = expect(b, start, ID_OPEN);
  if (i < 0 || i + ID_LENGTH > end || !isUuidAt(b, i)) return null;
  const id = b.latin1Slice(i, i + ID_LENGTH);
  i = expect(b, i + ID_LENGTH, TYPE_OPEN);
  // the type is the subject's (checked valid by the caller), byte for byte
  if (i < 0 || i + subjectType.length >= end) return null;
  for (let k = 0; k < subjectType.length; k++) if (b[i + k] !== subjectType.charCodeAt(k)) return null;
  i = expect(b, i + subjectType.length, TIME_OPEN);
  if (i < 0 || i + TIMESTAMP_LENGTH > end) return null;
  const timestamp = timestampAt(b, i);
  if (timestamp === null) return null;
  i = expect(b, i + TIMESTAMP_LENGTH, SEQUENCE_OPEN);
  if (i < 0) return null;
  const seqAt = i;
  const sequence = integerAt(b, i);
  i = afterDigits(b, i);
  if (sequence < 1 || i - seqAt > 16 || !Number.isSafeInteger(sequence)) return null;
  i = expect(b, i, SOURCE_OPEN);
  if (i < 0) return null;
  const source = sourceAt(b, i, end);
  if (source === null) return null;
  i = expect(b, sourceEnd, DATA_OPEN);
  if (i < 0) return null;
  const dataEnd = scanValue(b, i, end);
  if (dataEnd < 0 || scanFlags & FLAG_SUSPECT || scanDepth > maxDepth) return null;
  const data = parseSlice(b, i, dataEnd);
  if (data === undefined) return null;
  i = expect(b, dataEnd, METADATA_OPEN);
  if (i < 0 || b[i] !== OPEN_BRACE) return null;
  let metadata: JsonObject;
  let metadataEnd: number;
  if (b[i + 1] === CLOSE_BRACE) {
    metadata = EMPTY_METADATA;
    metadataEnd = i + 2;
  } else {
    metadataEnd = scanValue(b, i, end);
    if (metadataEnd < 0 || scanFlags & FLAG_SUSPECT || scanDepth > maxDepth) return null;
    const m = parseSlice(b, i, metadataEnd);
    if (m === undefined) return null;
    metadata = m as JsonObject;
  }
  i = expect(b, metadataEnd, PRIORITY_OPEN);
  if (i < 0) return null;
  let priority: Priority | undefined;
  for (const p of PRIORITY_BYTES) {
    const after = expect(b, i, p.bytes);
    if (after >= 0) {
      priority = p.name;
      i = after;
      break;
    }
  }
  if (priority === undefined) return null;
  const e: UniversalEvent = { id, event_type: subjectType, timestamp, version: '1.0', sequence, source, data, metadata, priority };
  if (b[i] === COMMA) {
    i = expect(b, i, TTL_OPEN);
    if (i < 0) return null;
    const ttlAt = i;
    const ttl = integerAt(b, i);
    i = afterDigits(b, i);
    if (ttl < 1 || i - ttlAt > 16 || !Number.isSafeInteger(ttl)) return null;
    e.ttl_seconds = ttl;
  }
  if (i >= end || b[i] !== CLOSE_BRACE) return null;
  readEnd = i + 1;
  return e;
}

/** Where the JSON value at `b[i]` (after any whitespace) ends, for splitting a batch; -1 when it does not. */
export function valueEnd(b: Buffer, i: number, end: number): number {
  return scanValue(b, skipSpace(b, i, end), end);
}

/** The first index from `i` on that is not JSON whitespace. */
export function skipSpace(b: Buffer, i: number, end: number): number {
  while (i < end && (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09)) i++;
  return i;
}

/** The position after `lit` when `b` holds it at `i`; else -1. */
function expect(b: Buffer, i: number, lit: Uint8Array): number {
  if (i < 0 || i + lit.length > b.length) return -1;
  for (let k = 0; k < lit.length; k++) if (b[i + k] !== lit[k]) return -1;
  return i + lit.length;
}

/** 1 for the hexadecimal digits (either case) */
const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

/** A UUID v4 (either case), as isUuidV4 says, at `i`. */
function isUuidAt(b: Buffer, i: number): boolean {
  if (b[i + 8] !== 0x2d || b[i + 13] !== 0x2d || b[i + 18] !== 0x2d || b[i + 23] !== 0x2d || b[i + 14] !== 0x34) return false;
  const v = b[i + 19]!; // the variant digit: 8, 9, a or b
  if (v !== 0x38 && v !== 0x39 && v !== 0x61 && v !== 0x62 && v !== 0x41 && v !== 0x42) return false;
  let hex = 1;
  for (let k = 0; k < 8; k++) hex &= HEX[b[i + k]!]!;
  for (let k = 9; k < 13; k++) hex &= HEX[b[i + k]!]!;
  for (let k = 15; k < 18; k++) hex &= HEX[b[i + k]!]!;
  for (let k = 20; k < 23; k++) hex &= HEX[b[i + k]!]!;
  for (let k = 24; k < ID_LENGTH; k++) hex &= HEX[b[i + k]!]!;
  return hex === 1 && b[i + ID_LENGTH] === QUOTE;
}

/** `dddd-dd-ddTdd:dd:dd.dddZ` followed by its closing quote. */
function isTimestampAt(b: Buffer, i: number): boolean {
  for (let k = 0; k < TIMESTAMP_LENGTH; k++) {
    const c = b[i + k]!;
    const want = TIMESTAMP_SHAPE.charCodeAt(k);
    if (want === 0x64 /* d */ ? c < DIGIT_0 || c > DIGIT_9 : c !== want) return false;
  }
  return b[i + TIMESTAMP_LENGTH] === QUOTE;
}
const TIMESTAMP_SHAPE = 'dddd-dd-ddTdd:dd:dd.dddZ';

/** The timestamp at `i` (the last one again when its bytes are the same); null when it is not one. */
function timestampAt(b: Buffer, i: number): string | null {
  let k = 0;
  if (lastTimestamp !== '') while (k < TIMESTAMP_LENGTH && b[i + k] === lastTimestampBytes[k]) k++;
  if (k === TIMESTAMP_LENGTH && b[i + k] === QUOTE) return lastTimestamp;
  if (!isTimestampAt(b, i)) return null;
  lastTimestamp = b.latin1Slice(i, i + TIMESTAMP_LENGTH);
  for (k = 0; k < TIMESTAMP_LENGTH; k++) lastTimestampBytes[k] = b[i + k]!;
  return lastTimestamp;
}

/** The decimal integer at `i` (no sign, no leading zero); -1 when there is none. */
function integerAt(b: Buffer, i: number): number {
  const first = b[i];
  if (first === undefined || first <= DIGIT_0 || first > DIGIT_9) return -1;
  let n = 0;
  for (let c = b[i]!; c >= DIGIT_0 && c <= DIGIT_9; c = b[++i] ?? 0) n = n * 10 + (c - DIGIT_0);
  return n;
}

function afterDigits(b: Buffer, i: number): number {
  while (i < b.length && b[i]! >= DIGIT_0 && b[i]! <= DIGIT_9) i++;
  return i;
}

/** set by scanValue: a byte outside ASCII was seen */
const FLAG_WIDE = 1;
/** set by scanValue: something only the general path can judge (an exponent, a very long number) */
const FLAG_SUSPECT = 2;
let scanFlags = 0;
/** set by scanValue: how many containers deep the value nests (0 for a scalar) */
let scanDepth = 0;

/**
 * Where the JSON value starting at `i` ends (exclusive), or -1. Only finds
 * the end: JSON.parse of the slice is what proves it is JSON. Sets
 * scanFlags and scanDepth.
 */
function scanValue(b: Buffer, i: number, end: number): number {
  let depth = 0;
  let maxDepth = 0;
  let flags = 0;
  let digits = 0;
  let prev = 0;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c === QUOTE) {
      // a string: to its closing quote, stepping over escapes
      for (i++; i < end; i++) {
        const s = b[i]!;
        if (s === QUOTE) break;
        if (s === BACKSLASH) i++;
        else if (s >= 0x80) flags |= FLAG_WIDE;
      }
      if (i >= end) return -1;
      prev = QUOTE;
      digits = 0;
      if (depth === 0) {
        i++;
        break;
      }
      continue;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) maxDepth = depth;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (--depth < 0) return -1;
      if (depth === 0) {
        i++;
        break;
      }
    } else if (c >= DIGIT_0 && c <= DIGIT_9) {
      if (++digits > LONG_NUMBER) flags |= FLAG_SUSPECT;
    } else if ((c === 0x65 || c === 0x45) && ((prev >= DIGIT_0 && prev <= DIGIT_9) || prev === 0x2e)) {
      flags |= FLAG_SUSPECT; // an exponent: 1e999 parses to Infinity
    } else if (depth === 0 && (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET)) {
      break; // the end of a scalar
    } else if (c >= 0x80) flags |= FLAG_WIDE;
    if (!(c >= DIGIT_0 && c <= DIGIT_9)) digits = 0;
    prev = c;
  }
  if (depth !== 0) return -1;
  scanFlags = flags;
  scanDepth = maxDepth;
  return i;
}

/** JSON.parse of b[from, to), valid UTF-8 required; undefined when it is not JSON. */
function parseSlice(b: Buffer, from: number, to: number): JsonValue | undefined {
  let text: string;
  if (scanFlags & FLAG_WIDE) {
    const slice = b.subarray(from, to);
    if (!isUtf8(slice)) return undefined;
    text = slice.toString('utf8');
  } else text = b.latin1Slice(from, to);
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
}

/** where the source sourceAt read last ended */
let sourceEnd = 0;

/**
 * The source object at `b[from]` (ending at `sourceEnd`): a kept one again
 * when its bytes are the same (identical bytes are the same JSON value, so
 * they are not scanned again); null when it is not a valid source.
 */
function sourceAt(b: Buffer, from: number, end: number): EventSource | null {
  for (let k = 0; k < keptSources.length; k++) {
    const bytes = keptSourceBytes[k]!;
    const len = bytes.length;
    // `,"data":` follows a source: one byte rules out most sources of another length before the compare
    if (from + len < end && b[from + len] === COMMA && b.compare(bytes, 0, len, from, from + len) === 0) {
      const source = keptSources[k]!;
      if (k > 0) keep(k, bytes, source);
      sourceEnd = from + len;
      return source;
    }
  }
  const to = scanValue(b, from, end);
  if (to < 0 || b[from] !== OPEN_BRACE || scanFlags & FLAG_SUSPECT) return null;
  const v = parseSlice(b, from, to);
  if (!isValidSource(v)) return null;
  const source = Object.freeze(v);
  // a copy: b is the connection's buffer
  keep(Math.min(keptSources.length, KEPT_SOURCES - 1), new Uint8Array(b.subarray(from, to)), source);
  sourceEnd = to;
  return source;
}

/** Puts a source first among the kept ones, moving those before slot `k` one place on (slot k's is replaced). */
function keep(k: number, bytes: Uint8Array, source: EventSource): void {
  for (let j = k; j > 0; j--) {
    keptSourceBytes[j] = keptSourceBytes[j - 1]!;
    keptSources[j] = keptSources[j - 1]!;
  }
  keptSourceBytes[0] = bytes;
  keptSources[0] = source;
}

const SOURCE_KEYS = new Set(['component', 'instance_id', 'correlation_id', 'language']);
const MAX_FIELD = 255;

const isShortString = (v: unknown, max = MAX_FIELD): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;

/** The rule for `source` on the wire (the general path in wire.ts applies the same one). */
export function isValidSource(v: unknown): v is EventSource {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const s = v as Record<string, unknown>;
  if (!isShortString(s.component) || !isShortString(s.instance_id) || !isShortString(s.language, 64)) return false;
  if (s.correlation_id !== undefined && !isShortString(s.correlation_id)) return false;
  for (const k of Object.keys(s)) if (!SOURCE_KEYS.has(k)) return false;
  return true;
}
