/** `crosstalk bench` refuses bad input before running anything. */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { crosstalk, ROOT } from '../setup/cli.js';

describe('crosstalk bench', () => {
  it('names an unknown suite and exits 2', async () => {
    const r = await crosstalk(['bench', 'nope']);
    expect(r.code).toBe(2);
    // every suite npm run bench runs, live and jetstream included
    const suites = readdirSync(path.join(ROOT, 'scripts/bench'))
      .filter((f) => f.endsWith('.js') && !f.startsWith('_') && !['run.js', 'lib.js'].includes(f))
      .map((f) => f.slice(0, -3))
      .sort();
    expect(suites).toEqual(expect.arrayContaining(['core', 'jetstream', 'js', 'live', 'lua', 'observe']));
    expect(r.stderr).toContain(`unknown suite "nope"; suites are ${suites.join(', ')}\n`);
  });

  it('runs a suite: --quick sizes it down, --check verifies its answers, --runs takes medians', async () => {
    const r = await crosstalk(['bench', 'patterns', '--quick', '--check', '--runs', '2'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    // --quick: the SQLite rows run over 500 events (2,000 without it)
    expect(r.stdout).toMatch(/SQLite query -t order\.\*ed over 500 events/);
    // --check: the answers are verified
    expect(r.stdout).toMatch(/check: adversarial answers\s+1\s+check\s+ok/);
    expect(r.stdout).toMatch(/check: query answers\s+1\s+check\s+ok/);
    // --runs 2: each figure is the median of two runs, both kept in the results file
    const saved = JSON.parse(readFileSync(path.join(ROOT, 'bench-results/latest.json'), 'utf8')) as { rows: { unit: string; runs?: number[] }[] };
    const timed = saved.rows.filter((row) => row.unit !== 'check');
    expect(timed.length).toBeGreaterThan(0);
    for (const row of timed) expect(row.runs).toHaveLength(2);
  }, 150_000);

  it.each([['0'], ['-1'], ['1.5']])('refuses --runs %s', async (runs) => {
    const r = await crosstalk(['bench', 'core', '--runs', runs]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Expected --runs to be a whole number >= 1');
  });
});
