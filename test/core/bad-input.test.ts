/**
 * docs/errors.md "Error codes": every bad input at every public entry throws a CrosstalkError with
 * the right code; the bus keeps working afterwards and nothing it had
 * already accepted is lost.
 */
import { describe, expect, it } from 'vitest';
import { createBus, CrosstalkError, type Bus, type ErrorCode, type Subscription } from '../../src/index.js';
import { expectCode, expectRejectCode } from './helpers.js';

type Call = (bus: Bus, sub: Subscription) => unknown;
const x = <T>(v: unknown) => v as T; // a value the types would not allow

function nested(depth: number): unknown {
  let v: unknown = 0;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}
function cyclic(): unknown {
  const o: Record<string, unknown> = { a: { b: [] } };
  ((o.a as Record<string, unknown>).b as unknown[]).push(o);
  return o;
}
class Point {
  constructor(
    public x = 1,
    public y = 2,
  ) {}
}
const MiB = 1024 * 1024;

const publishCases: [string, ErrorCode, Call][] = [
  // event type
  ['type: a number', 'INVALID_EVENT_TYPE', (b) => b.publish(x(42))],
  ['type: null', 'INVALID_EVENT_TYPE', (b) => b.publish(x(null))],
  ['type: undefined', 'INVALID_EVENT_TYPE', (b) => b.publish(x(undefined))],
  ['type: an array', 'INVALID_EVENT_TYPE', (b) => b.publish(x(['a']))],
  ['type: a function', 'INVALID_EVENT_TYPE', (b) => b.publish(x(() => 'a'))],
  ['type: empty', 'INVALID_EVENT_TYPE', (b) => b.publish('')],
  ['type: empty segment', 'INVALID_EVENT_TYPE', (b) => b.publish('a..b')],
  ['type: leading dot', 'INVALID_EVENT_TYPE', (b) => b.publish('.a')],
  ['type: trailing dot', 'INVALID_EVENT_TYPE', (b) => b.publish('a.')],
  ['type: a space', 'INVALID_EVENT_TYPE', (b) => b.publish('a b')],
  ['type: a slash', 'INVALID_EVENT_TYPE', (b) => b.publish('a/b')],
  ['type: a wildcard', 'INVALID_EVENT_TYPE', (b) => b.publish('a.*')],
  ['type: non-ASCII', 'INVALID_EVENT_TYPE', (b) => b.publish('café')],
  ['type: a newline', 'INVALID_EVENT_TYPE', (b) => b.publish('a\n')],
  ['type: 256 characters', 'INVALID_EVENT_TYPE', (b) => b.publish('a'.repeat(256))],
  ['type: a megabyte', 'INVALID_EVENT_TYPE', (b) => b.publish('a'.repeat(MiB))],
  ['table: no event_type', 'INVALID_EVENT_TYPE', (b) => b.publish(x({ data: 1 }))],
  ['table: bad event_type', 'INVALID_EVENT_TYPE', (b) => b.publish({ event_type: 'a..b' })],
  // data
  ['data: NaN', 'INVALID_DATA', (b) => b.publish('a', NaN)],
  ['data: Infinity', 'INVALID_DATA', (b) => b.publish('a', Infinity)],
  ['data: -Infinity deep', 'INVALID_DATA', (b) => b.publish('a', { items: [1, 2, { x: -Infinity }] })],
  ['data: undefined inside', 'INVALID_DATA', (b) => b.publish('a', x({ a: undefined }))],
  ['data: undefined in an array', 'INVALID_DATA', (b) => b.publish('a', x([1, undefined]))],
  ['data: a sparse array', 'INVALID_DATA', (b) => b.publish('a', x([1, , 3]))], // eslint-disable-line no-sparse-arrays
  ['data: a function', 'INVALID_DATA', (b) => b.publish('a', x(() => 1))],
  ['data: a nested function', 'INVALID_DATA', (b) => b.publish('a', x({ fn: () => 1 }))],
  ['data: a symbol', 'INVALID_DATA', (b) => b.publish('a', x(Symbol('s')))],
  ['data: a bigint', 'INVALID_DATA', (b) => b.publish('a', x({ n: 10n }))],
  ['data: a cycle', 'INVALID_DATA', (b) => b.publish('a', x(cyclic()))],
  ['data: a self-containing array', 'INVALID_DATA', (b) => {
    const a: unknown[] = [];
    a.push(a);
    return b.publish('a', x(a));
  }],
  ['data: a class instance', 'INVALID_DATA', (b) => b.publish('a', x(new Point()))],
  ['data: a Date', 'INVALID_DATA', (b) => b.publish('a', x({ when: new Date() }))],
  ['data: a Map', 'INVALID_DATA', (b) => b.publish('a', x(new Map([[1, 2]])))],
  ['data: a Set', 'INVALID_DATA', (b) => b.publish('a', x(new Set([1])))],
  ['data: a typed array', 'INVALID_DATA', (b) => b.publish('a', x(new Uint8Array(4)))],
  ['data: a boxed string', 'INVALID_DATA', (b) => b.publish('a', x(new String('s')))],
  ['data: a Promise', 'INVALID_DATA', (b) => b.publish('a', x(Promise.resolve(1)))],
  ['data: an Error', 'INVALID_DATA', (b) => b.publish('a', x(new Error('e')))],
  ['data: 65 levels deep', 'INVALID_DATA', (b) => b.publish('a', x(nested(65)))],
  ['data: 100,000 levels deep', 'INVALID_DATA', (b) => b.publish('a', x(nested(100_000)))],
  ['data: a throwing getter', 'INVALID_DATA', (b) =>
    b.publish('a', x(Object.defineProperty({}, 'boom', { enumerable: true, get: () => { throw new Error('getter'); } })))],
  ['data: a hostile Proxy', 'INVALID_DATA', (b) => b.publish('a', x(new Proxy({}, { ownKeys: () => { throw new Error('trap'); } })))],
  ['data: over 1 MiB of string', 'PAYLOAD_TOO_LARGE', (b) => b.publish('a', 'x'.repeat(MiB))],
  ['data: over 1 MiB of small values', 'PAYLOAD_TOO_LARGE', (b) => b.publish('a', Array.from({ length: 300_000 }, () => 1234))],
  ['data: over 1 MiB in UTF-8 bytes', 'PAYLOAD_TOO_LARGE', (b) => b.publish('a', '\u00e9'.repeat(600_000))],
  ['data: over 1 MiB in the table form', 'PAYLOAD_TOO_LARGE', (b) => b.publish({ event_type: 'a', data: 'x'.repeat(MiB) })],
  // options
  ['options: a string', 'INVALID_OPTION', (b) => b.publish('a', 1, x('high'))],
  ['options: an array', 'INVALID_OPTION', (b) => b.publish('a', 1, x([]))],
  ['options: an unknown key', 'INVALID_OPTION', (b) => b.publish('a', 1, x({ priorty: 'high' }))],
  ['options: bad priority', 'INVALID_OPTION', (b) => b.publish('a', 1, x({ priority: 'urgent' }))],
  ['options: metadata an array', 'INVALID_OPTION', (b) => b.publish('a', 1, x({ metadata: [] }))],
  ['options: metadata null', 'INVALID_OPTION', (b) => b.publish('a', 1, x({ metadata: null }))],
  ['options: metadata a string', 'INVALID_OPTION', (b) => b.publish('a', 1, x({ metadata: 'm' }))],
  ['options: metadata with NaN', 'INVALID_DATA', (b) => b.publish('a', 1, { metadata: { n: NaN } })],
  ['options: metadata a class instance', 'INVALID_DATA', (b) => b.publish('a', 1, x({ metadata: new Point() }))],
  ['options: metadata too big', 'PAYLOAD_TOO_LARGE', (b) => b.publish('a', 1, { metadata: { s: 'x'.repeat(MiB) } })],
  ['options: correlation_id a number', 'INVALID_OPTION', (b) => b.publish('a', 1, x({ correlation_id: 5 }))],
  ['options: correlation_id empty', 'INVALID_OPTION', (b) => b.publish('a', 1, { correlation_id: '' })],
  ['options: language empty', 'INVALID_OPTION', (b) => b.publish('a', 1, { language: '' })],
  ['options: persistent not a boolean', 'INVALID_OPTION', (b) => b.publish('a', 1, x({ persistent: 'yes' }))],
  ['options: ttl_seconds negative', 'INVALID_OPTION', (b) => b.publish('a', 1, { ttl_seconds: -1 })],
  ['options: ttl_seconds fractional', 'INVALID_OPTION', (b) => b.publish('a', 1, { ttl_seconds: 1.5 })],
  ['options: ttl_seconds NaN', 'INVALID_OPTION', (b) => b.publish('a', 1, { ttl_seconds: NaN })],
  ['options: persistent without a store', 'STORE_UNAVAILABLE', (b) => b.publish('a', 1, { persistent: true })],
  ['table: an unknown key', 'INVALID_OPTION', (b) => b.publish(x({ event_type: 'a', dat: 1 }))],
  ['table: extra arguments', 'INVALID_OPTION', (b) => b.publish(x({ event_type: 'a' }), x(1))],
  ['table: source not an object', 'INVALID_OPTION', (b) => b.publish(x({ event_type: 'a', source: 'me' }))],
  ['table: source with an unknown key', 'INVALID_OPTION', (b) => b.publish(x({ event_type: 'a', source: { name: 'me' } }))],
  ['table: empty source.component', 'INVALID_OPTION', (b) => b.publish({ event_type: 'a', source: { component: '' } })],
  ['table: bad id', 'INVALID_OPTION', (b) => b.publish({ event_type: 'a', id: 'x' })],
];

const subscribeCases: [string, ErrorCode, Call][] = [
  ['pattern: empty', 'INVALID_PATTERN', (b) => b.subscribe('')],
  ['pattern: unbalanced [', 'INVALID_PATTERN', (b) => b.subscribe('a.[b')],
  ['pattern: unbalanced {', 'INVALID_PATTERN', (b) => b.subscribe('{a,b')],
  ['pattern: unbalanced }', 'INVALID_PATTERN', (b) => b.subscribe('a}')],
  ['pattern: empty segment', 'INVALID_PATTERN', (b) => b.subscribe('a..b')],
  ['pattern: ***', 'INVALID_PATTERN', (b) => b.subscribe('a.***')],
  ['pattern: too long', 'INVALID_PATTERN', (b) => b.subscribe('a'.repeat(256))],
  ['pattern: brace explosion', 'INVALID_PATTERN', (b) => b.subscribe('{a,b}'.repeat(9))],
  ['pattern: a number', 'INVALID_PATTERN', (b) => b.subscribe(x(7))],
  ['pattern: null', 'INVALID_PATTERN', (b) => b.subscribe(x(null))],
  ['pattern: undefined', 'INVALID_PATTERN', (b) => b.subscribe(x(undefined))],
  ['pattern: an object', 'INVALID_PATTERN', (b) => b.subscribe(x({ pattern: 'a' }))],
  ['patterns: empty list', 'INVALID_PATTERN', (b) => b.subscribe([])],
  ['patterns: one bad among good', 'INVALID_PATTERN', (b) => b.subscribe(['a', 'b.*', 'c..d'])],
  ['patterns: a non-string inside', 'INVALID_PATTERN', (b) => b.subscribe(x(['a', 1]))],
  ['options: a string', 'INVALID_OPTION', (b) => b.subscribe('a', x('block'))],
  ['options: an array', 'INVALID_OPTION', (b) => b.subscribe('a', x([]))],
  ['options: an unknown key', 'INVALID_OPTION', (b) => b.subscribe('a', x({ max_queue: 5 }))],
  ['backpressure: unknown', 'INVALID_OPTION', (b) => b.subscribe('a', x({ backpressure: 'explode' }))],
  ['max_queue_size: 0', 'INVALID_OPTION', (b) => b.subscribe('a', { max_queue_size: 0 })],
  ['max_queue_size: negative', 'INVALID_OPTION', (b) => b.subscribe('a', { max_queue_size: -5 })],
  ['max_queue_size: fractional', 'INVALID_OPTION', (b) => b.subscribe('a', { max_queue_size: 1.5 })],
  ['max_queue_size: NaN', 'INVALID_OPTION', (b) => b.subscribe('a', { max_queue_size: NaN })],
  ['max_queue_size: over 10,000,000', 'INVALID_OPTION', (b) => b.subscribe('a', { max_queue_size: 10_000_001 })],
  ['max_queue_size: a string', 'INVALID_OPTION', (b) => b.subscribe('a', x({ max_queue_size: '10' }))],
  ['block_timeout_ms: negative', 'INVALID_OPTION', (b) => b.subscribe('a', { block_timeout_ms: -1 })],
  ['block_timeout_ms: NaN', 'INVALID_OPTION', (b) => b.subscribe('a', { block_timeout_ms: NaN })],
  ['block_timeout_ms: Infinity', 'INVALID_OPTION', (b) => b.subscribe('a', { block_timeout_ms: Infinity })],
  ['filter: a number', 'INVALID_OPTION', (b) => b.subscribe('a', x({ filter: 5 }))],
  ['filter: a malformed expression', 'INVALID_QUERY', (b) => b.subscribe('a', x({ filter: 'data.x = ' }))],
  ['filter: an empty expression', 'INVALID_QUERY', (b) => b.subscribe('a', x({ filter: '' }))],
  ['filter: an array', 'INVALID_OPTION', (b) => b.subscribe('a', x({ filter: [] }))],
  ['filter: not a path', 'INVALID_QUERY', (b) => b.subscribe('a', x({ filter: { 'nope.x': 1 } }))],
  ['filter: a broken path', 'INVALID_QUERY', (b) => b.subscribe('a', x({ filter: { 'data..x': 1 } }))],
  ['filter: unknown op', 'INVALID_QUERY', (b) => b.subscribe('a', x({ filter: { 'data.x': { op: '~', value: 1 } } }))],
  ['filter: NaN operand', 'INVALID_QUERY', (b) => b.subscribe('a', x({ filter: { 'data.x': { op: '>', value: NaN } } }))],
  ['filter: bad glob', 'INVALID_PATTERN', (b) => b.subscribe('a', x({ filter: { 'data.x': { op: 'matches', value: 'a..b' } } }))],
  ['from_sequence without a store', 'STORE_UNAVAILABLE', (b) => b.subscribe('a', { from_sequence: 0 })],
  ['from_sequence negative', 'INVALID_OPTION', (b) => b.subscribe('a', { from_sequence: -1 })],
];

const receiveCases: [string, ErrorCode, Call][] = [
  ['receive: negative timeout', 'INVALID_OPTION', (_b, s) => s.receive(-1)],
  ['receive: NaN timeout', 'INVALID_OPTION', (_b, s) => s.receive(NaN)],
  ['receive: a string timeout', 'INVALID_OPTION', (_b, s) => s.receive(x('100'))],
  ['receive_batch: a string', 'INVALID_OPTION', (_b, s) => s.receiveBatch(x('x'))],
  ['receive_batch: an unknown key', 'INVALID_OPTION', (_b, s) => s.receiveBatch(x({ max: 5 }))],
  ['receive_batch: max_events 0', 'INVALID_OPTION', (_b, s) => s.receiveBatch({ max_events: 0 })],
  ['receive_batch: max_events fractional', 'INVALID_OPTION', (_b, s) => s.receiveBatch({ max_events: 2.5 })],
  ['receive_batch: max_events NaN', 'INVALID_OPTION', (_b, s) => s.receiveBatch({ max_events: NaN })],
  ['receive_batch: negative timeout', 'INVALID_OPTION', (_b, s) => s.receiveBatch({ timeout_ms: -5 })],
  ['receive_batch: NaN timeout', 'INVALID_OPTION', (_b, s) => s.receiveBatch({ timeout_ms: NaN })],
  ['drain: 0', 'INVALID_OPTION', (_b, s) => s.drain(0)],
  ['unsubscribe: a number', 'UNKNOWN_SUBSCRIPTION', (b) => b.unsubscribe(x(42))],
  ['unsubscribe: null', 'UNKNOWN_SUBSCRIPTION', (b) => b.unsubscribe(x(null))],
  ['unsubscribe: undefined', 'UNKNOWN_SUBSCRIPTION', (b) => b.unsubscribe(x(undefined))],
  ['unsubscribe: an object without id', 'UNKNOWN_SUBSCRIPTION', (b) => b.unsubscribe(x({}))],
  ['unsubscribe_pattern: invalid', 'INVALID_PATTERN', (b) => b.unsubscribePattern('a..b')],
  ['unsubscribe_pattern: a number', 'INVALID_PATTERN', (b) => b.unsubscribePattern(x(1))],
  ['subscription_stats: an unknown id', 'UNKNOWN_SUBSCRIPTION', (b) => b.subscriptionStats('no-such-id')],
  ['subscription_stats: a number', 'UNKNOWN_SUBSCRIPTION', (b) => b.subscriptionStats(x(1))],
  ['subscription_stats: null', 'UNKNOWN_SUBSCRIPTION', (b) => b.subscriptionStats(x(null))],
  ['subscription_stats: a foreign handle', 'UNKNOWN_SUBSCRIPTION', (b) => b.subscriptionStats(createBus().subscribe('a'))],
  ['getSubscription: unknown', 'UNKNOWN_SUBSCRIPTION', (b) => b.getSubscription('nope')],
];

describe.each([
  ['publish', publishCases],
  ['subscribe', subscribeCases],
  ['receive, receive_batch, unsubscribe, subscription_stats', receiveCases],
] as const)('%s', (_entry, cases) => {
  it.each(cases)('%s → %s; the bus goes on and loses nothing', async (_name, code, call) => {
    const bus = createBus();
    const sub = bus.subscribe('**');
    const idle = bus.subscribe('never.matched');
    const ids = [bus.publish('ok.1', 1), bus.publish('ok.2', { two: [2] })];
    const subsBefore = bus.listSubscriptions().length;

    const err = await expectRejectCode(() => call(bus, sub), code);
    expect(err.message.length).toBeGreaterThan(0);
    expect(String(err)).toBe(`${code}: ${err.message}`);

    // no half-made subscription, no sequence spent, nothing lost
    expect(bus.listSubscriptions()).toHaveLength(subsBefore);
    expect(bus.stats().sequence).toBe(2);
    expect(bus.stats().published).toBe(2);
    const id3 = bus.publish('ok.3', 3);
    expect(sub.drain().map((e) => e.id)).toEqual([...ids, id3]);
    expect(idle.stats().total_received).toBe(0);
    const later = bus.subscribe('ok.*');
    bus.publish('ok.4');
    expect(later.drain()).toHaveLength(1);
  });
});

describe('INVALID_DATA names the path of the bad value', () => {
  const cases: [unknown, string][] = [
    [NaN, 'data'],
    [{ items: [1, 2, { x: NaN }] }, 'data.items[2].x'],
    [{ a: { b: [0, [1, Infinity]] } }, 'data.a.b[1][1]'],
    [{ fn: () => 1 }, 'data.fn'],
    [[{ u: undefined }], 'data[0].u'],
    [{ when: new Date(0) }, 'data.when'],
    [cyclic(), 'data.a.b[0]'],
  ];
  it.each(cases)('%#: %s', (data, path) => {
    const bus = createBus();
    const err = expectCode(() => bus.publish('a', x(data)), 'INVALID_DATA');
    expect(err.path).toBe(path);
    expect(err.message).toContain(path);
  });

  it('in metadata too', () => {
    const bus = createBus();
    const err = expectCode(() => bus.publish('a', 1, { metadata: { deep: { n: -Infinity } } }), 'INVALID_DATA');
    expect(err.path).toBe('metadata.deep.n');
  });
});

describe('limits', () => {
  it('64 levels of nesting are fine; 65 are not', () => {
    const bus = createBus();
    const s = bus.subscribe('a');
    bus.publish('a', x(nested(64)));
    expect(s.drain()).toHaveLength(1);
    expectCode(() => bus.publish('a', x(nested(65))), 'INVALID_DATA');
  });

  it('an event just under 1 MiB is accepted', () => {
    const bus = createBus();
    const s = bus.subscribe('a');
    bus.publish('a', 'x'.repeat(MiB - 4096));
    expect(s.drain()).toHaveLength(1);
  });

  it('shared (acyclic) references are not cycles', () => {
    const bus = createBus();
    const shared = { v: 1 };
    const s = bus.subscribe('a');
    bus.publish('a', { a: shared, b: shared, c: [shared, shared] });
    expect(s.drain()[0]!.data).toEqual({ a: { v: 1 }, b: { v: 1 }, c: [{ v: 1 }, { v: 1 }] });
  });

  it('limits can be configured per bus', () => {
    const bus = createBus({ max_event_bytes: 4096, max_depth: 3 });
    expectCode(() => bus.publish('a', 'x'.repeat(5000)), 'PAYLOAD_TOO_LARGE');
    expectCode(() => bus.publish('a', x(nested(4))), 'INVALID_DATA');
    bus.publish('a', x(nested(3)));
  });

  it('event types of exactly 255 characters are fine', () => {
    const bus = createBus();
    const t = `${'a'.repeat(127)}.${'b'.repeat(127)}`;
    expect(t).toHaveLength(255);
    const s = bus.subscribe(`${'a'.repeat(127)}.*`);
    bus.publish(t);
    expect(s.drain()).toHaveLength(1);
  });
});

describe('createBus options', () => {
  const cases: [string, ErrorCode, unknown][] = [
    ['null', 'INVALID_OPTION', null],
    ['a string', 'INVALID_OPTION', 'memory'],
    ['a number', 'INVALID_OPTION', 5],
    ['an unknown key', 'INVALID_OPTION', { stor: null }],
    ['max_event_bytes 0', 'INVALID_OPTION', { max_event_bytes: 0 }],
    ['max_event_bytes a string', 'INVALID_OPTION', { max_event_bytes: '1MiB' }],
    ['max_event_bytes NaN', 'INVALID_OPTION', { max_event_bytes: NaN }],
    ['max_depth 0', 'INVALID_OPTION', { max_depth: 0 }],
    ['max_depth fractional', 'INVALID_OPTION', { max_depth: 2.5 }],
    ['route_cache_size negative', 'INVALID_OPTION', { route_cache_size: -1 }],
    ['component empty', 'INVALID_OPTION', { component: '' }],
    ['component a number', 'INVALID_OPTION', { component: 7 }],
    ['persist not a list', 'INVALID_OPTION', { persist: 'audit.*' }],
    ['persist with a bad pattern', 'INVALID_PATTERN', { persist: ['audit..x'] }],
    ['persist with a non-string', 'INVALID_PATTERN', { persist: [42] }],
    ['store a number', 'INVALID_OPTION', { store: 42 }],
    ['store an object that is not a store', 'INVALID_OPTION', { store: {} }],
  ];
  it.each(cases)('%s → %s', (_name, code, options) => {
    expectCode(() => createBus(x(options)), code);
  });

  it('undefined and {} give a working bus', () => {
    for (const o of [undefined, {}]) {
      const bus = createBus(o);
      const s = bus.subscribe('a');
      bus.publish('a');
      expect(s.drain()).toHaveLength(1);
    }
  });
});

describe('a throwing function filter', () => {
  it('reaches the receiver as its error; the event counts as filtered and the next one flows', async () => {
    const bus = createBus();
    const s = bus.subscribe('a', {
      filter: (e) => {
        if (e.data === 'bad') throw new Error('filter bug');
        return true;
      },
    });
    bus.publish('a', 'bad');
    bus.publish('a', 'good');
    await expect(s.receive(0)).rejects.toThrow('filter bug');
    expect((await s.receive(0))!.data).toBe('good');
    expect(s.stats()).toMatchObject({ total_received: 2, filtered: 1, delivered: 1, queue_size: 0 });
  });

  it('does not lose the events a batch had already taken', async () => {
    const bus = createBus();
    const s = bus.subscribe('a', {
      filter: (e) => {
        if (e.data === 'bad') throw new Error('filter bug');
        return true;
      },
    });
    for (const d of ['good1', 'bad', 'good2']) bus.publish('a', d);
    const got: unknown[] = [];
    let errors = 0;
    for (let i = 0; i < 5 && s.stats().queue_size > 0; i++) {
      try {
        got.push(...(await s.receiveBatch({ timeout_ms: 0 })).map((e) => e.data));
      } catch {
        errors++;
      }
    }
    expect(got).toEqual(['good1', 'good2']);
    expect(errors).toBeLessThanOrEqual(1);
    expect(s.stats()).toMatchObject({ delivered: 2, filtered: 1, queue_size: 0 });
  });

  it('does not strand a waiting receiver', async () => {
    const bus = createBus();
    const s = bus.subscribe('a', {
      filter: (e) => {
        if (e.data === 'bad') throw new Error('filter bug');
        return true;
      },
    });
    const waiting = s.receive(5000);
    bus.publish('a', 'bad');
    bus.publish('a', 'good');
    expect((await waiting)!.data).toBe('good');
  });
});

it('CrosstalkError is what every failure above is', () => {
  expect(new CrosstalkError('QUEUE_FULL', 'm')).toBeInstanceOf(Error);
});
