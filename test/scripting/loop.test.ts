/**
 * A script's event loop (docs/scripts.md "Timers and sleep", "Handler subscriptions in scripts"): JS timers, handler
 * subscriptions in both languages, the bus's retries and breaker around a
 * script's handler, and scripts that misuse them next to ones that must
 * keep working.
 */
import { describe, expect, it } from 'vitest';
import type { UniversalEvent } from '../../src/core/event.js';
import { runScripts } from '../../src/scripting/host.js';
import { createBus } from '../setup/bus.js';

/** Runs the scripts together; returns their results and everything they printed, by script. */
async function run(files: { name: string; source: string }[], options: Parameters<typeof runScripts>[2] = {}) {
  const bus = createBus();
  const seen = bus.subscribe('**');
  const printed: Record<string, string[]> = {};
  const results = await runScripts(bus, files, {
    output: (script, text) => (printed[script] ??= []).push(text),
    ...options,
  });
  const events = seen.drain();
  await bus.close();
  return { results, printed, events, types: events.map((e: UniversalEvent) => e.event_type) };
}

describe('JS timers', () => {
  it('setTimeout runs callbacks in time order with their arguments; the script ends when none is left', async () => {
    const { results, printed } = await run([
      {
        name: 't.js',
        source: `
          setTimeout(() => console.log('third'), 30);
          setTimeout((a, b) => console.log('first', a, b), 0, 'x', 2);
          setTimeout(() => console.log('second'), 10);
          const gone = setTimeout(() => console.log('cleared'), 5);
          clearTimeout(gone);
          clearTimeout(12345); clearTimeout('nonsense'); clearTimeout();
          console.log('body');`,
      },
    ]);
    expect(results[0]).toMatchObject({ ok: true });
    expect(printed['t.js']).toEqual(['body', 'first x 2', 'second', 'third']);
  });

  it('setInterval repeats until cleared, from inside its own callback', async () => {
    const { results, events } = await run([
      {
        name: 'i.js',
        source: `
          let n = 0;
          const id = setInterval(() => { n++; Event.publish('tick', { n }); if (n === 4) clearInterval(id); }, 5);`,
      },
    ]);
    expect(results[0]).toMatchObject({ ok: true });
    expect(events.filter((e) => e.event_type === 'tick').map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3, 4]);
  });

  it('an async body can await a timer and then go on', async () => {
    const { results, printed } = await run([
      {
        name: 'a.js',
        source: `
          const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
          const t0 = Date.now();
          await sleep(20);
          console.log(Date.now() - t0 >= 19 ? 'waited' : 'too early');`,
      },
    ]);
    expect(results[0]).toMatchObject({ ok: true });
    expect(printed['a.js']).toEqual(['waited']);
  });

  it('a timer callback that throws ends the script with its error; a well-behaved script keeps working', async () => {
    const { results, printed } = await run([
      { name: 'bad.js', source: `setTimeout(() => { throw new Error('boom in timer'); }, 1); setInterval(() => {}, 1000);` },
      {
        name: 'good.lua',
        source: `local n = 0 for i = 1, 3 do Event.sleep(10) n = n + 1 end print("good", n)`,
      },
    ]);
    expect(results[0]).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR' } });
    expect(results[0]!.error!.message).toContain('boom in timer');
    expect(results[1]).toMatchObject({ ok: true });
    expect(printed['good.lua']).toEqual(['good\t3']);
  });

  it('an endless loop inside a timer callback meets the CPU limit', async () => {
    const { results } = await run(
      [
        { name: 'spin.js', source: `setTimeout(() => { for (;;) {} }, 1);` },
        { name: 'ok.js', source: `setTimeout(() => console.log('fine'), 5);` },
      ],
      { limits: { cpuLimitMs: 300 } },
    );
    expect(results[0]).toMatchObject({ ok: false, error: { code: 'SCRIPT_TIMEOUT' } });
    expect(results[1]).toMatchObject({ ok: true });
  });

  it('a busy body is not let off its CPU limit by timers that keep firing', async () => {
    const { results } = await run(
      [{ name: 'busy.js', source: `setInterval(() => {}, 1); const t = Date.now(); for (;;) { if (Date.now() - t > 60000) break; }` }],
      { limits: { cpuLimitMs: 300 } },
    );
    expect(results[0]).toMatchObject({ ok: false, error: { code: 'SCRIPT_TIMEOUT' } });
  });

  it('a one-millisecond interval that publishes does not starve other scripts, and stops with its script', async () => {
    const { results, printed } = await run(
      [
        { name: 'flood.js', source: `setInterval(() => Event.publish('flood', 1), 0);` },
        { name: 'pinger.lua', source: `for i = 1, 5 do Event.sleep(5) end print("done")` },
      ],
      { limits: { deadlineMs: 600 } },
    );
    expect(results[0]).toMatchObject({ ok: false, error: { code: 'SCRIPT_TIMEOUT' } });
    expect(results[1]).toMatchObject({ ok: true });
    expect(printed['pinger.lua']).toEqual(['done']);
  });

  it.each([
    ['setTimeout("code", 1)', 'INVALID_OPTION'],
    ['setInterval(null, 1)', 'INVALID_OPTION'],
    ['setTimeout(() => {}, 2 ** 40)', 'INVALID_OPTION'],
  ])('bad timer arguments: %s fails with %s', async (call, code) => {
    const { results } = await run([{ name: 'b.js', source: call }]);
    expect(results[0]).toMatchObject({ ok: false, error: { code } });
  });

  it('negative, NaN and text delays run as soon as possible, as in browsers and Node', async () => {
    const { results, printed } = await run([
      { name: 'n.js', source: `setTimeout(() => console.log('a'), -5); setTimeout(() => console.log('b'), NaN); setTimeout(() => console.log('c'), '2');` },
    ]);
    expect(results[0]).toMatchObject({ ok: true });
    expect(printed['n.js']).toEqual(['a', 'b', 'c']);
  });
});

describe('handler subscriptions', () => {
  it.each([
    [
      'h.js',
      `let n = 0; const s = Event.subscribe('job', (e, info) => { n++; Event.publish('done', { v: e.data, attempt: info.attempt }); if (n === 3) s.unsubscribe(); });`,
    ],
    [
      'h.lua',
      `local n = 0
       local s
       s = Event.subscribe("job", function(e, info)
         n = n + 1
         Event.publish("done", {v = e.data, attempt = info.attempt})
         if n == 3 then s:unsubscribe() end
       end)`,
    ],
  ])('%s: the function gets each event in order; unsubscribing ends the script', async (name, source) => {
    const { results, events } = await run([
      { name, source },
      { name: 'feed.js', source: `for (let i = 1; i <= 3; i++) Event.publish('job', i);` },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    const done = events.filter((e) => e.event_type === 'done');
    expect(done.map((e) => e.data)).toEqual([
      { v: 1, attempt: 1 },
      { v: 2, attempt: 1 },
      { v: 3, attempt: 1 },
    ]);
    // what a handler publishes records the event it handled as its cause
    const jobs = events.filter((e) => e.event_type === 'job');
    expect(done.map((e) => e.metadata?.caused_by)).toEqual(jobs.map((e) => e.id));
  });

  it.each([
    ['f.js', `Event.subscribe('job', (e, info) => { if (info.attempt < 3) throw new Error('not yet ' + info.attempt); Event.publish('done', e.data); Event.unsubscribe(Event.listSubscriptions()[0].id); }, { retry: { attempts: 3, backoff_ms: 1 } });`],
    [
      'f.lua',
      `Event.subscribe("job", function(e, info)
         if info.attempt < 3 then error("not yet " .. info.attempt) end
         Event.publish("done", e.data)
         Event.unsubscribe(Event.list_subscriptions()[1].id)
       end, {retry = {attempts = 3, backoff_ms = 1}})`,
    ],
  ])('%s: a handler that fails is retried by the bus', async (name, source) => {
    const { results, events } = await run([
      { name, source },
      { name: 'feed.lua', source: `Event.publish("job", 7)` },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(events.filter((e) => e.event_type === 'done').map((e) => e.data)).toEqual([7]);
  });

  it('a handler whose every attempt fails is told as crosstalk.handler.failed with the script error', async () => {
    const bus = createBus();
    const failed = bus.subscribe('crosstalk.handler.failed');
    const running = runScripts(
      bus,
      [{ name: 'x.lua', source: `Event.subscribe("job", function(e) error("always") end, {retry = {attempts = 2, backoff_ms = 1}})` }],
      { output: () => {} },
    );
    while (bus.listSubscriptions().length < 2) await new Promise((r) => setImmediate(r));
    bus.publish('job', 1);
    const f = await failed.receive(10_000);
    expect(JSON.stringify(f!.data)).toContain('always');
    // the script is still alive (its handler subscription is): the host stops it
    await bus.close();
    const [r] = await running;
    expect(r).toBeDefined();
  });

  it('an async JS handler settles when its promise does; timers it awaits still fire', async () => {
    const { results, events } = await run([
      {
        name: 'async.js',
        source: `
          let n = 0;
          const s = Event.subscribe('job', async (e) => {
            await new Promise((r) => setTimeout(r, 5));
            if (e.data === 2 && n++ === 0) throw new Error('first try fails');
            Event.publish('done', e.data);
            if (e.data === 3) s.unsubscribe();
          }, { retry: { attempts: 2, backoff_ms: 1 } });`,
      },
      { name: 'feed.js', source: `for (let i = 1; i <= 3; i++) Event.publish('job', i);` },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(events.filter((e) => e.event_type === 'done').map((e) => e.data)).toEqual([1, 2, 3]);
  });

  it('a handler with a filter gets only what the filter keeps', async () => {
    const { results, events } = await run([
      {
        name: 'fl.js',
        source: `const s = Event.subscribe('n', (e) => { Event.publish('kept', e.data); if (e.data === 4) s.unsubscribe(); }, { filter: (e) => e.data % 2 === 0 });`,
      },
      { name: 'feed.js', source: `for (let i = 1; i <= 4; i++) Event.publish('n', i);` },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(events.filter((e) => e.event_type === 'kept').map((e) => e.data)).toEqual([2, 4]);
  });

  it('a handler subscription closed by the host ends a script that has nothing else pending', async () => {
    const bus = createBus();
    const running = runScripts(bus, [{ name: 'w.lua', source: `Event.subscribe("never", function() end)` }], { output: () => {} });
    let sub;
    while ((sub = bus.listSubscriptions().find((s) => s.patterns.includes('never'))) === undefined) await new Promise((r) => setImmediate(r));
    bus.unsubscribe(sub.id);
    const [r] = await running;
    expect(r).toMatchObject({ ok: true });
    await bus.close();
  });

  it.each([
    ['e.lua', 'Event.subscribe("x", function() end, {retry = "lots"})'],
    ['e.js', "Event.subscribe('x', () => {}, { breaker: { failure_threshold: -1 } })"],
    ['e2.js', "Event.subscribe('x', () => {}, { concurrency: 0 })"],
  ])('%s: bad handler options are refused at the call with INVALID_OPTION', async (name, source) => {
    const { results } = await run([{ name, source }]);
    expect(results[0]).toMatchObject({ ok: false, error: { code: 'INVALID_OPTION' } });
  });

  it('a Lua handler that runs forever meets the CPU limit; the script beside it is unharmed', async () => {
    const { results, printed } = await run(
      [
        { name: 'spin.lua', source: `Event.subscribe("go", function() while true do end end)` },
        { name: 'steady.js', source: `Event.publish('go', 1); for (let i = 0; i < 3; i++) Event.sleep(10); console.log('steady');` },
      ],
      { limits: { cpuLimitMs: 300 } },
    );
    expect(results[0]).toMatchObject({ ok: false, error: { code: 'SCRIPT_TIMEOUT' } });
    expect(results[1]).toMatchObject({ ok: true });
    expect(printed['steady.js']).toEqual(['steady']);
  });
});
