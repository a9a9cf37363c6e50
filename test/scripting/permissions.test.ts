/**
 * Per-script permissions through runScripts (docs/scripts.md "Script permissions"):
 * a refused publish or subscribe is PERMISSION_DENIED at the call, in Lua
 * and JS alike, batched publishes included; the script's other work and the
 * other scripts go on.
 */
import { describe, expect, it } from 'vitest';
import type { UniversalEvent } from '../../src/core/event.js';
import { runScripts } from '../../src/scripting/host.js';
import { createBus } from '../setup/bus.js';
import { createMemoryStore } from '../../src/store/memory.js';

describe('script permissions', () => {
  it('publish: an allowed type goes out, others are PERMISSION_DENIED at the call (batched or not), crosstalk.* never', async () => {
    const bus = createBus();
    const all = bus.subscribe('**');
    const printed: string[] = [];
    const results = await runScripts(
      bus,
      [
        {
          name: 'pay.lua',
          source: `Event.publish("order.paid", 1)
                   for _, t in ipairs({"invoice.sent", "order.refund.full", "crosstalk.script.stopped"}) do
                     local ok, err = pcall(Event.publish, t, 1)
                     print(t, err.code)
                   end
                   local ok, err = pcall(Event.publish, {event_type = "invoice.sent", data = 2})
                   print("table form", err.code)
                   print("request", select(2, pcall(Event.request, "invoice.get", {})).code)
                   print("schedule", select(2, pcall(Event.schedule, "invoice.later", {}, {delay_ms = 10})).code)
                   for i = 1, 300 do Event.publish("order.item", i) end`,
        },
        {
          name: 'free.js',
          source: `Event.publish('invoice.sent', 'fine');
                   try { Event.publish('crosstalk.script.started', { script: 'fake.lua' }); } catch (e) { console.log(e.code, e.message); }`,
        },
      ],
      { output: (s, t) => printed.push(`${s}: ${t}`), permissions: { 'pay.lua': { publish: { allow: ['order.**'], deny: ['order.refund.*'] } } } },
    );
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(printed.sort()).toEqual(
      [
        'pay.lua: invoice.sent\tPERMISSION_DENIED',
        'pay.lua: order.refund.full\tPERMISSION_DENIED',
        'pay.lua: crosstalk.script.stopped\tPERMISSION_DENIED',
        'pay.lua: table form\tPERMISSION_DENIED',
        'pay.lua: request\tPERMISSION_DENIED',
        'pay.lua: schedule\tPERMISSION_DENIED',
        `free.js: PERMISSION_DENIED free.js may not publish "crosstalk.script.started": types under crosstalk. are the host's`,
      ].sort(),
    );
    const events: UniversalEvent[] = all.drain(10_000);
    const byScript = events.filter((e) => !e.event_type.startsWith('crosstalk.'));
    expect(byScript.filter((e) => e.source.component === 'pay.lua').map((e) => e.event_type)).toEqual(['order.paid', ...Array(300).fill('order.item')]);
    expect(byScript.filter((e) => e.source.component === 'free.js').map((e) => e.event_type)).toEqual(['invoice.sent']);
    // the only crosstalk.* events are the host's own
    expect(events.filter((e) => e.event_type.startsWith('crosstalk.')).every((e) => e.source.component === 'crosstalk')).toBe(true);
    await bus.close();
  });

  it('subscribe: a pattern no allowed one covers is refused; denied types never reach a wide subscription; query and retained hide them', async () => {
    const store = createMemoryStore();
    const bus = createBus({ store });
    bus.publish('order.paid', 1, { persistent: true, retain: true });
    bus.publish('order.secret.key', 'k', { persistent: true, retain: true });
    bus.publish('invoice.sent', 2, { persistent: true, retain: true });
    await bus.flush();
    const printed: string[] = [];
    const results = await runScripts(
      bus,
      [
        {
          name: 'audit.js',
          source: `console.log(Event.subscribe('**') === undefined ? '' : 'subscribed to everything?');`,
        },
        {
          name: 'spy.lua',
          source: `local s = Event.subscribe("**")
                   Event.publish("probe", 1)
                   local got = {}
                   for _, e in ipairs(Event.receive_batch(s, {max_events = 10, timeout_ms = 2000})) do got[#got + 1] = e.event_type end
                   print("live", table.concat(got, ","))  -- the retained ones first
                   local q = {}
                   for _, e in ipairs(Event.query({})) do q[#q + 1] = e.event_type end
                   table.sort(q)
                   print("query", table.concat(q, ","))
                   local r = {}
                   for _, e in ipairs(Event.retained("**")) do r[#r + 1] = e.event_type end
                   table.sort(r)
                   print("retained", table.concat(r, ","))
                   print("replay", select(2, pcall(Event.replay, {})).code)`,
        },
        {
          name: 'narrow.lua',
          source: `print(select(2, pcall(Event.subscribe, "**")).code)
                   print(select(2, pcall(Event.subscribe, {"order.*", "invoice.*"})).code)
                   local s = Event.subscribe({"order.*", "order.**"})
                   print(#s.patterns)`,
        },
      ],
      {
        output: (s, t) => printed.push(`${s}: ${t}`),
        services: { replay: async () => 0 },
        permissions: {
          'audit.js': { subscribe: ['audit.*'] },
          'spy.lua': { subscribe: { deny: ['order.secret.**', 'crosstalk.**'] } },
          'narrow.lua': { subscribe: ['order.**'] },
        },
      },
    );
    expect(results[0]!.error?.code).toBe('PERMISSION_DENIED');
    expect(results[0]!.error?.message).toBe('audit.js may not subscribe to "**": no allowed pattern covers it (allowed: audit.*)');
    expect(results.slice(1).map((r) => r.ok)).toEqual([true, true]);
    expect(printed.filter((l) => l.startsWith('spy.lua')).sort()).toEqual(
      ['spy.lua: live\torder.paid,invoice.sent,probe', 'spy.lua: query\tinvoice.sent,order.paid', 'spy.lua: retained\tinvoice.sent,order.paid', 'spy.lua: replay\tPERMISSION_DENIED'].sort(),
    );
    expect(printed.filter((l) => l.startsWith('narrow.lua'))).toEqual(['narrow.lua: PERMISSION_DENIED', 'narrow.lua: PERMISSION_DENIED', 'narrow.lua: 2']);
    await bus.close();
  });

  it.each([
    [{ 'nosuch.lua': { publish: ['a'] } }, 'permissions name "nosuch.lua", which is not a script of this run'],
    [{ '*': { publish: 'a' } }, 'Expected `permissions["*"].publish` to be a list'],
    [['a'], 'Expected permissions to be an object of script names'],
  ])('a malformed permissions option %j is INVALID_OPTION before anything runs', async (permissions, message) => {
    const bus = createBus();
    const all = bus.subscribe('**');
    await expect(runScripts(bus, [{ name: 'a.lua', source: 'Event.publish("x", 1)' }], { permissions: permissions as never })).rejects.toThrow(message);
    expect(all.drain()).toEqual([]);
    await bus.close();
  });
});

describe('masking before delivery to scripts', () => {
  it('a script sees masked copies (receive, receive_batch, receive_any, handlers); another script and the host see the event as published', async () => {
    const bus = createBus({
      masking: [
        { path: 'data.card', action: 'partial', keep_last: 4, on: 'analytics.lua' },
        { path: 'data.email', action: 'redact', on: 'scripts' },
      ],
    });
    const host = bus.subscribe('pay.*');
    const printed: string[] = [];
    const results = await runScripts(
      bus,
      [
        {
          name: 'analytics.lua',
          source: `local s = Event.subscribe("pay.*")
                   local seen = 0
                   local h
                   h = Event.subscribe("pay.*", function(e)
                     print("handler", e.data.card, e.data.email)
                     seen = seen + 1
                     if seen == 2 then h:unsubscribe() end
                   end)
                   Event.publish("pay.card", {card = "4111111111111111", email = "a@b.example"})
                   local e = Event.receive(s, 5000)
                   print("receive", e.data.card, e.data.email)
                   Event.publish("pay.card", {card = "5500000000000004", email = "c@d.example"})
                   print("any", Event.receive_any({s}, 5000).event.data.card)
                   Event.unsubscribe(s)`,
        },
        {
          name: 'ledger.js',
          source: `const s = Event.subscribe('pay.*');
                   const got = Event.receiveBatch(s, { max_events: 2, timeout_ms: 5000 });
                   const more = got.length < 2 ? Event.receiveBatch(s, { max_events: 1, timeout_ms: 5000 }) : [];
                   for (const e of [...got, ...more]) console.log('batch', e.data.card, e.data.email);`,
        },
      ],
      { output: (s, t) => printed.push(`${s}: ${t}`) },
    );
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(printed.sort()).toEqual(
      [
        'analytics.lua: handler\t************1111\t[REDACTED]',
        'analytics.lua: handler\t************0004\t[REDACTED]',
        'analytics.lua: receive\t************1111\t[REDACTED]',
        'analytics.lua: any\t************0004',
        'ledger.js: batch 4111111111111111 [REDACTED]',
        'ledger.js: batch 5500000000000004 [REDACTED]',
      ].sort(),
    );
    // the host's copy is the event as published
    expect(host.drain().map((e) => (e.data as { card: string }).card)).toEqual(['4111111111111111', '5500000000000004']);
    await bus.close();
  });
});
