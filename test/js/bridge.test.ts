/**
 * The host half of the JS binding, fed directly with what an isolate could
 * send if its prelude were subverted: forged batches must not let a script
 * choose or repeat event ids, and every failure is reported at the next call.
 */
import { describe, expect, it } from 'vitest';
import { createBus } from '../../src/core/bus.js';
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

  it('an id named inside a batch is a supplied id: checked, and refused when repeated', () => {
    const { sink, bridge, ids, next } = setup();
    const own = '0b5e4c1e-7f3a-4d2b-9c1a-2e3f4a5b6c7d';
    bridge.call('__batch', null, JSON.stringify([{ event_type: 'a.own', id: own }, { event_type: 'a.bad', id: 'x' }, { event_type: 'a.plain' }]), -1);
    expect(JSON.parse(next().slice(2))).toMatchObject({ code: 'INVALID_OPTION', option: 'id' });
    bridge.call('__batch', null, JSON.stringify([{ event_type: 'a.again', id: own }]), -1);
    expect(JSON.parse(next().slice(2))).toMatchObject({ code: 'INVALID_OPTION', message: expect.stringContaining('already published') });
    // the forged ids still used up their pool slots, so the ids that follow stay in step
    expect(sink.drain().map((e) => [e.event_type, e.id])).toEqual([
      ['a.own', own],
      ['a.plain', ids[2]],
    ]);
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
