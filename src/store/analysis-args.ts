/**
 * The checks both stores make on analysis arguments, so a bad grouping is
 * the same INVALID_QUERY everywhere.
 */
import { CrosstalkError, describeValue } from '../core/errors.js';
import type { GroupBy } from './types.js';

/** A time bucket must be a whole number of ms from 1 ms to a year. */
export const MAX_BUCKET_MS = 366 * 24 * 3_600_000;

export function checkGroupBy(by: unknown): asserts by is GroupBy {
  if (by === 'type' || by === 'source') return;
  const { bucket_ms: ms, per } = (by ?? {}) as { bucket_ms?: unknown; per?: unknown };
  const okPer = per === undefined || per === 'type' || per === 'source';
  if (typeof by === 'object' && by !== null && typeof ms === 'number' && Number.isInteger(ms) && ms >= 1 && ms <= MAX_BUCKET_MS && okPer) return;
  throw new CrosstalkError(
    'INVALID_QUERY',
    `group by "type", "source" or {bucket_ms, per?} with a whole number of ms from 1 to ${MAX_BUCKET_MS} (per: "type" or "source"), got ${describeValue(by)}`,
    { option: 'by' },
  );
}
