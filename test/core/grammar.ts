/**
 * fast-check generators for event types and for patterns of the docs/event-api.md "Patterns"
 * grammar. A pattern is generated as a small tree and rendered twice: with
 * '.' between segments (crosstalk) and with '/' (picomatch, the reference).
 * Every generated pattern is valid by construction.
 */
import fc from 'fast-check';

/** Type characters; a small alphabet so that patterns often match. 'A' checks case. */
export const TYPE_CHARS = ['a', 'b', 'c', '0', '1', '_', ':', '-', 'A'] as const;

export const typeSegment = fc.string({ unit: fc.constantFrom(...TYPE_CHARS), minLength: 1, maxLength: 3 });
export const eventType = fc.array(typeSegment, { minLength: 1, maxLength: 5 }).map((s) => s.join('.'));

// ---- the tree ---------------------------------------------------------------

/** One thing inside a segment. `text` is the same in both renderings. */
export type Atom =
  | { k: 'lit'; c: string }
  /** `\x`; `c` may be a character no type contains (then it never matches) */
  | { k: 'esc'; c: string }
  | { k: 'any' }
  | { k: 'star' }
  | { k: 'class'; neg: boolean; items: string[] }
  /** braces inside a segment: each option is a run of star-free atoms */
  | { k: 'ibrace'; options: Atom[][] };

export type Seg =
  | { k: 'atoms'; atoms: Atom[] }
  | { k: 'star' }
  | { k: 'globstar' }
  /** braces spanning whole segments: each option is a dotted sub-pattern */
  | { k: 'brace'; options: Seg[][] }
  /** `pre{x.y,z}post`: literal text glued to a brace of dotted options */
  | { k: 'glued'; pre: string; options: Seg[][]; post: string };

export type PatternTree = Seg[];

const litChar = fc.constantFrom('a', 'b', 'c', '0', '1', '_', ':', '-', 'A');
const lit = litChar.map((c): Atom => ({ k: 'lit', c }));
const esc = fc
  .constantFrom('a', 'b', '-', ':', '_', '1', '*', '?', '.', '[', ']', '{', '}', ',', '!')
  .map((c): Atom => ({ k: 'esc', c }));
const classItem = fc.oneof(fc.constantFrom('a', 'b', 'c', '0', '1', '_', 'A'), fc.constantFrom('a-b', 'a-c', 'b-c', '0-1', 'A-a'));
const cls = fc
  .record({ neg: fc.boolean(), items: fc.array(classItem, { minLength: 1, maxLength: 3 }) })
  .map(({ neg, items }): Atom => ({ k: 'class', neg, items }));
const simpleAtom = fc.oneof({ weight: 4, arbitrary: lit }, { weight: 1, arbitrary: esc }, { weight: 2, arbitrary: fc.constant<Atom>({ k: 'any' }) }, { weight: 2, arbitrary: cls });
const ibrace = fc
  .array(fc.array(simpleAtom, { minLength: 1, maxLength: 2 }), { minLength: 2, maxLength: 3 })
  .map((options): Atom => ({ k: 'ibrace', options }));
const atom = fc.oneof(
  { weight: 6, arbitrary: simpleAtom },
  { weight: 3, arbitrary: fc.constant<Atom>({ k: 'star' }) },
  { weight: 1, arbitrary: ibrace },
);

/** No two stars side by side (`a**` is INVALID_PATTERN, tested elsewhere). */
const atoms = fc
  .array(atom, { minLength: 1, maxLength: 4 })
  .map((as) => as.filter((a, i) => !(a.k === 'star' && as[i - 1]?.k === 'star')));

const atomSeg = atoms.map((a): Seg => ({ k: 'atoms', atoms: a }));
/** a segment that renders without stars at its edges, safe to glue text to */
const plainSeg = fc.array(simpleAtom, { minLength: 1, maxLength: 3 }).map((a): Seg => ({ k: 'atoms', atoms: a }));

const { seg } = fc.letrec<{ seg: Seg; sub: Seg[] }>((tie) => ({
  seg: fc.oneof(
    { weight: 6, arbitrary: atomSeg },
    { weight: 2, arbitrary: fc.constant<Seg>({ k: 'star' }) },
    { weight: 2, arbitrary: fc.constant<Seg>({ k: 'globstar' }) },
    {
      weight: 1,
      depthSize: 'small',
      arbitrary: fc
        .array(tie('sub') as fc.Arbitrary<Seg[]>, { minLength: 2, maxLength: 3 })
        .map((options): Seg => ({ k: 'brace', options })),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({
          pre: fc.string({ unit: litChar, maxLength: 2 }),
          options: fc.array(fc.array(plainSeg, { minLength: 1, maxLength: 2 }), { minLength: 2, maxLength: 3 }),
          post: fc.string({ unit: litChar, maxLength: 2 }),
        })
        .map((r): Seg => ({ k: 'glued', ...r })),
    },
  ),
  sub: fc.array(tie('seg') as fc.Arbitrary<Seg>, { minLength: 1, maxLength: 2 }),
}));

function atomAlternatives(as: Atom[]): number {
  let n = 1;
  for (const a of as) if (a.k === 'ibrace') n *= a.options.reduce((m, o) => m + atomAlternatives(o), 0);
  return n;
}

/** How many alternatives brace expansion makes (crosstalk allows 256). */
export function alternativeCount(tree: PatternTree): number {
  let n = 1;
  for (const s of tree) {
    if (s.k === 'atoms') n *= atomAlternatives(s.atoms);
    else if (s.k === 'brace' || s.k === 'glued') n *= s.options.reduce((m, o) => m + alternativeCount(o), 0);
  }
  return n;
}

/** Valid patterns only: at most 256 alternatives and 255 characters (the grammar's limits). */
export const patternTree: fc.Arbitrary<PatternTree> = fc
  .array(seg, { minLength: 1, maxLength: 4 })
  .filter((t) => alternativeCount(t) <= 256 && render(t, '.').length <= 255);

// ---- rendering ----------------------------------------------------------------

/**
 * `ref`: rendering for picomatch, which passes an escaped letter or digit
 * through to its regular expression (`\b` becomes a word boundary, `\1` a
 * back-reference); an escaped ordinary character is just that character, so
 * the reference gets it unescaped.
 */
function renderAtom(a: Atom, ref: boolean): string {
  switch (a.k) {
    case 'lit':
      return a.c;
    case 'esc':
      return ref && /[A-Za-z0-9]/.test(a.c) ? a.c : `\\${a.c}`;
    case 'any':
      return '?';
    case 'star':
      return '*';
    case 'class':
      return `[${a.neg ? '!' : ''}${a.items.join('')}]`;
    case 'ibrace':
      return `{${a.options.map((o) => o.map((x) => renderAtom(x, ref)).join('')).join(',')}}`;
  }
}

export function render(tree: PatternTree, sep: '.' | '/'): string {
  return tree.map((s) => renderSeg(s, sep)).join(sep);
}

function renderSeg(s: Seg, sep: '.' | '/'): string {
  switch (s.k) {
    case 'atoms':
      return s.atoms.map((x) => renderAtom(x, sep === '/')).join('');
    case 'star':
      return '*';
    case 'globstar':
      return '**';
    case 'brace':
      return `{${s.options.map((o) => render(o, sep)).join(',')}}`;
    case 'glued':
      return `${s.pre}{${s.options.map((o) => render(o, sep)).join(',')}}${s.post}`;
  }
}

/**
 * The pattern for picomatch, as a list of patterns any of which may match.
 * picomatch compiles braces to a regex group, and inside one its wildcards
 * lose their segment rules: `**` cannot match zero segments (`{a,**}/b`
 * misses `b`) and `*` can match an empty segment (written with dots,
 * `*.**.{*,*}` matches `a`). crosstalk expands braces first, as a shell does,
 * so braces that span segments are expanded here; braces inside one segment
 * are left to picomatch.
 * And picomatch's `**` at the end needs a segment after a wildcard segment
 * (`a/**` matches `a`, `*` + `/**` does not), so every `**` is also tried as
 * zero segments (removed).
 */
export function renderReference(tree: PatternTree): string[] {
  return referenceSegments(tree)
    .filter((a) => a.length > 0)
    .map((a) => a.join('/'));
}

function referenceSegments(tree: PatternTree): string[][] {
  let acc: string[][] = [[]];
  for (const s of tree) {
    if (s.k === 'brace') {
      const opts = s.options.flatMap(referenceSegments);
      acc = acc.flatMap((a) => opts.map((o) => [...a, ...o]));
    } else if (s.k === 'glued') {
      // glued options hold no `**` (see plainSeg), so none is empty
      const opts = s.options.flatMap(referenceSegments).map((o) => {
        const g = [...o];
        g[0] = s.pre + g[0];
        g[g.length - 1] = g[g.length - 1] + s.post;
        return g;
      });
      acc = acc.flatMap((a) => opts.map((o) => [...a, ...o]));
    } else if (s.k === 'globstar') {
      acc = acc.flatMap((a) => [[...a, '**'], a]);
    } else {
      const r = renderSeg(s, '/');
      acc = acc.map((a) => [...a, r]);
    }
  }
  return acc;
}

// ---- instantiation: a type the pattern should match ---------------------------

/** A tiny deterministic PRNG so instantiation is reproducible from a seed. */
export function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

const TYPE_CHAR_SET = new Set<string>(TYPE_CHARS);

function classMembers(items: string[]): string[] {
  const out: string[] = [];
  for (const it of items) {
    if (it.length === 3) {
      for (let c = it.charCodeAt(0); c <= it.charCodeAt(2); c++) out.push(String.fromCharCode(c));
    } else out.push(it);
  }
  return out;
}

/** Some text matching the atoms, or null when none can be a type's segment text. */
function instAtoms(as: Atom[], r: (n: number) => number): string | null {
  let s = '';
  for (const a of as) {
    switch (a.k) {
      case 'lit':
        s += a.c;
        break;
      case 'esc':
        if (!TYPE_CHAR_SET.has(a.c)) return null;
        s += a.c;
        break;
      case 'any':
        s += TYPE_CHARS[r(TYPE_CHARS.length)];
        break;
      case 'star':
        for (let n = r(3); n > 0; n--) s += TYPE_CHARS[r(TYPE_CHARS.length)];
        break;
      case 'class': {
        const members = classMembers(a.items).filter((c) => TYPE_CHAR_SET.has(c));
        const pool = a.neg ? TYPE_CHARS.filter((c) => !members.includes(c)) : members;
        if (pool.length === 0) return null;
        s += pool[r(pool.length)];
        break;
      }
      case 'ibrace': {
        const t = instAtoms(a.options[r(a.options.length)]!, r);
        if (t === null) return null;
        s += t;
        break;
      }
    }
  }
  return s;
}

function instSegs(tree: PatternTree, r: (n: number) => number): string[] | null {
  const out: string[] = [];
  for (const s of tree) {
    switch (s.k) {
      case 'atoms': {
        const t = instAtoms(s.atoms, r);
        if (t === null) return null;
        out.push(t);
        break;
      }
      case 'star':
        out.push(TYPE_CHARS[r(TYPE_CHARS.length)]! + (r(2) ? 'b' : ''));
        break;
      case 'globstar':
        for (let n = r(3); n > 0; n--) out.push(TYPE_CHARS[r(TYPE_CHARS.length)]!);
        break;
      case 'brace': {
        const t = instSegs(s.options[r(s.options.length)]!, r);
        if (t === null) return null;
        out.push(...t);
        break;
      }
      case 'glued': {
        const t = instSegs(s.options[r(s.options.length)]!, r);
        if (t === null) return null;
        t[0] = s.pre + t[0];
        t[t.length - 1] = t[t.length - 1] + s.post;
        out.push(...t);
        break;
      }
    }
  }
  return out;
}

/** A type the pattern matches by construction, or null (escapes of non-type characters). */
export function instantiate(tree: PatternTree, seed: number): string | null {
  const segs = instSegs(tree, rng(seed));
  if (segs === null) return null;
  const t = segs.join('.');
  // `**` alone may have produced zero segments; an empty segment is not a type
  return segs.length > 0 && segs.every((x) => x.length > 0) && t.length <= 255 ? t : null;
}
