/**
 * Budgets: a script over its memory or time is stopped with SCRIPT_MEMORY /
 * SCRIPT_TIMEOUT, and the host and the other scripts go on.
 */
import { describe, expect, it } from 'vitest';
import { expectOk, newRun, runJs } from './helpers.js';

/**
 * A second script that needs the host loop and the bus while the first one
 * misbehaves: it counts host ticks until told to stop. `stop()` ends it and
 * resolves with its result.
 */
async function bystander(run: ReturnType<typeof newRun>, everyMs: number) {
  const ready = run.bus.subscribe('bystander.ready');
  const p = runJs(
    run,
    `const s = Event.subscribe('tick'); Event.publish('bystander.ready', 1);
     const seen = []; for (let e; (e = Event.receive(s, 5000)) && e.data !== 'end'; ) seen.push(e.data);
     console.log(seen.every((v, i) => v === i) ? 'in order' : 'out of order', seen.length);`,
    { name: 'bystander.js' },
  );
  expect(await ready.receive(5000)).not.toBeNull();
  let i = 0;
  const timer = setInterval(() => run.bus.publish('tick', i++), everyMs);
  return {
    stop: async () => {
      clearInterval(timer);
      run.bus.publish('tick', 'end');
      const r = await p;
      expectOk(r);
      const [order, n] = run.out('bystander.js')[0]!.split(/ (?=\d+$)/);
      expect(order).toBe('in order');
      return Number(n);
    },
  };
}

describe('limits', () => {
  it('a script over its memory limit is stopped with SCRIPT_MEMORY; another one goes on', async () => {
    const run = newRun();
    const other = await bystander(run, 20);
    const result = await runJs(run, `const keep = []; for (;;) keep.push({ n: Math.random(), s: 'x' + Math.random() });`, {
      limits: { memoryLimitMb: 16 },
      name: 'hog.js',
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'SCRIPT_MEMORY' } });
    expect(result.error!.message).toMatch(/16 MB/);
    expect(await other.stop()).toBeGreaterThan(2);
    await run.bus.close();
  });

  it('a busy loop is stopped with SCRIPT_TIMEOUT while the host loop and another script go on', async () => {
    const run = newRun();
    const other = await bystander(run, 20);
    const t0 = Date.now();
    const result = await runJs(run, `let x = 0; for (;;) x++;`, { limits: { cpuLimitMs: 300 }, name: 'spin.js' });
    expect(result).toMatchObject({ ok: false, error: { code: 'SCRIPT_TIMEOUT' } });
    expect(Date.now() - t0).toBeLessThan(5000);
    // ticks every 20 ms during a 300 ms spin: the bystander kept receiving
    expect(await other.stop()).toBeGreaterThan(5);
    await run.bus.close();
  });

  it('a script waiting in receive past its deadline is stopped too', async () => {
    const run = newRun();
    const t0 = Date.now();
    const result = await runJs(run, `const s = Event.subscribe('never'); Event.receive(s, 1e9); console.log('not reached');`, { limits: { deadlineMs: 200 } });
    expect(result).toMatchObject({ ok: false, error: { code: 'SCRIPT_TIMEOUT' } });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect(run.out()).toEqual([]);
    expect(run.bus.listSubscriptions()).toEqual([]);
    await run.bus.close();
  });

  it('a script that catches the stop and keeps calling is still stopped', async () => {
    const run = newRun();
    const result = await runJs(
      run,
      `let caught = 0; for (;;) { try { Event.get_stats(); Event.receive(Event.subscribe('x'), 1); } catch (e) { caught++; } }`,
      { limits: { deadlineMs: 250 } },
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'SCRIPT_TIMEOUT' } });
    await run.bus.close();
  });

  it('events a script published before it was stopped are delivered', async () => {
    const run = newRun();
    const host = run.bus.subscribe('kept.*', { max_queue_size: 100_000 });
    const result = await runJs(run, `for (let i = 0; i < 1500; i++) Event.publish('kept.n', i); for (;;) {}`, { limits: { cpuLimitMs: 300 } });
    expect(result).toMatchObject({ ok: false, error: { code: 'SCRIPT_TIMEOUT' } });
    const got = host.drain(100_000).map((e) => e.data);
    expect(got).toEqual(Array.from({ length: 1500 }, (_, i) => i));
    await run.bus.close();
  });

  it('an abort signal stops a script', async () => {
    const run = newRun();
    const ac = new AbortController();
    const ready = run.bus.subscribe('started');
    const p = runJs(run, `Event.publish('started', 1); const s = Event.subscribe('never'); Event.receive(s, 60000);`, { signal: ac.signal });
    await ready.receive(5000);
    ac.abort();
    expect(await p).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR', message: 'stopped' } });
    await run.bus.close();
  });
});
