/**
 * The pattern grammar (docs/event-api.md "Patterns"). One module serves subscriptions, queries,
 * persistence rules, filters and the CLI.
 *
 * A pattern compiles to a list of alternatives (braces are expanded, so
 * `{agent,tool}.started` becomes two alternatives); each alternative is a
 * list of segments. Expansion lets the router put brace alternatives that are
 * plain types into its O(1) exact map.
 */
import { CrosstalkError, describeValue } from './errors.js';
import { escapeChar, SegmentGlob, type GlobToken } from './glob.js';

export type { GlobHint } from './glob.js';
export { SegmentGlob } from './glob.js';

export const MAX_PATTERN_LENGTH = 255;
/** Brace expansion is bounded so `{a,b}.{a,b}...` cannot explode. */
export const MAX_ALTERNATIVES = 256;

export type Segment =
  | { readonly kind: 'literal'; readonly text: string }
  /** `*` as a whole segment: exactly one segment */
  | { readonly kind: 'star' }
  /** `**` as a whole segment: zero or more segments */
  | { readonly kind: 'globstar' }
  /** a segment with `*`, `?`, `[..]` inside (or an escaped dot): matched against one segment in linear time */
  | { readonly kind: 'glob'; readonly glob: SegmentGlob };

export interface CompiledPattern {
  readonly source: string;
  /** brace-expanded alternatives; a type matches when any alternative does */
  readonly alternatives: readonly (readonly Segment[])[];
  /** when every alternative is a plain type, those types; else null */
  readonly exact: readonly string[] | null;
  test(eventType: string): boolean;
}

// ---- tokens ---------------------------------------------------------------

type Token = GlobToken | { t: 'dot' };

type Node = Token | { t: 'alt'; options: Node[][] };

function invalid(pattern: string, why: string): CrosstalkError {
  return new CrosstalkError('INVALID_PATTERN', `invalid pattern ${describeValue(pattern)}: ${why}`, { pattern });
}

class Parser {
  i = 0;
  constructor(readonly p: string) {}

  /** sequence until end, or until `,`/`}` when inside braces */
  seq(inBraces: boolean): Node[] {
    const out: Node[] = [];
    const p = this.p;
    while (this.i < p.length) {
      const c = p[this.i]!;
      if (inBraces && (c === ',' || c === '}')) return out;
      this.i++;
      switch (c) {
        case '\\': {
          if (this.i >= p.length) throw invalid(p, 'ends with a lone backslash');
          out.push({ t: 'char', c: p[this.i++]! });
          break;
        }
        case '.':
          out.push({ t: 'dot' });
          break;
        case '*':
          out.push({ t: 'star' });
          break;
        case '?':
          out.push({ t: 'any' });
          break;
        case '[':
          out.push(this.cls());
          break;
        case '{':
          out.push(this.alt());
          break;
        case '}':
          throw invalid(p, `unbalanced '}' at ${this.i}`);
        default:
          out.push({ t: 'char', c });
      }
    }
    if (inBraces) throw invalid(p, "unbalanced '{'");
    return out;
  }

  alt(): Node {
    const start = this.i;
    const options: Node[][] = [];
    for (;;) {
      options.push(this.seq(true));
      if (this.i >= this.p.length) throw invalid(this.p, `unbalanced '{' at ${start}`);
      const c = this.p[this.i++];
      if (c === '}') return { t: 'alt', options };
    }
  }

  cls(): Token {
    const p = this.p;
    const start = this.i - 1;
    let negate = false;
    if (p[this.i] === '!' || p[this.i] === '^') {
      negate = true;
      this.i++;
    }
    const ranges: number[] = [];
    let first = true;
    for (;;) {
      if (this.i >= p.length) throw invalid(p, `unbalanced '[' at ${start}`);
      let c = p[this.i++]!;
      if (c === ']' && !first) break;
      first = false;
      if (c === '\\') {
        if (this.i >= p.length) throw invalid(p, `unbalanced '[' at ${start}`);
        c = p[this.i++]!;
      }
      let hi = c;
      if (p[this.i] === '-' && p[this.i + 1] !== undefined && p[this.i + 1] !== ']') {
        this.i++;
        hi = p[this.i++]!;
        if (hi === '\\') {
          if (this.i >= p.length) throw invalid(p, `unbalanced '[' at ${start}`);
          hi = p[this.i++]!;
        }
        if (hi < c) throw invalid(p, `range ${c}-${hi} is out of order`);
      }
      ranges.push(c.charCodeAt(0), hi.charCodeAt(0));
    }
    // A class never matches the segment separator (glob.ts checks that).
    return { t: 'class', negate, ranges };
  }
}

/** Cartesian expansion of brace groups into flat token lists. */
function expand(nodes: Node[], pattern: string): Token[][] {
  let acc: Token[][] = [[]];
  for (const n of nodes) {
    if (n.t !== 'alt') {
      for (const a of acc) a.push(n);
      continue;
    }
    const optionExpansions = n.options.flatMap((o) => expand(o, pattern));
    const next: Token[][] = [];
    for (const a of acc) {
      for (const o of optionExpansions) {
        next.push(a.concat(o));
        if (next.length > MAX_ALTERNATIVES) {
          throw invalid(pattern, `braces expand to more than ${MAX_ALTERNATIVES} alternatives`);
        }
      }
    }
    acc = next;
  }
  return acc;
}

function toSegments(tokens: Token[], pattern: string): Segment[] {
  const raw: Token[][] = [[]];
  for (const tok of tokens) {
    if (tok.t === 'dot') raw.push([]);
    else raw[raw.length - 1]!.push(tok);
  }
  const segs: Segment[] = [];
  for (const seg of raw) {
    if (seg.length === 0) throw invalid(pattern, 'empty segment (a leading, trailing or doubled dot)');
    const stars = seg.filter((x) => x.t === 'star').length;
    if (stars === seg.length) {
      if (stars === 1) segs.push({ kind: 'star' });
      else if (stars === 2) {
        // `a.**.**` is the same as `a.**`; merging keeps matching linear
        if (segs[segs.length - 1]?.kind !== 'globstar') segs.push({ kind: 'globstar' });
      } else throw invalid(pattern, `'${'*'.repeat(stars)}' is not a wildcard; use '*' or '**'`);
      continue;
    }
    for (let i = 1; i < seg.length; i++) {
      if (seg[i]!.t === 'star' && seg[i - 1]!.t === 'star') {
        throw invalid(pattern, "'**' must be a whole segment");
      }
    }
    // An escaped dot (`a\.b`) is a literal '.' inside one segment, and no
    // segment of an event type contains one: the segment matches nothing.
    // It must not become a literal, whose text is joined with '.' into an
    // exact type (that made `a\.b` match `a.b` while `{a\.b,x*}` did not);
    // as a glob it never matches, since a segment has no '.' to compare with.
    const hasDot = seg.some((x) => x.t === 'char' && x.c === '.');
    if (!hasDot && seg.every((x) => x.t === 'char')) {
      segs.push({ kind: 'literal', text: seg.map((x) => (x as { c: string }).c).join('') });
      continue;
    }
    segs.push({ kind: 'glob', glob: new SegmentGlob(seg as GlobToken[]) });
  }
  return segs;
}

/** Does `segs` match the type split into `parts`? Linear DP, no backtracking blow-up. */
export function matchSegments(segs: readonly Segment[], parts: readonly string[]): boolean {
  // fast path: no globstar means lengths must agree
  let hasGlobstar = false;
  for (const s of segs) if (s.kind === 'globstar') hasGlobstar = true;
  if (!hasGlobstar) {
    if (segs.length !== parts.length) return false;
    for (let i = 0; i < segs.length; i++) if (!segmentMatches(segs[i]!, parts[i]!)) return false;
    return true;
  }
  // dp[j]: the pattern prefix so far matches parts[0..j)
  let dp = new Uint8Array(parts.length + 1);
  dp[0] = 1;
  for (const s of segs) {
    const next = new Uint8Array(parts.length + 1);
    if (s.kind === 'globstar') {
      let reach = 0;
      for (let j = 0; j <= parts.length; j++) {
        reach |= dp[j]!;
        next[j] = reach;
      }
    } else {
      for (let j = 0; j < parts.length; j++) if (dp[j] && segmentMatches(s, parts[j]!)) next[j + 1] = 1;
    }
    dp = next;
  }
  return dp[parts.length] === 1;
}

export function segmentMatches(s: Segment, part: string): boolean {
  switch (s.kind) {
    case 'literal':
      return s.text === part;
    case 'star':
    case 'globstar':
      return true;
    case 'glob':
      return s.glob.test(part);
  }
}

class CompiledPatternImpl implements CompiledPattern {
  readonly exact: readonly string[] | null;
  constructor(
    readonly source: string,
    readonly alternatives: readonly (readonly Segment[])[],
  ) {
    const allLiteral = alternatives.every((a) => a.every((s) => s.kind === 'literal'));
    this.exact = allLiteral
      ? [...new Set(alternatives.map((a) => a.map((s) => (s as { text: string }).text).join('.')))]
      : null;
  }

  test(eventType: string): boolean {
    if (this.exact) return this.exact.includes(eventType);
    const parts = eventType.split('.');
    for (const alt of this.alternatives) if (matchSegments(alt, parts)) return true;
    return false;
  }
}

// Compiling is cheap but patterns repeat (queries, filters); keep a small cache.
const cache = new Map<string, CompiledPattern>();
const CACHE_LIMIT = 1024;

/** Compiles `pattern` or throws INVALID_PATTERN saying what is wrong. */
export function compilePattern(pattern: unknown): CompiledPattern {
  if (typeof pattern !== 'string') {
    throw new CrosstalkError('INVALID_PATTERN', `a pattern must be a string, got ${describeValue(pattern)}`);
  }
  const hit = cache.get(pattern);
  if (hit) return hit;
  if (pattern.length === 0) throw invalid(pattern, 'empty');
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new CrosstalkError(
      'INVALID_PATTERN',
      `pattern is ${pattern.length} characters; the limit is ${MAX_PATTERN_LENGTH}`,
      { pattern: pattern.slice(0, 64) },
    );
  }
  const parser = new Parser(pattern);
  const nodes = parser.seq(false);
  const alternatives = expand(nodes, pattern).map((toks) => toSegments(toks, pattern));
  const compiled = new CompiledPatternImpl(pattern, alternatives);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(pattern, compiled);
  return compiled;
}

/** True when `pattern` is valid; never throws. */
export function isValidPattern(pattern: unknown): boolean {
  try {
    compilePattern(pattern);
    return true;
  } catch {
    return false;
  }
}

/** One-off test of a pattern against a type (compiles through the cache). */
export function matchPattern(pattern: string, eventType: string): boolean {
  return compilePattern(pattern).test(eventType);
}

/**
 * One alternative written back as a pattern without braces, which compiles to
 * exactly that alternative: how a store hands one alternative to its own
 * matching function (the SQLite store's `ct_match`).
 */
export function alternativeSource(segs: readonly Segment[]): string {
  return segs
    .map((s) => {
      switch (s.kind) {
        case 'literal':
          return [...s.text].map(escapeChar).join('');
        case 'star':
          return '*';
        case 'globstar':
          return '**';
        case 'glob':
          return s.glob.source;
      }
    })
    .join('.');
}
