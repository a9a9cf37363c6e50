/** Small helpers shared by the core tests. No mocks, no sleeps. */
import { expect } from 'vitest';
import { CrosstalkError, type ErrorCode } from '../../src/index.js';

/** Runs `fn`, expects a CrosstalkError with `code`, returns it. */
export function expectCode(fn: () => unknown, code: ErrorCode): CrosstalkError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected ${code}`).toBeInstanceOf(CrosstalkError);
  expect((caught as CrosstalkError).code).toBe(code);
  return caught as CrosstalkError;
}

/** Awaits `p` (or calls `fn` and awaits it), expects rejection with a CrosstalkError with `code`. */
export async function expectRejectCode(p: Promise<unknown> | (() => unknown), code: ErrorCode): Promise<CrosstalkError> {
  let caught: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected ${code}`).toBeInstanceOf(CrosstalkError);
  expect((caught as CrosstalkError).code).toBe(code);
  return caught as CrosstalkError;
}

/**
 * Whether `p` has settled once everything already scheduled has run (one
 * macrotask turn: all pending microtasks, including chains of them, first).
 */
export async function isSettled(p: Promise<unknown>): Promise<boolean> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((r) => setImmediate(r));
  return settled;
}

export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const ISO_MS_Z = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
