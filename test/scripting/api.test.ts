/**
 * The host side of every Event function (scripting/api.ts) on its own: what
 * both languages rely on, and what keeps scripts out of each other's
 * subscriptions.
 */
import { describe, expect, it } from 'vitest';
import { createBus } from '../setup/bus.js';
import { CrosstalkError } from '../../src/core/errors.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { replay } from '../../src/store/replay.js';
import { portOf } from '../../src/core/port.js';
import { createScriptContext, EVENT_IMPLEMENTATIONS } from '../../src/scripting/api.js';
import { EVENT_FUNCTIONS } from '../../src/scripting/event-api.js';

type Handle = { id: string; patterns: string[] };

const call = (name: string, ctx: ReturnType<typeof createScriptContext>, ...args: unknown[]) => EVENT_IMPLEMENTATIONS[name]!(ctx, args);
const context = (bus: Parameters<typeof portOf>[0], component: string, language: 'lua' | 'javascript' = 'lua') =>
  createScriptContext(portOf(bus), { component, language });

async function codeOf(f: () => unknown): Promise<string> {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(CrosstalkError);
    return (e as CrosstalkError).code;
  }
  throw new Error('expected an error');
}

describe('Event functions on the host', () => {
  it('every declared function is implemented, and nothing else', () => {
    // functions the guest runs by itself (with_correlation) have no host half
    expect(Object.keys(EVENT_IMPLEMENTATIONS).sort()).toEqual(EVENT_FUNCTIONS.filter((f) => f.local !== true).map((f) => f.name).sort());
  });

  it('publishes as the script, with a fresh instance id per context', async () => {
    const bus = createBus();
    const a = context(bus, 'pay.lua');
    const b = context(bus, 'pay.lua');
    const h = call('subscribe', a, 'order.*') as Handle;
    expect(h).toEqual({ id: expect.any(String), patterns: ['order.*'] });
    call('publish', a, 'order.paid', { n: 1 });
    call('publish', b, { event_type: 'order.paid', data: { n: 2 }, correlation_id: 'r1' });
    const [e1, e2] = (await call('receive_batch', a, h, { timeout_ms: 0 })) as { source: Record<string, string> }[];
    expect(e1!.source).toMatchObject({ component: 'pay.lua', language: 'lua' });
    expect(e2!.source.correlation_id).toBe('r1');
    expect(e1!.source.instance_id).not.toBe(e2!.source.instance_id);
  });

  it('returns synchronously when an event is already queued and a Promise only to wait', async () => {
    const bus = createBus();
    const ctx = context(bus, 's.js', 'javascript');
    const h = call('subscribe', ctx, 'x');
    call('publish', ctx, 'x', 1);
    const now = call('receive', ctx, h, 1000);
    expect(now).not.toBeInstanceOf(Promise);
    expect((now as { data: number }).data).toBe(1);
    expect(call('receive', ctx, h, 0)).toBeNull();
    const later = call('receive', ctx, h, 5000);
    expect(later).toBeInstanceOf(Promise);
    call('publish', ctx, 'x', 2);
    expect(((await later) as { data: number }).data).toBe(2);
  });

  it('answers nil for a closed subscription and UNKNOWN_SUBSCRIPTION for one that never was', async () => {
    const bus = createBus();
    const ctx = context(bus, 's.lua');
    const h = call('subscribe', ctx, 'x') as Handle;
    expect(call('unsubscribe', ctx, h)).toBe(true);
    expect(call('unsubscribe', ctx, h.id)).toBe(false);
    expect(await call('receive', ctx, h, 10)).toBeNull();
    expect(await call('receive_batch', ctx, { id: h.id }, { timeout_ms: 10 })).toEqual([]);
    expect(await codeOf(() => call('receive', ctx, '00000000-0000-4000-8000-000000000000', 0))).toBe('UNKNOWN_SUBSCRIPTION');
    for (const bad of [undefined, 42, {}, { id: 7 }, [], null]) {
      expect(await codeOf(() => call('receive', ctx, bad, 0))).toBe('UNKNOWN_SUBSCRIPTION');
      expect(await codeOf(() => call('subscription_stats', ctx, bad))).toBe('UNKNOWN_SUBSCRIPTION');
    }
  });

  it('refuses extra arguments to the table form, and needs a store for query and replay', async () => {
    const bus = createBus();
    const ctx = context(bus, 's.lua');
    expect(await codeOf(() => call('publish', ctx, { event_type: 'a' }, 1))).toBe('INVALID_OPTION');
    expect(await codeOf(() => call('query', ctx, { event_type: 'a.*' }))).toBe('STORE_UNAVAILABLE');
    expect(await codeOf(() => call('query', ctx, { nope: 1 }))).toBe('INVALID_QUERY');
    expect(await codeOf(() => call('replay', ctx, {}))).toBe('STORE_UNAVAILABLE');
  });

  it('queries and replays through a store, and closes what the script owned at its end', async () => {
    const bus = createBus({ store: createMemoryStore() });
    const ctx = createScriptContext(portOf(bus), { component: 's.lua', language: 'lua' }, {
      replay: (port, spec, signal) => replay(port.bus, port.store!, spec, signal ? { signal } : {}),
    });
    call('publish', ctx, 'audit.entry', { n: 1 }, { persistent: true });
    const rows = (await call('query', ctx, { event_type: 'audit.*' })) as { data: unknown }[];
    expect(rows.map((r) => r.data)).toEqual([{ n: 1 }]);
    const h = call('subscribe', ctx, 'audit.*') as Handle;
    expect(await call('replay', ctx, { event_type: 'audit.*', speed: 0 })).toBe(1);
    const copy = (await call('receive', ctx, h, 0)) as { metadata: { replay: { original_sequence: number } } };
    expect(copy.metadata.replay.original_sequence).toBe(1);
    expect(bus.listSubscriptions()).toHaveLength(1);
    ctx.close(false);
    expect(bus.listSubscriptions()).toHaveLength(0);
    expect(ctx.signal.aborted).toBe(true);
  });

  it('a script sees only its own subscriptions: others are UNKNOWN_SUBSCRIPTION to it; the host sees all', async () => {
    const bus = createBus();
    const a = context(bus, 'a.lua');
    const b = context(bus, 'b.js', 'javascript');
    const host = bus.subscribe('x');
    const ha = call('subscribe', a, 'x') as Handle;
    const hb = call('subscribe', b, ['x', 'y.*']) as Handle;
    call('publish', a, 'x', 1);
    // b cannot receive from, inspect or close a's subscription (nor the host's), by handle or by id
    for (const other of [ha, ha.id, host.id]) {
      expect(await codeOf(() => call('receive', b, other, 0))).toBe('UNKNOWN_SUBSCRIPTION');
      expect(await codeOf(() => call('receive_batch', b, other, { timeout_ms: 0 }))).toBe('UNKNOWN_SUBSCRIPTION');
      expect(await codeOf(() => call('subscription_stats', b, other))).toBe('UNKNOWN_SUBSCRIPTION');
      expect(call('unsubscribe', b, other)).toBe(false);
    }
    expect(call('unsubscribe_pattern', b, 'x')).toBe(1); // only its own
    expect((call('list_subscriptions', a) as { id: string }[]).map((s) => s.id)).toEqual([ha.id]);
    expect(call('list_subscriptions', b)).toEqual([]);
    // a's queue is untouched
    expect(((await call('receive', a, ha, 0)) as { data: number }).data).toBe(1);
    expect(bus.listSubscriptions().map((s) => s.id).sort()).toEqual([host.id, ha.id].sort());
    expect(hb.patterns).toEqual(['x', 'y.*']);
  });

  it('events a script refused in its filter function count as filtered, not delivered', async () => {
    const bus = createBus();
    const a = context(bus, 'a.lua');
    const h = call('subscribe', a, 'x') as Handle;
    for (let i = 0; i < 5; i++) call('publish', a, 'x', i);
    expect((await call('receive_batch', a, h, { timeout_ms: 0 })) as unknown[]).toHaveLength(5);
    a.own(h.id).noteFiltered(3);
    expect(call('subscription_stats', a, h)).toMatchObject({ total_received: 5, delivered: 2, filtered: 3 });
    a.own(h.id).noteFiltered(100); // never more than was delivered
    expect(call('subscription_stats', a, h)).toMatchObject({ delivered: 0, filtered: 5 });
  });
});

