/**
 * The flags the store commands share (`--store`, `--json`, one flag per query
 * field, `--where`) and their translation into a query for `normalizeQuery`.
 */
import type { Argv } from 'yargs';
import { CrosstalkError, describeValue } from '../../core/errors.js';
import { parseExpression } from '../../core/expression.js';
import { FILTER_OPS, parseFilters } from '../../core/filter.js';
import type { JsonValue } from '../../core/event.js';
import type { FilterSpec } from '../../core/types.js';
import { DEFAULT_STORE_SPEC } from '../../store/open.js';
import { usage } from '../usage.js';

export interface StoreArgs {
  store?: string;
  json: boolean;
}

export interface QueryArgs extends StoreArgs {
  type?: string;
  since?: string;
  until?: string;
  correlationId?: string;
  source?: string;
  where?: string[];
  filter?: string;
  after?: number;
  limit?: number;
  order?: string;
}

/** The query flags; a command leaves out those it has no use for (they are then unknown flags). */
export type QueryFlag = 'type' | 'since' | 'until' | 'correlation-id' | 'source' | 'where' | 'filter' | 'after' | 'order' | 'limit';

export function withStoreOptions<T>(y: Argv<T>): Argv<T & StoreArgs> {
  return y
    .option('store', {
      type: 'string',
      describe: `the database: sqlite:PATH or a PATH ending in .db/.sqlite (default ${DEFAULT_STORE_SPEC})`,
    })
    .option('json', { type: 'boolean', default: false, describe: 'machine-readable JSON output' }) as Argv<T & StoreArgs>;
}

/** One flag per query field (docs/persistence.md "Persistence, query and replay"), but those in `omit`. `limit` describes --limit where it is kept. */
export function withQueryOptions<T>(y: Argv<T>, limit: string, omit: readonly QueryFlag[] = []): Argv<T & QueryArgs> {
  const has = (f: QueryFlag) => !omit.includes(f);
  // typed loosely while options are added one by one; the result is typed below
  let a = withStoreOptions(y) as unknown as Argv<object>;
  if (has('type')) a = a.option('type', { alias: ['t', 'event-type'], type: 'string', describe: 'event type pattern, e.g. "order.*" or "agent.**"' });
  if (has('since')) a = a.option('since', { alias: 'start-time', type: 'string', describe: 'from this time: ISO-8601, epoch ms, or an age like 15m, 2h, 7d' });
  if (has('until')) a = a.option('until', { alias: 'end-time', type: 'string', describe: 'up to this time (inclusive), same forms as --since' });
  if (has('correlation-id')) a = a.option('correlation-id', { alias: 'c', type: 'string', describe: 'only events with this source.correlation_id' });
  if (has('source')) a = a.option('source', { type: 'string', describe: 'only events whose source.component is this' });
  if (has('where')) {
    a = a.option('where', {
      alias: 'w',
      type: 'string',
      array: true,
      describe:
        "a filter expression, repeatable (all must hold): \"type LIKE 'order.*' AND (data.amount > 500 OR source = 'critical')\"; " +
        "or one condition: 'data.status=paid', 'data.tags contains vip', 'metadata.user exists'",
    });
  }
  if (has('filter')) a = a.option('filter', { type: 'string', describe: 'filters as JSON: \'{"data.amount": [">=", 500]}\'' });
  if (has('after')) a = a.option('after', { alias: 'after-sequence', type: 'number', describe: 'only events with a sequence above this (paging)' });
  if (has('order')) a = a.option('order', { choices: ['asc', 'desc'], describe: 'by sequence (default asc)' });
  if (has('limit')) a = a.option('limit', { alias: 'n', type: 'number', describe: limit });
  return a as unknown as Argv<T & QueryArgs>;
}

/**
 * The output format: `--format`, or what `--json` means for the command
 * (`jsonAs`), or the default. `--json` with a different `--format` is a
 * contradiction and refused.
 */
export function outputFormat<F extends string>(a: { format?: F; json: boolean }, jsonAs: F, fallback: F): F {
  if (a.json && a.format !== undefined && a.format !== jsonAs) {
    throw usage(`--json prints ${jsonAs}, --format asks for ${a.format}: give one of them`, 'format');
  }
  return a.json ? jsonAs : (a.format ?? fallback);
}

const AGE_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;
const AGE_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `15m` → 15 minutes ago; digits → epoch ms; `now`; anything else goes to normalizeQuery as ISO. */
export function timeArg(v: string | undefined, now = Date.now()): string | number | undefined {
  if (v === undefined) return undefined;
  const s = v.trim();
  if (s === 'now') return now;
  if (/^\d+$/.test(s)) return Number(s);
  const age = AGE_RE.exec(s);
  if (age) return now - Number(age[1]) * AGE_MS[age[2]!]!;
  return s;
}

/** A `--where` value: JSON when it parses (500, true, null, "quoted", [1,2]), else the text itself. */
function valueOf(text: string): JsonValue {
  const t = text.trim();
  try {
    return JSON.parse(t) as JsonValue;
  } catch {
    return t;
  }
}

const SYMBOL_RE = /^\s*([A-Za-z_][A-Za-z0-9_.:$[\]-]*)\s*(>=|<=|!=|==|=|<|>|~)\s*(.*)$/s;
const WORD_RE = /^\s*([A-Za-z_][A-Za-z0-9_.:$[\]-]*)\s+(in|contains|matches|exists|missing)(?:\s+(.*))?$/s;

/**
 * `data.amount>=500` → ['data.amount', {op: '>=', value: 500}]. Operators:
 * = == != < <= > >= ~ (matches), and the words in, contains, matches,
 * exists, missing. `in` takes a JSON list or a comma list.
 */
export function parseWhere(expr: string): [string, { op: string; value?: JsonValue }] {
  const bad = (why: string) =>
    new CrosstalkError('INVALID_QUERY', `--where ${describeValue(expr)}: ${why}`, { option: 'where' });
  const word = WORD_RE.exec(expr);
  if (word) {
    const [, path, op, rest = ''] = word;
    if (op === 'exists' || op === 'missing') {
      if (rest.trim() !== '') throw bad(`'${op}' takes no value`);
      return [path!, { op: 'exists', value: op === 'exists' }];
    }
    if (rest.trim() === '') throw bad(`'${op}' needs a value`);
    if (op === 'in') {
      const v = valueOf(rest);
      return [path!, { op, value: Array.isArray(v) ? v : rest.split(',').map(valueOf) }];
    }
    return [path!, { op: op!, value: op === 'matches' ? rest.trim() : valueOf(rest) }];
  }
  const sym = SYMBOL_RE.exec(expr);
  if (!sym) throw bad(`expected PATH OP VALUE with OP one of = != < <= > >= ~ in contains matches exists missing`);
  const [, path, rawOp, rest] = sym;
  const op = rawOp === '==' ? '=' : rawOp === '~' ? 'matches' : rawOp!;
  if (!(FILTER_OPS as readonly string[]).includes(op)) throw bad(`unknown operator ${rawOp}`);
  if (rest!.trim() === '') throw bad('the value is missing');
  return [path!, { op, value: op === 'matches' ? rest!.trim() : valueOf(rest!) }];
}

/**
 * A `--where` value: a filter expression (docs/persistence.md "Filter expressions") when
 * it parses as one, else one condition in the short form of parseWhere
 * (`data.status=paid`: an unquoted value, which an expression would read as
 * a field). When neither reads it, the expression's error is reported, with
 * its column.
 */
export function whereArg(text: string): { expression: string } | { condition: [string, { op: string; value?: JsonValue }] } {
  let failure: CrosstalkError;
  try {
    parseExpression(text);
    return { expression: text };
  } catch (e) {
    if (!(e instanceof CrosstalkError)) throw e;
    failure = e;
  }
  // the short form, when it means one thing: a known path, and an unquoted value of one word
  // (`data.x > AND y = 1` is a broken expression, not a comparison with the text "AND y = 1")
  let condition: [string, { op: string; value?: JsonValue }] | null = null;
  try {
    condition = parseWhere(text);
    parseFilters({ [condition[0]]: condition[1] });
  } catch {
    condition = null;
  }
  const words = (v: JsonValue | undefined): boolean =>
    Array.isArray(v) ? v.some(words) : typeof v === 'string' && /\s/.test(v) && !text.includes(JSON.stringify(v));
  if (condition !== null && !words(condition[1].value)) return { condition };
  const why = failure.message.replace(/^where: /, '');
  throw new CrosstalkError('INVALID_QUERY', `--where ${describeValue(text)}: ${why}`, { option: 'where', ...(failure.column !== undefined ? { column: failure.column } : {}) });
}

/**
 * `--filter` JSON and every `--where`: the short conditions join the filter
 * table (one condition per path), the expressions are joined with AND.
 */
export function filtersFromArgs(filter: string | undefined, where: readonly string[] | undefined): { filters?: FilterSpec; where?: string } {
  let spec: Record<string, unknown> = {};
  if (filter !== undefined) {
    try {
      spec = JSON.parse(filter) as Record<string, unknown>;
    } catch (e) {
      throw new CrosstalkError('INVALID_QUERY', `--filter is not JSON: ${(e as Error).message}`, { option: 'filter' });
    }
    if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
      throw new CrosstalkError('INVALID_QUERY', '--filter must be a JSON object of path → condition', { option: 'filter' });
    }
  }
  const expressions: string[] = [];
  for (const w of where ?? []) {
    const arg = whereArg(w);
    if ('expression' in arg) {
      expressions.push(arg.expression);
      continue;
    }
    const [path, cond] = arg.condition;
    if (path in spec) {
      throw new CrosstalkError('INVALID_QUERY', `two conditions on ${path}: a filter table holds one condition per path (write both in one --where expression: "${path} > 1 AND ${path} < 5")`, {
        option: 'where',
      });
    }
    spec[path] = cond;
  }
  return {
    ...(Object.keys(spec).length > 0 ? { filters: spec as FilterSpec } : {}),
    ...(expressions.length === 1 ? { where: expressions[0]! } : expressions.length > 1 ? { where: expressions.map((x) => `(${x})`).join(' AND ') } : {}),
  };
}

/** The raw query the flags describe (validated later by normalizeQuery / parseReplaySpec). */
export function queryFromArgs(a: QueryArgs): Record<string, unknown> {
  const q: Record<string, unknown> = {};
  if (a.type !== undefined) q.event_type = a.type;
  if (a.since !== undefined) q.start_time = timeArg(a.since);
  if (a.until !== undefined) q.end_time = timeArg(a.until);
  if (a.correlationId !== undefined) q.correlation_id = a.correlationId;
  if (a.source !== undefined) q.source = a.source;
  const { filters, where } = filtersFromArgs(a.filter, a.where);
  if (filters !== undefined) q.filters = filters;
  if (where !== undefined) q.where = where;
  if (a.after !== undefined) q.after_sequence = a.after;
  if (a.limit !== undefined) q.limit = a.limit;
  if (a.order !== undefined) q.order = a.order;
  return q;
}
