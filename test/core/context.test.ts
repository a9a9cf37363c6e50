/**
 * Correlation and causation: bus.withCorrelation, bus.handling, and the
 * explicit cause a script host passes through the port.
 */
import { describe, expect, it } from 'vitest';
import { causeOf } from '../../src/core/context.js';
import { portOf } from '../../src/core/port.js';
import { createBus, type UniversalEvent } from '../../src/index.js';
import { expectCode } from './helpers.js';

function all(sub: { drain(max?: number): UniversalEvent[] }): UniversalEvent[] {
  return sub.drain(10_000);
}

describe('withCorrelation', () => {
  it('tags every publish inside, across awaits, and nothing outside', async () => {
    const bus = createBus();
    const sub = bus.subscribe('**');
    bus.publish('before');
    const result = await bus.withCorrelation('req-1', async () => {
      bus.publish('inside.sync');
      await new Promise((r) => setImmediate(r));
      bus.publish('inside.after-await');
      await Promise.resolve();
      setTimeout(() => bus.publish('inside.timer'), 0);
      await new Promise((r) => setTimeout(r, 1));
      return 42;
    });
    bus.publish('after');
    expect(result).toBe(42);
    const got = all(sub).map((e) => [e.event_type, e.source.correlation_id]);
    expect(got).toEqual([
      ['before', undefined],
      ['inside.sync', 'req-1'],
      ['inside.after-await', 'req-1'],
      ['inside.timer', 'req-1'],
      ['after', undefined],
    ]);
  });

  it('a publish naming its own correlation id keeps it; the inner scope wins when nested', () => {
    const bus = createBus();
    const sub = bus.subscribe('**');
    bus.withCorrelation('outer', () => {
      bus.publish('own', null, { correlation_id: 'mine' });
      bus.publish({ event_type: 'table', source: { correlation_id: 'tbl' } });
      bus.withCorrelation('inner', () => bus.publish('nested'));
      bus.publish('back');
    });
    expect(all(sub).map((e) => e.source.correlation_id)).toEqual(['mine', 'tbl', 'inner', 'outer']);
  });

  it('belongs to its bus: another bus publishing inside is not tagged', () => {
    const a = createBus();
    const b = createBus();
    const sa = a.subscribe('x');
    const sb = b.subscribe('x');
    a.withCorrelation('only-a', () => {
      a.publish('x');
      b.publish('x');
    });
    expect(sa.poll()!.source.correlation_id).toBe('only-a');
    expect(sb.poll()!.source.correlation_id).toBeUndefined();
  });

  it('keeps the publisher identity and shares one source object per scope', () => {
    const bus = createBus({ component: 'svc' });
    const sub = bus.subscribe('**');
    bus.withCorrelation('c', () => {
      bus.publish('a');
      bus.publish('b', null, { priority: 'high' });
    });
    const [a, b] = all(sub);
    expect(a!.source).toEqual({ component: 'svc', instance_id: a!.source.instance_id, correlation_id: 'c', language: 'host' });
    expect(b!.source).toBe(a!.source);
    expect(Object.isFrozen(a!.source)).toBe(true);
  });

  it('refuses bad ids and functions with INVALID_OPTION, having done nothing', () => {
    const bus = createBus();
    const sub = bus.subscribe('**');
    let ran = false;
    for (const bad of ['', 'x'.repeat(256), 7, null, undefined, {}]) {
      const e = expectCode(() => bus.withCorrelation(bad as string, () => (ran = true)), 'INVALID_OPTION');
      expect(e.option).toBe('correlation_id');
    }
    expect(expectCode(() => bus.withCorrelation('ok', 'nope' as unknown as () => void), 'INVALID_OPTION').option).toBe('fn');
    expect(ran).toBe(false);
    expect(sub.poll()).toBeNull();
  });

  it('errors thrown by fn pass through, and the scope ends with it', () => {
    const bus = createBus();
    const sub = bus.subscribe('**');
    expect(() =>
      bus.withCorrelation('c', () => {
        bus.publish('in');
        throw new Error('boom');
      }),
    ).toThrow('boom');
    bus.publish('out');
    expect(all(sub).map((e) => e.source.correlation_id)).toEqual(['c', undefined]);
  });
});

describe('handling', () => {
  it('records caused_by and inherits the handled event correlation id', () => {
    const bus = createBus();
    const sub = bus.subscribe('**');
    bus.publish('order.created', { n: 1 }, { correlation_id: 'order-1' });
    const created = sub.poll()!;
    bus.handling(created, () => bus.publish('payment.requested', { n: 1 }, { metadata: { attempt: 1 } }));
    const requested = sub.poll()!;
    expect(requested.metadata).toEqual({ attempt: 1, caused_by: created.id });
    expect(requested.source.correlation_id).toBe('order-1');
  });

  it('starts a chain: without a correlation id, the handled event id becomes the correlation id', () => {
    const bus = createBus();
    const sub = bus.subscribe('**');
    bus.publish('root');
    const root = sub.poll()!;
    bus.handling(root, () => bus.publish('child'));
    const child = sub.poll()!;
    bus.handling(child, () => bus.publish('grandchild'));
    const grandchild = sub.poll()!;
    expect(child.metadata.caused_by).toBe(root.id);
    expect(child.source.correlation_id).toBe(root.id);
    expect(grandchild.metadata.caused_by).toBe(child.id);
    expect(grandchild.source.correlation_id).toBe(root.id);
  });

  it('inside withCorrelation, an uncorrelated handled event takes the surrounding correlation', () => {
    const bus = createBus();
    const sub = bus.subscribe('**');
    bus.publish('loose');
    const loose = sub.poll()!;
    bus.withCorrelation('req-9', () => bus.handling(loose, () => bus.publish('reaction')));
    const reaction = sub.poll()!;
    expect(reaction.source.correlation_id).toBe('req-9');
    expect(reaction.metadata.caused_by).toBe(loose.id);
    // and withCorrelation inside handling keeps the cause
    bus.handling(loose, () => bus.withCorrelation('other', () => bus.publish('r2')));
    const r2 = sub.poll()!;
    expect(r2.source.correlation_id).toBe('other');
    expect(r2.metadata.caused_by).toBe(loose.id);
  });

  it('a publish whose metadata names caused_by keeps it', () => {
    const bus = createBus();
    const sub = bus.subscribe('**');
    bus.publish('a');
    const a = sub.poll()!;
    bus.handling(a, () => bus.publish('b', null, { metadata: { caused_by: 'elsewhere' } }));
    expect(sub.poll()!.metadata).toEqual({ caused_by: 'elsewhere' });
  });

  it('interleaved async handlers keep their own causes', async () => {
    const bus = createBus();
    const sub = bus.subscribe('**');
    bus.publish('a');
    bus.publish('b');
    const [a, b] = all(sub);
    const step = () => new Promise((r) => setImmediate(r));
    const handle = (e: UniversalEvent) =>
      bus.handling(e, async () => {
        for (let i = 0; i < 3; i++) {
          await step();
          bus.publish(`out.${e.event_type}`);
        }
      });
    await Promise.all([handle(a!), handle(b!)]);
    const out = all(sub);
    expect(out).toHaveLength(6);
    for (const e of out) expect(e.metadata.caused_by).toBe(e.event_type === 'out.a' ? a!.id : b!.id);
  });

  it('refuses something that is not an event', () => {
    const bus = createBus();
    for (const bad of [null, 'id', {}, { id: 5 }]) {
      expectCode(() => bus.handling(bad as unknown as UniversalEvent, () => 0), 'INVALID_OPTION');
    }
  });

  it('metadata with caused_by still counts toward the size limit', () => {
    const bus = createBus({ max_event_bytes: 1024 });
    bus.publish('a');
    const sub = bus.subscribe('**');
    bus.publish('a');
    const a = sub.poll()!;
    // near the limit without the cause; the exact size check includes it
    const data = 'x'.repeat(420);
    expect(typeof bus.publish('big', data, { metadata: { pad: 'y'.repeat(40) } })).toBe('string');
    expectCode(() => bus.handling(a, () => bus.publish('big', data, { metadata: { pad: 'y'.repeat(40) } })), 'PAYLOAD_TOO_LARGE');
  });
});

describe('explicit causes through the port (script hosts)', () => {
  it('publishAs and publishMinted take a cause; it wins over the host context', () => {
    const bus = createBus();
    const port = portOf(bus);
    const sub = bus.subscribe('**');
    bus.publish('got');
    const got = sub.poll()!;
    const who = { component: 'stand-in.lua', instance_id: 'i-1', language: 'lua' };
    const cause = port.cause(causeOf(got));
    bus.withCorrelation('host-scope', () => {
      port.publishAs(who, 'reply', { ok: true }, undefined, cause);
      port.publishMinted(who, { event_type: 'reply.minted' }, '0b5fbc7c-6d0a-4b9c-9a57-3c54f7a2a6f1', cause);
      port.publishAs(who, 'no.cause');
    });
    const [r1, r2, r3] = all(sub);
    for (const r of [r1!, r2!]) {
      expect(r.metadata.caused_by).toBe(got.id);
      expect(r.source).toMatchObject({ component: 'stand-in.lua', language: 'lua', correlation_id: got.id });
    }
    expect(r3!.source.correlation_id).toBe('host-scope');
  });

  it('validates the ids of a cause', () => {
    const port = portOf(createBus());
    expectCode(() => port.cause({ correlation_id: '' }), 'INVALID_OPTION');
    expectCode(() => port.cause({ caused_by: 3 as unknown as string }), 'INVALID_OPTION');
  });
});
