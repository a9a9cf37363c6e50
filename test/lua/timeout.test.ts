/**
 * The time budget (docs/scripts.md "Scripts"): a script past it is stopped with SCRIPT_TIMEOUT
 * wherever it is (busy, inside pcall, waiting), cannot catch the stop, and
 * the host and the other scripts go on.
 */
import { describe, expect, it } from 'vitest';
import { createBus } from '../setup/bus.js';
import { engine, runLua } from './helpers.js';

describe('time budget', () => {
  it('stops a busy loop while another script goes on working', async () => {
    const bus = createBus();
    const out: string[] = [];
    const output = (_s: string, text: string) => out.push(text);
    const busy = engine.run(bus, { name: 'busy.lua', source: 'local n = 0\nwhile true do\n  n = n + 1\nend' }, { limits: { cpuLimitMs: 300, memoryLimitMb: 16 }, output });
    const worker = engine.run(
      bus,
      {
        name: 'worker.lua',
        source: `local sub = Event.subscribe("w")
                 for i = 1, 20 do Event.publish("w", {i = i}); Event.receive(sub, 1000); Event.receive(Event.subscribe("never"), 5) end
                 print("worker done")`,
      },
      { limits: { cpuLimitMs: 10_000, memoryLimitMb: 16 }, output },
    );
    const [b, w] = await Promise.all([busy, worker]);
    expect(b.ok).toBe(false);
    expect(b.error).toMatchObject({ code: 'SCRIPT_TIMEOUT', line: 3 });
    expect(b.error!.message).toContain('300 ms');
    expect(b.durationMs).toBeLessThan(3000);
    expect(w.ok).toBe(true);
    expect(out).toContain('worker done');
    // the worker finished its timed receives while the busy script was still looping
    expect(w.durationMs).toBeLessThan(b.durationMs + 2000);
    await bus.close();
  });

  it.each([
    ['pcall', 'while true do pcall(function() while true do end end) end'],
    ['pcall(error) in a loop', 'while true do pcall(error, "x") end'],
    ['xpcall with a looping handler', 'while true do xpcall(function() while true do end end, function() while true do end end) end'],
    ['an xpcall handler that loops on an ordinary error', 'xpcall(error, function() while true do end end)'],
    ['a coroutine', 'local co = coroutine.wrap(function() while true do end end)\nwhile true do pcall(co) end'],
    ['catching and retrying', 'while true do local ok, e = pcall(function() while true do end end); if e and e.code then print(e.code) end end'],
  ])('cannot be caught: %s', async (_name, source) => {
    const r = await runLua(source, { cpuLimitMs: 200 });
    expect(r.ok).toBe(false);
    expect(r.error!.code).toBe('SCRIPT_TIMEOUT');
  });

  it('a deadline stops a script waiting in receive, naming the line it waits on', async () => {
    const r = await runLua('local sub = Event.subscribe("never")\n\nlocal e = Event.receive(sub, 60000)', { deadlineMs: 150 });
    expect(r.error).toMatchObject({ code: 'SCRIPT_TIMEOUT', line: 3 });
    expect(r.error!.traceback).toContain('test.lua:3');
    expect(r.durationMs).toBeLessThan(2000);
  });

  it('unsubscribes a stopped script, so nothing queues for it', async () => {
    const bus = createBus();
    const r = await runLua('local s = Event.subscribe("x.*")\nwhile true do end', { bus, cpuLimitMs: 100 });
    expect(r.error!.code).toBe('SCRIPT_TIMEOUT');
    expect(bus.listSubscriptions()).toEqual([]);
    await bus.close();
  });

  it('an abort signal stops a script with SCRIPT_ERROR "stopped"', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const r = await runLua('while true do end', { signal: ac.signal });
    expect(r.error).toMatchObject({ code: 'SCRIPT_ERROR', message: 'stopped' });
  });

  it('0 means no budget', async () => {
    const r = await runLua('local n = 0 for i = 1, 1e6 do n = n + 1 end print(n)', { cpuLimitMs: 0 });
    expect(r.ok).toBe(true);
    expect(r.out).toEqual(['1000000']);
  });
});
