/**
 * Times in queries and filters: ISO-8601 strings (a string without a zone
 * is UTC, as the bus's timestamps are) or epoch milliseconds.
 */
import { CrosstalkError, describeValue } from './errors.js';

/** Durations as the language and the configuration write them: `15m`, `2h`, `7d`, `1y` (365 days). */
export const DURATION_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

/** Date's own range: ±8.64e15 ms around the epoch. */
const MAX_EPOCH_MS = 8.64e15;

function bad(field: string, why: string): CrosstalkError {
  return new CrosstalkError('INVALID_QUERY', `query.${field}: ${why}`, { option: field });
}

// YYYY-MM-DD, optionally THH:MM[:SS[.fraction]], optionally Z or ±HH[:]MM.
const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * An ISO-8601 string or epoch milliseconds → epoch ms. A string without a
 * zone is read as UTC (the bus's timestamps are UTC), unlike `Date.parse`,
 * which would read a date-time as local time.
 */
export function parseTime(value: unknown, field: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw bad(field, `time must be a finite number of epoch ms, got ${describeValue(value)}`);
    if (Math.abs(value) > MAX_EPOCH_MS) throw bad(field, `time ${value} is outside the representable range`);
    return Math.floor(value);
  }
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw bad(field, 'time is an invalid Date');
    return ms;
  }
  if (typeof value !== 'string') {
    throw bad(field, `time must be an ISO-8601 string or epoch ms, got ${describeValue(value)}`);
  }
  const m = ISO_RE.exec(value.trim());
  if (!m) throw bad(field, `${describeValue(value)} is not an ISO-8601 time (e.g. 2026-11-22T10:30:45.123Z)`);
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const month = Number(mo);
  const day = Number(d);
  // Date.parse rolls 2026-02-30 over into March; a query asking for it is a mistake.
  const daysInMonth = new Date(Date.UTC(Number(y), month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    throw bad(field, `${describeValue(value)} is not a valid date and time`);
  }
  const ms = frac.padEnd(3, '0').slice(0, 3);
  const z = zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const t = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}${z}`);
  if (Number.isNaN(t)) throw bad(field, `${describeValue(value)} is not a valid time`);
  return t;
}

