/**
 * The loop polls only while an isolate runs between calls, and for a bounded
 * time: an idle host goes back to sleep, and a process with nothing else to
 * do can exit.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { HOT_WINDOW_MS, isolateRunning, isolateWaiting, isPolling } from '../../src/scripting/isolate/hot-loop.js';

const turn = () => new Promise((r) => setImmediate(r));

describe('hot loop', () => {
  it('polls for a moment after an answer, then stops on its own', async () => {
    const t0 = performance.now();
    isolateRunning({});
    isolateRunning({}); // one poller serves every running isolate
    expect(isPolling()).toBe(true);
    while (isPolling()) await turn();
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(HOT_WINDOW_MS);
    expect(took).toBeLessThan(1000);
  });

  it('stops as soon as every running isolate waits on the host again', async () => {
    const a = {};
    isolateRunning(a);
    isolateWaiting({}); // not running: nothing happens
    expect(isPolling()).toBe(true);
    isolateWaiting(a);
    await turn();
    await turn();
    expect(isPolling()).toBe(false);
  });

  it('does not keep a process alive', () => {
    const code = `import('${new URL('../../dist/scripting/isolate/hot-loop.js', import.meta.url).href}').then((m) => { m.isolateRunning({}); });`;
    const r = spawnSync(process.execPath, ['-e', code], { timeout: 10_000 });
    expect(r.status).toBe(0);
    expect(r.signal).toBeNull();
  });
});
