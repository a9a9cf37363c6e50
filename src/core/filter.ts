/**
 * The query-filter syntax (docs/persistence.md "Persistence, query and replay"), compiled to a predicate over events.
 * Subscriptions use it before enqueueing; the memory store uses it to answer
 * queries; the SQLite store translates the same parsed form to SQL.
 */
import { CrosstalkError, describeValue } from './errors.js';
import type { JsonValue, UniversalEvent } from './event.js';
import { compilePattern } from './pattern.js';
import type { FilterOp } from './types.js';

export const FILTER_OPS: readonly FilterOp[] = ['=', '!=', '<', '<=', '>', '>=', 'in', 'contains', 'exists', 'matches'];

/** Fields of an event a path may start from. */
export const PATH_ROOTS = [
  'data', 'metadata', 'source', 'id', 'event_type', 'timestamp', 'sequence', 'priority', 'version', 'ttl_seconds',
] as const;

export type PathStep = string | number;

export interface ParsedCondition {
  path: string;
  steps: PathStep[];
  op: FilterOp;
  value: JsonValue | undefined;
}

const STEP_RE = /\.([A-Za-z0-9_:$-]+)|\[(\d+)\]/y;
const ROOT_RE = /^[a-z_]+/;

/** `data.items[2].name` → ['data', 'items', 2, 'name']; INVALID_QUERY if it is not a path. */
export function parsePath(path: unknown): PathStep[] {
  if (typeof path !== 'string' || path.length === 0) {
    throw new CrosstalkError('INVALID_QUERY', `a filter path must be a non-empty string, got ${describeValue(path)}`);
  }
  const root = ROOT_RE.exec(path)?.[0];
  if (!root || !(PATH_ROOTS as readonly string[]).includes(root)) {
    throw new CrosstalkError('INVALID_QUERY', `filter path ${describeValue(path)} must start with one of ${PATH_ROOTS.join(', ')}`, {
      option: path,
    });
  }
  const steps: PathStep[] = [root];
  STEP_RE.lastIndex = root.length;
  while (STEP_RE.lastIndex < path.length) {
    const at = STEP_RE.lastIndex;
    const m = STEP_RE.exec(path);
    if (!m) {
      throw new CrosstalkError('INVALID_QUERY', `filter path ${describeValue(path)} is not a path (bad at character ${at})`, {
        option: path,
      });
    }
    steps.push(m[1] !== undefined ? m[1] : Number(m[2]));
  }
  return steps;
}

/**
 * Validates a filter table into conditions. Throws INVALID_QUERY naming the
 * path. A condition is a scalar (equality), `[op, value]` (positional, as
 * the events guide writes it: `{">=", 500}` in Lua), `[op]` for `exists`, or
 * `{op, value}`. A list or an object of any other shape is refused rather
 * than read as equality with it: `{value = 5}` (no op) or `{">", 100, 7}`
 * would otherwise match nothing, silently. Equality with a list or an
 * object is written `{op: '=', value: …}`.
 */
export function parseFilters(spec: unknown): ParsedCondition[] {
  if (spec === undefined || spec === null) return [];
  if (typeof spec !== 'object' || Array.isArray(spec)) {
    throw new CrosstalkError('INVALID_QUERY', `filters must be a table of path → condition, got ${describeValue(spec)}`);
  }
  const out: ParsedCondition[] = [];
  for (const [path, cond] of Object.entries(spec as Record<string, unknown>)) {
    const steps = parsePath(path);
    const { op, value } = conditionOf(path, cond);
    checkOperand(path, op, value);
    out.push({ path, steps, op, value: value as JsonValue | undefined });
  }
  return out;
}

const SHAPES = '[op, value], {op, value} or a plain value (equality)';

/** One condition's op and operand, from any of the accepted shapes. */
function conditionOf(path: string, cond: unknown): { op: FilterOp; value: unknown } {
  const bad = (why: string) => new CrosstalkError('INVALID_QUERY', `filter on ${path}: ${why}`, { option: path });
  const checkOp = (op: unknown): FilterOp => {
    if (typeof op !== 'string' || !(FILTER_OPS as readonly string[]).includes(op)) {
      throw bad(`unknown op ${describeValue(op)}; ops are ${FILTER_OPS.join(' ')}`);
    }
    return op as FilterOp;
  };
  if (cond === null || typeof cond !== 'object') return { op: '=', value: cond };
  if (Array.isArray(cond)) {
    if (cond.length === 2 && (FILTER_OPS as readonly unknown[]).includes(cond[0])) return { op: cond[0] as FilterOp, value: cond[1] };
    if (cond.length === 1 && cond[0] === 'exists') return { op: 'exists', value: undefined };
    throw bad(
      `a list is a condition [op, value], got ${describeValue(cond)}; equality with a list is {op: "=", value: [...]} (in Lua {op = "=", value = {...}})`,
    );
  }
  const keys = Object.keys(cond);
  if (!keys.includes('op')) {
    throw bad(`a condition is ${SHAPES}, got an object without op; equality with an object is {op: "=", value: {...}}`);
  }
  const unknown = keys.find((k) => k !== 'op' && k !== 'value');
  if (unknown !== undefined) throw bad(`unknown key ${describeValue(unknown)} (use {op, value})`);
  const c = cond as { op: unknown; value?: unknown };
  return { op: checkOp(c.op), value: c.value };
}

function checkOperand(path: string, op: FilterOp, value: unknown): void {
  const bad = (why: string) => new CrosstalkError('INVALID_QUERY', `filter on ${path} (${op}): ${why}`, { option: path });
  switch (op) {
    case 'exists':
      if (value !== undefined && typeof value !== 'boolean') throw bad(`value must be true or false, got ${describeValue(value)}`);
      return;
    case 'in':
      if (!Array.isArray(value)) throw bad(`value must be a list, got ${describeValue(value)}`);
      return;
    case 'matches':
      if (typeof value !== 'string') throw bad(`value must be a pattern string, got ${describeValue(value)}`);
      compilePattern(value);
      return;
    case '<':
    case '<=':
    case '>':
    case '>=':
      if (typeof value === 'number' ? !Number.isFinite(value) : typeof value !== 'string') {
        throw bad(`value must be a finite number or a string, got ${describeValue(value)}`);
      }
      return;
    default:
      if (value === undefined) throw bad('value is missing');
      if (typeof value === 'number' && !Number.isFinite(value)) throw bad(`value must be finite, got ${value}`);
  }
}

export function readPath(event: UniversalEvent, steps: readonly PathStep[]): unknown {
  let v: unknown = event;
  for (const s of steps) {
    if (v === null || typeof v !== 'object') return undefined;
    // Only the JSON's own members: an array by [index], an object by own key.
    // Inherited members (`data.constructor`, `metadata.toString`, an array's
    // `length`) used to be read here, so `exists` held for them; the SQL
    // translation (json_extract) finds nothing there, and neither must this.
    if (Array.isArray(v) ? typeof s !== 'number' : typeof s !== 'string' || !Object.hasOwn(v, s)) return undefined;
    v = (v as Record<string | number, unknown>)[s];
  }
  return v;
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => jsonEqual((a as never)[k], (b as never)[k]));
}

function compare(actual: unknown, value: unknown): number | null {
  if (typeof actual === 'number' && typeof value === 'number') return actual - value;
  if (typeof actual === 'string' && typeof value === 'string') return actual < value ? -1 : actual > value ? 1 : 0;
  return null;
}

export function testCondition(c: ParsedCondition, event: UniversalEvent): boolean {
  const actual = readPath(event, c.steps);
  switch (c.op) {
    case '=':
      return jsonEqual(actual, c.value);
    case '!=':
      return actual !== undefined && !jsonEqual(actual, c.value);
    case '<': {
      const r = compare(actual, c.value);
      return r !== null && r < 0;
    }
    case '<=': {
      const r = compare(actual, c.value);
      return r !== null && r <= 0;
    }
    case '>': {
      const r = compare(actual, c.value);
      return r !== null && r > 0;
    }
    case '>=': {
      const r = compare(actual, c.value);
      return r !== null && r >= 0;
    }
    case 'in':
      return (c.value as JsonValue[]).some((x) => jsonEqual(actual, x));
    case 'contains':
      if (typeof actual === 'string') return typeof c.value === 'string' && actual.includes(c.value);
      if (Array.isArray(actual)) return actual.some((x) => jsonEqual(x, c.value));
      return false;
    case 'exists':
      return (actual !== undefined) === (c.value !== false);
    case 'matches':
      return typeof actual === 'string' && compilePattern(c.value).test(actual);
  }
}

/** Compiles a filter table into a predicate (all conditions must hold). */
export function compileFilter(spec: unknown): (event: UniversalEvent) => boolean {
  const conds = parseFilters(spec);
  if (conds.length === 0) return () => true;
  return (event) => {
    for (const c of conds) if (!testCondition(c, event)) return false;
    return true;
  };
}
