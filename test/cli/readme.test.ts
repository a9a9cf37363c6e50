/**
 * The README's quick start, run exactly as written: the `npx crosstalk run …`
 * line is read from README.md and executed through bin/crosstalk.js.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');

describe('README quick start', () => {
  it('runs the documented command and the scripts work together', async () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const line = readme.split('\n').find((l) => l.startsWith('npx crosstalk run '));
    expect(line, 'README has an `npx crosstalk run` line').toBeDefined();
    const args = line!.replace(/^npx crosstalk /, '').trim().split(/\s+/);
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [path.join(ROOT, 'bin/crosstalk.js'), ...args], { cwd: ROOT, timeout: 30_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // the Lua payer's events reach the JS auditor
    expect(r.stdout).toMatch(/\[audit\.js\] .*order\.paid .*from pay\.lua \(lua\)/);
    expect(r.stdout).toMatch(/\[audit\.js\] audited 5 order events/);
  });
});
