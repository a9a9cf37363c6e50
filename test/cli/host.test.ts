/**
 * The cookbook's host application (cookbook/host/app.mjs) runs as a user
 * would run it: it imports `crosstalk` by name, hosts two Lua scripts with
 * runScripts, filters and queries what they published.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');

describe('cookbook host app', () => {
  it('hosts the Lua scripts and reads their events', async () => {
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [path.join(ROOT, 'cookbook/host/app.mjs')], { cwd: ROOT, timeout: 30_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('audit.lua says: audited 4 orders');
    expect(r.stdout).toMatch(/host got order.paid #\d+ for grace: 180 EUR/);
    expect(r.stdout).toContain('EUR total 222.50; filtered out 3 in other currencies');
    expect(r.stdout).toContain('stored events for order A-1002: order.paid');
  });
});
