/**
 * The host half of the JS binding, fed directly with what an isolate could
 * send if its prelude were subverted: forged batches must not let a script
 * choose or repeat event ids, and every failure is reported at the next call.
 */
import { describe, expect, it } from 'vitest';
import { createBus } from '../setup/bus.js';
import { createScriptContext } from '../../src/scripting/api.js';
import { HostBridge, ID_POOL_SIZE } from '../../src/scripting/js/bridge.js';

function setup() {
  const bus = createBus();
  const sink = bus.subscribe('**', { max_queue_size: 100_000 });
  const ctx = createScriptContext(bus, { component: 'forged.js', language: 'javascript' });
  const bridge = new HostBridge(ctx, 'forged.js', () => {}, { stop() {} });
  const pool = bridge.issueIds();
  const ids = Array.from({ length: pool.length / 36 }, (_, k) => pool.slice(36 * k, 36 * k + 36));
  /** the answer of the next ordinary call: '1v…' when nothing failed, '1e{…}' with the deferred failure */
  const next = () => bridge.call('get_stats', [], '', -1) as string;
  return { bus, sink, bridge, ids, next };
}

describe('HostBridge batches', () => {
  it('gives batched events the issued ids in order, whatever the batch says', () => {
    const { sink, bridge, ids, next } = setup();
    expect(ids).toHaveLength(ID_POOL_SIZE);
    expect(new Set(ids).size).toBe(ID_POOL_SIZE);
    bridge.call('__batch', null, JSON.stringify([{ event_type: 'a.one', data: 1 }, { event_type: 'a.two', data: 2 }]), -1);
    expect(next()[1]).toBe('v');
    expect(sink.drain().map((e) => [e.id, e.data])).toEqual([
      [ids[0], 1],
      [ids[1], 2],
    ]);
  });

  it('a batch with more events than issued ids publishes what it has ids for and reports the rest', () => {
    const { sink, bridge, ids, next } = setup();
    const batch = JSON.stringify(Array.from({ length: ID_POOL_SIZE + 3 }, (_, i) => ({ event_type: 'a.n', data: i })));
    bridge.call('__batch', null, batch, -1);
    const answer = next();
    expect(answer.slice(1, 2)).toBe('e');
    expect(JSON.parse(answer.slice(2))).toMatchObject({ code: 'SCRIPT_ERROR', message: expect.stringContaining('ids') });
    const got = sink.drain(100_000);
    expect(got).toHaveLength(ID_POOL_SIZE);
    expect(got.map((e) => e.id)).toEqual(ids);
    // a fresh pool makes room again
    bridge.issueIds();
    bridge.call('__batch', null, '[{"event_type":"a.after"}]', -1);
    expect(next()[1]).toBe('v');
    expect(sink.drain().map((e) => e.event_type)).toEqual(['a.after']);
  });

  it('a batched event that names an id is refused: a script cannot choose or repeat a batched id', () => {
    const { sink, bridge, ids, next } = setup();
    // an unused id of the pool, which a later batched event will get
    bridge.call('__batch', null, JSON.stringify([{ event_type: 'a.forged', id: ids[3] }, { event_type: 'a.plain' }, { event_type: 'a.own', id: ids[0] }]), -1);
    expect(JSON.parse(next().slice(2))).toMatchObject({ code: 'SCRIPT_ERROR', message: expect.stringContaining('carried an id') });
    bridge.call('__batch', null, JSON.stringify([{ event_type: 'a.third' }, { event_type: 'a.fourth' }]), -1);
    expect(next()[1]).toBe('v');
    // the refused events still used up their pool slots, so the ids that follow stay in step
    expect(sink.drain().map((e) => [e.event_type, e.id])).toEqual([
      ['a.plain', ids[1]],
      ['a.third', ids[3]],
      ['a.fourth', ids[4]],
    ]);
  });

  it('a refill of ids is answered even when a batched event failed; the failure comes at the next other call', () => {
    const { bridge, next } = setup();
    bridge.call('__batch', null, JSON.stringify([{ event_type: 'a.bad', data: 1, metadata: 7 }]), -1);
    const refill = bridge.call('__flush', [true], '', -1) as string;
    expect(refill[1]).toBe('i');
    expect(refill.length - 2).toBe(36 * ID_POOL_SIZE);
    expect(JSON.parse(next().slice(2))).toMatchObject({ code: 'INVALID_OPTION', option: 'metadata' });
    expect(next()[1]).toBe('v');
  });

  it('malformed batches and elements are reported, and the good elements are published', () => {
    const { sink, bridge, next } = setup();
    for (const bad of ['{', '{"event_type":"a"}', 'null', '"x"']) {
      bridge.call('__batch', null, bad, -1);
      expect(JSON.parse(next().slice(2))).toMatchObject({ code: 'SCRIPT_ERROR', message: 'malformed publish batch' });
    }
    bridge.call('__batch', null, '["a.str", 7, null, [], {"event_type":"a.ok","data":{"deep":[1,[2]]}}, {"event_type":"a.x","nope":1}]', -1);
    const failure = JSON.parse(next().slice(2));
    expect(failure.code).toBe('INVALID_EVENT_TYPE');
    expect(failure.message).toContain('batched publish');
    expect(sink.drain().map((e) => e.event_type)).toEqual(['a.ok']);
    expect(next()[1]).toBe('v');
  });
});
