/**
 * `crosstalk run --metrics ADDR`: a real run, scraped over HTTP while its
 * script waits; bad addresses and a port in use stop the run before any
 * script starts (exit 2, one line naming the flag).
 */
import { createServer } from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer, listen } from '../../src/observe/http.js';
import { crosstalk, ROOT, startCli, stopChild, type Started } from '../setup/cli.js';
import { parseExposition, sampleValue } from '../setup/prometheus.js';

const fx = (f: string) => path.join(ROOT, 'test/fixtures/observe', f);
let running: Started | null = null;
afterEach(() => {
  if (running) stopChild(running.child);
  running = null;
});

describe('crosstalk run --metrics', () => {
  it('serves the run bus metrics while scripts run, then stops with the run', async () => {
    running = await startCli(['run', '--timeout', '0', '--metrics', ':0', fx('ticker.lua')], 'ready 10');
    const url = /metrics at (http:\/\/\S+)/.exec(running.stderr())![1]!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const res = await fetch(url);
    const f = parseExposition(await res.text());
    expect(sampleValue(f, 'crosstalk_events_published_total', { type_prefix: 'demo' })).toBe(10);
    expect(sampleValue(f, 'crosstalk_events_delivered_total', { type_prefix: 'demo' })).toBe(10);
    expect(sampleValue(f, 'crosstalk_subscriptions')).toBe(2);
    expect(f.has('process_resident_memory_bytes')).toBe(true); // run adds prom-client's process metrics
    // the script host reports its script: events in and out, CPU, heap
    const script = { script: 'ticker.lua', language: 'lua' };
    expect(sampleValue(f, 'crosstalk_script_events_out_total', script)).toBe(10);
    expect(sampleValue(f, 'crosstalk_script_events_in_total', script)).toBe(10);
    expect(sampleValue(f, 'crosstalk_script_cpu_seconds_total', script)).toBeGreaterThan(0);
    expect(sampleValue(f, 'crosstalk_script_heap_bytes', script)).toBeGreaterThan(0);
    expect(sampleValue(f, 'crosstalk_scripts', { state: 'running' })).toBe(1);
    running.child.kill('SIGINT');
    expect(await running.exited).toBe(130);
    await expect(fetch(url)).rejects.toThrow(); // nothing listens after the run
  });

  it('a bad address is exit 2 naming --metrics, and nothing runs', async () => {
    for (const bad of ['nope', ':70000', 'host:']) {
      const r = await crosstalk(['run', '--metrics', bad, fx('ticker.lua')]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain('--metrics');
    }
  });

  it('a port in use is exit 2 naming --metrics and the fix, before any script starts', async () => {
    const squatter = createServer();
    const url = await listen(squatter, { host: '127.0.0.1', port: 0 }, 'test');
    try {
      const port = new URL(url).port;
      const r = await crosstalk(['run', '--metrics', `:${port}`, fx('ticker.lua')]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe(''); // the script never printed "ready"
      expect(r.stderr).toMatch(/^crosstalk run: INVALID_OPTION: --metrics 127\.0\.0\.1:\d+: port \d+ is in use; choose another port, or :0 for a free one\n$/);
    } finally {
      await closeServer(squatter);
    }
  });
});
