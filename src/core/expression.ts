/**
 * The filter expression language (docs/persistence.md "Filter expressions"):
 *
 *   type LIKE 'pipeline.*' AND (data.duration > 1000 OR source = 'critical')
 *     AND data.message CONTAINS 'timeout'
 *
 * One parser. Its leaves are the conditions of the filter tables
 * (core/filter.ts: same paths, same ops, same semantics), plus a type
 * pattern and a time comparison, so the expression compiles to the SQL the
 * structured filters use (store/sql.ts) and to an in-memory predicate
 * (here) that the memory store, subscriptions and the JetStream reader run.
 *
 * Errors are INVALID_QUERY naming the column of the mistake.
 */
import { CrosstalkError } from './errors.js';
import type { JsonValue, UniversalEvent } from './event.js';
import { expressionError, tokenize, type Token } from './expression-lexer.js';
import { compileFilter, parseFilters, parsePath, testCondition, type ParsedCondition } from './filter.js';
import { compilePattern } from './pattern.js';
import { parseTime } from './time.js';
import type { FilterOp, FilterSpec } from './types.js';

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** A point in time: fixed (epoch ms), or relative to the moment the expression is evaluated. */
export type TimeRef = { readonly epoch: number } | { readonly fromNow: number };

export type Expression =
  | { readonly kind: 'and' | 'or'; readonly items: readonly Expression[] }
  | { readonly kind: 'not'; readonly item: Expression }
  /** a filter-table condition on one path */
  | { readonly kind: 'condition'; readonly condition: ParsedCondition }
  /** `type LIKE 'order.*'`: the event type against a pattern */
  | { readonly kind: 'type'; readonly pattern: string }
  /** `timestamp > now - 15m`: the event's time, as a time */
  | { readonly kind: 'time'; readonly op: CompareOp; readonly at: TimeRef };

/** Parentheses and NOTs nested deeper than this are refused (the parser recurses). */
export const MAX_EXPRESSION_DEPTH = 64;

/** Names the seed's configuration used, read as the fields they mean. */
const ALIASES: Readonly<Record<string, string>> = {
  type: 'event_type',
  payload: 'data',
  correlation_id: 'source.correlation_id',
};

const KEYWORDS = new Set(['and', 'or', 'not', 'like', 'matches', 'contains', 'in', 'exists', 'is', 'null', 'true', 'false', 'now']);

const OPERATORS = '=, !=, <, <=, >, >=, LIKE, CONTAINS, IN, EXISTS, IS NULL';

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly toks: Token[]) {}

  private peek(): Token {
    return this.toks[this.i]!;
  }

  private next(): Token {
    return this.toks[this.i++]!;
  }

  private isWord(word: string, tok = this.peek()): boolean {
    return tok.t === 'word' && tok.text.toLowerCase() === word;
  }

  private describe(tok: Token): string {
    switch (tok.t) {
      case 'end':
        return 'the end';
      case 'word':
        return `'${tok.text}'`;
      case 'string':
        return `the string ${JSON.stringify(tok.value)}`;
      case 'number':
        return `the number ${tok.value}`;
      case 'duration':
        return `the duration ${tok.text}`;
      case 'op':
        return `'${tok.text}'`;
      default:
        return `'${tok.t}'`;
    }
  }

  parse(): Expression {
    const x = this.or();
    const tok = this.peek();
    if (tok.t !== 'end') {
      const hint = tok.t === ')' ? ' (no ( opens it)' : ' (expected AND, OR or the end)';
      throw expressionError(`unexpected ${this.describe(tok)}${hint}`, tok.col);
    }
    return x;
  }

  private or(): Expression {
    const items = [this.and()];
    while (this.isWord('or')) {
      this.next();
      items.push(this.and());
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items: items.flatMap((x) => (x.kind === 'or' ? x.items : [x])) };
  }

  private and(): Expression {
    const items = [this.unary()];
    while (this.isWord('and')) {
      this.next();
      items.push(this.unary());
    }
    return items.length === 1 ? items[0]! : { kind: 'and', items: items.flatMap((x) => (x.kind === 'and' ? x.items : [x])) };
  }

  private nested<T>(col: number, fn: () => T): T {
    if (++this.depth > MAX_EXPRESSION_DEPTH) throw expressionError(`nested deeper than ${MAX_EXPRESSION_DEPTH} levels`, col);
    try {
      return fn();
    } finally {
      this.depth--;
    }
  }

  private unary(): Expression {
    const tok = this.peek();
    if (this.isWord('not')) {
      this.next();
      return this.nested(tok.col, () => ({ kind: 'not', item: this.unary() }));
    }
    if (tok.t === '(') {
      this.next();
      const x = this.nested(tok.col, () => this.or());
      const close = this.next();
      if (close.t !== ')') throw expressionError(`expected ')' to close the '(' at column ${tok.col}, got ${this.describe(close)}`, close.col);
      return x;
    }
    if (this.isWord('exists')) {
      this.next();
      return condition(this.field(), 'exists', true, tok.col);
    }
    return this.predicate();
  }

  /** A field path, aliases resolved. */
  private field(): string {
    const tok = this.next();
    if (tok.t !== 'word' || KEYWORDS.has(tok.text.toLowerCase())) {
      throw expressionError(`expected a field (data.…, metadata.…, type, source, timestamp, …), got ${this.describe(tok)}`, tok.col);
    }
    let path = tok.text;
    const dot = path.search(/[.[]/);
    const root = dot < 0 ? path : path.slice(0, dot);
    // `source` alone is the component (the seed's `source = 'critical'`); source.x is that key
    const alias = root === 'source' && dot < 0 ? 'source.component' : ALIASES[root];
    if (alias !== undefined) path = alias + (dot < 0 ? '' : path.slice(dot));
    try {
      parsePath(path);
      return path;
    } catch (e) {
      if (!(e instanceof CrosstalkError)) throw e;
      throw expressionError(`unknown field '${tok.text}': a field starts with data, metadata, source, type (event_type), timestamp, sequence, id, priority, version or ttl_seconds`, tok.col);
    }
  }

  private predicate(): Expression {
    const path = this.field();
    let tok = this.next();
    let negate = false;
    if (this.isWord('not', tok)) {
      negate = true;
      tok = this.next();
      if (!['like', 'matches', 'contains', 'in', 'exists'].some((w) => this.isWord(w, tok))) {
        throw expressionError(`expected LIKE, CONTAINS, IN or EXISTS after NOT, got ${this.describe(tok)}`, tok.col);
      }
    }
    const wrap = (x: Expression): Expression => (negate ? { kind: 'not', item: x } : x);
    if (tok.t === 'op') {
      const op = (tok.text === '==' ? '=' : tok.text === '<>' ? '!=' : tok.text) as CompareOp;
      if (path === 'timestamp') return this.timeComparison(op, tok);
      const v = this.value(tok);
      return condition(path, op, v.value, v.col);
    }
    if (this.isWord('like', tok) || this.isWord('matches', tok)) {
      const v = this.next();
      if (v.t !== 'string') throw expressionError(`LIKE takes a quoted pattern ('order.*'), got ${this.describe(v)}`, v.col);
      if (path === 'event_type') {
        asQuery(v.col, () => compilePattern(v.value));
        return wrap({ kind: 'type', pattern: v.value });
      }
      return wrap(condition(path, 'matches', v.value, v.col));
    }
    if (this.isWord('contains', tok)) {
      const v = this.value(tok);
      return wrap(condition(path, 'contains', v.value, v.col));
    }
    if (this.isWord('in', tok)) {
      const open = this.next();
      if (open.t !== '(' && open.t !== '[') throw expressionError(`IN takes a list: IN ('a', 'b'), got ${this.describe(open)}`, open.col);
      return wrap(condition(path, 'in', this.list(open), open.col));
    }
    if (this.isWord('exists', tok)) return wrap(condition(path, 'exists', true, tok.col));
    if (this.isWord('is', tok)) {
      const not = this.isWord('not') ? (this.next(), true) : false;
      const n = this.next();
      if (!this.isWord('null', n)) throw expressionError(`expected NULL after IS${not ? ' NOT' : ''}, got ${this.describe(n)}`, n.col);
      return condition(path, not ? '!=' : '=', null, tok.col);
    }
    throw expressionError(`expected an operator after ${path} (${OPERATORS}), got ${this.describe(tok)}`, tok.col);
  }

  /** One value after `after` (an operator or keyword): a string, number, true, false, null or a [list]. */
  private value(after: Token): { value: JsonValue; col: number } {
    const tok = this.next();
    const col = tok.col;
    switch (tok.t) {
      case 'string':
        return { value: tok.value, col };
      case 'number':
        return { value: tok.value, col };
      case '-': {
        const n = this.next();
        if (n.t !== 'number') throw expressionError(`expected a number after '-', got ${this.describe(n)}`, n.col);
        return { value: -n.value, col };
      }
      case '[':
        return { value: this.list(tok), col };
      case 'duration':
        throw expressionError(`a duration is a time only after now (timestamp > now - ${tok.text})`, col);
      case 'word': {
        const w = tok.text.toLowerCase();
        if (w === 'true') return { value: true, col };
        if (w === 'false') return { value: false, col };
        if (w === 'null') return { value: null, col };
        if (w === 'now') throw expressionError('now is a time: compare it with timestamp', col);
        throw expressionError(`expected a value after ${this.describe(after)}, got ${this.describe(tok)} (quote text: '${tok.text}'; fields are not compared with fields)`, col);
      }
      default:
        throw expressionError(`expected a value after ${this.describe(after)}, got ${this.describe(tok)}`, col);
    }
  }

  /** The items of a list opened by `open` ( `(` or `[` ), up to its closing bracket. */
  private list(open: Token): JsonValue[] {
    const close = open.t === '(' ? ')' : ']';
    const out: JsonValue[] = [];
    if (this.peek().t === close) {
      this.next();
      return out;
    }
    for (;;) {
      out.push(this.value(out.length === 0 ? open : this.toks[this.i - 1]!).value);
      const sep = this.next();
      if (sep.t === close) return out;
      if (sep.t !== ',') throw expressionError(`expected ',' or '${close}' in the list opened at column ${open.col}, got ${this.describe(sep)}`, sep.col);
    }
  }

  /** `timestamp OP time`: an ISO string, epoch ms, now, or now ± a duration. */
  private timeComparison(op: CompareOp, after: Token): Expression {
    const tok = this.next();
    if (tok.t === 'string') {
      const epoch = asQuery(tok.col, () => parseTime(tok.value, 'where'));
      return { kind: 'time', op, at: { epoch } };
    }
    if (tok.t === 'number') return { kind: 'time', op, at: { epoch: asQuery(tok.col, () => parseTime(tok.value, 'where')) } };
    if (this.isWord('now', tok)) {
      const sign = this.peek();
      if (sign.t !== '+' && sign.t !== '-') return { kind: 'time', op, at: { fromNow: 0 } };
      this.next();
      const d = this.next();
      if (d.t !== 'duration') throw expressionError(`expected a duration after now ${sign.t} (15m, 2h, 7d), got ${this.describe(d)}`, d.col);
      return { kind: 'time', op, at: { fromNow: sign.t === '-' ? -d.ms : d.ms } };
    }
    throw expressionError(
      `timestamp compares with a time: an ISO string ('2026-11-22T10:00:00Z'), epoch ms, now or now - 15m; got ${this.describe(tok)} after ${this.describe(after)}`,
      tok.col,
    );
  }
}

/** Runs `fn`; its CrosstalkError becomes INVALID_QUERY at `col`. */
function asQuery<T>(col: number, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof CrosstalkError)) throw e;
    const why = e.message.replace(/^query\.where: /, '');
    throw expressionError(why, col);
  }
}

/** A leaf through the filter tables' own validation, so both accept the same operands. */
function condition(path: string, op: FilterOp, value: JsonValue | undefined, col: number): Expression {
  const [c] = asQuery(col, () => parseFilters({ [path]: { op, value } as FilterSpec[string] }));
  return { kind: 'condition', condition: c! };
}

/** Parses an expression; INVALID_QUERY naming the column of the first mistake. */
export function parseExpression(text: unknown): Expression {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new CrosstalkError('INVALID_QUERY', `where: an expression is a non-empty string, e.g. "data.amount > 100", got ${JSON.stringify(text) ?? String(text)}`, {
      option: 'where',
    });
  }
  return new Parser(tokenize(text)).parse();
}

/** The time a reference names, `now` being the moment of evaluation. */
export function resolveTime(at: TimeRef, now: number): number {
  return 'epoch' in at ? at.epoch : now + at.fromNow;
}

function compareNumbers(op: CompareOp, a: number, b: number): boolean {
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

/**
 * An expression as a predicate. `now` anchors relative times (`now - 15m`);
 * without it they are read from the clock at each evaluation (a long-lived
 * subscription filter keeps meaning "the last 15 minutes").
 */
export function expressionPredicate(x: Expression, now?: number): (e: UniversalEvent) => boolean {
  switch (x.kind) {
    case 'and': {
      const items = x.items.map((i) => expressionPredicate(i, now));
      return (e) => items.every((p) => p(e));
    }
    case 'or': {
      const items = x.items.map((i) => expressionPredicate(i, now));
      return (e) => items.some((p) => p(e));
    }
    case 'not': {
      const item = expressionPredicate(x.item, now);
      return (e) => !item(e);
    }
    case 'condition': {
      const c = x.condition;
      return (e) => testCondition(c, e);
    }
    case 'type': {
      const cp = compilePattern(x.pattern);
      return (e) => cp.test(e.event_type);
    }
    case 'time': {
      const { op, at } = x;
      if ('epoch' in at || now !== undefined) {
        const t = resolveTime(at, now ?? 0);
        return (e) => compareNumbers(op, Date.parse(e.timestamp), t);
      }
      return (e) => compareNumbers(op, Date.parse(e.timestamp), Date.now() + at.fromNow);
    }
  }
}

/** Parses and compiles in one step. */
export function compileExpression(text: string, now?: number): (e: UniversalEvent) => boolean {
  return expressionPredicate(parseExpression(text), now);
}

/**
 * A subscription's predicate filter: an expression (a string) or a filter
 * table. Both are checked before the event is queued.
 */
export function compileSubscriptionFilter(spec: FilterSpec | string): (e: UniversalEvent) => boolean {
  return typeof spec === 'string' ? compileExpression(spec) : compileFilter(spec);
}

/**
 * Type patterns that every event the expression accepts matches, or null
 * when it accepts events of any type. Readers that can only filter by type
 * cheaply (a JetStream subject) narrow their read with it; the predicate
 * still decides.
 */
export function typePatternsOf(x: Expression): string[] | null {
  switch (x.kind) {
    case 'type':
      return [x.pattern];
    case 'condition': {
      const c = x.condition;
      if (c.path !== 'event_type') return null;
      if (c.op === '=' && typeof c.value === 'string') return [escapeType(c.value)];
      if (c.op === 'in' && Array.isArray(c.value) && c.value.every((v) => typeof v === 'string')) return (c.value as string[]).map(escapeType);
      if (c.op === 'matches' && typeof c.value === 'string') return [c.value];
      return null;
    }
    case 'and': {
      // the narrowest: the first part that constrains the type
      for (const item of x.items) {
        const p = typePatternsOf(item);
        if (p !== null) return p;
      }
      return null;
    }
    case 'or': {
      const all: string[] = [];
      for (const item of x.items) {
        const p = typePatternsOf(item);
        if (p === null) return null;
        all.push(...p);
      }
      return all;
    }
    default:
      return null;
  }
}

/** A type as a pattern matching only itself (a type holds no pattern characters but these). */
function escapeType(t: string): string {
  return t.replace(/[\\*?[\]{},]/g, '\\$&');
}
