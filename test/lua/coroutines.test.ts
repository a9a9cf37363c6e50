/**
 * Blocking calls without blocking the host: a receive (or a `block`
 * publish) parks the script's own isolate thread, so it works anywhere —
 * inside pcall, coroutines the script makes, library callbacks, metamethods
 * and filter functions — while the script's own coroutines keep Lua's
 * semantics.
 */
import { describe, expect, it } from 'vitest';
import { createBus } from '../setup/bus.js';
import { runScripts } from '../../src/scripting/host.js';
import { luaLines, runLua } from './helpers.js';

const noop = () => {};

describe('waiting in receive', () => {
  it('waits for an event the host publishes later, without blocking the host', async () => {
    const bus = createBus();
    const ready = bus.subscribe('test.ready');
    const run = runLua(
      `local sub = Event.subscribe("job.*")
       Event.publish("test.ready")
       local e = Event.receive(sub, 5000)
       print(e.event_type, e.data.n)`,
      { bus },
    );
    expect(await ready.receive(5000)).not.toBeNull(); // the host ran while the script waited
    bus.publish('job.start', { n: 7 });
    const r = await run;
    expect(r.ok).toBe(true);
    expect(r.out).toEqual(['job.start\t7']);
    await bus.close();
  });

  it('works inside pcall and xpcall, and errors after the wait are caught there', async () => {
    const bus = createBus();
    const ready = bus.subscribe('test.ready');
    const run = runLua(
      `local sub = Event.subscribe("job.*")
       Event.publish("test.ready")
       local ok, e = pcall(Event.receive, sub, 5000)
       print(ok, e.data.n)
       local ok2, e2 = xpcall(function() return Event.receive(sub, 5000).data.n end, debug and debug.traceback or tostring)
       print(ok2, e2)
       local ok3, err = pcall(function() local x = Event.receive(sub, 20); return x.data end)
       print(ok3, (tostring(err):gsub("^.-:%d+: ", "")))`,
      { bus },
    );
    await ready.receive(5000);
    bus.publish('job.a', { n: 1 });
    await new Promise((r) => setTimeout(r, 20));
    bus.publish('job.b', { n: 2 });
    const r = await run;
    expect(r.out).toEqual(['true\t1', 'true\t2', "false\tattempt to index a nil value (local 'x')"]);
    await bus.close();
  });

  it('works inside a coroutine the script created, with resume and with wrap', async () => {
    const out = await luaLines(`
      local sub = Event.subscribe("tick")
      local co = coroutine.create(function(a)
        local b = coroutine.yield(a + 1)            -- an ordinary yield to the script
        local e = Event.receive(sub, 2000)          -- a host wait inside the coroutine
        coroutine.yield(e.data.n + b)
        return "end"
      end)
      print(coroutine.resume(co, 1))
      Event.publish("tick", {n = 100})
      print(coroutine.resume(co, 10))
      print(coroutine.resume(co))
      print(coroutine.status(co), coroutine.resume(co))
      local gen = coroutine.wrap(function()
        for i = 1, 3 do
          Event.publish("tick", {n = i})
          coroutine.yield(Event.receive(sub, 2000).data.n)
        end
      end)
      print(gen(), gen(), gen())`);
    expect(out).toEqual(['true\t2', 'true\t110', 'true\tend', 'dead\tfalse\tcannot resume dead coroutine', '1\t2\t3']);
  });

  it('passes a wait through nested coroutines inside pcall', async () => {
    const bus = createBus();
    const ready = bus.subscribe('test.ready');
    const run = runLua(
      `local sub = Event.subscribe("deep")
       local outer = coroutine.wrap(function()
         return pcall(function()
           local inner = coroutine.wrap(function()
             Event.publish("test.ready")
             return Event.receive(sub, 5000).data.v
           end)
           return inner()
         end)
       end)
       print(outer())`,
      { bus },
    );
    await ready.receive(5000);
    bus.publish('deep', { v: 'found' });
    expect((await run).out).toEqual(['true\tfound']);
    await bus.close();
  });

  it('keeps coroutine error semantics', async () => {
    const out = await luaLines(`
      local co = coroutine.create(function() error("inside") end)
      local ok, err = coroutine.resume(co)
      print(ok, err)
      local w = coroutine.wrap(function() error({code = "X"}) end)
      local ok2, err2 = pcall(w)
      print(ok2, err2.code)
      print(pcall(coroutine.resume, 42))
      print(coroutine.isyieldable())`);
    expect(out[0]).toMatch(/^false\ttest\.lua:2: inside$/);
    expect(out[1]).toBe('false\tX');
    expect(out[2]).toMatch(/^false\t.*(coroutine|thread) expected/);
    expect(out[3]).toBe('false');
  });

  it('waits where Lua cannot yield: a sort comparator, a gsub callback, a metamethod, an iterator', async () => {
    const out = await luaLines(`
      local sub = Event.subscribe("x")
      for i = 1, 4 do Event.publish("x", {n = i}) end
      local got = {}
      local t = {3, 1, 2}
      table.sort(t, function(a, b) local e = Event.receive(sub, 20) if e then got[#got + 1] = e.data.n end return a < b end)
      print(t[1], t[2], t[3], #got > 0)
      Event.publish("x", {n = 9})
      local s = ("ab"):gsub("a", function() local e = Event.receive(sub, 1000) return e and tostring(e.data.n) or "?" end)
      print(s ~= "ab")
      local lazy = setmetatable({}, {__index = function(_, k) Event.publish("x", {n = k}) return Event.receive(sub, 1000) end})
      print(lazy[77] ~= nil)`);
    expect(out[0]).toBe('1\t2\t3\ttrue');
    expect(out.slice(1)).toEqual(['true', 'true']);
  });

  it('a top-level coroutine.yield is an error, as in Lua', async () => {
    const r = await runLua('for i = 1, 3 do coroutine.yield(i) end print("done")');
    expect(r.ok).toBe(false);
    expect(r.error!.message).toMatch(/yield/);
  });
});

describe('filter functions', () => {
  it('filters at receive time; refused events count as filtered', async () => {
    const out = await luaLines(`
      local sub = Event.subscribe("pay.*", {filter = function(e) return e.data.amount > 100 end})
      for _, a in ipairs({50, 150, 99, 500}) do Event.publish("pay.done", {amount = a}) end
      local got = {}
      for _, e in ipairs(Event.receive_batch(sub, {max_events = 10, timeout_ms = 0})) do got[#got + 1] = e.data.amount end
      print(table.concat(got, ","), Event.subscription_stats(sub).filtered)`);
    expect(out).toEqual(['150,500\t2']);
  });

  it('runs while the script waits, and a filter error reaches the receiver as an error', async () => {
    const bus = createBus();
    const ready = bus.subscribe('test.ready');
    const run = runLua(
      `local sub = Event.subscribe("n", {filter = function(e) return e.data.v % 2 == 0 end})
       Event.publish("test.ready")
       print(Event.receive(sub, 5000).data.v)
       local bad = Event.subscribe("m", {filter = function(e) return e.data.missing.field end})
       Event.publish("m", {})
       local ok, err = pcall(Event.receive, bad, 0)
       print(ok, err.code, err.message:find("filter function failed") ~= nil)`,
      { bus },
    );
    await ready.receive(5000);
    bus.publish('n', { v: 1 });
    bus.publish('n', { v: 2 });
    expect((await run).out).toEqual(['2', 'false\tSCRIPT_ERROR\ttrue']);
    await bus.close();
  });

  it('a filter may receive through another filtered subscription, or through its own, without a crash', async () => {
    const out = await luaLines(`
      local inner = Event.subscribe("in", {filter = function(e) return e.data.ok end})
      local outer = Event.subscribe("out", {filter = function(e) local x = Event.receive(inner, 0) return x ~= nil end})
      Event.publish("in", {ok = true}) Event.publish("out", {})
      print(Event.receive(outer, 0) ~= nil)
      local loop
      loop = Event.subscribe("loop", {filter = function(e) return Event.receive(loop, 0) ~= nil end})
      for i = 1, 40 do Event.publish("loop", {i = i}) end
      local ok, e = pcall(Event.receive, loop, 0)
      print(ok, Event.subscription_stats(loop).queue_size)`);
    expect(out).toEqual(['true', 'true\t0']);
  });

  it('a filter may wait', async () => {
    const out = await luaLines(`
      local other = Event.subscribe("other")
      local sub = Event.subscribe("n", {filter = function(e) return Event.receive(other, 1000) ~= nil end})
      Event.publish("n", {v = 1})
      Event.publish("other", {})
      print(Event.receive(sub, 0).data.v)`);
    expect(out).toEqual(['1']);
  });
});

describe('a block-strategy publish', () => {
  it('waits for room the same way, and fails with BLOCK_TIMEOUT when none comes', async () => {
    const bus = createBus();
    const slow = bus.subscribe('q.*', { backpressure: 'block', max_queue_size: 1, block_timeout_ms: 300 });
    const ready = bus.subscribe('test.ready');
    const run = runLua(
      `Event.publish("q.1", {n = 1})
       Event.publish("test.ready")
       Event.publish("q.2", {n = 2})          -- waits until the host takes q.1
       print("second delivered")
       local ok, err = pcall(Event.publish, "q.3", {n = 3})
       print(ok, err.code)`,
      { bus },
    );
    await ready.receive(5000);
    expect(slow.poll()?.data).toEqual({ n: 1 });
    const r = await run;
    expect(r.out[0]).toBe('second delivered');
    expect(r.out[1]).toBe('false\tBLOCK_TIMEOUT');
    expect(slow.poll()?.data).toEqual({ n: 2 });
    await bus.close();
  }, 10_000);
});

describe('many scripts at once', () => {
  it('runs scripts concurrently on one bus: a ping-pong (the start barrier needs no handshake)', async () => {
    const bus = createBus();
    const results = await runScripts(
      bus,
      [
        {
          name: 'ping.lua',
          source: `local sub = Event.subscribe("pong")
                   for i = 1, 50 do Event.publish("ping", {i = i}); assert(Event.receive(sub, 5000).data.i == i) end`,
        },
        {
          name: 'pong.lua',
          source: `local sub = Event.subscribe("ping")
                   for i = 1, 50 do local e = Event.receive(sub, 5000); Event.publish("pong", {i = e.data.i}) end`,
        },
      ],
      { limits: { memoryLimitMb: 16 }, output: noop },
    );
    expect(results.map((r) => [r.ok, r.error])).toEqual([
      [true, undefined],
      [true, undefined],
    ]);
    await bus.close();
  });
});
