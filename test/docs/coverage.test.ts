/**
 * Every `lua`, `js`, `ts` and `sh` block of README.md and docs/*.md is run
 * by a test. A test claims the blocks of a section by calling
 * `docSection('<heading>', {only, intro})` (test/setup/docs.ts) with the
 * heading written out; this reads those calls from the test sources, so a
 * new block in a section nobody runs, or a section a test stopped naming,
 * fails here with the file and line of the block.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allBlocks, RUNNABLE, sectionLines } from '../setup/docs.js';

const TEST = path.resolve(__dirname, '..');

interface Claim {
  test: string;
  heading: string;
  only: string[] | null;
  intro: boolean;
}

/** The `docSection(…)` calls of one test source; a call whose heading is not a literal is an error. */
export function claimsOf(test: string, source: string): Claim[] {
  const claims: Claim[] = [];
  for (const m of source.matchAll(/(?<!function )\bdocSection\(/g)) {
    const call = /^\s*(['"])(.+?)\1\s*(?:,\s*\{([^}]*)\}\s*)?\)/.exec(source.slice(m.index! + m[0].length));
    if (!call) throw new Error(`${test}: a docSection call does not name its heading as a string literal, so the coverage check cannot see what it runs`);
    const opts = call[3] ?? '';
    const only = /only:\s*\[([^\]]*)\]/.exec(opts);
    claims.push({
      test,
      heading: call[2]!,
      only: only ? [...only[1]!.matchAll(/['"](\w+)['"]/g)].map((x) => x[1]!) : null,
      intro: /intro:\s*true/.test(opts),
    });
  }
  return claims;
}

function testSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return d.name === 'fixtures' ? [] : testSources(p);
    // the helper itself and this file (whose own examples are not claims)
    return d.name.endsWith('.ts') && p !== path.join(TEST, 'setup/docs.ts') && p !== __filename ? [p] : [];
  });
}

/** The runnable blocks no claim covers, as `file:line lang (under headings)`. */
export function uncovered(claims: Claim[], blocks: ReturnType<typeof allBlocks>, lines: (c: Claim) => { file: string; from: number; to: number }): string[] {
  const ranges = claims.map((c) => ({ ...lines(c), only: c.only }));
  return blocks
    .filter((b) => b.lang === '' || (RUNNABLE as readonly string[]).includes(b.lang))
    .filter((b) => !ranges.some((r) => r.file === b.file && b.line > r.from && b.line <= r.to && (r.only === null || r.only.includes(b.lang))))
    .map((b) => `${b.file}:${b.line} ${b.lang || '(no language)'} under ${b.under.join(' > ')}`);
}

describe('documentation blocks', () => {
  const claims = testSources(TEST).flatMap((f) => claimsOf(path.relative(TEST, f), readFileSync(f, 'utf8')));

  it('every section a test names exists, once', () => {
    expect(claims.length).toBeGreaterThan(10);
    for (const c of claims) expect(() => sectionLines(c.heading, c.intro), `${c.test}: ${c.heading}`).not.toThrow();
  });

  it('every lua, js, ts and sh block of README.md and docs/*.md is run by a test', () => {
    expect(uncovered(claims, allBlocks(), (c) => sectionLines(c.heading, c.intro))).toEqual([]);
  });

  it('finds a block no test runs, and one of a language its section test leaves out', () => {
    const blocks = [
      { file: 'README.md', line: 5, lang: 'ts', under: ['# crosstalk', '## A'] },
      { file: 'README.md', line: 12, lang: 'sh', under: ['# crosstalk', '## A'] },
      { file: 'README.md', line: 14, lang: 'text', under: ['# crosstalk', '## A'] },
      { file: 'docs/b.md', line: 3, lang: 'lua', under: ['## B'] },
    ];
    const claim = claimsOf('x.test.ts', "docSection('## A', { only: ['ts'] });")[0]!;
    expect(claim).toEqual({ test: 'x.test.ts', heading: '## A', only: ['ts'], intro: false });
    expect(uncovered([claim], blocks, () => ({ file: 'README.md', from: 1, to: 20 }))).toEqual([
      'README.md:12 sh under # crosstalk > ## A',
      'docs/b.md:3 lua under ## B',
    ]);
  });

  it('refuses a call that does not name its heading', () => {
    expect(() => claimsOf('x.test.ts', 'docSection(heading)')).toThrow(/string literal/);
  });
});
