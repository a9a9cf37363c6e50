/**
 * Query validation (docs/persistence.md "Persistence, query and replay"). Every store, the script bindings and the CLI
 * pass user input through `normalizeQuery`, so a bad query fails the same
 * way everywhere: INVALID_QUERY naming the field and the bad value.
 */
import { CrosstalkError, describeValue } from './errors.js';
import { parseExpression } from './expression.js';
import { parseFilters } from './filter.js';
import { compilePattern } from './pattern.js';
import { parseTime } from './time.js';
import type { EventQuery, FilterSpec, Order } from './types.js';

export { parseTime };

export const DEFAULT_QUERY_LIMIT = 100;
export const MAX_QUERY_LIMIT = 10_000;

/** The fields a query may have; anything else is INVALID_QUERY. */
export const QUERY_FIELDS = [
  'event_type', 'start_time', 'end_time', 'correlation_id', 'source', 'filters', 'where', 'now', 'after_sequence', 'limit', 'order',
] as const;

function bad(field: string, why: string): CrosstalkError {
  return new CrosstalkError('INVALID_QUERY', `query.${field}: ${why}`, { option: field });
}

function nonEmptyString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw bad(field, `must be a non-empty string, got ${describeValue(value)}`);
  }
  return value;
}

function integerIn(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw bad(field, `must be an integer from ${min} to ${max}, got ${describeValue(value)}`);
  }
  return value;
}

/** Pattern and filter errors are reported as INVALID_QUERY: the query is what was wrong. */
function asQueryError<T>(field: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof CrosstalkError && e.code !== 'INVALID_QUERY') {
      throw new CrosstalkError('INVALID_QUERY', `query.${field}: ${e.message}`, {
        option: field,
        cause: e,
        ...(e.pattern !== undefined ? { pattern: e.pattern } : {}),
      });
    }
    throw e;
  }
}

/**
 * Validates a user query into an `EventQuery`: times become epoch ms, `limit`
 * defaults to 100 (1 … 10,000), `order` to `asc`. Absent and `null` fields
 * mean "no constraint". Pure: never touches a store.
 */
export function normalizeQuery(input: unknown): EventQuery {
  if (input === undefined || input === null) return { limit: DEFAULT_QUERY_LIMIT, order: 'asc' };
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new CrosstalkError('INVALID_QUERY', `a query must be a table of fields, got ${describeValue(input)}`);
  }
  const raw = input as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!(QUERY_FIELDS as readonly string[]).includes(key)) {
      throw new CrosstalkError('INVALID_QUERY', `unknown query field ${describeValue(key)}; fields are ${QUERY_FIELDS.join(', ')}`, {
        option: key,
      });
    }
  }
  const q: EventQuery = { limit: DEFAULT_QUERY_LIMIT, order: 'asc' };
  const has = (k: string) => raw[k] !== undefined && raw[k] !== null;

  if (has('event_type')) {
    const p = nonEmptyString(raw.event_type, 'event_type');
    asQueryError('event_type', () => compilePattern(p));
    q.event_type = p;
  }
  if (has('start_time')) q.start_time = parseTime(raw.start_time, 'start_time');
  if (has('end_time')) q.end_time = parseTime(raw.end_time, 'end_time');
  if (has('correlation_id')) q.correlation_id = nonEmptyString(raw.correlation_id, 'correlation_id');
  if (has('source')) q.source = nonEmptyString(raw.source, 'source');
  if (has('filters')) {
    asQueryError('filters', () => parseFilters(raw.filters));
    q.filters = raw.filters as FilterSpec;
  }
  if (has('where')) {
    parseExpression(raw.where);
    q.where = raw.where as string;
    // relative times (`now - 15m`) mean the same instant to every store and page
    q.now = has('now') ? parseTime(raw.now, 'now') : Date.now();
  }
  if (has('after_sequence')) q.after_sequence = integerIn(raw.after_sequence, 'after_sequence', 0, Number.MAX_SAFE_INTEGER);
  if (has('limit')) q.limit = integerIn(raw.limit, 'limit', 1, MAX_QUERY_LIMIT);
  if (has('order')) {
    if (raw.order !== 'asc' && raw.order !== 'desc') throw bad('order', `must be "asc" or "desc", got ${describeValue(raw.order)}`);
    q.order = raw.order as Order;
  }
  return q;
}
