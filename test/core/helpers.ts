/** Small helpers shared by the core tests. No mocks, no sleeps. */
import { expect } from 'vitest';
import { compilePattern, CrosstalkError, type CompiledPattern, type ErrorCode } from '../../src/index.js';

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

/** One step of a random routing model: add a pattern for a value, remove a live one, or route a type. */
export type RouterOp = { k: 'add'; v: number; p: string } | { k: 'remove'; i: number } | { k: 'route'; t: string } | { k: 'cached'; t: string };

/** What a router needs for the model (Router<number> from src/internal.js). */
interface ModelRouter {
  add(v: number, p: CompiledPattern): void;
  remove(v: number, p: CompiledPattern): void;
  route(t: string): readonly number[];
  cached?(t: string): readonly number[] | undefined;
}

const sortedValues = (xs: readonly number[]) => [...xs].sort();

/**
 * Runs `ops` on `router` next to a naive scan with compilePattern().test:
 * every route answers the scan's values, each once. Returns what is still
 * subscribed, so a test can take it down.
 */
export function runRouterModel(router: ModelRouter, ops: readonly RouterOp[]): { v: number; p: string }[] {
  const live: { v: number; p: string }[] = [];
  for (const o of ops) {
    if (o.k === 'add') {
      router.add(o.v, compilePattern(o.p));
      live.push({ v: o.v, p: o.p });
    } else if (o.k === 'remove') {
      if (live.length === 0) continue;
      const [gone] = live.splice(o.i % live.length, 1);
      router.remove(gone!.v, compilePattern(gone!.p));
    } else {
      // a kept or cached answer may be missing, never wrong; the route that follows (as in publish) answers it
      const kept = o.k === 'cached' && router.cached !== undefined ? router.cached(o.t) : undefined;
      const got = router.route(o.t);
      if (kept !== undefined) expect(sortedValues(kept)).toEqual(sortedValues(got));
      expect(new Set(got).size).toBe(got.length);
      const want = [...new Set(live.filter((x) => compilePattern(x.p).test(o.t)).map((x) => x.v))];
      expect({ t: o.t, got: sortedValues(got) }).toEqual({ t: o.t, got: sortedValues(want) });
    }
  }
  return live;
}
