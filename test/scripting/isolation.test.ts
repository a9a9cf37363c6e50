/**
 * Scripts are isolated from each other: a subscription belongs to the
 * script that made it; a value that cannot be published fails its own call
 * and never the events around it; an id `publish` returned names an event
 * that was delivered.
 */
import { describe, expect, it } from 'vitest';
import { runScripts } from '../../src/scripting/host.js';
import { createBus } from '../setup/bus.js';

const collect = () => {
  const lines: { script: string; text: string }[] = [];
  return {
    lines,
    output: (script: string, text: string) => lines.push({ script, text }),
    of: (script: string) => lines.filter((l) => l.script === script).map((l) => l.text),
  };
};

describe('isolation between scripts', () => {
  it('a JS script cannot list, drain, inspect or close a Lua script’s subscription', async () => {
    const bus = createBus();
    const out = collect();
    const host = bus.subscribe('id.*');
    const results = await runScripts(
      bus,
      [
        {
          name: 'owner.lua',
          source: `local s = Event.subscribe("work.*")
                   Event.publish("id.owner", {id = s.id})
                   local go = Event.subscribe("go")
                   Event.receive(go, 10000)        -- until the thief has tried everything
                   local got = Event.receive_batch(s, {max_events = 10, timeout_ms = 0})
                   print(#got, Event.subscription_stats(s).delivered)`,
        },
        {
          name: 'thief.js',
          source: `const mine = Event.subscribe('thief.*');
                   const seen = Event.subscribe('id.owner');
                   const id = Event.receive(seen, 10000).data.id;
                   for (let i = 0; i < 5; i++) Event.publish('work.item', i);
                   const tries = [
                     () => Event.receive(id, 0),
                     () => Event.receiveBatch(id, { timeout_ms: 0 }),
                     () => Event.subscriptionStats(id),
                     () => Event.receive({ id }, 0),
                   ];
                   for (const t of tries) { try { t(); console.log('reached'); } catch (e) { console.log(e.code); } }
                   console.log(Event.unsubscribe(id), Event.unsubscribePattern('work.*'));
                   console.log(JSON.stringify(Event.listSubscriptions().map((s) => s.patterns[0]).sort()));
                   Event.publish('go', null);
                   mine.unsubscribe();`,
        },
      ],
      { output: out.output },
    );
    expect(results.map((r) => r.error)).toEqual([undefined, undefined]);
    expect(out.of('thief.js')).toEqual([
      'UNKNOWN_SUBSCRIPTION',
      'UNKNOWN_SUBSCRIPTION',
      'UNKNOWN_SUBSCRIPTION',
      'UNKNOWN_SUBSCRIPTION',
      'false 0',
      '["id.owner","thief.*"]',
    ]);
    // the owner got all five of its events
    expect(out.of('owner.lua')).toEqual(['5\t5']);
    expect(host.drain()).toHaveLength(1);
    await bus.close();
  });

  it('a value that cannot be published fails its own publish; the 400 events around it are delivered, ids and all', async () => {
    const bus = createBus();
    const sink = bus.subscribe('poison.*', { max_queue_size: 1000 });
    const out = collect();
    const [r] = await runScripts(
      bus,
      [
        {
          name: 'poison.js',
          source: `const ids = [];
                   for (let i = 0; i < 200; i++) ids.push(Event.publish('poison.ok', i));
                   const bad = { a: 1 };
                   Object.defineProperty(bad, 'toJSON', { value: () => undefined, enumerable: false });
                   try { Event.publish('poison.bad', bad); console.log('published'); } catch (e) { console.log(e.code, e.path); }
                   const evil = { b: 2 };
                   Object.defineProperty(evil, 'toJSON', { value: () => { throw new Error('no'); }, enumerable: false });
                   try { Event.publish('poison.bad', evil); console.log('published'); } catch (e) { console.log(e.code, e.path); }
                   for (let i = 200; i < 400; i++) ids.push(Event.publish('poison.ok', i));
                   Event.getStats();
                   console.log(JSON.stringify(ids));`,
        },
      ],
      { output: out.output },
    );
    expect(r!.ok).toBe(true);
    const printed = out.of('poison.js');
    expect(printed.slice(0, 2)).toEqual(['INVALID_DATA data', 'INVALID_DATA data']);
    const ids = JSON.parse(printed[2]!) as string[];
    const got = sink.drain(1000);
    expect(got.map((e) => e.data)).toEqual(Array.from({ length: 400 }, (_, i) => i));
    expect(got.map((e) => e.id)).toEqual(ids);
    await bus.close();
  });
});

describe('publishes that can fail at routing reach the script at the call', () => {
  it('a rate limit answers RATE_LIMITED at the publish that crosses it, in Lua and JS', async () => {
    const bus = createBus({ interceptors: [{ type: 'rate_limit', pattern: 'order.*', rate: 1, burst: 3, per: 'component' }] });
    const out = collect();
    const results = await runScripts(
      bus,
      [
        {
          name: 'lua.lua',
          source: `local ok, refused = 0, nil
                   for i = 1, 10 do
                     local good, err = pcall(Event.publish, "order.lua", {i = i})
                     if good then ok = ok + 1 elseif refused == nil then refused = err.code end
                   end
                   Event.publish("other.x", 1)   -- types no rule can refuse are still batched
                   print(ok, refused)`,
        },
        {
          name: 'js.js',
          source: `let ok = 0, refused = null;
                   for (let i = 0; i < 10; i++) { try { Event.publish('order.js', { i }); ok++; } catch (e) { refused ??= e.code; } }
                   console.log(ok, refused);`,
        },
      ],
      { output: out.output, barrier: false },
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(out.of('lua.lua')).toEqual(['3\tRATE_LIMITED']);
    expect(out.of('js.js')).toEqual(['3 RATE_LIMITED']);
    await bus.close();
  });
});
