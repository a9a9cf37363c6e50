/**
 * cookbook/observe: the examples run as a user would run them and print
 * what they promise.
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
    execFile(process.execPath, [path.join(ROOT, 'cookbook/observe', file), ...args], { cwd: ROOT, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('cookbook/observe', () => {
  it('checkout.mjs: handlers record their causes; crosstalk trace shows the tree', async () => {
    const db = path.join(dir, 'observe.db');
    const r = await run('checkout.mjs', [db]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`order 1001 shipped; trace it with: crosstalk trace order-1001 --store sqlite:${db}\n`);
    const t = await crosstalk(['trace', 'order-1001', '--store', `sqlite:${db}`, '--json']);
    const trace = JSON.parse(t.stdout) as { events: { event_type: string; depth: number; component: string }[] };
    expect(trace.events.map((e) => `${'  '.repeat(e.depth)}${e.event_type}`)).toEqual([
      'order.created',
      '  payment.requested',
      '    payment.done',
      '      order.shipped',
      '  stock.reserved',
    ]);
    expect(new Set(trace.events.map((e) => e.component))).toEqual(new Set(['checkout']));
  });

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

  it('metrics.mjs: the bus metrics beside the application own, in one scrape', async () => {
    const r = await run('metrics.mjs');
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines).toContain('crosstalk_events_published_total{type_prefix="order"} 250');
    expect(lines).toContain('crosstalk_events_delivered_total{type_prefix="order"} 60');
    expect(lines).toContain('crosstalk_events_dropped_total{type_prefix="order"} 150');
    expect(lines).toContain('crosstalk_events_published_total{type_prefix="user"} 1');
    expect(lines).toContain('shop_checkouts_total 250');
    expect(lines.find((l) => l.startsWith('crosstalk_subscription_queue_depth'))).toMatch(/pattern="order\.\*",backpressure="drop_oldest"} 40$/);
  });
});
