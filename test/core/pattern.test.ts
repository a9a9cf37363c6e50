/**
 * The pattern grammar (docs/event-api.md "Patterns") by example: each wildcard rule, the parsing
 * corners, and every way a pattern is INVALID_PATTERN.
 */
import { describe, expect, it } from 'vitest';
import { compilePattern, CrosstalkError, isValidPattern, matchPattern } from '../../src/index.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return e instanceof CrosstalkError ? e.code : `not a CrosstalkError: ${String(e)}`;
  }
  return 'no error';
}

describe('matching', () => {
  const rows: [string, string, boolean][] = [
    // docs/event-api.md "Patterns" examples
    ['agent.*', 'agent.started', true],
    ['agent.*', 'agent.execution.started', false],
    ['agent.**', 'agent', true],
    ['agent.**', 'agent.error', true],
    ['agent.**', 'agent.a.b', true],
    ['exec*', 'execute', true],
    ['**.error', 'error', true],
    ['**.error', 'a.b.error', true],
    ['agent.?.started', 'agent.1.started', true],
    ['{agent,tool}.started', 'agent.started', true],
    ['{agent,tool}.started', 'tool.started', true],
    // whole-type, case-sensitive
    ['agent', 'agent.started', false],
    ['started', 'agent.started', false],
    ['Agent.*', 'agent.x', false],
    ['agent.*', 'AGENT.x', false],
    // `*` is exactly one segment, never zero
    ['agent.*', 'agent', false],
    ['*', 'a', true],
    ['*', 'a.b', false],
    ['*.*', 'a.b', true],
    // `*` inside a segment never crosses a dot
    ['a*', 'a.b', false],
    ['*b', 'a.b', false],
    ['a*b', 'ab', true],
    ['a*b', 'a-x-b', true],
    ['a*b*c', 'abxbc', true],
    // `?` is exactly one character of a segment
    ['a?', 'a', false],
    ['a?', 'ab', true],
    ['a?', 'abc', false],
    ['a?b', 'a.b', false],
    // classes
    ['[abc]x', 'bx', true],
    ['[abc]x', 'dx', false],
    ['[a-c]1', 'c1', true],
    ['[a-c]1', 'C1', false],
    ['[!ab]', 'c', true],
    ['[!ab]', 'a', false],
    ['a[!b]c', 'a.c', false],
    ['[]]', 'a', false],
    ['[!]]', 'a', true],
    ['[a-]', '-', true],
    ['[:_]x', ':x', true],
    // braces: dots inside alternatives, nesting, empty alternatives
    ['{a.b,c}.d', 'a.b.d', true],
    ['{a.b,c}.d', 'c.d', true],
    ['{a.b,c}.d', 'a.d', false],
    ['x{a.b,c}y', 'xa.by', true],
    ['x{a.b,c}y', 'xcy', true],
    ['{a,{b,c}.d}', 'c.d', true],
    ['x{,y}', 'x', true],
    ['x{,y}', 'xy', true],
    ['a{,.b}', 'a.b', true],
    ['{a}', 'a', true],
    ['{*,b}.c', 'z.c', true],
    ['{**,b}.c', 'c', true],
    // globstar
    ['**', 'a', true],
    ['**', 'a.b.c.d', true],
    ['a.**.b', 'a.b', true],
    ['a.**.b', 'a.x.y.z.b', true],
    ['a.**.b', 'a.x.y.z', false],
    ['**.**', 'a', true],
    ['a.**.**', 'a', true],
    ['**.a.**', 'x.a.y', true],
    ['**.a.**', 'x.b.y', false],
    ['*.**', 'a', true],
    ['*.**.*', 'a', false],
    ['*.**.*', 'a.b', true],
    // escapes
    ['\\a', 'a', true],
    ['a\\-b', 'a-b', true],
    ['a\\*', 'ab', false],
    ['\\*', 'a', false],
    ['a\\.b', 'a.b', false],
    ['{a\\.b,x*}', 'a.b', false],
    ['\\{a,b\\}', 'a', false],
    // type characters
    ['user:*', 'user:created', true],
    ['user:*', 'user.created', false],
    ['user:*.x', 'user:created.x', true],
    ['svc-*.up', 'svc-1.up', true],
    ['_*', '_private', true],
  ];
  it.each(rows)('%s against %s is %s', (p, t, m) => {
    expect(compilePattern(p).test(t)).toBe(m);
    expect(matchPattern(p, t)).toBe(m);
  });

  it('reports plain patterns as exact types, and only those', () => {
    expect(compilePattern('a.b').exact).toEqual(['a.b']);
    expect(compilePattern('{agent,tool}.started').exact).toEqual(['agent.started', 'tool.started']);
    expect(compilePattern('{a,a}.b').exact).toEqual(['a.b']);
    expect(compilePattern('\\a.b').exact).toEqual(['a.b']);
    expect(compilePattern('a.*').exact).toBeNull();
    expect(compilePattern('{a,b*}').exact).toBeNull();
    // an escaped dot is not a separator: this is not the exact type `a.b`
    expect(compilePattern('a\\.b').exact).toBeNull();
  });

  it('merges adjacent globstars', () => {
    expect(compilePattern('a.**.**.**.b').alternatives[0]!.map((s) => s.kind)).toEqual(['literal', 'globstar', 'literal']);
  });

  it('expands up to 256 brace alternatives', () => {
    const p = Array.from({ length: 8 }, () => '{a,b}').join('.');
    const c = compilePattern(p);
    expect(c.alternatives).toHaveLength(256);
    expect(c.test('a.b.a.b.b.b.a.a')).toBe(true);
    expect(c.test('a.b.a.b.b.b.a.c')).toBe(false);
  });

  it('accepts a pattern of exactly 255 characters', () => {
    const p = `${'a'.repeat(253)}.*`;
    expect(p).toHaveLength(255);
    expect(compilePattern(p).test(`${'a'.repeat(253)}.b`)).toBe(true);
  });
});

describe('INVALID_PATTERN', () => {
  const bad: [string, unknown][] = [
    ['empty', ''],
    ['unbalanced [', '['],
    ['unbalanced [ after text', 'a.b['],
    ['unclosed class', '[abc'],
    ['unclosed negated class', '[!'],
    ['class holding only ]', '[]'],
    ['unbalanced {', '{a,b'],
    ['lone {', 'a.{'],
    ['unbalanced }', 'a}'],
    ['lone }', '}'],
    ['nested unbalanced {', '{a,{b,c}'],
    ['leading dot', '.a'],
    ['trailing dot', 'a.'],
    ['doubled dot', 'a..b'],
    ['only a dot', '.'],
    ['empty segment from braces', 'a.{,b}'],
    ['all-empty braces', '{,}'],
    ['***', '***'],
    ['*** in the middle', 'a.***.b'],
    ['a**', 'a**'],
    ['**a', '**a'],
    ['a**b', 'a**b'],
    ['** glued by braces', 'a{**,b}'],
    ['reversed range', '[z-a]'],
    ['trailing backslash', 'a\\'],
    ['256 characters', 'a'.repeat(256)],
    ['a huge pattern', 'a.'.repeat(100_000) + 'a'],
    ['512 brace alternatives', Array.from({ length: 9 }, () => '{a,b}').join('.')],
    ['brace explosion inside one segment', '{a,b}'.repeat(40)],
    ['nested brace explosion', `{${Array.from({ length: 20 }, () => '{a,b}').join('')},c}`],
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
    ['an object', { pattern: 'a' }],
    ['an array', ['a']],
    ['a function', () => 'a'],
    ['a symbol', Symbol('a')],
  ];
  it.each(bad)('%s', (_name, p) => {
    expect(codeOf(() => compilePattern(p))).toBe('INVALID_PATTERN');
    expect(isValidPattern(p)).toBe(false);
  });

  it('names the pattern in the error', () => {
    try {
      compilePattern('a.[b');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CrosstalkError);
      expect((e as CrosstalkError).pattern).toBe('a.[b');
      expect((e as CrosstalkError).message).toMatch(/unbalanced '\['/);
    }
  });

  it('fails the same way the second time (errors are not cached as successes)', () => {
    expect(codeOf(() => compilePattern('a..b'))).toBe('INVALID_PATTERN');
    expect(codeOf(() => compilePattern('a..b'))).toBe('INVALID_PATTERN');
  });
});
