/**
 * Scripts as services (docs/scripts.md "Request and reply", "Scheduled
 * events", "Waiting on several subscriptions"): request/reply in every
 * language pair, sleep, scheduled events, receive_any and
 * with_correlation, each with the bad inputs they must refuse.
 */
import { describe, expect, it } from 'vitest';
import type { UniversalEvent } from '../../src/core/event.js';
import { runScripts } from '../../src/scripting/host.js';
import { createBus } from '../setup/bus.js';

async function run(files: { name: string; source: string }[], options: Parameters<typeof runScripts>[2] = {}) {
  const bus = createBus();
  const seen = bus.subscribe('**', { max_queue_size: 100_000 });
  const printed: Record<string, string[]> = {};
  const results = await runScripts(bus, files, { output: (script, text) => (printed[script] ??= []).push(text), ...options });
  const events: UniversalEvent[] = seen.drain();
  await bus.close();
  return { results, printed, events };
}

const SERVICES = {
  lua: `local s = Event.subscribe("quote.get")
        local req = Event.receive(s, 10000)
        Event.reply(req, {price = req.data.qty * 2})`,
  js: `const s = Event.subscribe('quote.get');
       const req = Event.receive(s, 10000);
       Event.reply(req, { price: req.data.qty * 2 });`,
};
const CLIENTS = {
  lua: `local rep = Event.request("quote.get", {qty = 3}, {timeout_ms = 10000})
        print(rep.data.price, rep.metadata.in_reply_to ~= nil)`,
  js: `const rep = Event.request('quote.get', { qty: 3 }, { timeout_ms: 10000 });
       console.log(rep.data.price, rep.metadata.in_reply_to !== undefined);`,
};

describe('request/reply', () => {
  for (const [sl, service] of Object.entries(SERVICES)) {
    for (const [cl, client] of Object.entries(CLIENTS)) {
      it(`${cl} asks, ${sl} answers`, async () => {
        const { results, printed, events } = await run([
          { name: `service.${sl === 'lua' ? 'lua' : 'js'}`, source: service },
          { name: `client.${cl === 'lua' ? 'lua' : 'js'}`, source: client },
        ]);
        expect(results.map((r) => r.error ?? r.ok)).toEqual([true, true]);
        const out = printed[`client.${cl === 'lua' ? 'lua' : 'js'}`]!;
        expect(out[0]!.replace('\t', ' ')).toBe('6 true');
        const req = events.find((e) => e.event_type === 'quote.get')!;
        const rep = events.find((e) => e.metadata?.in_reply_to === req.id)!;
        // a reply carries the request's correlation and records it as its cause
        expect(rep.source.correlation_id).toBe(req.source.correlation_id);
        expect(rep.metadata?.caused_by).toBe(req.id);
      });
    }
  }

  it('the host asks a script and a script asks the host', async () => {
    const bus = createBus();
    const hostService = bus.subscribe('host.time');
    const running = runScripts(
      bus,
      [
        {
          name: 'both.lua',
          source: `local s = Event.subscribe("script.echo")
                   local r = Event.request("host.time", {}, {timeout_ms = 10000})
                   local req = Event.receive(s, 10000)
                   Event.reply(req, {echo = req.data.say, host_said = r.data.now})`,
        },
      ],
      { output: () => {} },
    );
    const asked = await hostService.receive(10_000);
    bus.reply(asked!, { now: 42 });
    const rep = await bus.request('script.echo', { say: 'hi' }, { timeout_ms: 10_000 });
    expect(rep!.data).toEqual({ echo: 'hi', host_said: 42 });
    expect((await running)[0]).toMatchObject({ ok: true });
    await bus.close();
  });

  it('a request nobody subscribes to fails at once with NO_RESPONDERS; one nobody answers times out as nil/null', async () => {
    // no '**' spy here: it would be a subscriber of every request
    const bus = createBus();
    const printed: Record<string, string[]> = {};
    const results = await runScripts(bus, [
      {
        name: 'ask.lua',
        source: `local ok, err = pcall(Event.request, "nobody.home", {}, {timeout_ms = 5000})
                 print(ok, err.code)
                 local quiet = Event.subscribe("quiet.service")
                 local t = os.clock()
                 print(Event.request("quiet.service", {}, {timeout_ms = 30}))`,
      },
      {
        name: 'ask.js',
        source: `try { Event.request('nobody.home.js', {}); } catch (e) { console.log(e.code); }
                 Event.subscribe('quiet.js');
                 console.log(Event.request('quiet.js', 1, { timeout_ms: 30 }));`,
      },
    ], { output: (script, text) => (printed[script] ??= []).push(text) });
    await bus.close();
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(printed['ask.lua']).toEqual(['false\tNO_RESPONDERS', 'nil']);
    expect(printed['ask.js']).toEqual(['NO_RESPONDERS', 'null']);
  });

  it.each([
    ['reply to an event that asked nothing', `local s = Event.subscribe("plain") Event.publish("plain", 1) local e = Event.receive(s, 1000) print(select(2, pcall(Event.reply, e, {})).code)`, 'INVALID_OPTION'],
    ['reply to garbage', `print(select(2, pcall(Event.reply, "not an event", {})).code)`, 'INVALID_OPTION'],
    ['a negative timeout', `Event.subscribe("t") print(select(2, pcall(Event.request, "t", {}, {timeout_ms = -1})).code)`, 'INVALID_OPTION'],
    ['a timeout that is not a number', `Event.subscribe("t") print(select(2, pcall(Event.request, "t", {}, {timeout_ms = "soon"})).code)`, 'INVALID_OPTION'],
    ['an unknown option', `Event.subscribe("t") print(select(2, pcall(Event.request, "t", {}, {timeout = 5})).code)`, 'INVALID_OPTION'],
    ['a bad type', `print(select(2, pcall(Event.request, "bad..type", {})).code)`, 'INVALID_EVENT_TYPE'],
  ])('%s is refused with a coded error', async (_what, source, code) => {
    const { results, printed } = await run([{ name: 'bad.lua', source }]);
    expect(results[0]).toMatchObject({ ok: true });
    expect(printed['bad.lua']).toEqual([code]);
  });

  it('a second reply to the same request is dropped; the asker gets the first', async () => {
    const { results, printed } = await run([
      {
        name: 'twice.js',
        source: `const s = Event.subscribe('q'); const r = Event.receive(s, 10000); Event.reply(r, 1); Event.reply(r, 2);`,
      },
      { name: 'asker.lua', source: `print(Event.request("q", {}, {timeout_ms = 10000}).data)` },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(printed['asker.lua']).toEqual(['1']);
  });

  it('a script that asks thousands of things concurrently through handlers and a misbehaving one beside it', async () => {
    const { results, printed } = await run(
      [
        {
          name: 'svc.js',
          source: `let n = 0; const s = Event.subscribe('sq', (e) => { Event.reply(e, e.data * e.data); if (++n === 200) s.unsubscribe(); });`,
        },
        {
          name: 'many.lua',
          source: `local sum = 0 for i = 1, 200 do sum = sum + Event.request("sq", i, {timeout_ms = 10000}).data end print(sum)`,
        },
        { name: 'bomb.js', source: `const a = []; for (;;) a.push(new Array(1e5).fill(1));` },
      ],
      { limits: { memoryLimitMb: 32 } },
    );
    expect(results[0]).toMatchObject({ ok: true });
    expect(results[1]).toMatchObject({ ok: true });
    expect(results[2]).toMatchObject({ ok: false, error: { code: 'SCRIPT_MEMORY' } });
    expect(printed['many.lua']).toEqual([String((200 * 201 * 401) / 6)]);
  });
});

describe('sleep', () => {
  it.each([
    ['s.lua', `local t = os.time() Event.sleep(300) os.execute("sleep 0.3") print("slept")`],
    ['s.js', `Event.sleep(300); Event.sleep(300); console.log('slept');`],
  ])('%s: sleeping waits without using the CPU budget', async (name, source) => {
    const t0 = performance.now();
    // 600 ms asleep under a CPU limit of 250 ms
    const { results, printed } = await run([{ name, source }], { limits: { cpuLimitMs: 250 } });
    expect(results[0]).toMatchObject({ ok: true });
    expect(printed[name]).toEqual(['slept']);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(599);
    expect(results[0]!.cpuMs).toBeLessThan(results[0]!.durationMs);
  });

  it.each([
    ['-1', 'INVALID_OPTION'],
    ['1/0', 'INVALID_DATA'],
    ['"10"', 'INVALID_OPTION'],
    ['2^40', 'INVALID_OPTION'],
    ['nil', 'INVALID_OPTION'],
  ])('Event.sleep(%s) is %s', async (arg, code) => {
    const { printed } = await run([{ name: 'b.lua', source: `print(select(2, pcall(Event.sleep, ${arg})).code)` }]);
    expect(printed['b.lua']).toEqual([code]);
  });

  it('a script stopped while it sleeps ends at once', async () => {
    const t0 = performance.now();
    const { results } = await run([{ name: 'long.lua', source: `Event.sleep(60000)` }], { limits: { deadlineMs: 100 } });
    expect(results[0]).toMatchObject({ ok: false, error: { code: 'SCRIPT_TIMEOUT' } });
    expect(performance.now() - t0).toBeLessThan(30_000);
  });
});

describe('scheduled events', () => {
  it('a script schedules a repeating event, cancels it, and its schedules end with it', async () => {
    const { results, events, printed } = await run([
      {
        name: 'flush.lua',
        source: `local s = Event.subscribe("flush")
                 local id = Event.schedule("flush", {n = 1}, {every_ms = 10})
                 for i = 1, 3 do Event.receive(s, 5000) end
                 print(Event.cancel(id), Event.cancel(id), Event.cancel("someone-elses"))
                 Event.schedule("later", {}, {delay_ms = 60000})`,
      },
    ]);
    expect(results[0]).toMatchObject({ ok: true });
    expect(printed['flush.lua']).toEqual(['true\tfalse\tfalse']);
    expect(events.filter((e) => e.event_type === 'flush').length).toBeGreaterThanOrEqual(3);
    // the script's one-minute schedule ended with it: nothing named 'later' ever came
    expect(events.some((e) => e.event_type === 'later')).toBe(false);
  });

  it('the host schedules, lists and cancels', async () => {
    const bus = createBus();
    const ticks = bus.subscribe('tick');
    const id = bus.schedule('tick', { at: 1 }, { delay_ms: 5 });
    expect(bus.listSchedules().map((s) => s.id)).toContain(id);
    expect((await ticks.receive(5000))!.data).toEqual({ at: 1 });
    const every = bus.schedule('tick', 2, { every_ms: 5 });
    await ticks.receive(5000);
    expect(bus.cancelSchedule(every)).toBe(true);
    expect(bus.cancelSchedule(every)).toBe(false);
    expect(bus.listSchedules()).toEqual([]);
    await bus.close();
  });

  it.each([
    [`Event.schedule("x", {}, {})`, 'INVALID_OPTION'],
    [`Event.schedule("x", {}, {delay_ms = -5})`, 'INVALID_OPTION'],
    [`Event.schedule("x", {}, {every_ms = 0})`, 'INVALID_OPTION'],
    [`Event.schedule("x", {}, {every_ms = 2^40})`, 'INVALID_OPTION'],
    [`Event.schedule("x", {}, {delay_ms = 5, bogus = 1})`, 'INVALID_OPTION'],
    [`Event.schedule("bad..type", {}, {delay_ms = 5})`, 'INVALID_EVENT_TYPE'],
    [`Event.cancel(42)`, 'INVALID_OPTION'],
  ])('%s is refused with %s', async (call, code) => {
    const { printed } = await run([{ name: 'b.lua', source: `print(select(2, pcall(function() return ${call} end)).code)` }]);
    expect(printed['b.lua']).toEqual([code]);
  });
});

describe('receive_any', () => {
  it.each([
    [
      'any.lua',
      `local a = Event.subscribe("a") local b = Event.subscribe("b")
       Event.publish("b", 2)
       local r = Event.receive_any({a, b}, 1000)
       print(r.event.data, r.subscription == b)
       print(Event.receive_any({a, b}, 0))`,
      ['2\ttrue', 'nil'],
    ],
    [
      'any.js',
      `const a = Event.subscribe('a'); const b = Event.subscribe('b');
       Event.publish('a', 1);
       const r = Event.receiveAny([a, b], 1000);
       console.log(r.event.data, r.subscription.id === a.id);
       console.log(Event.receiveAny([a, b], 0));`,
      ['1 true', 'null'],
    ],
  ])('%s: the event of whichever subscription has one, with that subscription', async (name, source, expected) => {
    const { results, printed } = await run([{ name, source }]);
    expect(results[0]).toMatchObject({ ok: true });
    expect(printed[name]).toEqual(expected);
  });

  it('waits for an event that comes later, from another script', async () => {
    const { results, printed } = await run([
      { name: 'w.lua', source: `local a = Event.subscribe("a") local b = Event.subscribe("b") local r = Event.receive_any({a, b}, 10000) print(r.event.data)` },
      { name: 'p.js', source: `Event.sleep(20); Event.publish('b', 'late');` },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(printed['w.lua']).toEqual(['late']);
  });

  it.each([
    [`Event.receive_any({}, 10)`, 'INVALID_OPTION'],
    [`Event.receive_any("nope", 10)`, 'INVALID_OPTION'],
    [`Event.receive_any({Event.subscribe("a")}, -1)`, 'INVALID_OPTION'],
    [`Event.receive_any({"not-a-subscription"}, 10)`, 'UNKNOWN_SUBSCRIPTION'],
  ])('%s is refused with %s', async (call, code) => {
    const { printed } = await run([{ name: 'b.lua', source: `print(select(2, pcall(function() return ${call} end)).code)` }]);
    expect(printed['b.lua']).toEqual([code]);
  });

  it('another script\'s subscription cannot be waited on', async () => {
    const bus = createBus();
    const hostSub = bus.subscribe('secret');
    const printed: string[] = [];
    await runScripts(bus, [{ name: 'spy.lua', source: `print(select(2, pcall(Event.receive_any, {"${hostSub.id}"}, 10)).code)` }], {
      output: (_s, t) => printed.push(t),
    });
    expect(printed).toEqual(['UNKNOWN_SUBSCRIPTION']);
    await bus.close();
  });
});

describe('with_correlation', () => {
  it.each([
    ['c.lua', `Event.with_correlation("order-9", function() Event.publish("a", 1) Event.publish("b", 2) end) Event.publish("c", 3)`],
    ['c.js', `Event.withCorrelation('order-9', () => { Event.publish('a', 1); Event.publish('b', 2); }); Event.publish('c', 3);`],
  ])('%s: publishes inside carry the correlation id; after it, none', async (name, source) => {
    const { results, events } = await run([{ name, source }]);
    expect(results[0]).toMatchObject({ ok: true });
    const by = Object.fromEntries(events.map((e) => [e.event_type, e.source.correlation_id]));
    expect(by).toMatchObject({ a: 'order-9', b: 'order-9' });
    expect(by.c).toBeUndefined();
  });

  it.each([
    ['c.lua', `print(select(2, pcall(Event.with_correlation, 5, function() end)).code)`],
    ['c2.lua', `print(select(2, pcall(Event.with_correlation, "x", "not a function")).code)`],
    ['c3.lua', `print(select(2, pcall(Event.with_correlation, "", function() end)).code)`],
  ])('%s: bad arguments are INVALID_OPTION', async (name, source) => {
    const { printed } = await run([{ name, source }]);
    expect(printed[name]).toEqual(['INVALID_OPTION']);
  });

  it('an error inside ends the scope and reaches the caller', async () => {
    const { printed, events } = await run([
      {
        name: 'e.lua',
        source: `print(pcall(Event.with_correlation, "k", function() Event.publish("in", 1) error("inner") end)) Event.publish("out", 1)`,
      },
    ]);
    expect(printed['e.lua']![0]).toMatch(/^false\t.*inner/);
    expect(events.find((e) => e.event_type === 'out')!.source.correlation_id).toBeUndefined();
  });
});
