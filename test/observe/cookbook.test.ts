/**
 * Cookbook recipe 43's traffic: the recipe's test (test/cookbook) compares
 * what does not depend on the time it runs; the anomalies, which fall in
 * whichever minutes the incident was, are checked here through --json.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crosstalk, ROOT } from '../setup/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'crosstalk-cookbook-observe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(file: string, args: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'cookbook/43-stats-analyze', file), ...args], { cwd: ROOT, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('cookbook/43-stats-analyze', () => {
  it('traffic.mjs: an hour of traffic in which analyze finds the sequences and the incident', async () => {
    const db = path.join(dir, 'traffic.db');
    const r = await run('traffic.mjs', [db]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^12281 events from \S+ to \S+ in /);
    const a = await crosstalk(['analyze', '--store', `sqlite:${db}`, '--window', '500ms', '--json']);
    const report = JSON.parse(a.stdout) as { sequences: { from: string; to: string; confidence: number }[]; anomalies: { type: string; kind: string }[] };
    expect(report.sequences.find((x) => x.from === 'order.created' && x.to === 'payment.requested')?.confidence).toBe(1);
    expect(report.anomalies.some((x) => x.type === 'payment.failed' && x.kind === 'spike')).toBe(true);
    expect(report.anomalies.some((x) => x.type === 'system.heartbeat' && x.kind === 'drop')).toBe(true);
    const f = await crosstalk(['stats', '--store', `sqlite:${db}`, '--field', 'data.duration_ms', '--json']);
    expect((JSON.parse(f.stdout) as { all: { count: number } }).all.count).toBe(7200);
  });
});
