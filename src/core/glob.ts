/**
 * One in-segment glob (`exec*`, `v?`, `[a-c]x*y`) of the pattern grammar
 * (docs/event-api.md "Patterns"), matched in linear time.
 *
 * A glob is runs of units (a character, `?`, a class) separated by `*`. It
 * matches a segment when the first run matches at its start, the last run at
 * its end, and each run between is found left to right, at the leftmost place
 * after the run before it. The leftmost place is always the right one: a
 * later place leaves less room for the runs after it and gains nothing, since
 * a `*` takes any characters. So nothing is ever retried, and a test costs at
 * most (segment length × glob length) unit comparisons. A backtracking regular
 * expression for the same glob can take exponential time
 * (`*a*a*a*a*a*a*a*a*a*a*a*a*a*ab*` against 200 `a`s ran for minutes).
 */

/** What the pattern parser hands over for one segment (no dots in it). */
export type GlobToken =
  | { readonly t: 'char'; readonly c: string }
  | { readonly t: 'any' }
  | { readonly t: 'star' }
  /** `[...]`: inclusive code-unit ranges as [lo, hi, lo, hi, …] */
  | { readonly t: 'class'; readonly negate: boolean; readonly ranges: readonly number[] };

/**
 * What every segment a glob matches has: a length in [min, max] and a literal
 * prefix and suffix. Checking it first rules out most segments cheaply.
 */
export interface GlobHint {
  readonly min: number;
  readonly max: number;
  readonly prefix: string;
  readonly suffix: string;
}

const DOT = 46;
/** unit codes: a character is its code unit (>= 0); `?` is ANY; class k is -2 - k */
const ANY = -1;

/** Characters that mean something in a pattern; they are escaped when a glob is written back. */
const SPECIAL = /[\\*?[\]{},.!^-]/;

export class SegmentGlob implements GlobHint {
  readonly min: number;
  readonly max: number;
  readonly prefix: string;
  readonly suffix: string;
  /** the glob written back in the pattern grammar: equal sources match the same segments */
  readonly source: string;
  /** every unit, stars left out */
  private readonly units: Int32Array;
  /** run k is units[cuts[k] .. cuts[k + 1]); one run means no star */
  private readonly cuts: Int32Array;
  private readonly classes: { negate: boolean; ranges: readonly number[] }[] = [];
  /** the hint decides alone: characters only, at most one star */
  readonly hintDecides: boolean;

  constructor(tokens: readonly GlobToken[]) {
    const units: number[] = [];
    const cuts = [0];
    let source = '';
    let onlyChars = true;
    for (const tok of tokens) {
      switch (tok.t) {
        case 'star':
          cuts.push(units.length);
          source += '*';
          break;
        case 'char':
          units.push(tok.c.charCodeAt(0));
          source += escapeChar(tok.c);
          break;
        case 'any':
          units.push(ANY);
          source += '?';
          onlyChars = false;
          break;
        case 'class':
          units.push(-2 - this.classes.length);
          this.classes.push({ negate: tok.negate, ranges: tok.ranges });
          source += classSource(tok.negate, tok.ranges);
          onlyChars = false;
          break;
      }
    }
    cuts.push(units.length);
    this.units = Int32Array.from(units);
    this.cuts = Int32Array.from(cuts);
    this.source = source;
    const runs = cuts.length - 1;
    this.min = units.length;
    this.max = runs > 1 ? Infinity : units.length;
    this.prefix = leadingChars(tokens);
    this.suffix = leadingChars([...tokens].reverse()).split('').reverse().join('');
    this.hintDecides = onlyChars && runs <= 2;
  }

  /** Does the glob match `s.slice(from, to)` (a segment: no dots)? */
  test(s: string, from = 0, to = s.length): boolean {
    const n = to - from;
    if (n < this.min || n > this.max) return false;
    const cuts = this.cuts;
    const last = cuts.length - 2;
    if (last === 0) return this.runAt(0, s, from);
    // the first run at the start, the last at the end
    if (!this.runAt(0, s, from)) return false;
    const lastLength = cuts[last + 1]! - cuts[last]!;
    if (!this.runAt(last, s, to - lastLength)) return false;
    // the runs between, each at its leftmost place
    let at = from + cuts[1]!;
    const end = to - lastLength;
    for (let k = 1; k < last; k++) {
      const length = cuts[k + 1]! - cuts[k]!;
      let found = false;
      for (; at + length <= end; at++) {
        if (this.runAt(k, s, at)) {
          found = true;
          break;
        }
      }
      if (!found) return false;
      at += length;
    }
    return true;
  }

  /** Does run k match s from `at` on? */
  private runAt(k: number, s: string, at: number): boolean {
    const units = this.units;
    for (let u = this.cuts[k]!, end = this.cuts[k + 1]!; u < end; u++, at++) {
      const code = units[u]!;
      const c = s.charCodeAt(at);
      if (code >= 0) {
        if (code !== c) return false;
      } else if (c === DOT || (code !== ANY && !this.inClass(-2 - code, c))) return false;
    }
    return true;
  }

  private inClass(k: number, c: number): boolean {
    const { negate, ranges } = this.classes[k]!;
    for (let i = 0; i < ranges.length; i += 2) if (c >= ranges[i]! && c <= ranges[i + 1]!) return !negate;
    return negate;
  }
}

function leadingChars(tokens: readonly GlobToken[]): string {
  let out = '';
  for (const tok of tokens) {
    if (tok.t !== 'char') break;
    out += tok.c;
  }
  return out;
}

/** A character as pattern text: escaped when it means something in the grammar. */
export function escapeChar(c: string): string {
  return SPECIAL.test(c) ? `\\${c}` : c;
}

function classSource(negate: boolean, ranges: readonly number[]): string {
  let body = '';
  for (let i = 0; i < ranges.length; i += 2) {
    const lo = String.fromCharCode(ranges[i]!);
    const hi = String.fromCharCode(ranges[i + 1]!);
    // inside a class every character is escaped, which the parser reads as itself
    body += lo === hi ? `\\${lo}` : `\\${lo}-\\${hi}`;
  }
  return `[${negate ? '!' : ''}${body}]`;
}
