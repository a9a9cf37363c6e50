/**
 * Replay (docs/persistence.md "Persistence, query and replay") and catch-up subscriptions, through the real bus, on both
 * stores: copies carry metadata.replay, named checkpoints resume, speed
 * spaces events, an abort stops cleanly; history then live, without gap or
 * duplicate.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBus, type BusImpl } from '../setup/bus.js';
import type { UniversalEvent } from '../../src/core/event.js';
import { normalizeQuery } from '../../src/core/query.js';
import type { EventStore, Subscription } from '../../src/core/types.js';
import { MemoryStore } from '../../src/store/memory.js';
import { replay } from '../../src/store/replay.js';
import { CrosstalkError } from '../../src/core/errors.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { ExtendedEventStore } from '../../src/store/types.js';
import { EventMaker, tempDir } from './helpers.js';

type Store = EventStore & ExtendedEventStore;
const tmp = tempDir();
afterAll(() => tmp.cleanup());
let dbs = 0;
const sqlitePath = () => join(tmp.dir, `r${++dbs}.db`);

const KINDS: [string, () => Store][] = [
  ['memory', () => new MemoryStore({ sweepIntervalMs: 0 })],
  ['sqlite (inline writer)', () => new SqliteStore(sqlitePath(), { sweepIntervalMs: 0, writer: 'inline' })],
  ['sqlite (writer thread)', () => new SqliteStore(sqlitePath(), { sweepIntervalMs: 0, writer: 'thread' })],
];

async function take(sub: Subscription, n: number): Promise<UniversalEvent[]> {
  const out: UniversalEvent[] = [];
  while (out.length < n) {
    const e = await sub.receive(5000);
    if (e === null) throw new Error(`expected ${n} events, got ${out.length}`);
    out.push(e);
  }
  return out;
}

describe.each(KINDS)('replay on %s', (_name, open) => {
  let store: Store;
  let bus: BusImpl;
  beforeEach(() => {
    store = open();
    bus = createBus({ store, persist: ['order.**'] });
  });
  afterEach(async () => {
    await bus.close();
  });

  it('re-publishes matching events in order with metadata.replay, without storing them again', async () => {
    const originals: string[] = [];
    for (let i = 0; i < 5; i++) originals.push(bus.publish('order.created', { i }, { correlation_id: `c${i}`, metadata: { k: i } }) as string);
    bus.publish('order.paid', { i: 99 });
    bus.publish('noise', 1, { persistent: true });
    await bus.flush();
    const stored = await store.count();
    const sub = bus.subscribe('order.**');
    const seen: string[] = [];
    const n = await replay(bus, store, { event_type: 'order.created', speed: 0 }, { onEvent: (o, id) => seen.push(`${o.id}>${id}`) });
    expect(n).toBe(5);
    const copies = await take(sub, 5);
    expect(copies.map((e) => e.data)).toEqual([0, 1, 2, 3, 4].map((i) => ({ i })));
    expect(copies.map((e) => (e.metadata.replay as { original_id: string }).original_id)).toEqual(originals);
    expect(copies.map((e) => (e.metadata.replay as { original_sequence: number }).original_sequence)).toEqual([1, 2, 3, 4, 5]);
    expect(copies.map((e) => e.metadata.k)).toEqual([0, 1, 2, 3, 4]);
    expect(copies.map((e) => e.source.correlation_id)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    expect(copies.every((e) => !originals.includes(e.id) && e.sequence > 7)).toBe(true);
    expect(seen).toEqual(copies.map((c, i) => `${originals[i]}>${c.id}`));
    expect(await sub.receive(0)).toBeNull();
    expect(await store.count()).toBe(stored);
  });

  it('resumes after a named checkpoint', async () => {
    for (let i = 1; i <= 7; i++) bus.publish('order.created', { i });
    const sub = bus.subscribe('order.*');
    expect(await replay(bus, store, { event_type: 'order.*', speed: 0, checkpoint: 'nightly', limit: 3 })).toBe(3);
    expect(await store.getCheckpoint('nightly')).toBe(3);
    expect(await replay(bus, store, { event_type: 'order.*', speed: 0, checkpoint: 'nightly' })).toBe(4);
    expect(await replay(bus, store, { event_type: 'order.*', speed: 0, checkpoint: 'nightly' })).toBe(0);
    // another name starts from the beginning
    expect(await replay(bus, store, { speed: 0, checkpoint: 'other', filters: { 'data.i': { op: '>', value: 5 } } })).toBe(2);
    const got = await take(sub, 9);
    expect(got.map((e) => (e.data as { i: number }).i)).toEqual([1, 2, 3, 4, 5, 6, 7, 6, 7]);
  });

  it('spaces events by their original timestamps divided by speed', async () => {
    const mk = new EventMaker(store.lastSequence());
    const t = Date.now() - 60_000;
    for (const dt of [0, 200, 400]) store.append(mk.make('order.timed', dt, { ts: t + dt }));
    await store.flush();
    const b2 = createBus({ store: null });
    const sub = b2.subscribe('order.timed');
    const started = Date.now();
    expect(await replay(b2, store, { event_type: 'order.timed', speed: 2 })).toBe(3);
    const elapsed = Date.now() - started;
    const got = await take(sub, 3);
    expect(got.map((e) => e.data)).toEqual([0, 200, 400]);
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(2000);
    await b2.close();
  });

  it('stops on abort, resolving with the count so far and keeping the checkpoint there', async () => {
    const mk = new EventMaker(store.lastSequence());
    const t = Date.now() - 60_000;
    for (const dt of [0, 50, 60_000]) store.append(mk.make('order.slow', dt, { ts: t + dt }));
    const ac = new AbortController();
    const sub = bus.subscribe('order.slow');
    const running = replay(bus, store, { event_type: 'order.slow', checkpoint: 'slow' }, { signal: ac.signal });
    await take(sub, 2); // the third is a minute away
    ac.abort();
    expect(await running).toBe(2);
    expect(await store.getCheckpoint('slow')).toBe(2);
  });

  it('with settle, moves the checkpoint only past events it confirmed', async () => {
    for (let i = 1; i <= 2500; i++) bus.publish('order.created', { i });
    await bus.flush();
    // the first page of 1000 is confirmed; confirming the second fails (a lost connection)
    let settles = 0;
    const settle = async () => {
      if (++settles === 2) throw new CrosstalkError('BUS_UNAVAILABLE', 'flushing failed');
    };
    await expect(replay(bus, store, { event_type: 'order.*', speed: 0, checkpoint: 'confirmed' }, { settle })).rejects.toMatchObject({
      code: 'BUS_UNAVAILABLE',
    });
    expect(await store.getCheckpoint('confirmed')).toBe(1000);
    // resuming starts after the confirmed ones, and a replay that settles completes
    const counted: number[] = [];
    expect(await replay(bus, store, { event_type: 'order.*', speed: 0, checkpoint: 'confirmed' }, { settle: async () => void counted.push(1) })).toBe(1500);
    expect(await store.getCheckpoint('confirmed')).toBe(2500);
    expect(counted.length).toBe(2); // once per page
  });

  it('rejects a bad replay spec', async () => {
    await expect(replay(bus, store, { speed: -1 })).rejects.toMatchObject({ code: 'INVALID_OPTION', option: 'speed' });
    await expect(replay(bus, store, { speed: Number.NaN })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(replay(bus, store, { order: 'desc' })).rejects.toMatchObject({ code: 'INVALID_QUERY' });
    await expect(replay(bus, store, { limit: 0 })).rejects.toMatchObject({ code: 'INVALID_QUERY' });
    await expect(replay(bus, store, { speeed: 1 })).rejects.toMatchObject({ code: 'INVALID_QUERY', option: 'speeed' });
    await expect(replay(bus, store, { checkpoint: '' })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });
});

describe.each(KINDS)('catch-up subscriptions on %s', (_name, open) => {
  it('delivers stored history, then live events, without gap or duplicate', async () => {
    const store = open();
    const bus = createBus({ store, persist: ['t.**'] });
    for (let i = 1; i <= 1200; i++) bus.publish(i % 2 ? 't.odd' : 't.even', i);
    bus.publish('unstored', 0);
    const sub = bus.subscribe(['t.odd', 't.even'], { from_sequence: 100 });
    // live events published while history is still being read
    for (let i = 1201; i <= 1210; i++) bus.publish('t.odd', i);
    const got = await take(sub, 1110);
    expect(got.map((e) => e.data)).toEqual(Array.from({ length: 1110 }, (_, k) => k + 101));
    expect(await sub.receive(0)).toBeNull();
    await bus.close();
  });

  it('starts from a time', async () => {
    const store = open();
    const mk = new EventMaker();
    const t = Date.parse('2026-01-01T00:00:00Z');
    for (let i = 0; i < 5; i++) store.append(mk.make('h.x', i, { ts: t + i * 1000 }));
    const bus = createBus({ store, persist: ['h.**'] });
    const sub = bus.subscribe('h.*', { from_time: '2026-01-01T00:00:03Z' });
    bus.publish('h.x', 5);
    expect((await take(sub, 3)).map((e) => e.data)).toEqual([3, 4, 5]);
    expect((await store.query(normalizeQuery({ event_type: 'h.x' }))).length).toBe(6);
    await bus.close();
  });
});
