/**
 * The bus monitor: one observer per bus, counters per type in bounded
 * memory, taps, and the hooks going back to nothing when released.
 */
import { describe, expect, it } from 'vitest';
import { portOf } from '../../src/core/port.js';
import { createBus } from '../../src/index.js';
import { monitorBus } from '../../src/observe/monitor.js';
import { expectCode } from '../core/helpers.js';

describe('monitorBus', () => {
  it('is one per bus and installs itself as the observer until released', () => {
    const bus = createBus();
    const m = monitorBus(bus);
    expect(monitorBus(bus)).toBe(m);
    expect(portOf(bus).observer).toBe(m);
    m.retain();
    m.retain();
    m.release();
    expect(portOf(bus).observer).toBe(m);
    m.release();
    expect(portOf(bus).observer).toBeNull();
    expect(monitorBus(bus)).not.toBe(m); // a fresh one next time
  });

  it('counts at most maxTypes types one by one, then by prefix, then as one', () => {
    const bus = createBus();
    const m = monitorBus(bus, { maxTypes: 3 });
    for (const t of ['a.1', 'a.2', 'b.1', 'a.3', 'a.4', 'c.1', 'd.1', 'e.1', 'a.1']) bus.publish(t);
    const counts = Object.fromEntries(m.typeCounts().map((c) => [c.type, c.published]));
    expect(counts).toEqual({ 'a.1': 2, 'a.2': 1, 'b.1': 1, 'a.*': 2, 'c.*': 1, 'd.*': 1, '*': 1 });
  });

  it('taps keep the latest matching events and count what they skipped', () => {
    const bus = createBus();
    const m = monitorBus(bus);
    const tap = m.tap('order.*', 3);
    for (let i = 0; i < 5; i++) bus.publish('order.paid', { i });
    bus.publish('user.login');
    expect(tap.take().map((e) => e.data)).toEqual([{ i: 2 }, { i: 3 }, { i: 4 }]);
    expect(tap.skipped).toBe(2);
    expect(tap.seen).toBe(5);
    expect(tap.take()).toEqual([]);
    m.untap(tap);
    bus.publish('order.paid');
    expect(tap.take()).toEqual([]);
    expectCode(() => m.tap('a..b', 3), 'INVALID_PATTERN');
  });

  it('refuses bad options and a bus it cannot watch', () => {
    expectCode(() => monitorBus(createBus(), { sampleEvery: 3 }), 'INVALID_OPTION');
    expectCode(() => monitorBus(createBus(), { maxTypes: 0 }), 'INVALID_OPTION');
    expectCode(() => monitorBus({} as never), 'INVALID_OPTION');
  });
});
