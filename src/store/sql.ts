/**
 * EventQuery → SQL for the SQLite store. Everything docs/persistence.md "Persistence, query and replay" can ask is
 * translated to SQL so LIMIT and paging stay exact; nothing is post-filtered.
 *
 * Semantics follow `core/filter.ts` exactly (the memory store runs that code;
 * the conformance suite runs both): comparisons hold only between two
 * numbers or two strings, `=` is JSON equality, a missing path matches only
 * `exists: false`. SQLite's json_extract blurs JSON types (true → 1, objects
 * → text), so every value test is paired with a json_type test.
 *
 * Patterns go through `core/pattern.ts` (one grammar): exact types become
 * `=`/`IN`, `a.b.**` becomes `= 'a.b' OR GLOB 'a.b.*'`, anything else a GLOB
 * prefix (for the index) plus `ct_match`, the grammar's own linear-time
 * matcher, on that alternative. No regular expression is involved: a
 * backtracking one can take exponential time on a hostile pattern.
 */
import type { JsonValue } from '../core/event.js';
import { parseExpression, resolveTime, type Expression } from '../core/expression.js';
import { parseFilters, parsePath, type ParsedCondition, type PathStep } from '../core/filter.js';
import { alternativeSource, compilePattern, type Segment } from '../core/pattern.js';
import type { EventQuery } from '../core/types.js';

/** A piece of SQL and its positional parameters, in order. */
export interface SqlPart {
  sql: string;
  params: unknown[];
}

/** What a path reads: a value expression and a JSON-type expression or a fixed type. */
interface Target {
  value: string;
  /** SQL yielding json_type() names, NULL when the path is missing */
  type: string;
  /** set when the column has one type and is never missing */
  fixed?: 'integer' | 'text';
}

/** SQL string literal. */
export const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** `['data','items',2]` → `$."data"."items"[2]` (keys quoted: they may hold `-`, `:` or `$`). */
export function jsonPath(steps: readonly PathStep[]): string {
  let p = '$';
  for (const s of steps) p += typeof s === 'number' ? `[${s}]` : `."${s}"`;
  return p;
}

/**
 * The expression a filter on `path` reads. `createIndex(path)` indexes this
 * very text, which is what lets SQLite match the index to the query.
 */
export function pathExpression(steps: readonly PathStep[]): string {
  return `json_extract(body, ${lit(jsonPath(steps))})`;
}

function target(steps: readonly PathStep[]): Target {
  const key = steps.join('.');
  switch (key) {
    case 'sequence':
      return { value: 'seq', type: "'integer'", fixed: 'integer' };
    case 'id':
    case 'event_type':
      return { value: key, type: "'text'", fixed: 'text' };
    case 'source.component':
      return { value: 'component', type: "'text'", fixed: 'text' };
  }
  return { value: pathExpression(steps), type: `json_type(body, ${lit(jsonPath(steps))})` };
}

type Kind = 'null' | 'true' | 'false' | 'number' | 'text' | 'array' | 'object';
function kindOf(v: JsonValue): Kind {
  if (v === null) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'text';
  return Array.isArray(v) ? 'array' : 'object';
}

const FALSE: SqlPart = { sql: '0', params: [] };
const TRUE: SqlPart = { sql: '1', params: [] };

/**
 * JSON equality of the target with `v`. May be NULL where the path is
 * missing (callers negating it wrap it in coalesce); left bare otherwise so
 * SQLite can serve `expr = ?` from an index.
 */
function equals(t: Target, v: JsonValue): SqlPart {
  const k = kindOf(v);
  if (t.fixed) {
    const ok = (t.fixed === 'integer' && k === 'number') || (t.fixed === 'text' && k === 'text');
    return ok ? { sql: `${t.value} = ?`, params: [v] } : FALSE;
  }
  switch (k) {
    case 'null':
    case 'true':
    case 'false':
      return { sql: `${t.type} = '${k}'`, params: [] };
    case 'number':
      return { sql: `(${t.value} = ? AND ${t.type} IN ('integer','real'))`, params: [v] };
    case 'text':
      return { sql: `(${t.value} = ? AND ${t.type} = 'text')`, params: [v] };
    default:
      // key order must not matter, so containers compare through the same jsonEqual the memory store uses
      return { sql: `(${t.type} = '${k}' AND ct_json_equal(${t.value}, ?))`, params: [JSON.stringify(v)] };
  }
}

/** `<`, `<=`, `>`, `>=`: only number-with-number and string-with-string hold. */
function compare(t: Target, op: string, v: JsonValue): SqlPart {
  const k = kindOf(v);
  if (t.fixed) {
    const ok = (t.fixed === 'integer' && k === 'number') || (t.fixed === 'text' && k === 'text');
    return ok ? { sql: `${t.value} ${op} ?`, params: [v] } : FALSE;
  }
  if (k === 'number') {
    // SQLite orders numbers before all text; `< ''` bounds an index scan to
    // the numbers, and json_type drops booleans (stored as 1/0).
    const bound = op[0] === '>' ? ` AND ${t.value} < ''` : '';
    return { sql: `(${t.value} ${op} ?${bound} AND ${t.type} IN ('integer','real'))`, params: [v] };
  }
  // strings: `>= ''` bounds the scan past the numbers; json_type drops objects and arrays (stored as text)
  const bound = op[0] === '<' ? ` AND ${t.value} >= ''` : '';
  return { sql: `(${t.value} ${op} ?${bound} AND ${t.type} = 'text')`, params: [v] };
}

function or(parts: SqlPart[]): SqlPart {
  if (parts.length === 0) return FALSE;
  if (parts.length === 1) return parts[0]!;
  return { sql: `(${parts.map((p) => p.sql).join(' OR ')})`, params: parts.flatMap((p) => p.params) };
}

function inList(t: Target, values: readonly JsonValue[]): SqlPart {
  // Scalars of one kind share one `IN (…)`, which an index can serve.
  const numbers = values.filter((v) => typeof v === 'number');
  const strings = values.filter((v) => typeof v === 'string');
  const parts: SqlPart[] = [];
  const group = (vals: JsonValue[], typeTest: string, fixed: Target['fixed']) => {
    if (vals.length === 0) return;
    if (t.fixed && t.fixed !== fixed) return;
    const marks = vals.map(() => '?').join(',');
    const sql = t.fixed ? `${t.value} IN (${marks})` : `(${t.type} ${typeTest} AND ${t.value} IN (${marks}))`;
    parts.push({ sql, params: vals });
  };
  group(numbers, "IN ('integer','real')", 'integer');
  group(strings, "= 'text'", 'text');
  for (const v of values) if (typeof v !== 'number' && typeof v !== 'string') parts.push(equals(t, v));
  return or(parts);
}

/** `contains`: substring of a string, or an element of an array (JSON equality). */
function contains(t: Target, steps: readonly PathStep[], v: JsonValue): SqlPart {
  const parts: SqlPart[] = [];
  if (typeof v === 'string') {
    // a fixed column may be an integer (seq): instr() would read its digits as text
    parts.push(t.fixed ? { sql: `(typeof(${t.value}) = 'text' AND instr(${t.value}, ?) > 0)`, params: [v] } : {
      sql: `(${t.type} = 'text' AND instr(${t.value}, ?) > 0)`,
      params: [v],
    });
  }
  if (!t.fixed) {
    const element = equals({ value: 'je.value', type: 'je.type' }, v);
    parts.push({
      sql: `(${t.type} = 'array' AND EXISTS (SELECT 1 FROM json_each(body, ${lit(jsonPath(steps))}) AS je WHERE ${element.sql}))`,
      params: element.params,
    });
  }
  return or(parts);
}

/** GLOB treats `*`, `?` and `[` as wildcards; `[x]` makes each one literal. */
export const globEscape = (s: string) => s.replace(/[*?[]/g, (c) => `[${c}]`);

function alternativeSql(column: string, segs: readonly Segment[]): SqlPart {
  const literal: string[] = [];
  let i = 0;
  for (; i < segs.length && segs[i]!.kind === 'literal'; i++) literal.push((segs[i] as { text: string }).text);
  const prefix = literal.join('.');
  if (i === segs.length) return { sql: `${column} = ${lit(prefix)}`, params: [] };
  if (i === segs.length - 1 && segs[i]!.kind === 'globstar') {
    // `**` alone matches every (non-empty) type; `a.b.**` is a.b itself or below it
    if (i === 0) return TRUE;
    return { sql: `(${column} = ${lit(prefix)} OR ${column} GLOB ${lit(`${globEscape(prefix)}.*`)})`, params: [] };
  }
  const match = `ct_match(${column}, ${lit(alternativeSource(segs))})`;
  if (i === 0) return { sql: match, params: [] };
  // the GLOB range narrows the index scan; ct_match decides
  return { sql: `(${column} GLOB ${lit(`${globEscape(prefix)}.*`)} AND ${match})`, params: [] };
}

/** An event-type pattern as SQL over a column holding valid event types. */
export function typePatternSql(column: string, pattern: string): SqlPart {
  const cp = compilePattern(pattern);
  if (cp.exact) {
    if (cp.exact.length === 1) return { sql: `${column} = ${lit(cp.exact[0]!)}`, params: [] };
    return { sql: `${column} IN (${cp.exact.map(lit).join(',')})`, params: [] };
  }
  return or(cp.alternatives.map((a) => alternativeSql(column, a)));
}

/** One parsed filter condition as SQL. */
export function conditionSql(c: ParsedCondition): SqlPart {
  const t = target(c.steps);
  switch (c.op) {
    case '=':
      return equals(t, c.value as JsonValue);
    case '!=': {
      const eq = equals(t, c.value as JsonValue);
      const present = t.fixed ? '1' : `${t.type} IS NOT NULL`;
      return { sql: `(${present} AND NOT coalesce(${eq.sql}, 0))`, params: eq.params };
    }
    case '<':
    case '<=':
    case '>':
    case '>=':
      return compare(t, c.op, c.value as JsonValue);
    case 'in':
      return inList(t, c.value as JsonValue[]);
    case 'contains':
      return contains(t, c.steps, c.value as JsonValue);
    case 'exists': {
      const want = c.value !== false;
      if (t.fixed) return want ? TRUE : FALSE;
      return { sql: `${t.type} IS ${want ? 'NOT ' : ''}NULL`, params: [] };
    }
    case 'matches': {
      if (t.value === 'event_type') return typePatternSql('event_type', c.value as string);
      const text = t.fixed ? '1' : `${t.type} = 'text'`;
      return { sql: `(${text} AND ct_match(${t.value}, ?))`, params: [c.value] };
    }
  }
}

/**
 * The stored types a pattern matches, when the store keeps a catalog of
 * them; null to translate the pattern itself.
 */
export type TypeResolver = (pattern: string) => readonly string[] | null;

/** Above this many matching types, the pattern's own translation beats a long IN list. */
export const MAX_RESOLVED_TYPES = 500;

/**
 * The event-type part of a query. A glob like `order.*` becomes, through the
 * store's catalog of types, `event_type IN ('order.created', …)`: each type
 * is then an equality seek on (event_type, ts_ms), so a time range narrows
 * the index scan too, which a GLOB range over event_type cannot do.
 */
function eventTypeSql(pattern: string, resolve?: TypeResolver): SqlPart {
  if (compilePattern(pattern).exact === null && resolve) {
    const types = resolve(pattern);
    if (types !== null && types.length <= MAX_RESOLVED_TYPES) {
      if (types.length === 0) return FALSE;
      return { sql: `event_type IN (${types.map(() => '?').join(',')})`, params: [...types] };
    }
  }
  return typePatternSql('event_type', pattern);
}

/**
 * A filter expression as SQL: its leaves are the filter tables' conditions
 * (conditionSql), a type pattern (as `event_type`) and a time (on ts_ms).
 * SQL's NULL (a missing path) must not leak into NOT, where it would stay
 * NULL and drop the row: a negated part is coalesced to false first, as the
 * in-memory predicate reads a missing path.
 */
export function expressionSql(x: Expression, now: number, resolve?: TypeResolver): SqlPart {
  switch (x.kind) {
    case 'and':
    case 'or': {
      const parts = x.items.map((i) => expressionSql(i, now, resolve));
      return { sql: `(${parts.map((p) => p.sql).join(x.kind === 'and' ? ' AND ' : ' OR ')})`, params: parts.flatMap((p) => p.params) };
    }
    case 'not': {
      const inner = expressionSql(x.item, now, resolve);
      return { sql: `NOT coalesce(${inner.sql}, 0)`, params: inner.params };
    }
    case 'condition':
      return conditionSql(x.condition);
    case 'type':
      return eventTypeSql(x.pattern, resolve);
    case 'time':
      return { sql: `ts_ms ${x.op} ?`, params: [resolveTime(x.at, now)] };
  }
}

/** The WHERE clause of a query (without expiry, which the caller adds with its clock). */
export function whereSql(q: EventQuery, resolve?: TypeResolver): SqlPart {
  const parts: SqlPart[] = [];
  if (q.event_type !== undefined) parts.push(eventTypeSql(q.event_type, resolve));
  if (q.start_time !== undefined) parts.push({ sql: 'ts_ms >= ?', params: [q.start_time] });
  if (q.end_time !== undefined) parts.push({ sql: 'ts_ms <= ?', params: [q.end_time] });
  if (q.correlation_id !== undefined) parts.push({ sql: 'correlation_id = ?', params: [q.correlation_id] });
  if (q.source !== undefined) parts.push({ sql: 'component = ?', params: [q.source] });
  if (q.after_sequence !== undefined) parts.push({ sql: 'seq > ?', params: [q.after_sequence] });
  for (const c of parseFilters(q.filters)) parts.push(conditionSql(c));
  if (q.where !== undefined) parts.push(expressionSql(parseExpression(q.where), q.now ?? Date.now(), resolve));
  if (parts.length === 0) return TRUE;
  return { sql: parts.map((p) => p.sql).join(' AND '), params: parts.flatMap((p) => p.params) };
}

/**
 * What `createIndex(path)` indexes: the value and its JSON type, the two
 * expressions a filter on `path` reads. With both in the index, a filter
 * such as `data.x >= v` is answered from the index without reading rows.
 * For the `id` and `source.component` columns, the column itself. Null when
 * the path is a column that has an index already (or the primary key).
 */
export function indexExpressionsFor(path: string): string | null {
  const t = target(parsePath(path));
  // seq is the primary key and event_type leads events_type_ts; id and
  // component are plain columns without an index of their own
  if (t.fixed !== undefined) return t.value === 'id' || t.value === 'component' ? t.value : null;
  return `${t.value}, ${t.type}`;
}
