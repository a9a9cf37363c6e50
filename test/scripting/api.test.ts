/**
 * The language-neutral binding table (scripting/api.ts) on its own: what
 * both the Lua and the JS adapters rely on.
 */
import { describe, expect, it } from 'vitest';
import { createBus } from '../setup/bus.js';
import { CrosstalkError } from '../../src/core/errors.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { replay } from '../../src/store/replay.js';
import { createScriptContext, EVENT_API, SubscriptionHandle } from '../../src/scripting/api.js';

const call = (name: string, ctx: ReturnType<typeof createScriptContext>, ...args: unknown[]) => EVENT_API[name]!(ctx, args);

async function codeOf(f: () => unknown): Promise<string> {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(CrosstalkError);
    return (e as CrosstalkError).code;
  }
  throw new Error('expected an error');
}

describe('EVENT_API', () => {
  it('publishes as the script, with a fresh instance id per context', async () => {
    const bus = createBus();
    const a = createScriptContext(bus, { component: 'pay.lua', language: 'lua' });
    const b = createScriptContext(bus, { component: 'pay.lua', language: 'lua' });
    const h = call('subscribe', a, 'order.*') as SubscriptionHandle;
    expect(h).toBeInstanceOf(SubscriptionHandle);
    call('publish', a, 'order.paid', { n: 1 });
    call('publish', b, { event_type: 'order.paid', data: { n: 2 }, correlation_id: 'r1' });
    const [e1, e2] = (await call('receive_batch', a, h, { timeout_ms: 0 })) as { source: Record<string, string> }[];
    expect(e1!.source).toMatchObject({ component: 'pay.lua', language: 'lua' });
    expect(e2!.source.correlation_id).toBe('r1');
    expect(e1!.source.instance_id).not.toBe(e2!.source.instance_id);
  });

  it('returns synchronously when an event is already queued and a Promise only to wait', async () => {
    const bus = createBus();
    const ctx = createScriptContext(bus, { component: 's.js', language: 'javascript' });
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
    const ctx = createScriptContext(bus, { component: 's.lua', language: 'lua' });
    const h = call('subscribe', ctx, 'x') as SubscriptionHandle;
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
    const ctx = createScriptContext(bus, { component: 's.lua', language: 'lua' });
    expect(await codeOf(() => call('publish', ctx, { event_type: 'a' }, 1))).toBe('INVALID_OPTION');
    expect(await codeOf(() => call('query', ctx, { event_type: 'a.*' }))).toBe('STORE_UNAVAILABLE');
    expect(await codeOf(() => call('query', ctx, { nope: 1 }))).toBe('INVALID_QUERY');
    expect(await codeOf(() => call('replay', ctx, {}))).toBe('STORE_UNAVAILABLE');
  });

  it('queries and replays through a store, and closes what the script owned at its end', async () => {
    const bus = createBus({ store: createMemoryStore() });
    const ctx = createScriptContext(bus, { component: 's.lua', language: 'lua' }, {
      replay: (b, spec, signal) => replay(b, b.store!, spec, { signal }),
    });
    call('publish', ctx, 'audit.entry', { n: 1 }, { persistent: true });
    const rows = (await call('query', ctx, { event_type: 'audit.*' })) as { data: unknown }[];
    expect(rows.map((r) => r.data)).toEqual([{ n: 1 }]);
    const h = call('subscribe', ctx, 'audit.*') as SubscriptionHandle;
    expect(await call('replay', ctx, { event_type: 'audit.*', speed: 0 })).toBe(1);
    const copy = (await call('receive', ctx, h, 0)) as { metadata: { replay: { original_sequence: number } } };
    expect(copy.metadata.replay.original_sequence).toBe(1);
    expect(bus.listSubscriptions()).toHaveLength(1);
    ctx.close();
    expect(bus.listSubscriptions()).toHaveLength(0);
    expect(ctx.signal.aborted).toBe(true);
  });
});
