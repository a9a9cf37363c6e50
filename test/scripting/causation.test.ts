/**
 * What scripts tell about themselves without any code of theirs: what they
 * publish while handling an event records that event as its cause, and
 * their CPU, heap and events in/out reach metrics and the dashboard.
 */
import { describe, expect, it } from 'vitest';
import { portOf } from '../../src/core/port.js';
import { runScripts } from '../../src/scripting/host.js';
import { createBus } from '../setup/bus.js';

describe('causation from scripts', () => {
  it.each([
    ['relay.lua', 'local s = Event.subscribe("in") local e = Event.receive(s, 5000) Event.publish("out.one", e.data) Event.publish("out.two", 2) Event.receive(s, 0) Event.publish("out.none", 3)'],
    ['relay.js', "const s = Event.subscribe('in'); const e = Event.receive(s, 5000); Event.publish('out.one', e.data); Event.publish('out.two', 2); Event.receive(s, 0); Event.publish('out.none', 3);"],
  ])('%s: publishes after a receive record it as their cause and carry its correlation', async (name, source) => {
    const bus = createBus();
    const out = bus.subscribe('out.*');
    const ready = bus.subscribe('in');
    const running = runScripts(bus, [{ name, source }], { output: () => {} });
    // the script subscribed once its subscription shows on the bus
    while (bus.listSubscriptions().length < 3) await new Promise((r) => setImmediate(r));
    const id = bus.publish('in', 1, { correlation_id: 'order-7' }) as string;
    const [r] = await running;
    expect(r!.ok).toBe(true);
    const [one, two, none] = out.drain();
    expect(one!.metadata).toMatchObject({ caused_by: id });
    expect(one!.source.correlation_id).toBe('order-7');
    expect(two!.metadata).toMatchObject({ caused_by: id });
    // a receive that got nothing ends the handling
    expect(none!.metadata).not.toHaveProperty('caused_by');
    expect(ready.drain()).toHaveLength(1);
    await bus.close();
  });

  it('an event without a correlation id makes its own id the correlation of what it causes', async () => {
    const bus = createBus();
    const out = bus.subscribe('out');
    const running = runScripts(bus, [{ name: 'r.lua', source: 'local s = Event.subscribe("in") Event.receive(s, 5000) Event.publish("out", 1)' }], {
      output: () => {},
    });
    while (bus.listSubscriptions().length < 2) await new Promise((r) => setImmediate(r));
    const id = bus.publish('in', 1) as string;
    await running;
    const e = out.poll()!;
    expect(e.metadata).toMatchObject({ caused_by: id });
    expect(e.source.correlation_id).toBe(id);
    await bus.close();
  });
});

describe('script stats for metrics and the dashboard', () => {
  it('reports each running script: language, CPU, heap, events in and out', async () => {
    const bus = createBus();
    const port = portOf(bus);
    const go = bus.subscribe('stats.ready');
    const running = runScripts(
      bus,
      [
        {
          name: 'busy.lua',
          source: `local s = Event.subscribe("stats.in")
                   for i = 1, 5 do Event.publish("stats.in", i) end
                   local got = Event.receive_batch(s, {max_events = 10, timeout_ms = 1000})
                   Event.publish("stats.ready", #got)
                   Event.receive(Event.subscribe("stats.never"), 10000)`,
        },
      ],
      { output: () => {} },
    );
    expect((await go.receive(10_000))?.data).toBe(5);
    const [s] = port.scriptStats();
    expect(s).toMatchObject({ script: 'busy.lua', language: 'lua', state: 'running', events_in: 5, events_out: 6, heap_limit_bytes: 128 * 1048576 });
    expect(s!.cpu_ms).toBeGreaterThan(0);
    expect(s!.heap_bytes).toBeGreaterThan(100_000);
    await bus.close(); // ends the waiting script
    await running;
    expect(port.scriptStats()).toEqual([]);
  });
});
