/**
 * Retention policies (docs/persistence.md "Retention"): how long stored events live, by
 * type, and how large a store may grow. Pure: the stores' sweepers apply
 * what this module decides.
 *
 *   { "default": "90d", "by_type": { "error.**": "365d", "audit.**": "7y" },
 *     "max_bytes": "10GiB", "max_events": 50000000 }
 *
 * An event is deleted when the first `by_type` pattern its type matches (in
 * the order written) says it is too old, or, when none matches, `default`
 * does; when a store is over `max_events` or `max_bytes`, its oldest events
 * go first. An event's own `ttl_seconds` applies as well: whichever comes
 * first.
 */
import { invalidOption, rejectUnknownKeys } from './check.js';
import { CrosstalkError } from './errors.js';
import { compilePattern, type CompiledPattern } from './pattern.js';
import { DURATION_MS } from './time.js';

/** An age: "90d", "12h", "7y", a number of days, or null / "forever" for no limit. */
export type Age = string | number | null;

export interface RetentionOptions {
  /** how long an event whose type no `by_type` pattern matches is kept; default: forever */
  default?: Age;
  /** pattern → age; the first pattern (in the order written) that matches a type decides */
  by_type?: Record<string, Age>;
  /** the database may hold this many bytes (a number or "10GiB", "500MB"); the oldest events go first */
  max_bytes?: number | string;
  /** the store may hold this many events; the oldest go first */
  max_events?: number;
}

/** One age rule; `pattern` null for the default. */
export interface AgeRule {
  /** what stats call it: `type:error.**` or `default` */
  readonly name: string;
  readonly pattern: CompiledPattern | null;
  /** ms; Infinity keeps events forever */
  readonly maxAgeMs: number;
}

export interface ResolvedRetention {
  /** the by_type rules in order, then the default */
  readonly rules: readonly AgeRule[];
  readonly maxBytes: number | null;
  readonly maxEvents: number | null;
}

/** What removed an event, as stats name it. */
export const POLICY_TTL = 'ttl';
export const POLICY_DEFAULT = 'default';
export const POLICY_MAX_EVENTS = 'max_events';
export const POLICY_MAX_BYTES = 'max_bytes';
export const typePolicyName = (pattern: string) => `type:${pattern}`;

const AGE_UNITS = DURATION_MS;
const AGE_RE = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w|y)\s*$/;

const SIZE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};
const SIZE_RE = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)?\s*$/i;

/** An age in ms: "90d" → 7,776,000,000; a plain number is days (as the seed's configuration writes them); null/"forever" → Infinity. */
export function parseAge(option: string, v: unknown): number {
  if (v === null || v === 'forever') return Infinity;
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v <= 0) throw invalidOption(option, 'a positive number of days, an age like "90d", or "forever"', v);
    return v * AGE_UNITS.d!;
  }
  const m = typeof v === 'string' ? AGE_RE.exec(v) : null;
  if (!m || Number(m[1]) <= 0) throw invalidOption(option, 'an age like "90d", "12h", "7y" (units ms s m h d w y), a number of days, or "forever"', v);
  return Number(m[1]) * AGE_UNITS[m[2]!]!;
}

/** Bytes from a number or "10GiB" / "500 MB" (KB, MB, GB, TB are powers of 1000; KiB, MiB, GiB, TiB of 1024). */
export function parseSize(option: string, v: unknown): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 1) throw invalidOption(option, 'a positive number of bytes or a size like "10GiB"', v);
    return Math.floor(v);
  }
  const m = typeof v === 'string' ? SIZE_RE.exec(v) : null;
  const bytes = m ? Math.floor(Number(m[1]) * SIZE_UNITS[(m[2] ?? 'b').toLowerCase()]!) : 0;
  if (bytes < 1) throw invalidOption(option, 'a size like "10GiB", "500MB" or a number of bytes', v);
  return bytes;
}

/** Validates retention options (INVALID_OPTION naming `retention.…`); null when there is nothing to apply. */
export function resolveRetention(o: unknown, where = 'retention'): ResolvedRetention | null {
  if (o === undefined || o === null) return null;
  if (typeof o !== 'object' || Array.isArray(o)) throw invalidOption(where, 'an object of default, by_type, max_bytes, max_events', o);
  rejectUnknownKeys(o, ['default', 'by_type', 'max_bytes', 'max_events'], where);
  const r = o as RetentionOptions;
  const rules: AgeRule[] = [];
  if (r.by_type !== undefined) {
    if (r.by_type === null || typeof r.by_type !== 'object' || Array.isArray(r.by_type)) {
      throw invalidOption(`${where}.by_type`, 'an object of pattern → age', r.by_type);
    }
    for (const [pattern, age] of Object.entries(r.by_type)) {
      const at = `${where}.by_type[${JSON.stringify(pattern)}]`;
      let compiled: CompiledPattern;
      try {
        compiled = compilePattern(pattern);
      } catch (e) {
        throw new CrosstalkError('INVALID_OPTION', `${at}: ${(e as Error).message}`, { option: at, cause: e });
      }
      rules.push({ name: typePolicyName(pattern), pattern: compiled, maxAgeMs: parseAge(at, age) });
    }
  }
  if (r.default !== undefined) rules.push({ name: POLICY_DEFAULT, pattern: null, maxAgeMs: parseAge(`${where}.default`, r.default) });
  let maxEvents: number | null = null;
  if (r.max_events !== undefined && r.max_events !== null) {
    if (typeof r.max_events !== 'number' || !Number.isInteger(r.max_events) || r.max_events < 1) {
      throw invalidOption(`${where}.max_events`, 'a positive integer', r.max_events);
    }
    maxEvents = r.max_events;
  }
  const maxBytes = r.max_bytes === undefined || r.max_bytes === null ? null : parseSize(`${where}.max_bytes`, r.max_bytes);
  if (rules.length === 0 && maxEvents === null && maxBytes === null) return null;
  return { rules, maxBytes, maxEvents };
}

/** The age rule that decides for `type` (first matching by_type, else the default), or null to keep it. */
export function ruleFor(r: ResolvedRetention, type: string): AgeRule | null {
  for (const rule of r.rules) if (rule.pattern === null || rule.pattern.test(type)) return rule;
  return null;
}

/**
 * Groups types by the rule that decides for them: one entry per rule with
 * a finite age, its types and the cutoff (events before it are too old).
 */
export function planAges(r: ResolvedRetention, types: Iterable<string>, now: number): { rule: AgeRule; cutoff: number; types: string[] }[] {
  const byRule = new Map<AgeRule, string[]>();
  for (const t of types) {
    const rule = ruleFor(r, t);
    if (rule === null || rule.maxAgeMs === Infinity) continue;
    let list = byRule.get(rule);
    if (!list) byRule.set(rule, (list = []));
    list.push(t);
  }
  return [...byRule].map(([rule, list]) => ({ rule, cutoff: now - rule.maxAgeMs, types: list.sort() }));
}

/** The policies a retention names, in the order stats list them. */
export function policyNames(r: ResolvedRetention | null): string[] {
  const names = [POLICY_TTL, ...(r?.rules.map((x) => x.name) ?? [])];
  if (r?.maxEvents != null) names.push(POLICY_MAX_EVENTS);
  if (r?.maxBytes != null) names.push(POLICY_MAX_BYTES);
  return names;
}

/** Human form of an age for stats ("365d", "7y", "forever"). */
export function describeAge(ms: number): string {
  if (ms === Infinity) return 'forever';
  for (const [unit, per] of [['y', AGE_UNITS.y!], ['d', AGE_UNITS.d!], ['h', AGE_UNITS.h!], ['m', AGE_UNITS.m!], ['s', AGE_UNITS.s!]] as const) {
    if (ms >= per && ms % per === 0) return `${ms / per}${unit}`;
  }
  return `${ms}ms`;
}
