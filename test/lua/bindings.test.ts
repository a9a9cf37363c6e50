/**
 * The `Event` global: every function, both publish forms, handles, the call
 * forms of the Rust original, and malformed input to every binding (the host
 * survives and the script gets a catchable error with the right code).
 */
import { describe, expect, it } from 'vitest';
import { createBus } from '../setup/bus.js';
import type { JsonValue } from '../../src/core/event.js';
import { EVENT_FUNCTIONS } from '../../src/scripting/event-api.js';
import { luaLines, runLua } from './helpers.js';

describe('Event', () => {
  it('has every binding of the shared table', async () => {
    const out = await luaLines('local names = {} for k, v in pairs(Event) do names[#names + 1] = k .. "=" .. type(v) end table.sort(names) print(table.concat(names, " "))');
    expect(out[0]!.split(' ')).toEqual(EVENT_FUNCTIONS.map((f) => f.name).sort().map((k) => `${k}=function`));
  });

  it('publishes in the short form with options and in the table form', async () => {
    const bus = createBus();
    const sub = bus.subscribe('order.*', { ordering: 'publish' }); // publish order, whatever the priority
    const out = await luaLines(
      `local id1 = Event.publish("order.paid", {amount = 5}, {priority = "high", correlation_id = "c-1", metadata = {user = "u1"}})
       local id2 = Event.publish({event_type = "order.shipped", data = {n = 1}, metadata = {k = "v"}, priority = "low"})
       local id3 = Event.publish("order.empty")
       print(#id1, #id2, id1 ~= id2, type(id3))`,
      { bus, name: 'pay.lua' },
    );
    expect(out).toEqual(['36\t36\ttrue\tstring']);
    const [a, b, c] = sub.drain(10);
    expect(a).toMatchObject({ event_type: 'order.paid', data: { amount: 5 }, priority: 'high', metadata: { user: 'u1' } });
    expect(a!.source).toMatchObject({ component: 'pay.lua', language: 'lua', correlation_id: 'c-1' });
    expect(b).toMatchObject({ event_type: 'order.shipped', data: { n: 1 }, metadata: { k: 'v' }, priority: 'low' });
    expect(c!.event_type).toBe('order.empty');
    expect(a!.source.instance_id).toBe(b!.source.instance_id);
    await bus.close();
  });

  it('gives each run a fresh instance_id', async () => {
    const bus = createBus();
    const sub = bus.subscribe('x');
    await luaLines('Event.publish("x")', { bus });
    await luaLines('Event.publish("x")', { bus });
    const [a, b] = sub.drain(2);
    expect(a!.source.instance_id).not.toBe(b!.source.instance_id);
    await bus.close();
  });

  it('subscribes to a list of patterns; handles work as ids everywhere', async () => {
    const out = await luaLines(`
      local sub = Event.subscribe({"a.*", "b.**"}, {backpressure = "drop_newest", max_queue_size = 2})
      print(#sub.patterns, sub.patterns[1], sub.patterns[2])
      Event.publish("a.x", {}) Event.publish("b.y.z", {}) Event.publish("c", {}) Event.publish("a.q", {})
      local id = tostring(sub)
      print(Event.receive(id, 0).event_type, Event.receive(sub, 0).event_type, Event.receive(id, 0))
      local stats = Event.subscription_stats(id)
      print(stats.total_received, stats.delivered, stats.dropped, stats.queue_size, stats.high_water)
      local list = Event.list_subscriptions()
      print(#list, list[1].id == id, list[1].pattern, list[1].max_queue_size, list[1].backpressure)
      print(sub == Event.subscribe("zzz"), sub == sub)
      print(Event.unsubscribe(id), Event.unsubscribe(sub), sub:unsubscribe())
      print(#Event.list_subscriptions())`);
    expect(out).toEqual([
      '2\ta.*\tb.**',
      'a.x\tb.y.z\tnil',
      '3\t2\t1\t0\t2',
      '1\ttrue\ta.*\t2\tdrop_newest',
      'false\ttrue',
      'true\tfalse\tfalse',
      '1',
    ]);
  });

  it('unsubscribe_pattern removes every subscription holding the pattern', async () => {
    const out = await luaLines(`
      Event.subscribe("t.*") Event.subscribe({"t.*", "u"}) Event.subscribe("u")
      print(Event.unsubscribe_pattern("t.*"), #Event.list_subscriptions(), Event.unsubscribe_pattern("none"))`);
    expect(out).toEqual(['2\t1\t0']);
  });

  it('receive_batch returns what is queued, in order, and an empty list on timeout', async () => {
    const out = await luaLines(`
      local sub = Event.subscribe("n")
      for i = 1, 5 do Event.publish("n", {i = i}) end
      local b = Event.receive_batch(sub, {max_events = 3})
      print(#b, b[1].data.i, b[3].data.i)
      local rest = Event.receive_batch(sub)
      print(#rest, rest[1].data.i, rest[2].data.i)
      local none = Event.receive_batch(sub, {timeout_ms = 10})
      print(type(none), #none, next(none))`);
    expect(out).toEqual(['3\t1\t3', '2\t4\t5', 'table\t0\tnil']);
  });

  it('hands the script complete events', async () => {
    const out = await luaLines(`
      local sub = Event.subscribe("e")
      Event.publish("e", {list = {1, 2}, nested = {ok = true}})
      local e = Event.receive(sub, 0)
      print(#e.id, e.event_type, e.version, math.type(e.sequence), e.priority, type(e.metadata), e.timestamp:match("^%d+%-%d+%-%d+T.*Z$") ~= nil)
      print(e.source.component, e.source.language, #e.source.instance_id, e.data.list[2], e.data.nested.ok)
      e.data.list[1] = 99 -- received tables belong to the script
      print(JSON.encode(e.data))`);
    expect(out).toEqual(['36\te\t1.0\tinteger\tnormal\ttable\ttrue', 'test.lua\tlua\t36\t2\ttrue', '{"list":[99,2],"nested":{"ok":true}}']);
  });

  it('keeps received events independent when the script deletes and re-adds their fields', async () => {
    // the events of a batch share their key values (lua/marshal.ts): deleting a
    // field of one must leave every other event, and iteration over the first, intact
    const out = await luaLines(`
      local sub = Event.subscribe("k")
      for i = 1, 3 do Event.publish("k", {i = i, amount = 10.5, currency = "USD"}) end
      local b = Event.receive_batch(sub, {max_events = 3})
      b[1].version = nil
      b[1].data.amount = nil
      b[1].source.language = nil
      local keys = {}
      for k in pairs(b[2]) do keys[#keys + 1] = k end
      table.sort(keys)
      print(table.concat(keys, ","))
      print(b[2].version, b[3].data.amount, b[2].source.language, b[1].version, b[1].data.amount)
      local left = {}
      for k, v in pairs(b[1].data) do left[#left + 1] = k .. "=" .. tostring(v) end
      table.sort(left)
      print(table.concat(left, ","))
      -- a deleted key during traversal, as Lua allows, then the field back
      for k in pairs(b[3]) do if k ~= "id" then b[3][k] = nil end end
      b[3].version = "2.0"
      b[1].data.amount = 1
      print(b[3].id ~= nil, b[3].version, b[3].event_type, b[1].data.amount, b[2].event_type, JSON.encode(b[2].data))`);
    expect(out).toEqual([
      'data,event_type,id,metadata,priority,sequence,source,timestamp,version',
      '1.0\t10.5\tlua\tnil\tnil',
      'currency=USD,i=1',
      'true\t2.0\tnil\t1\tk\t{"i":2,"amount":10.5,"currency":"USD"}',
    ]);
  });

  it('receives data nested as deep as the bus allows', async () => {
    const bus = createBus();
    const ready = bus.subscribe('ready');
    const run = runLua(
      `local sub = Event.subscribe("deep")
       Event.publish("ready")
       local e = Event.receive(sub, 5000)
       local d, n = e.data, 0
       while next(d) do d = d.a; n = n + 1 end
       print(n)
       local batch = (function() Event.publish("deep", e.data) return Event.receive_batch(sub, {timeout_ms = 0}) end)()
       print(#batch)`,
      { bus },
    );
    await ready.receive(5000);
    let data: JsonValue = {};
    for (let i = 0; i < 63; i++) data = { a: data };
    bus.publish('deep', data);
    expect((await run).out).toEqual(['63', '1']);
    await bus.close();
  });

  it('answers the Rust original’s call forms', async () => {
    const out = await luaLines(`
      Event.publish("s", {}) Event.subscribe("s")
      local st = Event.get_stats()
      print(st.published, st.subscriptions, type(st.delivered))
      local sub = Event.subscribe("r")
      local id = sub.id
      Event.publish("r", {x = 1})
      print(Event.receive(id, 0).data.x, Event.subscription_stats(id).delivered, Event.unsubscribe(id))
      print(Event.publish("lang", {}, {language = "rust"}) ~= nil)`);
    // published counts the bus's announcement of the script's start too (crosstalk.script.started)
    expect(out).toEqual(['2\t1\tnumber', '1\t1\ttrue', 'true']);
  });

  it('answers query and replay with STORE_UNAVAILABLE without a store', async () => {
    const out = await luaLines(`
      for _, f in ipairs({function() return Event.query({event_type = "x.*"}) end, function() return Event.replay({}) end}) do
        local ok, err = pcall(f)
        print(ok, err.code)
      end`);
    expect(out).toEqual(['false\tSTORE_UNAVAILABLE', 'false\tSTORE_UNAVAILABLE']);
  });
});

describe('malformed input: a catchable error with the right code, and the host goes on', () => {
  const cases: [string, string, string][] = [
    // publish
    ['publish()', 'Event.publish()', 'INVALID_EVENT_TYPE'],
    ['publish(42)', 'Event.publish(42)', 'INVALID_EVENT_TYPE'],
    ['publish("")', 'Event.publish("")', 'INVALID_EVENT_TYPE'],
    ['publish("a b")', 'Event.publish("a b")', 'INVALID_EVENT_TYPE'],
    ['publish(long type)', 'Event.publish(("a"):rep(256))', 'INVALID_EVENT_TYPE'],
    ['publish(type, function)', 'Event.publish("x", print)', 'INVALID_DATA'],
    ['publish(type, NaN)', 'Event.publish("x", {v = 0/0})', 'INVALID_DATA'],
    ['publish(type, cycle)', 'local t = {} t.t = t Event.publish("x", t)', 'INVALID_DATA'],
    ['publish(type, 2 MiB)', 'Event.publish("x", {blob = ("x"):rep(2 * 1024 * 1024)})', 'PAYLOAD_TOO_LARGE'],
    ['publish(type, data, unknown option)', 'Event.publish("x", {}, {bogus = true})', 'INVALID_OPTION'],
    ['publish(type, data, bad priority)', 'Event.publish("x", {}, {priority = "urgent"})', 'INVALID_OPTION'],
    ['publish(type, data, negative ttl)', 'Event.publish("x", {}, {ttl_seconds = -1})', 'INVALID_OPTION'],
    ['publish(type, data, options = "x")', 'Event.publish("x", {}, "x")', 'INVALID_OPTION'],
    ['publish(type, data, persistent without store)', 'Event.publish("x", {}, {persistent = true})', 'STORE_UNAVAILABLE'],
    ['publish({table}, extra)', 'Event.publish({event_type = "x"}, {})', 'INVALID_OPTION'],
    ['publish({no type})', 'Event.publish({data = {}})', 'INVALID_EVENT_TYPE'],
    ['publish({bad id})', 'Event.publish({event_type = "x", id = "nope"})', 'INVALID_OPTION'],
    // subscribe
    ['subscribe()', 'Event.subscribe()', 'INVALID_PATTERN'],
    ['subscribe("")', 'Event.subscribe("")', 'INVALID_PATTERN'],
    ['subscribe({})', 'Event.subscribe({})', 'INVALID_PATTERN'],
    ['subscribe("a.[b")', 'Event.subscribe("a.[b")', 'INVALID_PATTERN'],
    ['subscribe("a.{b")', 'Event.subscribe("a.{b")', 'INVALID_PATTERN'],
    ['subscribe("a..b")', 'Event.subscribe("a..b")', 'INVALID_PATTERN'],
    ['subscribe("***")', 'Event.subscribe("***")', 'INVALID_PATTERN'],
    ['subscribe({"ok", 5})', 'Event.subscribe({"ok", 5})', 'INVALID_PATTERN'],
    ['subscribe(long)', 'Event.subscribe(("a"):rep(300))', 'INVALID_PATTERN'],
    ['subscribe(x, bad backpressure)', 'Event.subscribe("x", {backpressure = "sometimes"})', 'INVALID_OPTION'],
    ['subscribe(x, queue 0)', 'Event.subscribe("x", {max_queue_size = 0})', 'INVALID_OPTION'],
    ['subscribe(x, queue 1e9)', 'Event.subscribe("x", {max_queue_size = 1e9})', 'INVALID_OPTION'],
    ['subscribe(x, negative block timeout)', 'Event.subscribe("x", {block_timeout_ms = -5})', 'INVALID_OPTION'],
    ['subscribe(x, unknown option)', 'Event.subscribe("x", {colour = "red"})', 'INVALID_OPTION'],
    ['subscribe(x, filter = 5)', 'Event.subscribe("x", {filter = 5})', 'INVALID_OPTION'],
    ['subscribe(x, bad filter op)', 'Event.subscribe("x", {filter = {["data.a"] = {op = "~~", value = 1}}})', 'INVALID_QUERY'],
    // receive and friends
    ['receive()', 'Event.receive()', 'UNKNOWN_SUBSCRIPTION'],
    ['receive(unknown id)', 'Event.receive("no-such-id", 0)', 'UNKNOWN_SUBSCRIPTION'],
    ['receive({})', 'Event.receive({}, 0)', 'UNKNOWN_SUBSCRIPTION'],
    ['receive(sub, -1)', 'Event.receive(Event.subscribe("x"), -1)', 'INVALID_OPTION'],
    ['receive(sub, NaN)', 'Event.receive(Event.subscribe("x"), 0/0)', 'INVALID_DATA'],
    ['receive(sub, "soon")', 'Event.receive(Event.subscribe("x"), "soon")', 'INVALID_OPTION'],
    ['receive_batch(unknown)', 'Event.receive_batch("nope")', 'UNKNOWN_SUBSCRIPTION'],
    ['receive_batch(sub, max 0)', 'Event.receive_batch(Event.subscribe("x"), {max_events = 0})', 'INVALID_OPTION'],
    ['receive_batch(sub, negative timeout)', 'Event.receive_batch(Event.subscribe("x"), {timeout_ms = -1})', 'INVALID_OPTION'],
    ['receive_batch(sub, unknown key)', 'Event.receive_batch(Event.subscribe("x"), {max = 3})', 'INVALID_OPTION'],
    ['subscription_stats(unknown)', 'Event.subscription_stats("nope")', 'UNKNOWN_SUBSCRIPTION'],
    ['subscription_stats(42)', 'Event.subscription_stats(42)', 'UNKNOWN_SUBSCRIPTION'],
    ['unsubscribe(42)', 'Event.unsubscribe(42)', 'UNKNOWN_SUBSCRIPTION'],
    ['unsubscribe()', 'Event.unsubscribe()', 'UNKNOWN_SUBSCRIPTION'],
    ['unsubscribe_pattern("[")', 'Event.unsubscribe_pattern("[")', 'INVALID_PATTERN'],
    ['unsubscribe_pattern(nil)', 'Event.unsubscribe_pattern()', 'INVALID_PATTERN'],
  ];

  it.each(cases)('%s', async (_name, call, code) => {
    const out = await luaLines(`local ok, err = pcall(function() ${call} end)
print(ok, type(err) == "table" and err.code or tostring(err))
print("alive")`);
    expect(out).toEqual([`false\t${code}`, 'alive']);
  });

  it('unsubscribing an unknown id is false, not an error (idempotent)', async () => {
    expect(await luaLines('print(Event.unsubscribe("never-was"))')).toEqual(['false']);
  });

  it('a huge but legal payload goes through', async () => {
    const bus = createBus();
    const sub = bus.subscribe('big');
    const r = await runLua('local items = {} for i = 1, 10000 do items[i] = {i = i, s = "item"} end Event.publish("big", {items = items})', { bus });
    expect(r.ok).toBe(true);
    expect((sub.poll()!.data as { items: unknown[] }).items).toHaveLength(10000);
    await bus.close();
  });
});
