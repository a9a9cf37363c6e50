/**
 * docs/coordination.md, the "Coordination" section, run as written: every `ts` block is
 * compiled (esbuild) and run with node as a module inside the project, so
 * it imports `crosstalk` by name as an application would; every `sh` block
 * runs through bin/crosstalk.js. A block followed by a `text` block must
 * print exactly that. The cookbook examples it points at run too.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { transformSync } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../setup/cli.js';
import { docSection } from '../setup/docs.js';

// inside the package, so that `import 'crosstalk'` resolves to it
mkdirSync(path.join(ROOT, 'test-output'), { recursive: true });
const dir = mkdtempSync(path.join(ROOT, 'test-output', 'coordination-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: ROOT, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const blocks = docSection('## Coordination').blocks.filter((b) => b.lang !== 'text');

describe('README: Coordination', () => {
  it('has runnable blocks', () => {
    expect(blocks.filter((b) => b.lang === 'ts').length).toBeGreaterThanOrEqual(7);
    expect(blocks.every((b) => b.lang === 'ts' || b.lang === 'sh')).toBe(true);
  });

  it.each(blocks.map((b, i) => [i, b] as const))('block %i runs and prints what the README shows', async (i, b) => {
    let r;
    if (b.lang === 'ts') {
      const file = path.join(dir, `block${i}.mjs`);
      writeFileSync(file, transformSync(b.code, { loader: 'ts', format: 'esm' }).code);
      r = await run(process.execPath, [file]);
    } else {
      const args = b.code.trim().replace(/^npx crosstalk /, '').split(/\s+/);
      r = await run(process.execPath, ['--no-node-snapshot', BIN, ...args]);
    }
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    if (b.output !== null) expect(r.stdout).toBe(b.output);
  });
});

describe('cookbook/coordination', () => {
  const example = (name: string) => run(process.execPath, [path.join(ROOT, 'cookbook/coordination', name)]);

  it('work-queue.mjs: a worker stops holding jobs, the others finish them, the poison job is dead-lettered', async () => {
    const r = await example('work-queue.mjs');
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('w1 stopped holding 10 jobs');
    expect(r.stdout).toContain('resized 29 images, each once: true');
    expect(r.stdout).toContain('dead letter: img7.png after 3 deliveries');
    expect(r.stdout).toMatch(/acked: 29,[\s\S]*dead_lettered: 1,[\s\S]*pending: 0/);
  });

  it('retained.mjs: a late dashboard sees every device state, then live changes', async () => {
    const r = await example('retained.mjs');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      'retained fan: off\nretained pump: stopped\nlive     fan: on\nretained now: device.pump.status=stopped, device.fan.status=on\n',
    );
  });

  it('interceptors.mjs: lists, transform, modify, rate limit and a function rule', async () => {
    const r = await example('interceptors.mjs');
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    // the wait left is 1000 ms minus what the example took between its publishes (a few ms on a loaded machine)
    expect(lines[0]).toMatch(/^RATE_LIMITED: order\.shipped: over the rate limit of interceptor "orders" \(1\/s, burst 2\); the next event is allowed in (9[5-9]\d|1000) ms$/);
    expect(lines.slice(1, 4)).toEqual([
      'billing.refund {"amount":5000} priority=high metadata={}',
      'order.created {"order":1} priority=normal metadata={"region":"eu-1"}',
      'order.paid {"order":1} priority=normal metadata={"region":"eu-1"}',
    ]);
  });

  it('handlers.mjs: retries, the breaker opens, half-opens and closes', async () => {
    const r = await example('handlers.mjs');
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(
      [
        'crosstalk.handler.failed: mail server unreachable',
        'crosstalk.handler.circuit_open (open): mail server unreachable',
        'mail server back',
        'crosstalk.handler.circuit_half_open (half_open): ',
        'crosstalk.handler.circuit_closed (closed): ',
        'welcome mails sent: bob@example.com (attempt 2), cy@example.com (attempt 1)',
      ].join('\n'),
    );
  });

  it('priorities.mjs: priorities, a deduplicated retry, a batch publisher', async () => {
    const r = await example('priorities.mjs');
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain("[ 'critical: fire in rack 4', 'high: memory 95%', 'normal: cpu 90%' ]");
    expect(r.stdout).toContain('payments delivered: 1, duplicates: 2');
    expect(r.stdout).toMatch(/received: 250,\s+published: 250,\s+batches: 3/);
  });
});
