/**
 * Patterns → NATS subjects: a fixed table, and a property over the whole
 * pattern grammar: every type a pattern matches is delivered by at least one
 * of its subjects, judged by NATS's own matching rules (written out here,
 * apart from the code under test).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePattern, isValidEventType } from '../../src/index.js';
import { MAX_PATTERN_LENGTH } from '../../src/core/pattern.js';
import { eventSubject, patternSubjects, subjectCovers, typeOfSubject } from '../../src/transport/subjects.js';
import { eventType, instantiate, patternTree, render } from '../core/grammar.js';

/** NATS semantics: `*` is one token, `>` (last) one or more; literals are equal. */
function natsMatches(filter: string, subject: string): boolean {
  const f = filter.split('.');
  const s = subject.split('.');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (f[i] !== '*' && f[i] !== s[i]) return false;
  }
  return f.length === s.length;
}

/** A subscription subject NATS accepts: non-empty tokens, no spaces, wildcards whole, `>` last. */
function validFilter(subject: string): boolean {
  const t = subject.split('.');
  return t.every((tok, i) => tok.length > 0 && !/\s/.test(tok) && (!/[*>]/.test(tok) || tok === '*' || (tok === '>' && i === t.length - 1)));
}

const P = 'ct';
const tails = (pattern: string) => patternSubjects(P, compilePattern(pattern)).map((s) => s.slice(`${P}.*.`.length)).sort();

describe('pattern → subjects', () => {
  it.each([
    ['order.paid', ['order.paid']],
    ['order.*', ['order.*']],
    ['order.**', ['order', 'order.>']],
    ['**', ['>']],
    ['**.error', ['>']],
    ['a.**.b', ['a.>']],
    ['a.*.**', ['a.*', 'a.*.>']],
    ['exec*', ['*']],
    ['a*.b', ['*.b']],
    ['agent.?.started', ['agent.*.started']],
    ['[ab].x', ['*.x']],
    ['{agent,tool}.started', ['agent.started', 'tool.started']],
    ['{x,y}.z', ['x.z', 'y.z']],
    ['{a.*,a.b}', ['a.*']], // a.b is covered by a.*
    ['{a.**,a.b.c}', ['a', 'a.>']],
    ['a\\*.b', []], // a literal `*` is in no event type: nothing to receive
    ['a\\.b', ['*']], // an escaped dot matches nothing; the widened subject is harmless
  ])('%s → %j', (pattern, expected) => {
    expect(tails(pattern)).toEqual([...expected].sort());
  });

  it('subjects carry the prefix and a wildcard for the kind token', () => {
    expect(patternSubjects('crosstalk', compilePattern('order.*'))).toEqual(['crosstalk.*.order.*']);
    expect(eventSubject('crosstalk', 'order.paid', false)).toBe('crosstalk.e.order.paid');
    expect(eventSubject('crosstalk', 'order.paid', true)).toBe('crosstalk.p.order.paid');
    expect(natsMatches('crosstalk.*.order.*', eventSubject('crosstalk', 'order.paid', true))).toBe(true);
  });

  it('reads the event type back from a subject, and refuses subjects that are not ours', () => {
    expect(typeOfSubject('a.b', 'a.b.e.x.y')).toBe('x.y');
    expect(typeOfSubject('a.b', 'a.b.p.x')).toBe('x');
    expect(typeOfSubject('a.b', 'a.b.q.x')).toBeNull();
    expect(typeOfSubject('a.b', 'a.bx.e.x')).toBeNull();
    expect(typeOfSubject('a.b', 'a.b.e')).toBeNull();
    expect(typeOfSubject('a.b', 'x.b.e.x')).toBeNull();
  });

  it('subjectCovers follows NATS semantics', () => {
    expect(subjectCovers('a.*', 'a.b')).toBe(true);
    expect(subjectCovers('a.>', 'a.*.c')).toBe(true);
    expect(subjectCovers('a.>', 'a')).toBe(false);
    expect(subjectCovers('a.*', 'a.>')).toBe(false);
    expect(subjectCovers('a.b', 'a.*')).toBe(false);
    expect(subjectCovers('>', 'x')).toBe(true);
  });
});

describe('pattern → subjects, property', () => {
  const RUNS = Number(process.env.CROSSTALK_FC_RUNS ?? 1000);
  /** the grammar's generator can render past the 255-character limit; such a pattern is no pattern */
  const rendered = (tree: Parameters<typeof render>[0]) => {
    const p = render(tree, '.');
    fc.pre(p.length <= MAX_PATTERN_LENGTH);
    return p;
  };
  const covered = (pattern: string, type: string) => {
    const subjects = patternSubjects(P, compilePattern(pattern));
    return [true, false].every((persistent) => subjects.some((s) => natsMatches(s, eventSubject(P, type, persistent))));
  };

  it('every subject is one NATS accepts', () => {
    fc.assert(
      fc.property(patternTree, (tree) => {
        for (const s of patternSubjects(P, compilePattern(rendered(tree)))) expect(validFilter(s), s).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('a type built to match a pattern is covered by one of its subjects, of either kind', () => {
    let built = 0;
    fc.assert(
      fc.property(patternTree, fc.integer({ min: 1, max: 2 ** 31 - 1 }), (tree, seed) => {
        const t = instantiate(tree, seed);
        fc.pre(t !== null && isValidEventType(t));
        const p = rendered(tree);
        fc.pre(compilePattern(p).test(t));
        built++;
        expect({ p, t, covered: covered(p, t) }).toEqual({ p, t, covered: true });
      }),
      { numRuns: RUNS },
    );
    expect(built).toBeGreaterThan(RUNS / 2);
  });

  it('any random type a pattern matches is covered', () => {
    fc.assert(
      fc.property(patternTree, fc.array(eventType, { minLength: 1, maxLength: 20 }), (tree, types) => {
        const p = rendered(tree);
        const c = compilePattern(p);
        for (const t of types) if (c.test(t)) expect({ p, t, covered: covered(p, t) }).toEqual({ p, t, covered: true });
      }),
      { numRuns: RUNS },
    );
  });
});
