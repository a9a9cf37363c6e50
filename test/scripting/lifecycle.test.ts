/**
 * Script lifecycle events and durable subscriptions (docs/scripts.md "Script
 * lifecycle events", "Durable subscriptions").
 */
import { describe, expect, it } from 'vitest';
import type { UniversalEvent } from '../../src/core/event.js';
import { runScripts } from '../../src/scripting/host.js';
import { createBus } from '../setup/bus.js';

const quiet = { output: () => {} };

describe('lifecycle events', () => {
  it('started, then stopped for a script that ends, failed with code and reason for one that fails or meets a limit', async () => {
    const bus = createBus();
    const life = bus.subscribe('crosstalk.script.*');
    const results = await runScripts(
      bus,
      [
        { name: 'fine.lua', source: `Event.publish("x", 1)` },
        { name: 'broken.js', source: `throw new Error('nope')` },
        { name: 'bomb.lua', source: `local t = {} while true do t[#t + 1] = string.rep("x", 1000) .. #t end` },
      ],
      { ...quiet, limits: { memoryLimitMb: 32 } },
    );
    expect(results.map((r) => r.ok)).toEqual([true, false, false]);
    const events: UniversalEvent[] = life.drain();
    const of = (script: string) => events.filter((e) => (e.data as { script: string }).script === script);
    for (const script of ['fine.lua', 'broken.js', 'bomb.lua']) {
      const [start, end] = of(script);
      expect(start!.event_type).toBe('crosstalk.script.started');
      expect(start!.source.component).toBe('crosstalk');
      expect(start!.data).toMatchObject({ script, instance_id: expect.any(String), language: script.endsWith('.lua') ? 'lua' : 'javascript' });
      // the same instance id ends as started
      expect((end!.data as { instance_id: string }).instance_id).toBe((start!.data as { instance_id: string }).instance_id);
    }
    expect(of('fine.lua')[1]).toMatchObject({ event_type: 'crosstalk.script.stopped', data: { reason: 'ended', events_out: 1 } });
    expect(of('fine.lua')[1]!.data).toMatchObject({ cpu_ms: expect.any(Number), heap_bytes: expect.any(Number), duration_ms: expect.any(Number) });
    expect(of('broken.js')[1]).toMatchObject({ event_type: 'crosstalk.script.failed', data: { code: 'SCRIPT_ERROR', reason: 'Error: nope' } });
    expect(of('bomb.lua')[1]).toMatchObject({ event_type: 'crosstalk.script.failed', data: { code: 'SCRIPT_MEMORY' } });
    await bus.close();
  });

  it('a script the host stops is stopped with reason "stopped"', async () => {
    const bus = createBus();
    const ended = bus.subscribe('crosstalk.script.stopped');
    const started = bus.subscribe('crosstalk.script.started');
    const stop = new AbortController();
    const running = runScripts(bus, [{ name: 'forever.lua', source: `while true do Event.sleep(1000) end` }], { ...quiet, signal: stop.signal });
    await started.receive(10_000);
    stop.abort();
    await running;
    expect((await ended.receive(5000))!.data).toMatchObject({ script: 'forever.lua', reason: 'stopped' });
    await bus.close();
  });

  it('a late subscriber first gets one started event for each script still running, then live ones', async () => {
    const bus = createBus();
    const early = bus.subscribe('crosstalk.script.started');
    const go = bus.subscribe('ready');
    const running = runScripts(
      bus,
      [
        { name: 'a.lua', source: `local s = Event.subscribe("go") Event.publish("ready", 1) Event.receive(s, 20000)` },
        { name: 'b.js', source: `const s = Event.subscribe('go'); Event.publish('ready', 2); Event.receive(s, 20000);` },
        { name: 'quick.lua', source: `Event.publish("ready", 3)` },
      ],
      quiet,
    );
    for (let i = 0; i < 3; i++) await go.receive(20_000);
    // quick.lua has ended or is ending: wait until its end is announced
    const stopped = bus.subscribe('crosstalk.script.stopped');
    const earlyIds = early.drain().map((e) => e.id);
    let late = bus.subscribe('crosstalk.script.*');
    let first = late.drain();
    if (first.some((e) => (e.data as { script: string }).script === 'quick.lua')) {
      await stopped.receive(20_000);
      late.unsubscribe();
      late = bus.subscribe('crosstalk.script.*');
      first = late.drain();
    }
    expect(first.map((e) => (e.data as { script: string }).script).sort()).toEqual(['a.lua', 'b.js']);
    // the very events that were published, not copies
    for (const e of first) expect(earlyIds).toContain(e.id);
    // a subscription whose patterns do not cover started events gets none of them
    expect(bus.subscribe('crosstalk.script.failed').drain()).toEqual([]);
    bus.publish('go', 0);
    bus.publish('go', 0);
    await running;
    expect(late.drain().map((e) => e.event_type)).toEqual(['crosstalk.script.stopped', 'crosstalk.script.stopped']);
    await bus.close();
  });
});

describe('durable subscriptions', () => {
  it('a restarted script gets what arrived while it was gone, without gap or duplicate', async () => {
    const bus = createBus();
    const got: string[] = [];
    const output = (_s: string, t: string) => got.push(t);
    const worker = `local s = Event.subscribe("job", {durable = "worker"})
                    while true do
                      local e = Event.receive(s, 200)
                      if e == nil or e.data == "stop" then break end
                      print(e.data)
                    end`;
    bus.publish('job', 'before anyone'); // nobody subscribed yet: not for the durable
    const first = runScripts(bus, [{ name: 'w.lua', source: worker }], { output });
    while (bus.listSubscriptions().length === 0) await new Promise((r) => setImmediate(r));
    bus.publish('job', 'a');
    bus.publish('job', 'stop');
    await first;
    for (const d of ['b', 'c', 'd']) bus.publish('job', d);
    bus.publish('job', 'stop');
    await runScripts(bus, [{ name: 'w.lua', source: worker }], { output });
    expect(got).toEqual(['a', 'b', 'c', 'd']);
    await bus.close();
  });

  it('an event handed to a script stopped before it asked for the next one is received again; a stopped waiting receive takes nothing', async () => {
    const bus = createBus();
    const subscribed = () => new Promise<void>((resolve) => {
      const check = () => (bus.listSubscriptions().length > 0 ? resolve() : setImmediate(check));
      check();
    });
    // stopped by its CPU budget while "processing" x1
    const hog = runScripts(
      bus,
      [{ name: 'hog.js', source: `const s = Event.subscribe('job', { durable: 'q' }); const e = Event.receive(s, 20000); console.log('took', e.data); for (;;) {}` }],
      { ...quiet, limits: { cpuLimitMs: 200 } },
    );
    await subscribed();
    bus.publish('job', 'x1');
    const [hogResult] = await hog;
    expect(hogResult!.error?.code).toBe('SCRIPT_TIMEOUT');
    bus.publish('job', 'x2');

    // stopped by the host while waiting in receive
    const stop = new AbortController();
    const printed: string[] = [];
    // its publish goes out with its next call, the receive: stopped while waiting there
    void bus.subscribe('ready').receive(20_000).then(() => stop.abort());
    const waiter = runScripts(
      bus,
      [{ name: 'wait.lua', source: `local s = Event.subscribe("job", {durable = "q"})
                                    local first = Event.receive_batch(s, {max_events = 10, timeout_ms = 0})
                                    local seen = {}
                                    for _, e in ipairs(first) do seen[#seen + 1] = e.data end
                                    print(table.concat(seen, ","))
                                    Event.publish("ready", 1)
                                    Event.receive(s, 60000)
                                    print("never")` }],
      { output: (_s, t) => printed.push(t), signal: stop.signal },
    );
    const [waitResult] = await waiter;
    expect(waitResult!.ok).toBe(false);
    // what the stopped hog took is received again, first and once
    expect(printed).toEqual(['x1,x2']);
    bus.publish('job', 'x3');
    const next: string[] = [];
    await runScripts(bus, [{ name: 'next.lua', source: `local s = Event.subscribe("job", {durable = "q"})
                                                        print(Event.receive(s, 0).data, Event.receive(s, 0))` }], { output: (_s, t) => next.push(t) });
    // x1 and x2 were processed by wait.lua (it asked for more); x3 went to nobody before next.lua
    expect(next).toEqual(['x3\tnil']);
    await bus.close();
  });

  it('a durable name held by a running script is DURABLE_IN_USE; the holder keeps working', async () => {
    const bus = createBus();
    const printed: string[] = [];
    const results = await runScripts(
      bus,
      [
        {
          name: 'holder.lua',
          source: `local s = Event.subscribe("job", {durable = "w"})
                   local done = Event.subscribe("tried")
                   Event.publish("held", 1)
                   Event.publish("job", 7)
                   print("holder", Event.receive(s, 5000).data)
                   Event.receive(done, 20000)`,
        },
        {
          name: 'thief.js',
          source: `Event.receive(Event.subscribe('held'), 20000);
                   try { Event.subscribe('job', { durable: 'w' }); console.log('took it'); } catch (e) { console.log(e.code); }
                   Event.publish('tried', 1);`,
        },
      ],
      { output: (_s, t) => printed.push(t) },
    );
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(printed.sort()).toEqual(['DURABLE_IN_USE', 'holder\t7']);
    await bus.close();
  });

  it('another shape under the same name starts afresh; unsubscribing ends the durable', async () => {
    const bus = createBus();
    await runScripts(bus, [{ name: 'a.lua', source: `Event.subscribe("one", {durable = "d"})` }], quiet);
    bus.publish('one', 1);
    expect(bus.listSubscriptions()).toHaveLength(1);
    const printed: string[] = [];
    await runScripts(
      bus,
      [
        {
          name: 'b.lua',
          source: `local s = Event.subscribe("two", {durable = "d"})
                   print(Event.receive(s, 0))
                   Event.unsubscribe(s)`,
        },
      ],
      { output: (_s, t) => printed.push(t) },
    );
    expect(printed).toEqual(['nil']);
    expect(bus.listSubscriptions()).toEqual([]);
    await bus.close();
  });

  it.each([
    [`Event.subscribe("x", {durable = ""})`, 'INVALID_OPTION'],
    [`Event.subscribe("x", {durable = 5})`, 'INVALID_OPTION'],
    [`Event.subscribe("x", {durable = "has space"})`, 'INVALID_OPTION'],
    [`Event.subscribe("x", {durable = string.rep("n", 200)})`, 'INVALID_OPTION'],
    [`Event.subscribe("x", function() end, {durable = "h"})`, 'INVALID_OPTION'],
  ])('%s is refused with %s', async (call, code) => {
    const bus = createBus();
    const printed: string[] = [];
    await runScripts(bus, [{ name: 'b.lua', source: `print(select(2, pcall(function() return ${call} end)).code)` }], {
      output: (_s, t) => printed.push(t),
    });
    expect(printed).toEqual([code]);
    expect(bus.listSubscriptions()).toEqual([]);
    await bus.close();
  });
});
