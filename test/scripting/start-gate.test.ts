/**
 * The start barrier (docs/scripts.md "Starting together") when a held publish has to
 * wait for room in a full `block` queue: the waits begin (only a waiting
 * script can make that room), nothing is lost, and each publisher's order
 * holds, publishes made meanwhile included.
 */
import { describe, expect, it } from 'vitest';
import { runScripts } from '../../src/scripting/host.js';
import { StartGate } from '../../src/scripting/isolate/start-gate.js';
import { createBus } from '../setup/bus.js';

describe('start barrier and block queues', () => {
  it('a held publish that has to wait lets the waits begin and holds back the publishes after it', async () => {
    const gate = new StartGate(0);
    const member = {};
    gate.join(member);
    gate.started(member);
    const order: number[] = [];
    let unblock!: () => void;
    gate.hold(() => order.push(1));
    gate.hold(() => new Promise<void>((resolve) => (unblock = () => (order.push(2), resolve()))));
    gate.hold(() => order.push(3));
    expect(gate.holdsWaits).toBe(true);
    gate.arrive(member);
    await gate.opened;
    expect(order).toEqual([1]);
    expect(gate.holdsWaits).toBe(false);
    expect(gate.closed).toBe(true); // a publish made now is held behind the waiting one
    gate.hold(() => order.push(4));
    let delivered = false;
    void gate.delivered.then(() => (delivered = true));
    await Promise.resolve();
    expect(delivered).toBe(false);
    unblock();
    await gate.delivered;
    expect(order).toEqual([1, 2, 3, 4]);
    expect(gate.closed).toBe(false);
  });

  it('a script waiting at the barrier drains the block queue its partner filled before its first wait: all 1,200 arrive in order', async () => {
    const bus = createBus();
    const printed: string[] = [];
    const t0 = Date.now();
    const results = await runScripts(
      bus,
      [
        {
          name: 'consumer.lua',
          source: `local sub = Event.subscribe("critical.*", {backpressure = "block", max_queue_size = 1000, block_timeout_ms = 5000})
                   local n, inorder = 0, true
                   while n < 1200 do
                     local e = Event.receive(sub, 10000)
                     if not e then break end
                     n = n + 1
                     if e.data.i ~= n then inorder = false end
                   end
                   local s = Event.subscription_stats(sub)
                   print(n, inorder, s.dropped, s.blocked > 0)`,
        },
        {
          name: 'producer.lua',
          // 1,100 held before its first wait, 100 more while the held ones are still going out
          source: `for i = 1, 1100 do Event.publish("critical.alarm", {i = i}) end
                   Event.sleep(1)
                   for i = 1101, 1200 do Event.publish("critical.alarm", {i = i}) end`,
        },
      ],
      { output: (_s, text) => printed.push(text) },
    );
    await bus.close();
    expect(results.map((r) => r.error ?? r.ok)).toEqual([true, true]);
    expect(printed).toEqual(['1200\ttrue\t0\ttrue']);
    // no held publish sat out its 5 s block timeout
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
