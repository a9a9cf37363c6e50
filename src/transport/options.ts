/**
 * Every option of the NATS transport with its default, merged and validated
 * once. Messages name the option and the bad value.
 */
import { checkInt, invalidOption, rejectUnknownKeys } from '../core/options.js';
import { isValidStreamName } from './stream.js';
import { isValidPrefix, MAX_PREFIX_LENGTH } from './subjects.js';

/** @default 'crosstalk' */
export const DEFAULT_NATS_PREFIX = 'crosstalk';
/** @default 'CROSSTALK' */
export const DEFAULT_NATS_STREAM = 'CROSSTALK';
/** @default 5000 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
/** @default 5000 */
export const DEFAULT_ACK_TIMEOUT_MS = 5000;
/** @default 10 */
export const DEFAULT_MAX_RECONNECT_ATTEMPTS = 10;
/** @default 2000 */
export const DEFAULT_RECONNECT_TIME_WAIT_MS = 2000;
/** @default 10_000 */
export const DEFAULT_RECONNECT_BUFFER = 10_000;
/** Persistent events that may wait for JetStream's acknowledgement at once. */
export const DEFAULT_MAX_PENDING_ACKS = 65_536;

export interface NatsOptions {
  /** first tokens of every subject: `<prefix>.e.<type>`, `<prefix>.p.<type>`; @default 'crosstalk' */
  prefix?: string;
  /** JetStream stream that keeps persistent events (created if missing); @default 'CROSSTALK' */
  stream?: string;
  /** connecting (and setting up the stream) fails with BUS_UNAVAILABLE after this long; @default 5000 */
  connect_timeout_ms?: number;
  /** how long a persistent event waits for JetStream's acknowledgement; @default 5000 */
  ack_timeout_ms?: number;
  /** attempts to get a lost connection back before giving up (-1: forever); @default 10 */
  max_reconnect_attempts?: number;
  /** pause between attempts; @default 2000 */
  reconnect_time_wait_ms?: number;
  /** events that may be published while reconnecting (held and sent on reconnect); more fail with BUS_UNAVAILABLE; @default 10,000 */
  reconnect_buffer?: number;
  /**
   * persistent events that may wait for JetStream's acknowledgement at once
   * (each holds a request and its timer); more fail with BUS_UNAVAILABLE
   * until `flush()` or the acks catch up; @default 65,536
   */
  max_pending_acks?: number;
  /** the connection's name as the server shows it; @default 'crosstalk' */
  name?: string;
}

export type ResolvedNatsOptions = Required<NatsOptions>;

const KEYS = [
  'prefix',
  'stream',
  'connect_timeout_ms',
  'ack_timeout_ms',
  'max_reconnect_attempts',
  'reconnect_time_wait_ms',
  'reconnect_buffer',
  'max_pending_acks',
  'name',
];

export function resolveNatsOptions(o: NatsOptions = {}): ResolvedNatsOptions {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw invalidOption('options', 'an object', o);
  rejectUnknownKeys(o, KEYS, 'NATS');
  const prefix = o.prefix ?? DEFAULT_NATS_PREFIX;
  if (!isValidPrefix(prefix)) {
    throw invalidOption('prefix', `dot-separated tokens of letters, digits, '_', '-', ':' (at most ${MAX_PREFIX_LENGTH} characters)`, prefix);
  }
  const stream = o.stream ?? DEFAULT_NATS_STREAM;
  if (!isValidStreamName(stream)) throw invalidOption('stream', "1 to 64 letters, digits, '_' or '-'", stream);
  const name = o.name ?? 'crosstalk';
  if (typeof name !== 'string' || name.length === 0 || name.length > 255) throw invalidOption('name', 'a string of 1 to 255 characters', name);
  const int = (key: keyof NatsOptions, def: number, min: number, max: number) =>
    o[key] === undefined ? def : checkInt(key, o[key], min, max);
  return {
    prefix,
    stream,
    name,
    connect_timeout_ms: int('connect_timeout_ms', DEFAULT_CONNECT_TIMEOUT_MS, 1, 600_000),
    ack_timeout_ms: int('ack_timeout_ms', DEFAULT_ACK_TIMEOUT_MS, 1, 600_000),
    max_reconnect_attempts: int('max_reconnect_attempts', DEFAULT_MAX_RECONNECT_ATTEMPTS, -1, 1_000_000),
    reconnect_time_wait_ms: int('reconnect_time_wait_ms', DEFAULT_RECONNECT_TIME_WAIT_MS, 0, 600_000),
    reconnect_buffer: int('reconnect_buffer', DEFAULT_RECONNECT_BUFFER, 0, 10_000_000),
    max_pending_acks: int('max_pending_acks', DEFAULT_MAX_PENDING_ACKS, 1, 10_000_000),
  };
}
