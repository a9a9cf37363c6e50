/**
 * Options of handler subscriptions (docs/coordination.md "Handler subscriptions"):
 * concurrency, retries with backoff, and the circuit breaker. Plain JSON.
 */
import { checkInt, checkNumber, checkObject, invalidOption, rejectUnknownKeys } from './check.js';

export const HANDLER_KEYS = ['concurrency', 'retry', 'breaker'] as const;

export interface RetryOptions {
  /** calls per event, the first included; @default 3 */
  attempts: number;
  /** wait before the second call; doubles each time; @default 100 */
  backoff_ms: number;
  /** the longest wait between calls; @default 10_000 */
  max_backoff_ms: number;
}

export interface BreakerOptions {
  /** consecutive failed calls that open the circuit; @default 5 */
  failure_threshold: number;
  /** how long it stays open before one trial call (half-open); @default 30_000 */
  reset_ms: number;
  /** successful trial calls that close it again; @default 1 */
  success_threshold: number;
}

export interface HandlerOptions {
  /** events handled at once; @default 1 (one at a time, in order) */
  concurrency: number;
  retry: RetryOptions;
  /** null: no breaker (`breaker: false`) */
  breaker: BreakerOptions | null;
}

export const DEFAULT_RETRY: RetryOptions = Object.freeze({ attempts: 3, backoff_ms: 100, max_backoff_ms: 10_000 });
export const DEFAULT_BREAKER: BreakerOptions = Object.freeze({ failure_threshold: 5, reset_ms: 30_000, success_threshold: 1 });
const NO_RETRY: RetryOptions = Object.freeze({ attempts: 1, backoff_ms: 0, max_backoff_ms: 0 });
const MAX_MS = 86_400_000;

export function resolveHandlerOptions(o: Record<string, unknown>): HandlerOptions {
  return {
    concurrency: o.concurrency === undefined ? 1 : checkInt('concurrency', o.concurrency, 1, 10_000),
    retry: resolveRetry(o.retry),
    breaker: resolveBreaker(o.breaker),
  };
}

function resolveRetry(v: unknown): RetryOptions {
  if (v === undefined || v === true) return DEFAULT_RETRY;
  if (v === false) return NO_RETRY;
  const r = checkObject('retry', v);
  rejectUnknownKeys(r, ['attempts', 'backoff_ms', 'max_backoff_ms'], 'retry');
  const out: RetryOptions = {
    attempts: r.attempts === undefined ? DEFAULT_RETRY.attempts : checkInt('retry.attempts', r.attempts, 1, 1000),
    backoff_ms: r.backoff_ms === undefined ? DEFAULT_RETRY.backoff_ms : checkNumber('retry.backoff_ms', r.backoff_ms, 0, MAX_MS),
    max_backoff_ms:
      r.max_backoff_ms === undefined ? DEFAULT_RETRY.max_backoff_ms : checkNumber('retry.max_backoff_ms', r.max_backoff_ms, 0, MAX_MS),
  };
  if (out.max_backoff_ms < out.backoff_ms && r.max_backoff_ms !== undefined) {
    throw invalidOption('retry.max_backoff_ms', `at least retry.backoff_ms (${out.backoff_ms})`, out.max_backoff_ms);
  }
  out.max_backoff_ms = Math.max(out.max_backoff_ms, out.backoff_ms);
  return out;
}

function resolveBreaker(v: unknown): BreakerOptions | null {
  if (v === undefined || v === true) return DEFAULT_BREAKER;
  if (v === false) return null;
  const b = checkObject('breaker', v);
  rejectUnknownKeys(b, ['failure_threshold', 'reset_ms', 'success_threshold'], 'breaker');
  return {
    failure_threshold:
      b.failure_threshold === undefined ? DEFAULT_BREAKER.failure_threshold : checkInt('breaker.failure_threshold', b.failure_threshold, 1, 1_000_000),
    reset_ms: b.reset_ms === undefined ? DEFAULT_BREAKER.reset_ms : checkNumber('breaker.reset_ms', b.reset_ms, 1, MAX_MS),
    success_threshold:
      b.success_threshold === undefined ? DEFAULT_BREAKER.success_threshold : checkInt('breaker.success_threshold', b.success_threshold, 1, 1000),
  };
}
