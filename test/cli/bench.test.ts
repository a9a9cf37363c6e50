/** `crosstalk bench` refuses bad input before running anything. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');

function crosstalk(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--no-node-snapshot', path.join(ROOT, 'bin/crosstalk.js'), ...args], { cwd: ROOT, timeout: 30_000 }, (err, _out, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}

describe('crosstalk bench', () => {
  it('names an unknown suite and exits 2', async () => {
    const r = await crosstalk(['bench', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown suite "nope"; suites are core, lua, js, store, nats');
  });

  it.each([['0'], ['-1'], ['1.5']])('refuses --runs %s', async (runs) => {
    const r = await crosstalk(['bench', 'core', '--runs', runs]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Expected --runs to be a whole number >= 1');
  });
});
