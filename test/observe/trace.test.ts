/**
 * Tracing causal chains back from a store: chains made with bus.handling
 * (host code) and with explicit causes through the port (a stand-in for the
 * script host), on both stores; then the CLI.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { causeOf } from '../../src/core/context.js';
import { portOf } from '../../src/core/port.js';
import { createBus, createMemoryStore, openSqliteStore, type Bus, type EventStore, type UniversalEvent } from '../../src/index.js';
import { layout, renderTrace, traceEvents } from '../../src/observe/trace.js';
import { expectRejectCode } from '../core/helpers.js';
import { crosstalk } from '../setup/cli.js';
import { EventMaker, tempDir } from '../store/helpers.js';

const tmp = tempDir('crosstalk-trace-');
afterAll(() => tmp.cleanup());

const STORES: [string, () => EventStore][] = [
  ['memory', () => createMemoryStore({ sweepIntervalMs: 0 })],
  ['sqlite', () => openSqliteStore(join(tmp.dir, `t-${Math.random().toString(36).slice(2)}.db`), { sweepIntervalMs: 0 })],
];

/** A script as its host would run it: publishes under the cause of the event it is handling. */
function standInScript(bus: Bus, component: string, language: string) {
  const port = portOf(bus);
  const who = { component, instance_id: `${component}-1`, language };
  return (handled: UniversalEvent, type: string) => port.publishAs(who, type, { from: handled.event_type }, undefined, port.cause(causeOf(handled))) as string;
}

/**
 * order.created (host, no correlation id)
 *   └ payment.requested (pay.lua)
 *       ├ payment.done (bank.js)
 *       │   └ order.shipped (host, via bus.handling)
 *       └ audit.logged (audit.lua)
 */
async function orderChain(bus: Bus): Promise<Record<string, UniversalEvent>> {
  const sub = bus.subscribe('**', { max_queue_size: 100 });
  const next = () => sub.poll()!;
  const pay = standInScript(bus, 'pay.lua', 'lua');
  const bank = standInScript(bus, 'bank.js', 'javascript');
  const audit = standInScript(bus, 'audit.lua', 'lua');
  bus.publish('noise.before', {}, { persistent: true });
  next();
  bus.publish('order.created', { order: 1 }, { persistent: true });
  const created = next();
  pay(created, 'payment.requested');
  const requested = next();
  bank(requested, 'payment.done');
  const done = next();
  audit(requested, 'audit.logged');
  const audited = next();
  await bus.handling(done, async () => {
    await Promise.resolve();
    bus.publish('order.shipped', { order: 1 });
  });
  const shipped = next();
  bus.publish('noise.after', {}, { persistent: true });
  await bus.flush();
  return { created, requested, done, audited, shipped };
}

describe.each(STORES)('traceEvents on the %s store', (_name, open) => {
  it('a chain started without a correlation id is found by its root id and by any of its events', async () => {
    const bus = createBus({ store: open(), persist: ['payment.**', 'audit.**', 'order.**'] });
    const e = await orderChain(bus);
    const byRoot = await traceEvents(bus.store!, e.created!.id);
    expect(byRoot.correlation_id).toBe(e.created!.id);
    expect(byRoot.focus).toBeNull();
    expect(byRoot.events.map((s) => [s.event_type, s.depth, s.component, s.language])).toEqual([
      ['order.created', 0, 'host', 'host'],
      ['payment.requested', 1, 'pay.lua', 'lua'],
      ['payment.done', 2, 'bank.js', 'javascript'],
      ['order.shipped', 3, 'host', 'host'],
      ['audit.logged', 2, 'audit.lua', 'lua'],
    ]);
    const steps = Object.fromEntries(byRoot.events.map((s) => [s.event_type, s]));
    expect(steps['payment.done']!.parent).toBe(e.requested!.id);
    expect(steps['audit.logged']!.parent).toBe(e.requested!.id);
    expect(steps['order.created']!.gap_ms).toBeNull();
    const t = (x: UniversalEvent) => Date.parse(x.timestamp);
    expect(steps['payment.done']!.gap_ms).toBe(t(e.done!) - t(e.requested!));
    expect(steps['order.shipped']!.offset_ms).toBe(t(e.shipped!) - t(e.created!));
    expect(byRoot.roots).toBe(1);
    expect(byRoot.sources).toBe(4);

    const byMiddle = await traceEvents(bus.store!, e.done!.id);
    expect(byMiddle.focus).toBe(e.done!.id);
    expect(byMiddle.events.map((s) => s.id)).toEqual(byRoot.events.map((s) => s.id));
    await bus.close();
  });

  it('a correlation id given by withCorrelation traces its events; unknown ids are NOT_FOUND', async () => {
    const bus = createBus({ store: open(), persist: ['**'] });
    const sub = bus.subscribe('**');
    bus.withCorrelation('req-7', () => {
      bus.publish('http.request');
      bus.publish('db.query');
    });
    const [req] = sub.drain();
    bus.handling(req!, () => bus.publish('http.response'));
    await bus.flush();
    const t = await traceEvents(bus.store!, 'req-7');
    expect(t.events.map((s) => [s.event_type, s.depth])).toEqual([
      ['http.request', 0],
      ['http.response', 1],
      ['db.query', 0],
    ]);
    expect(t.roots).toBe(2);
    const e = await expectRejectCode(traceEvents(bus.store!, 'no-such-id'), 'NOT_FOUND');
    expect(e.message).toContain('no-such-id');
    await expectRejectCode(traceEvents(bus.store!, ''), 'INVALID_QUERY');
    await expectRejectCode(traceEvents(bus.store!, 'req-7', { limit: 0 }), 'INVALID_OPTION');
    await bus.close();
  });

  it('an event without a correlation id: itself and the causes it names, by id', async () => {
    const bus = createBus({ store: open(), persist: ['**'] });
    const sub = bus.subscribe('**');
    bus.publish('a');
    const a = sub.poll()!;
    bus.publish('b', null, { metadata: { caused_by: a.id } });
    const b = sub.poll()!;
    bus.publish('c', null, { metadata: { caused_by: b.id } });
    const c = sub.poll()!;
    await bus.flush();
    const t = await traceEvents(bus.store!, c.id);
    expect(t.correlation_id).toBeNull();
    expect(t.events.map((s) => [s.event_type, s.depth])).toEqual([['a', 0], ['b', 1], ['c', 2]]);
    await bus.close();
  });

  it('stops at the limit and says so', async () => {
    const bus = createBus({ store: open(), persist: ['**'] });
    bus.withCorrelation('many', () => {
      for (let i = 0; i < 30; i++) bus.publish('tick', { i });
    });
    await bus.flush();
    const t = await traceEvents(bus.store!, 'many', { limit: 10 });
    expect(t.events).toHaveLength(10);
    expect(t.truncated).toBe(true);
    expect((await traceEvents(bus.store!, 'many', { limit: 30 })).truncated).toBe(false);
    await bus.close();
  });
});

describe('layout', () => {
  it('survives caused_by cycles and a 5,000-step chain', () => {
    const mk = new EventMaker();
    const a = mk.make('a');
    const b = mk.make('b', null, { metadata: { caused_by: a.id } });
    a.metadata = { caused_by: b.id };
    expect(layout('x', null, null, [a, b]).events.map((s) => s.event_type)).toEqual(['a', 'b']);

    const chain: UniversalEvent[] = [mk.make('step', { i: 0 }, { correlation_id: 'deep' })];
    for (let i = 1; i < 5000; i++) chain.push(mk.make('step', { i }, { correlation_id: 'deep', metadata: { caused_by: chain[i - 1]!.id } }));
    const t = layout('deep', 'deep', null, chain);
    expect(t.events.map((s) => s.depth)).toEqual(chain.map((_, i) => i));
    const text = renderTrace(t);
    expect(text.split('\n')[0]).toContain('correlation deep: 5000 events from 1 source');
    expect(text).toContain('└ [4999] step'); // deep steps show their depth instead of ever more indent
  });
});

describe('crosstalk trace', () => {
  it('prints the chain as an indented timeline, and as JSON', async () => {
    const path = join(tmp.dir, 'cli.db');
    const bus = createBus({ store: openSqliteStore(path), persist: ['payment.**', 'audit.**', 'order.**'] });
    const e = await orderChain(bus);
    await bus.close();
    const r = await crosstalk(['trace', e.created!.id, '--store', `sqlite:${path}`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^correlation ${e.created!.id}: 5 events from 4 sources over \\d+ ms, from \\S+Z$`));
    // the event column starts where the first row's type does; the source column follows it
    const col = lines[1]!.indexOf('order.created');
    expect(lines.slice(1).map((l) => [/^( *\S+(?: \S+)*)/.exec(l.slice(col))![1], l.slice(col).trim().split(/ {2,}/)[1]])).toEqual([
      ['order.created', 'host (host)'],
      ['└ payment.requested', 'pay.lua (lua)'],
      ['  └ payment.done', 'bank.js (javascript)'],
      ['    └ order.shipped', 'host (host)'],
      ['  └ audit.logged', 'audit.lua (lua)'],
    ]);
    const focus = await crosstalk(['trace', e.audited!.id, '--store', `sqlite:${path}`]);
    expect(focus.stdout.split('\n').find((l) => l.includes('◀'))).toContain('audit.logged');
    const j = await crosstalk(['trace', e.created!.id, '--store', `sqlite:${path}`, '--json']);
    const t = JSON.parse(j.stdout) as { events: { event_type: string; caused_by: string | null }[] };
    expect(t.events.map((s) => s.event_type)).toEqual(['order.created', 'payment.requested', 'payment.done', 'order.shipped', 'audit.logged']);
    expect(t.events[1]!.caused_by).toBe(e.created!.id);
  });

  it('an unknown id is NOT_FOUND (exit 1); a bad --limit is exit 2; both one line', async () => {
    const path = join(tmp.dir, 'cli.db');
    const r = await crosstalk(['trace', 'nobody', '--store', `sqlite:${path}`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('crosstalk trace: NOT_FOUND: no stored event has the id or correlation id "nobody"\n');
    const j = await crosstalk(['trace', 'nobody', '--store', `sqlite:${path}`, '--json']);
    expect(JSON.parse(j.stderr)).toMatchObject({ error: { code: 'NOT_FOUND' } });
    const b = await crosstalk(['trace', 'x', '--limit', '0', '--store', `sqlite:${path}`]);
    expect(b.code).toBe(2);
    expect(b.stderr.trim().split('\n')).toHaveLength(1);
    expect(b.stderr).toContain('--limit');
  });
});
