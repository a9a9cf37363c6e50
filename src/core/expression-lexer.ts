/**
 * Tokens of the filter expression language (docs/persistence.md "Filter expressions"),
 * each with the 1-based column where it starts, so that every error can
 * point at the mistake.
 */
import { CrosstalkError } from './errors.js';
import { DURATION_MS } from './time.js';

export type Token =
  /** a word: a keyword (AND, LIKE, now, …) or a field path (`data.items[2].name`) */
  | { t: 'word'; text: string; col: number }
  | { t: 'string'; value: string; col: number }
  | { t: 'number'; value: number; col: number }
  /** a number with a unit: `15m`, `2h`, `7d` */
  | { t: 'duration'; ms: number; text: string; col: number }
  /** = == != <> < <= > >= */
  | { t: 'op'; text: string; col: number }
  | { t: '(' | ')' | '[' | ']' | ',' | '+' | '-'; col: number }
  | { t: 'end'; col: number };

/** The longest expression accepted: a guard for what a user can type, not a design limit. */
export const MAX_EXPRESSION_LENGTH = 16_384;

export function expressionError(why: string, col: number): CrosstalkError {
  return new CrosstalkError('INVALID_QUERY', `where: ${why} at column ${col}`, { option: 'where', column: col });
}

// A root and its steps, as core/filter.ts reads a path; keys may hold - : $
const WORD_RE = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_:$-]+|\[\d+\])*/y;
const NUMBER_RE = /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const UNIT_RE = /[A-Za-z]+/y;
const OP_RE = /==|!=|<>|<=|>=|=|<|>/y;
const PUNCTUATION = '()[],+-';

export function tokenize(text: string): Token[] {
  if (text.length > MAX_EXPRESSION_LENGTH) {
    throw new CrosstalkError('INVALID_QUERY', `where: the expression is ${text.length} characters; the limit is ${MAX_EXPRESSION_LENGTH}`, {
      option: 'where',
    });
  }
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const col = i + 1;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      const [value, end] = readString(text, i);
      out.push({ t: 'string', value, col });
      i = end;
      continue;
    }
    if (PUNCTUATION.includes(c)) {
      out.push({ t: c as '(' | ')' | '[' | ']' | ',' | '+' | '-', col });
      i++;
      continue;
    }
    OP_RE.lastIndex = i;
    const op = OP_RE.exec(text);
    if (op) {
      out.push({ t: 'op', text: op[0], col });
      i += op[0].length;
      continue;
    }
    NUMBER_RE.lastIndex = i;
    const num = NUMBER_RE.exec(text);
    if (num) {
      i += num[0].length;
      UNIT_RE.lastIndex = i;
      const unit = UNIT_RE.exec(text);
      if (unit) {
        const per = DURATION_MS[unit[0]];
        if (per === undefined) throw expressionError(`${JSON.stringify(num[0] + unit[0])} is not a number or a duration (units: ms s m h d w y)`, col);
        out.push({ t: 'duration', ms: Number(num[0]) * per, text: num[0] + unit[0], col });
        i += unit[0].length;
      } else out.push({ t: 'number', value: Number(num[0]), col });
      continue;
    }
    WORD_RE.lastIndex = i;
    const word = WORD_RE.exec(text);
    if (word) {
      out.push({ t: 'word', text: word[0], col });
      i += word[0].length;
      // a path cut short by a character no key may hold: say so here, not as "unexpected"
      if (i < text.length && (text[i] === '.' || text[i] === '[')) {
        throw expressionError(`${JSON.stringify(word[0] + text[i])}… is not a path (a key is letters, digits, _ - : $; an index is [digits])`, col);
      }
      continue;
    }
    throw expressionError(`unexpected character ${JSON.stringify(c)}`, col);
  }
  out.push({ t: 'end', col: text.length + 1 });
  return out;
}

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '/': '/' };

/** A quoted string from `start` (its quote): backslash escapes, and a doubled quote for itself (SQL's ''). */
function readString(text: string, start: number): [string, number] {
  const quote = text[start]!;
  let out = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i]!;
    if (c === quote) {
      if (text[i + 1] === quote) {
        out += quote;
        i += 2;
        continue;
      }
      return [out, i + 1];
    }
    if (c === '\\') {
      const n = text[i + 1];
      if (n === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
        out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
        i += 6;
        continue;
      }
      const esc = n === undefined ? undefined : ESCAPES[n];
      if (esc === undefined) throw expressionError(`unknown escape \\${n ?? ''} in a string (use \\\\ \\' \\" \\n \\t \\uXXXX)`, i + 1);
      out += esc;
      i += 2;
      continue;
    }
    out += c;
    i++;
  }
  throw expressionError(`unterminated string (no closing ${quote})`, start + 1);
}
