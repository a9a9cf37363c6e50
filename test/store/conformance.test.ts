/**
 * The store conformance suite (STYLE §12): every behaviour of docs/persistence.md "Persistence, query and replay" that a
 * store owns, run unchanged against the memory store and the SQLite store.
 * The memory store answers with the core's pattern and filter code, so this
 * suite also proves the SQL translation means the same thing.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UniversalEvent } from '../../src/core/event.js';
import { normalizeQuery } from '../../src/core/query.js';
import type { EventStore } from '../../src/core/types.js';
import type { ExtendedEventStore } from '../../src/store/types.js';
import { EventMaker, tempDir } from './helpers.js';
import { MemoryStore } from '../../src/store/memory.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { join } from 'node:path';

type Store = EventStore & ExtendedEventStore;

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let dbCount = 0;

// the SQLite store runs the suite with each of its writers
const KINDS: [string, () => Store][] = [
  ['memory', () => new MemoryStore({ sweepIntervalMs: 0 })],
  ['sqlite (inline writer)', () => new SqliteStore(join(tmp.dir, `c${++dbCount}.db`), { sweepIntervalMs: 0, writer: 'inline' })],
  ['sqlite (writer thread)', () => new SqliteStore(join(tmp.dir, `c${++dbCount}.db`), { sweepIntervalMs: 0, writer: 'thread' })],
];

const T0 = Date.parse('2026-11-22T10:00:00.000Z');

describe.each(KINDS)('store conformance: %s', (_name, open) => {
  let store: Store;
  let mk: EventMaker;
  beforeEach(() => {
    store = open();
    mk = new EventMaker();
  });
  afterEach(async () => {
    await store.close();
  });

  const q = async (input: unknown) => (await store.query(normalizeQuery(input))).map((e) => e.sequence);
  const add = (...events: UniversalEvent[]) => {
    for (const e of events) store.append(e);
    return events;
  };

  it('starts empty', async () => {
    expect(await q({})).toEqual([]);
    expect(await store.count()).toBe(0);
    expect(store.lastSequence()).toBe(0);
  });

  it('returns what was appended, whole, in sequence order, without waiting for a flush', async () => {
    const [a, b] = add(
      mk.make('order.created', { amount: 5, nested: { list: [1, 'two', null] } }, { correlation_id: 'c-1', metadata: { user_id: 'u1' } }),
      mk.make('order.paid', 'just a string', { ttl_seconds: 3600, priority: 'high' }),
    );
    const got = await store.query(normalizeQuery({}));
    expect(got).toEqual([a, b]);
    expect(store.lastSequence()).toBe(2);
    expect(await store.count()).toBe(2);
  });

  it('snapshots at append and hands out copies', async () => {
    const [e] = add(mk.make('a.b', { n: 1 }));
    (e!.data as { n: number }).n = 99;
    const [got] = await store.query(normalizeQuery({}));
    expect(got!.data).toEqual({ n: 1 });
    (got!.data as { n: number }).n = 42;
    expect((await store.query(normalizeQuery({})))[0]!.data).toEqual({ n: 1 });
  });

  it('orders asc by default and desc on request; limit defaults to 100 and caps', async () => {
    for (let i = 0; i < 150; i++) add(mk.make('tick', i));
    const asc = await q({});
    expect(asc).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(await q({ order: 'desc', limit: 3 })).toEqual([150, 149, 148]);
    expect(await q({ limit: 1 })).toEqual([1]);
    expect((await q({ limit: 10_000 })).length).toBe(150);
  });

  it('pages by after_sequence without gaps or duplicates, in both orders', async () => {
    for (let i = 0; i < 95; i++) add(mk.make(i % 2 ? 'odd.tick' : 'even.tick', i));
    const seen: number[] = [];
    let after = 0;
    for (;;) {
      const page = await q({ event_type: 'odd.*', after_sequence: after, limit: 7 });
      if (page.length === 0) break;
      seen.push(...page);
      after = page[page.length - 1]!;
    }
    expect(seen).toEqual(Array.from({ length: 47 }, (_, i) => 2 * i + 2));
    // after_sequence is a lower bound in either order: desc gives the newest above it
    expect(await q({ after_sequence: 90, order: 'desc' })).toEqual([95, 94, 93, 92, 91]);
    expect(await q({ after_sequence: 95 })).toEqual([]);
  });

  it('matches event_type patterns exactly as the grammar does', async () => {
    const types = [
      'agent', 'agent.started', 'agent.execution.started', 'agent.1.started', 'agent.12.started', 'tool.started',
      'error', 'a.b.error', 'execute', 'exec', 'Agent.started', 'order:v2.paid', 'x-y.z_w', 'agent.error.fatal',
    ];
    for (const t of types) add(mk.make(t));
    const patterns = [
      'agent', 'agent.*', 'agent.**', '**.error', '**', '*', 'agent.?.started', '{agent,tool}.started', 'exec*',
      '*.started', 'agent.*.started', '[a-e]*.**', '[!a]*', 'order:v2.*', '{agent.**,error}', 'agent.**.started',
      '**.started.**', 'agent.[0-9]*.started', 'x\\-y.*', 'no.such.type', '*.*.*', '{exec,execute}', '**.e*',
    ];
    for (const p of patterns) {
      const { compilePattern } = await import('../../src/core/pattern.js');
      const want = types.map((t, i) => (compilePattern(p).test(t) ? i + 1 : 0)).filter((x) => x > 0);
      expect([p, await q({ event_type: p, limit: 100 })]).toEqual([p, want]);
    }
  });

  it('filters by time range (inclusive, ISO or epoch ms), correlation id and source', async () => {
    for (let i = 0; i < 10; i++) {
      add(mk.make('t', i, { ts: T0 + i * 1000, correlation_id: i % 3 === 0 ? 'corr-a' : `corr-${i}`, component: i < 5 ? 'pay.lua' : 'ship.js' }));
    }
    expect(await q({ start_time: T0 + 2000, end_time: T0 + 4000 })).toEqual([3, 4, 5]);
    expect(await q({ start_time: '2026-11-22T10:00:07.000Z' })).toEqual([8, 9, 10]);
    expect(await q({ end_time: '2026-11-22T10:00:01Z' })).toEqual([1, 2]);
    expect(await q({ start_time: '2026-11-22T11:00:05+01:00', end_time: T0 + 5000 })).toEqual([6]);
    expect(await q({ correlation_id: 'corr-a' })).toEqual([1, 4, 7, 10]);
    expect(await q({ source: 'ship.js', correlation_id: 'corr-a' })).toEqual([7, 10]);
    expect(await q({ source: 'nobody' })).toEqual([]);
    expect(await q({ start_time: T0 + 5000, end_time: T0 + 1000 })).toEqual([]);
  });

  describe('filters', () => {
    beforeEach(() => {
      add(
        /* 1 */ mk.make('o', { amount: 500, status: 'paid', tags: ['vip', 'eu'], flag: true, obj: { a: 1, b: [2] } }, { metadata: { user_id: 'u1' } }),
        /* 2 */ mk.make('o', { amount: 20.5, status: 'open', tags: [], flag: false, obj: { b: [2], a: 1 } }, { component: 'pay.lua' }),
        /* 3 */ mk.make('o', { amount: '500', status: 'paid-late', tags: 'vip list', nul: null, items: [{ name: 'x' }, { name: 'y' }] }),
        /* 4 */ mk.make('p', { amount: 1000, status: 'paid', tags: [{ k: 1 }, 3, 'vip'] }, { metadata: { user_id: 'u2' }, ttl_seconds: 600 }),
        /* 5 */ mk.make('q', 7),
        /* 6 */ mk.make('o', { amount: 1, flag: 1, status: 'b' }, { correlation_id: 'cc' }),
      );
    });
    const f = (filters: unknown) => q({ filters });

    it('equality by value (JSON types are distinct; objects ignore key order)', async () => {
      expect(await f({ 'data.amount': 500 })).toEqual([1]);
      expect(await f({ 'data.amount': '500' })).toEqual([3]);
      expect(await f({ 'data.status': 'paid' })).toEqual([1, 4]);
      expect(await f({ 'data.flag': true })).toEqual([1]);
      expect(await f({ 'data.flag': 1 })).toEqual([6]);
      expect(await f({ 'data.flag': false })).toEqual([2]);
      expect(await f({ 'data.nul': null })).toEqual([3]);
      expect(await f({ 'data.obj': { op: '=', value: { a: 1, b: [2] } } })).toEqual([1, 2]);
      expect(await f({ 'data.tags': ['=', []] })).toEqual([2]);
      expect(await f({ 'data.tags': { op: '=', value: ['eu', 'vip'] } })).toEqual([]);
      expect(await f({ data: 7 })).toEqual([5]);
      expect(await f({ 'data.amount': { op: '=', value: 1000 } })).toEqual([4]);
    });

    it('positional conditions [op, value] mean what {op, value} means', async () => {
      expect(await f({ 'data.amount': ['>=', 500] })).toEqual(await f({ 'data.amount': { op: '>=', value: 500 } }));
      expect(await f({ 'data.amount': ['>=', 500] })).toEqual([1, 4]);
      expect(await f({ 'data.status': ['in', ['paid', 'b']] })).toEqual([1, 4, 6]);
      expect(await f({ 'data.nul': ['exists'] })).toEqual([3]);
    });

    it('!= needs the path to exist', async () => {
      expect(await f({ 'data.status': { op: '!=', value: 'paid' } })).toEqual([2, 3, 6]);
      expect(await f({ 'data.flag': { op: '!=', value: true } })).toEqual([2, 6]);
      expect(await f({ 'data.nul': { op: '!=', value: 1 } })).toEqual([3]);
    });

    it('ordering compares numbers with numbers and strings with strings only', async () => {
      expect(await f({ 'data.amount': { op: '>=', value: 500 } })).toEqual([1, 4]);
      expect(await f({ 'data.amount': { op: '>', value: 500 } })).toEqual([4]);
      expect(await f({ 'data.amount': { op: '<', value: 500 } })).toEqual([2, 6]);
      expect(await f({ 'data.amount': { op: '<=', value: 20.5 } })).toEqual([2, 6]);
      expect(await f({ 'data.amount': { op: '>=', value: '4' } })).toEqual([3]);
      expect(await f({ 'data.status': { op: '<', value: 'paid' } })).toEqual([2, 6]);
      expect(await f({ 'data.status': { op: '>', value: 'paid' } })).toEqual([3]);
      // booleans and containers never compare
      expect(await f({ 'data.flag': { op: '>=', value: 0 } })).toEqual([6]);
      expect(await f({ 'data.obj': { op: '>', value: '' } })).toEqual([]);
      expect(await f({ data: { op: '>', value: 6 } })).toEqual([5]);
    });

    it('in, contains, exists, matches', async () => {
      expect(await f({ 'data.amount': { op: 'in', value: [500, '500', 7, null] } })).toEqual([1, 3]);
      expect(await f({ 'data.status': { op: 'in', value: ['open', 'b', true] } })).toEqual([2, 6]);
      expect(await f({ 'data.flag': { op: 'in', value: [false, { a: 1 }] } })).toEqual([2]);
      expect(await f({ 'data.obj': { op: 'in', value: [{ b: [2], a: 1 }] } })).toEqual([1, 2]);
      expect(await f({ 'data.amount': { op: 'in', value: [] } })).toEqual([]);
      expect(await f({ 'data.tags': { op: 'contains', value: 'vip' } })).toEqual([1, 3, 4]);
      expect(await f({ 'data.tags': { op: 'contains', value: 3 } })).toEqual([4]);
      expect(await f({ 'data.tags': { op: 'contains', value: { k: 1 } } })).toEqual([4]);
      expect(await f({ 'data.status': { op: 'contains', value: 'id-l' } })).toEqual([3]);
      expect(await f({ 'data.status': { op: 'contains', value: '' } })).toEqual([1, 2, 3, 4, 6]);
      expect(await f({ 'data.nul': { op: 'exists' } })).toEqual([3]);
      expect(await f({ 'data.nul': { op: 'exists', value: true } })).toEqual([3]);
      expect(await f({ 'data.flag': { op: 'exists', value: false } })).toEqual([3, 4, 5]);
      expect(await f({ 'data.status': { op: 'matches', value: 'paid*' } })).toEqual([1, 3, 4]);
      expect(await f({ 'data.status': { op: 'matches', value: '{open,b}' } })).toEqual([2, 6]);
      expect(await f({ 'data.amount': { op: 'matches', value: '5*' } })).toEqual([3]);
    });

    it('paths into metadata, source, arrays and the envelope', async () => {
      expect(await f({ 'metadata.user_id': 'u2' })).toEqual([4]);
      expect(await f({ 'metadata.user_id': { op: 'exists' } })).toEqual([1, 4]);
      expect(await f({ 'source.component': 'pay.lua' })).toEqual([2]);
      expect(await f({ 'source.component': { op: 'matches', value: '*.lua' } })).toEqual([2]);
      expect(await f({ 'source.component': { op: '!=', value: 'test' } })).toEqual([2]);
      expect(await f({ 'source.correlation_id': 'cc' })).toEqual([6]);
      expect(await f({ 'data.items[1].name': 'y' })).toEqual([3]);
      expect(await f({ 'data.items[0]': { op: 'exists' } })).toEqual([3]);
      expect(await f({ sequence: { op: '>', value: 4 } })).toEqual([5, 6]);
      expect(await f({ sequence: { op: 'in', value: [2, 3, '4'] } })).toEqual([2, 3]);
      expect(await f({ sequence: '2' })).toEqual([]);
      expect(await f({ event_type: { op: 'matches', value: '{p,q}' } })).toEqual([4, 5]);
      expect(await f({ event_type: { op: 'in', value: ['p', 'q'] } })).toEqual([4, 5]);
      expect(await f({ event_type: { op: 'contains', value: 'q' } })).toEqual([5]);
      expect(await f({ ttl_seconds: { op: 'exists' } })).toEqual([4]);
      expect(await f({ priority: 'normal', 'data.status': 'paid' })).toEqual([1, 4]);
      expect(await f({ version: '1.0', event_type: 'q' })).toEqual([5]);
    });

    it('combines filters with every other field', async () => {
      expect(await q({ event_type: 'o', filters: { 'data.status': { op: 'matches', value: 'paid*' } }, order: 'desc', limit: 1 })).toEqual([3]);
      expect(await q({ event_type: '{o,p}', after_sequence: 1, filters: { 'data.amount': { op: '>=', value: 20 } } })).toEqual([2, 4]);
    });
  });

  it('never returns an expired event, even before a sweep, and the sweep deletes it', async () => {
    const now = Date.now();
    add(
      mk.make('ttl.gone', 1, { ts: now - 10_000, ttl_seconds: 5 }),
      mk.make('ttl.kept', 2, { ts: now, ttl_seconds: 3600 }),
      mk.make('ttl.none', 3, { ts: now - 10_000 }),
      mk.make('ttl.gone', 4, { ts: now - 2_000, ttl_seconds: 1 }),
    );
    expect(await q({})).toEqual([2, 3]);
    expect(await q({ event_type: 'ttl.gone' })).toEqual([]);
    expect(await q({ order: 'desc', limit: 1 })).toEqual([3]);
    expect(await store.count()).toBe(2);
    expect(await store.countMatching(normalizeQuery({ event_type: 'ttl.*' }))).toBe(2);
    expect((await store.stats()).expired_pending_sweep).toBe(2);
    expect(await store.sweep()).toBe(2);
    expect(await store.sweep()).toBe(0);
    expect(await q({})).toEqual([2, 3]);
    expect((await store.stats()).expired_pending_sweep).toBe(0);
  });

  it('contains never matches a number, not even the sequence column', async () => {
    add(mk.make('x', 1), mk.make('x', 12));
    expect(await q({ filters: { sequence: { op: 'contains', value: '' } } })).toEqual([]);
    expect(await q({ filters: { sequence: { op: 'contains', value: '1' } } })).toEqual([]);
    expect(await q({ filters: { 'data': { op: 'contains', value: '1' } } })).toEqual([]);
  });

  it('finds an event by id through a filter', async () => {
    const [, b] = add(mk.make('x', 1), mk.make('x', 2), mk.make('y', 3));
    expect(await q({ filters: { id: b!.id } })).toEqual([2]);
    expect(await q({ filters: { id: { op: '!=', value: b!.id } } })).toEqual([1, 3]);
  });

  it('keeps lastSequence past every sequence it saw or was told about', async () => {
    add(mk.make('a'), mk.make('b'));
    expect(store.lastSequence()).toBe(2);
    store.markSequence(10);
    expect(store.lastSequence()).toBe(10);
    store.markSequence(5);
    expect(store.lastSequence()).toBe(10);
  });

  it('keeps replay checkpoints by name', async () => {
    expect(await store.getCheckpoint('nightly')).toBeNull();
    store.setCheckpoint('nightly', 42);
    store.setCheckpoint('other', 7);
    expect(await store.getCheckpoint('nightly')).toBe(42);
    await store.flush();
    store.setCheckpoint('nightly', 43);
    expect(await store.getCheckpoint('nightly')).toBe(43);
    expect(await store.getCheckpoint('other')).toBe(7);
    await expect(store.getCheckpoint('')).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });

  it('counts and describes what it holds', async () => {
    const now = Date.now();
    add(mk.make('a.x', 1, { ts: now - 120_000 }), mk.make('a.x', 2, { ts: now - 1000 }), mk.make('b', 3, { ts: now }));
    expect(await store.countMatching(normalizeQuery({ event_type: 'a.*', limit: 1 }))).toBe(2);
    const s = await store.stats();
    expect(s.kind).toBe(store.kind);
    expect(s.count).toBe(3);
    expect(s.first_sequence).toBe(1);
    expect(s.last_sequence).toBe(3);
    expect(s.by_type.map((t) => [t.event_type, t.count, t.last_minute])).toEqual([['a.x', 2, 1], ['b', 1, 1]]);
    expect(s.first_timestamp).toBe(new Date(now - 120_000).toISOString());
    expect(s.rate_last_minute).toBeCloseTo(2 / 60);
    expect(s.size_bytes).toBeGreaterThan(0);
  });

  it('rejects bad queries with INVALID_QUERY before touching the store', async () => {
    for (const bad of [
      { filters: { 'data.x': { op: 'like', value: 1 } } },
      { filters: { 'not a path': 1 } },
      { start_time: 'yesterday' },
      { limit: 0 },
      { event_type: 'a..b' },
      { unknown: 1 },
    ]) {
      await expect((async () => store.query(normalizeQuery(bad)))()).rejects.toMatchObject({ code: 'INVALID_QUERY' });
    }
  });

  it('is unavailable once closed', async () => {
    await store.close();
    expect(() => store.append(mk.make('late'))).toThrow(expect.objectContaining({ code: 'STORE_UNAVAILABLE' }));
    await expect(store.query(normalizeQuery({}))).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await store.close(); // idempotent
  });
});
