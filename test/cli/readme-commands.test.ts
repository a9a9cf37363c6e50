/**
 * The command-line examples of docs/persistence.md and docs/cli.md, run as written: the `sh` block of
 * "Store commands" line by line in an empty directory (`npx crosstalk` is
 * bin/crosstalk.js), and the two refusals shown under "Command line", whose
 * output must be exactly what the README prints.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, crosstalk } from '../setup/cli.js';
import { docSection } from '../setup/docs.js';

const dir = mkdtempSync(path.join(tmpdir(), 'crosstalk-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('docs/persistence.md "Store commands"', () => {
  it('every command of the example runs, in order, and answers as the text says', () => {
    const sh = docSection('### Store commands', { only: ['sh'] }).blocks.filter((b) => b.lang === 'sh');
    expect(sh).toHaveLength(1);
    const lines = sh[0]!.code.split('\n').filter((l) => l.trim() !== '');
    expect(lines.length).toBeGreaterThan(5);
    const shim = path.join(dir, 'npx');
    // `npx crosstalk …` → the built CLI
    writeFileSync(shim, `#!/bin/sh\nshift\nexec "${process.execPath}" --no-node-snapshot "${BIN}" "$@"\n`, { mode: 0o755 });
    const out: string[] = [];
    for (const line of lines) {
      out.push(execFileSync('/bin/sh', ['-c', line], { cwd: dir, encoding: 'utf8', env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }, timeout: 30_000 }));
    }
    // the query: the two orders of 500 or more, of the three published
    const big = out[2]!.trim().split('\n').map((l) => JSON.parse(l) as { data: { amount: number } });
    expect(big.map((e) => e.data.amount)).toEqual([750, 990]);
    expect(readFileSync(path.join(dir, 'orders.csv'), 'utf8').trim().split('\n')).toHaveLength(4);
    // a filter expression in double quotes, its text in single quotes
    const expr = out[8]!.trim().split('\n').map((l) => JSON.parse(l) as { data: { order: number } });
    expect(expr.map((e) => e.data.order)).toEqual([1, 3]);
    expect(out[9]).toMatch(/^compacted events\.db: removed 0 events; .* WAL truncated\n$/);
  });
});

describe('docs/cli.md "Command line"', () => {
  it('prints the refusals exactly as shown', async () => {
    const cli = docSection('## Command line', { only: [] }).text;
    const shown = cli.slice(cli.indexOf('$ crosstalk export --out keep.csv'));
    const pairs = [...shown.split('```')[0]!.matchAll(/^\$ crosstalk (.+)\n(.+)$/gm)].map((m) => [m[1]!, m[2]!] as const);
    expect(pairs).toHaveLength(2);
    writeFileSync(path.join(dir, 'keep.csv'), 'precious\n');
    for (const [command, printed] of pairs) {
      const args = [...command.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
      const r = await crosstalk(args, { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`${printed}\n`);
    }
    expect(readFileSync(path.join(dir, 'keep.csv'), 'utf8')).toBe('precious\n');
  });
});
