/**
 * The host half of the script boundary, fed directly with what an isolate
 * could write if its runtime were subverted: forged outbox regions must not
 * let a script choose or repeat event ids, garbage is reported at the next
 * call, and what a dead isolate committed is still published.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { portOf } from '../../src/core/port.js';
import { createScriptContext } from '../../src/scripting/api.js';
import { CTL_CURRENT, CTL_INTS, ctlCount, ctlLength, ctlState, ID_POOL_SIZE, REGION_CHARS, REGION_HANDED } from '../../src/scripting/guest/protocol.js';
import { HostBridge } from '../../src/scripting/isolate/bridge.js';
import { OutboxReader } from '../../src/scripting/isolate/outbox.js';
import { Tasks } from '../../src/scripting/isolate/tasks.js';
import { createBus } from '../setup/bus.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function setup() {
  const bus = createBus();
  const sink = bus.subscribe('**', { max_queue_size: 100_000 });
  const ctx = createScriptContext(portOf(bus), { component: 'forged.js', language: 'javascript' });
  const outbox = new OutboxReader();
  const bridge = new HostBridge(ctx, outbox, 'forged.js', () => {}, { fatal() {}, waited() {}, heapBytes: () => 0, cpuSeconds: () => 0, tasks: new Tasks(null) });
  const pool = bridge.issueIds();
  const ids = Array.from({ length: pool.length / 36 }, (_, k) => pool.slice(36 * k, 36 * k + 36));
  const text = new Uint16Array(outbox.shared, CTL_INTS * 4);
  let next = 0;
  /** Writes `body` (the inside of the JSON array) into the next region, as a region the isolate committed. */
  const commit = (body: string, count = 1, length = body.length) => {
    const r = next;
    for (let i = 0; i < body.length && i < REGION_CHARS; i++) text[r * REGION_CHARS + i] = body.charCodeAt(i);
    Atomics.store(outbox.ctl, ctlCount(r), count);
    Atomics.store(outbox.ctl, ctlLength(r), length);
    Atomics.store(outbox.ctl, CTL_CURRENT, r);
    return r;
  };
  /** ... and hands it over, as the isolate does before a call. */
  const hand = (body: string, count = 1, length = body.length) => {
    const r = commit(body, count, length);
    Atomics.store(outbox.ctl, ctlState(r), REGION_HANDED);
    next = 1 - r;
  };
  /** the answer of an ordinary call: '1v…' when nothing failed, '1e{…}' with a reported failure */
  const call = () => bridge.call('get_stats', [], '') as string;
  return { bus, sink, bridge, ids, hand, commit, call };
}

describe('HostBridge outbox', () => {
  it('gives batched events the issued ids in order, whatever the region says', () => {
    const { sink, ids, hand, call } = setup();
    expect(ids).toHaveLength(ID_POOL_SIZE);
    expect(new Set(ids).size).toBe(ID_POOL_SIZE);
    hand('{"event_type":"a.one","data":1},{"event_type":"a.two","data":2}', 2);
    hand('{"event_type":"a.three","data":3}');
    expect(call()[1]).toBe('v');
    expect(sink.drain().map((e) => [e.id, e.data])).toEqual([
      [ids[0], 1],
      [ids[1], 2],
      [ids[2], 3],
    ]);
  });

  it('more events than issued ids: publishes what it has ids for and reports the rest', () => {
    const { sink, bridge, ids, hand, call } = setup();
    const events = Array.from({ length: ID_POOL_SIZE + 3 }, (_, i) => JSON.stringify({ event_type: 'a.n', data: i }));
    hand(events.join(','), events.length);
    const answer = call();
    expect(answer.slice(1, 2)).toBe('e');
    expect(JSON.parse(answer.slice(2))).toMatchObject({ code: 'SCRIPT_ERROR', message: expect.stringContaining('ids') });
    const got = sink.drain(100_000);
    expect(got.map((e) => e.id)).toEqual(ids);
    // a fresh pool makes room again
    bridge.issueIds();
    hand('{"event_type":"a.after"}');
    expect(call()[1]).toBe('v');
    expect(sink.drain().map((e) => e.event_type)).toEqual(['a.after']);
  });

  it('a batched event that names an id is refused: a script cannot choose or repeat a batched id', () => {
    const { sink, ids, hand, call } = setup();
    hand(JSON.stringify([{ event_type: 'a.forged', id: ids[3] }, { event_type: 'a.plain' }, { event_type: 'a.own', id: ids[0] }]).slice(1, -1), 3);
    const failure = JSON.parse(call().slice(2));
    expect(failure).toMatchObject({ code: 'SCRIPT_ERROR', message: expect.stringContaining('carried an id'), eventId: ids[0] });
    hand('{"event_type":"a.third"},{"event_type":"a.fourth"}', 2);
    expect(call()[1]).toBe('v');
    // the refused events still used up their pool slots, so the ids that follow stay in step
    expect(sink.drain().map((e) => [e.event_type, e.id])).toEqual([
      ['a.plain', ids[1]],
      ['a.third', ids[3]],
      ['a.fourth', ids[4]],
    ]);
  });

  it('a refill of ids is answered even when a batched event failed; the failure comes at the next other call, naming its id', () => {
    const { bridge, ids, hand, call } = setup();
    hand('{"event_type":"a.bad","data":1,"metadata":7}');
    const refill = bridge.call('__flush', [true], '') as string;
    expect(refill[1]).toBe('i');
    expect(refill.length - 2).toBe(36 * ID_POOL_SIZE);
    const failure = JSON.parse(call().slice(2));
    expect(failure).toMatchObject({ code: 'INVALID_OPTION', option: 'metadata', eventId: ids[0] });
    expect(failure.message).toContain(ids[0]);
    expect(call()[1]).toBe('v');
  });

  it('garbage in a region is reported and the good events are published; lengths past the region are clamped', () => {
    const { sink, hand, call } = setup();
    for (const bad of ['{', '"x"]', ']', '\u0000\u0001']) {
      hand(bad);
      expect(JSON.parse(call().slice(2))).toMatchObject({ code: 'SCRIPT_ERROR', message: 'malformed publish batch' });
    }
    hand('"a.str", 7, null, [], {"event_type":"a.ok","data":{"deep":[1,[2]]}}, {"event_type":"a.x","nope":1}', 6);
    const failure = JSON.parse(call().slice(2));
    expect(failure.code).toBe('INVALID_EVENT_TYPE');
    expect(failure.message).toContain('batched publish');
    expect(sink.drain().map((e) => e.event_type)).toEqual(['a.ok']);
    hand('{"event_type":"a.big"}', 1, REGION_CHARS * 8); // a length that lies
    expect(call()[1]).toBe('e');
    hand('{"event_type":"a.after"}');
    expect(call()[1]).toBe('v');
    expect(sink.drain().map((e) => e.event_type)).toEqual(['a.after']);
  });

  it('notes about filtered events apply only to the script’s own subscriptions', () => {
    const { bus, bridge, sink } = setup();
    const own = bridge.call('subscribe', ['n.*'], '') as string;
    const id = JSON.parse(own.slice(2)).id as string;
    bus.publish('n.1', 1);
    bus.publish('n.2', 2);
    bridge.call('receive_batch', [id, { timeout_ms: 0 }], '');
    bridge.call('get_stats', [], JSON.stringify({ f: { [id]: 1, [sink.id]: 1, nope: 'x' } }));
    expect(bus.subscriptionStats(id)).toMatchObject({ delivered: 1, filtered: 1 });
    expect(sink.stats().filtered).toBe(0);
    bridge.call('get_stats', [], '{not json');
    expect(bus.subscriptionStats(id)).toMatchObject({ delivered: 1, filtered: 1 });
  });

  it('after the isolate is gone, what it committed but never handed over is published, after what it handed over', async () => {
    const { sink, bridge, ids, hand, commit } = setup();
    hand('{"event_type":"a.handed"}');
    commit('{"event_type":"a.committed1"},{"event_type":"a.committed2"}', 2);
    expect(await bridge.rescue()).toBeNull();
    expect(sink.drain().map((e) => [e.event_type, e.id])).toEqual([
      ['a.handed', ids[0]],
      ['a.committed1', ids[1]],
      ['a.committed2', ids[2]],
    ]);
    expect(await bridge.rescue()).toBeNull(); // nothing twice
    expect(sink.drain()).toEqual([]);
  });
});

describe('HostBridge calls that wait', () => {
  /** A receive that has to wait, answered by the next publish. */
  const waitOnce = async ({ bus, bridge, sink }: ReturnType<typeof setup>, id: string) => {
    const p = bridge.call('receive', [id, 60_000], '');
    expect(p).toBeInstanceOf(Promise);
    bus.publish('w.x', 1);
    sink.drain();
    expect(((await p) as string).slice(0, 2)).toBe('1E'); // one event
  };

  it('keep no memory once answered, however many a script makes (a long-running service)', async () => {
    const s = setup();
    const id = JSON.parse((s.bridge.call('subscribe', ['w.*'], '') as string).slice(2)).id as string;
    for (let i = 0; i < 2000; i++) await waitOnce(s, id); // warm
    gc();
    gc();
    const before = process.memoryUsage().heapUsed;
    const n = 20_000;
    for (let i = 0; i < n; i++) await waitOnce(s, id);
    gc();
    gc();
    // a reaction left per wait (≈ 700 B) would be ≈ 14 MB here
    expect((process.memoryUsage().heapUsed - before) / n).toBeLessThan(100);
  });

  it('a stop answers the call that waits, and every later one, with the stop', async () => {
    const { bridge } = setup();
    const id = JSON.parse((bridge.call('subscribe', ['w.*'], '') as string).slice(2)).id as string;
    const waiting = bridge.call('receive', [id, 60_000], '');
    expect(bridge.parked).toBe(true);
    bridge.stop({ code: 'SCRIPT_TIMEOUT', message: 'too long' });
    const answer = (await waiting) as string;
    expect(answer.slice(1, 2)).toBe('x');
    expect(JSON.parse(answer.slice(2))).toMatchObject({ code: 'SCRIPT_TIMEOUT' });
    expect(bridge.parked).toBe(false);
    const later = await bridge.call('receive', [id, 60_000], '');
    expect(JSON.parse((later as string).slice(2))).toMatchObject({ code: 'SCRIPT_TIMEOUT' });
  });
});
