/**
 * The pattern grammar (docs/event-api.md "Patterns") checked against picomatch as the reference:
 * a type's segments become path segments ('.' → '/'), and a pattern is
 * rendered with '/' between segments.
 *
 * picomatch options: `dot: true` (no segment is hidden), `nonegate` and
 * `noextglob` (a leading '!' and `@(..)` forms are not ours), `posix: true`
 * (without it picomatch 4 reads `[!a]` as the set {'!', 'a'}, not as a
 * negation), `windows: false`.
 * Where picomatch's own rules differ from docs/event-api.md "Patterns", the reference side is
 * adjusted (grammar.ts renderReference); these are picomatch quirks, not
 * crosstalk choices:
 * - braces spanning segments are expanded before picomatch sees them, as a
 *   shell would: inside its regex group picomatch's `**` cannot match zero
 *   segments and its `*` can match an empty segment;
 * - each `**` is also tried as zero segments: picomatch's trailing `/**`
 *   matches zero segments after `a` but not after `*` or `a*`;
 * - an escaped letter or digit (`\b`) is that character for crosstalk;
 *   picomatch passes it to its regex (`\b` is a word boundary), so the
 *   reference side gets such characters unescaped.
 * Not generated here, and tested in pattern.test.ts:
 * - `{a}` (one alternative) is `a` for crosstalk, the literal text `{a}` for picomatch;
 * - `a**` and `***` are INVALID_PATTERN for crosstalk, a plain `*` for picomatch;
 * - unbalanced `[`, `{`, `}` are INVALID_PATTERN for crosstalk, literal text for picomatch.
 * Agreed by both: `a\.b` (an escaped dot) is a literal '.' inside one segment
 * and matches no type; `**` at the start, middle or end matches zero or more
 * segments (`agent.**` matches `agent`).
 */
import fc from 'fast-check';
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { compilePattern, CrosstalkError, isValidEventType } from '../../src/index.js';
import { alternativeSource } from '../../src/internal.js';
import { eventType, instantiate, patternTree, render, renderReference } from './grammar.js';

const PM_OPTIONS = { dot: true, nonegate: true, noextglob: true, posix: true, windows: false } as const;
// CROSSTALK_FC_RUNS raises the run count for a deeper search (e.g. 5000)
const RUNS = Number(process.env.CROSSTALK_FC_RUNS ?? 400);

const toPath = (t: string) => t.split('.').join('/');

describe('pattern grammar against picomatch', () => {
  it('every generated pattern compiles', () => {
    fc.assert(
      fc.property(patternTree, (tree) => {
        expect(() => compilePattern(render(tree, '.'))).not.toThrow();
      }),
      { numRuns: RUNS },
    );
  });

  it('test() agrees with picomatch on random types', () => {
    fc.assert(
      fc.property(patternTree, fc.array(eventType, { minLength: 1, maxLength: 25 }), (tree, types) => {
        const ours = compilePattern(render(tree, '.'));
        const refs = renderReference(tree).map((p) => picomatch(p, PM_OPTIONS));
        for (const t of types) {
          expect({ t, match: ours.test(t) }).toEqual({ t, match: refs.some((ref) => ref(toPath(t))) });
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('a type built to match the pattern matches in both', () => {
    let built = 0;
    fc.assert(
      fc.property(patternTree, fc.integer({ min: 1, max: 2 ** 31 - 1 }), (tree, seed) => {
        const t = instantiate(tree, seed);
        fc.pre(t !== null && isValidEventType(t));
        built++;
        const p = render(tree, '.');
        expect({ p, t, match: compilePattern(p).test(t) }).toEqual({ p, t, match: true });
        expect(renderReference(tree).some((ref) => picomatch.isMatch(toPath(t), ref, PM_OPTIONS))).toBe(true);
      }),
      { numRuns: RUNS },
    );
    // the generator must actually produce positive cases
    expect(built).toBeGreaterThan(RUNS / 2);
  });

  it('agrees with picomatch on the forms docs/event-api.md "Patterns" names', () => {
    const cases: [string, string][] = [
      ['agent.**', 'agent'],
      ['agent.**', 'agent.a.b'],
      ['**.error', 'error'],
      ['**.error', 'a.b.error'],
      ['a.**.b', 'a.b'],
      ['a.**.**.b', 'a.x.y.b'],
      ['**', 'a.b.c'],
      ['a.*', 'a'],
      ['exec*', 'execute'],
      ['a[!b]c', 'a.c'],
      ['{a,b.c}.d', 'b.c.d'],
      ['x{a.b,c}y', 'xa.by'],
      ['x{,a}', 'x'],
      ['A.*', 'a.b'],
    ];
    for (const [p, t] of cases) {
      expect({ p, t, m: compilePattern(p).test(t) }).toEqual({ p, t, m: picomatch.isMatch(toPath(t), toPath(p), PM_OPTIONS) });
    }
  });
});

describe('in-segment globs with many stars, against picomatch', () => {
  // long runs of few letters are where a wrong "leftmost run" would show:
  // every star has many places to stop, and only some of them work
  const unit = fc.constantFrom('a', 'b', '?', '[ab]', '[!a]', '*');
  const glob = fc
    .array(unit, { minLength: 1, maxLength: 14 })
    .map((us) => us.filter((u, i) => !(u === '*' && us[i - 1] === '*')).join(''))
    .filter((g) => g !== '*');
  const segment = fc.string({ unit: fc.constantFrom('a', 'b'), minLength: 1, maxLength: 40 });

  it('match exactly the segments picomatch matches', () => {
    fc.assert(
      fc.property(glob, fc.array(segment, { minLength: 1, maxLength: 20 }), (g, segs) => {
        const ours = compilePattern(`x.${g}`);
        const ref = picomatch(`x/${g}`, PM_OPTIONS);
        for (const t of segs) expect({ g, t, match: ours.test(`x.${t}`) }).toEqual({ g, t, match: ref(`x/${t}`) });
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

describe('alternativeSource', () => {
  const sourceOf = (c: ReturnType<typeof compilePattern>) => c.alternatives.map((a) => compilePattern(alternativeSource(a)));

  it('writes each alternative back as a brace-free pattern that matches what it matches', () => {
    fc.assert(
      fc.property(patternTree, fc.array(eventType, { minLength: 1, maxLength: 20 }), fc.integer({ min: 1 }), (tree, types, seed) => {
        const c = compilePattern(render(tree, '.'));
        const alts = sourceOf(c);
        for (const a of alts) expect(a.alternatives.length).toBe(1);
        const built = instantiate(tree, seed);
        if (built !== null && isValidEventType(built)) types.push(built);
        for (const t of types) {
          expect({ t, alt: alts.some((a) => a.test(t)) }).toEqual({ t, alt: c.test(t) });
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('handles globstars, escapes and classes', () => {
    const rows: [string, string, boolean][] = [
      ['**', 'a.b.c', true],
      ['**.a', 'x.y.a', true],
      ['a.**.b', 'a.b', true],
      ['a\\.b', 'a.b', false],
      ['a\\*', 'a*', true],
      ['a\\*', 'ab', false],
      ['[!a-c\\]]x', 'dx', true],
      ['[!a-c\\]]x', ']x', false],
      ['[-a]?', '-z', true],
      ['x\\{y\\}', 'x{y}', true],
    ];
    for (const [p, t, m] of rows) {
      const [again] = sourceOf(compilePattern(p));
      expect({ p, t, test: compilePattern(p).test(t), again: again!.test(t) }).toEqual({ p, t, test: m, again: m });
    }
  });
});

describe('invalid patterns', () => {
  const PATTERN_CHARS = ['a', 'b', '.', '*', '?', '[', ']', '{', '}', ',', '!', '-', '\\', '^', ':'];

  function compilesOrInvalid(p: unknown): void {
    try {
      const c = compilePattern(p);
      // a pattern that compiles must also test and convert without throwing
      c.test('a.b');
      for (const a of c.alternatives) compilePattern(alternativeSource(a));
    } catch (e) {
      expect(e).toBeInstanceOf(CrosstalkError);
      expect((e as CrosstalkError).code).toBe('INVALID_PATTERN');
    }
  }

  it('fuzz: a string of grammar characters compiles or throws INVALID_PATTERN', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...PATTERN_CHARS), maxLength: 40 }), compilesOrInvalid),
      { numRuns: 3000 },
    );
  });

  it('fuzz: any string compiles or throws INVALID_PATTERN', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), compilesOrInvalid), { numRuns: 1000 });
  });

  it('fuzz: any value compiles or throws INVALID_PATTERN', () => {
    fc.assert(fc.property(fc.anything(), compilesOrInvalid), { numRuns: 500 });
  });

  it('fuzz: damaging a valid pattern compiles or throws INVALID_PATTERN', () => {
    fc.assert(
      fc.property(patternTree, fc.nat(), fc.constantFrom(...PATTERN_CHARS, ''), (tree, at, c) => {
        const p = render(tree, '.');
        const i = at % (p.length + 1);
        compilesOrInvalid(p.slice(0, i) + c + p.slice(i + 1));
      }),
      { numRuns: 1500 },
    );
  });
});
