/**
 * Every failure crosstalk reports is a CrosstalkError with one of these codes
 * (docs/errors.md "Error codes"). Scripts see the same code on the error value they catch.
 */
export const ERROR_CODES = [
  'INVALID_EVENT_TYPE',
  'INVALID_PATTERN',
  'INVALID_DATA',
  'PAYLOAD_TOO_LARGE',
  'INVALID_OPTION',
  'INVALID_QUERY',
  'QUEUE_FULL',
  'BLOCK_TIMEOUT',
  'UNKNOWN_SUBSCRIPTION',
  'STORE_UNAVAILABLE',
  'BUS_UNAVAILABLE',
  'SCRIPT_TIMEOUT',
  'SCRIPT_MEMORY',
  'SCRIPT_ERROR',
  'NOT_FOUND',
  'RATE_LIMITED',
  'INTERCEPTOR_FAILED',
  'RETAIN_LIMIT',
  'NO_RESPONDERS',
  'DURABLE_IN_USE',
  'PERMISSION_DENIED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Fields that say what the error is about; each is set only when relevant. */
export interface ErrorDetails {
  cause?: unknown;
  /** the pattern that failed to compile or that a subscription holds */
  pattern?: string;
  /** the event type that was rejected */
  eventType?: string;
  /** the subscription the call named */
  subscriptionId?: string;
  /** the option or query field at fault */
  option?: string;
  /** path of the bad value inside the event, e.g. `data.items[3].fn` */
  path?: string;
  /** the script file and line an error arose in */
  script?: string;
  line?: number;
  /** the event a failure is about (a batched publish that failed after its id was returned) */
  eventId?: string;
  /** 1-based column of the mistake in a one-line text (a filter expression) */
  column?: number;
}

export class CrosstalkError extends Error {
  override readonly name = 'CrosstalkError';
  readonly code: ErrorCode;
  readonly pattern?: string;
  readonly eventType?: string;
  readonly subscriptionId?: string;
  readonly option?: string;
  readonly path?: string;
  readonly script?: string;
  readonly line?: number;
  readonly eventId?: string;
  readonly column?: number;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    if (details.pattern !== undefined) this.pattern = details.pattern;
    if (details.eventType !== undefined) this.eventType = details.eventType;
    if (details.subscriptionId !== undefined) this.subscriptionId = details.subscriptionId;
    if (details.option !== undefined) this.option = details.option;
    if (details.path !== undefined) this.path = details.path;
    if (details.script !== undefined) this.script = details.script;
    if (details.line !== undefined) this.line = details.line;
    if (details.eventId !== undefined) this.eventId = details.eventId;
    if (details.column !== undefined) this.column = details.column;
  }

  /** `CODE: message`, the form scripts see from tostring()/String(). */
  override toString(): string {
    return `${this.code}: ${this.message}`;
  }
}

export function isCrosstalkError(e: unknown): e is CrosstalkError {
  return e instanceof CrosstalkError;
}

/** Shortest readable rendering of a bad value for error messages. */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') {
    const s = v.length > 60 ? `${v.slice(0, 57)}...` : v;
    return JSON.stringify(s);
  }
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return typeof v === 'object' ? 'an object' : typeof v;
}
