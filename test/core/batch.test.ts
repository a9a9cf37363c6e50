/**
 * The batch publisher's storage and its flush (docs/coordination.md "Batch
 * publishing"): plain publishes (a type and data) wait as type, data and
 * id bytes and go out together through the bus's shared-lookup path; the
 * events must be exactly what publishing them one by one gives, and
 * anything that could refuse or hold an event back takes the one-by-one
 * path with its per-event failures.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBatchPublisher, createBus, type BusStatus, type UniversalEvent } from '../../src/index.js';
import { ISO_MS_Z, UUID_V4 } from './helpers.js';

/** An event without what differs between two buses (ids, times, instance ids). */
const shape = (e: UniversalEvent) => ({ ...e, id: 'x', timestamp: 'x', source: { ...e.source, instance_id: 'x' } });

describe('batch publisher storage and flush', () => {
  it('publishes each event with the id it returned, in order, as publish() would', async () => {
    const one = createBus();
    const many = createBus();
    const a = one.subscribe('**', { max_queue_size: 10_000 });
    const b = many.subscribe('**', { max_queue_size: 10_000 });
    const batch = createBatchPublisher(many, { max_events: 7 });
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      const type = `t.${i % 3}`;
      const data = i % 5 === 0 ? undefined : { i, s: 'x'.repeat(i % 4) };
      one.publish(type, data);
      ids.push(batch.publish(type, data));
    }
    await batch.close();
    const want = a.drain();
    const got = b.drain();
    expect(got.map((e) => e.id)).toEqual(ids);
    for (const id of ids) expect(id).toMatch(UUID_V4);
    expect(new Set(ids).size).toBe(ids.length);
    for (const e of got) expect(e.timestamp).toMatch(ISO_MS_Z);
    expect(got.map(shape)).toEqual(want.map(shape));
    expect(got.map((e) => e.sequence)).toEqual(want.map((e) => e.sequence));
    expect(batch.stats()).toMatchObject({ published: 200, failed: 0, batches: 29, largest_batch: 7 });
  });

  it('keeps the order of plain publishes and publishes with options in one batch', async () => {
    const bus = createBus();
    const s = bus.subscribe('k.*', { max_queue_size: 100 });
    const batch = createBatchPublisher(bus, { max_events: 100 });
    const ids = [
      batch.publish('k.a', 1),
      batch.publish('k.b', 2, { priority: 'high' }),
      batch.publish({ event_type: 'k.c', data: 3, metadata: { m: 1 } }),
      batch.publish('k.d', 4),
    ];
    await batch.flush();
    const got = s.drain();
    // priorities are a subscription's receive order; the sequence is the publish order
    expect([...got].sort((x, y) => x.sequence - y.sequence).map((e) => [e.id, e.data])).toEqual(ids.map((id, i) => [id, i + 1]));
    expect(got.find((e) => e.data === 3)!.metadata).toEqual({ m: 1 });
  });

  it('lets a reject queue refuse only the events of its own types', async () => {
    const bus = createBus();
    const full = bus.subscribe('job.*', { backpressure: 'reject', max_queue_size: 1 });
    const other = bus.subscribe('log.*', { max_queue_size: 100 });
    const failed: string[] = [];
    const batch = createBatchPublisher(bus, { on_error: (e, ev) => failed.push(`${ev.event_type} ${e.code} ${ev.id}`) });
    const ids = ['log.a', 'job.a', 'log.b', 'job.b', 'log.c'].map((t) => batch.publish(t, t));
    const r = await batch.flush();
    expect(r.published).toBe(4);
    expect(failed).toEqual([`job.b QUEUE_FULL ${ids[3]}`]);
    expect(other.drain().map((e) => e.id)).toEqual([ids[0], ids[2], ids[4]]);
    expect(full.drain().map((e) => e.id)).toEqual([ids[1]]);
  });

  it('routes again when an offer changes the subscriptions during a flush', async () => {
    const bus = createBus();
    const first = bus.subscribe('z', { max_queue_size: 1 });
    const late: ReturnType<typeof bus.subscribe>[] = [];
    bus.onStatus((s: BusStatus) => {
      if (s.type === 'queue_full' && late.length === 0) late.push(bus.subscribe('z', { max_queue_size: 100 }));
    });
    const batch = createBatchPublisher(bus);
    for (let i = 0; i < 5; i++) batch.publish('z', i);
    await batch.flush();
    expect(first.drain().map((e) => e.data)).toEqual([4]);
    // subscribed while the first event was offered: it gets the ones after it
    expect(late[0]!.drain().map((e) => e.data)).toEqual([1, 2, 3, 4]);
  });

  it('takes a correlation in context at publish time with the event', async () => {
    const bus = createBus();
    const s = bus.subscribe('c', { max_queue_size: 10 });
    const batch = createBatchPublisher(bus);
    bus.withCorrelation('corr-1', () => batch.publish('c', 1));
    batch.publish('c', 2);
    await batch.flush();
    expect(s.drain().map((e) => e.source.correlation_id)).toEqual(['corr-1', undefined]);
  });

  it('publishes through interceptors one by one', async () => {
    const bus = createBus();
    bus.addInterceptor({ type: 'function', pattern: 'i.*', fn: (e) => (e.data === 2 ? { priority: 'high' } : undefined) });
    const s = bus.subscribe('i.*', { max_queue_size: 10 });
    const batch = createBatchPublisher(bus);
    batch.publish('i.a', 1);
    batch.publish('i.b', 2);
    await batch.flush();
    expect(s.drain().map((e) => [e.data, e.priority])).toEqual([[2, 'high'], [1, 'normal']]);
  });

  it('holds any number of waiting events, plain or with options, with distinct ids (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 1000 }), async (plain, maxEvents) => {
        const n = plain.length;
        const bus = createBus();
        const s = bus.subscribe('p', { max_queue_size: 1000 });
        const batch = createBatchPublisher(bus, { max_events: maxEvents, max_wait_ms: 1000 });
        const ids = plain.map((p, i) => (p ? batch.publish('p', i) : batch.publish('p', i, { priority: 'normal' })));
        await batch.close();
        const got = s.drain();
        expect(got.map((e) => e.id)).toEqual(ids);
        expect(got.map((e) => e.data)).toEqual(ids.map((_, i) => i));
        expect(new Set(ids).size).toBe(n);
      }),
      { numRuns: 40 },
    );
  });
});
