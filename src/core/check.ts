/**
 * The checks every option goes through, with messages that name the option
 * and the bad value (`Expected \`max_queue_size\` to be …, got …`).
 */
import { CrosstalkError, describeValue } from './errors.js';

export function invalidOption(option: string, expected: string, got: unknown): CrosstalkError {
  return new CrosstalkError('INVALID_OPTION', `Expected \`${option}\` to be ${expected}, got ${describeValue(got)}`, { option });
}

export function rejectUnknownKeys(obj: object, known: readonly string[], what: string): void {
  for (const k of Object.keys(obj)) {
    if (!known.includes(k)) {
      throw new CrosstalkError('INVALID_OPTION', `unknown ${what} option ${describeValue(k)}; known: ${known.join(', ')}`, { option: k });
    }
  }
}

export function checkInt(option: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw invalidOption(option, `an integer from ${min} to ${max}`, v);
  }
  return v;
}

/** A time span in ms: finite and ≥ 0 (Infinity allowed where `allowInfinite`). */
export function checkMs(option: string, v: unknown, allowInfinite = false): number {
  if (typeof v !== 'number' || Number.isNaN(v) || v < 0 || (!allowInfinite && !Number.isFinite(v))) {
    throw invalidOption(option, allowInfinite ? 'a number of milliseconds >= 0' : 'a finite number of milliseconds >= 0', v);
  }
  return v;
}

/** A plain object (not null, not an array); INVALID_OPTION naming `option` otherwise. */
export function checkObject(option: string, v: unknown): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalidOption(option, 'an object', v);
  return v as Record<string, unknown>;
}

/** A finite number in [min, max]. */
export function checkNumber(option: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw invalidOption(option, `a number from ${min} to ${max}`, v);
  return v;
}

export function checkBoolean(option: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw invalidOption(option, 'a boolean', v);
  return v;
}

/** A non-empty string of at most `max` characters. */
export function checkString(option: string, v: unknown, max = 255): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw invalidOption(option, `a string of 1 to ${max} characters`, v);
  return v;
}
