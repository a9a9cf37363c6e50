/**
 * The README's quick start, run exactly as written: its `sh` block line by
 * line, `npm install` being what ran before any test could, and the
 * `npx crosstalk run …` line executed through bin/crosstalk.js; it prints
 * the `text` block after it (times and sequence numbers aside).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { docSection } from '../setup/docs.js';
import { normalize } from '../docs/runner.js';

const ROOT = path.resolve(__dirname, '../..');

describe('README quick start', () => {
  it('runs the documented command and the scripts work together', async () => {
    const blocks = docSection('## Quick start').blocks.filter((b) => b.lang === 'sh');
    expect(blocks).toHaveLength(1);
    const lines = blocks[0]!.code.trim().split('\n');
    // two commands: the install, then a run of real scripts
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('npm install');
    const line = lines[1]!;
    expect(line.startsWith('npx crosstalk run ')).toBe(true);
    const args = line!.replace(/^npx crosstalk /, '').trim().split(/\s+/);
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [path.join(ROOT, 'bin/crosstalk.js'), ...args], { cwd: ROOT, timeout: 30_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // the Lua payer's events reach the JS auditor, as the README shows (its times are not yours)
    expect(r.stdout).toMatch(/\[audit\.js\] .*order\.paid .*from pay\.lua \(lua\)/);
    expect(r.stdout).toMatch(/\[audit\.js\] audited 5 order events/);
    expect(normalize(r.stdout)).toBe(normalize(blocks[0]!.output ?? ''));
  });
});
