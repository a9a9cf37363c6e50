/**
 * Malformed input to the coordination API: every bad option is a coded
 * error naming the option, and a refused call has no effect (no
 * subscription, no rule, nothing published).
 */
import { describe, expect, it } from 'vitest';
import { createBatchPublisher, createBus, type SubscribeOptions } from '../../src/index.js';
import { expectCode } from '../core/helpers.js';

describe('subscribe options', () => {
  const bad: [string, Record<string, unknown>, string][] = [
    ['ordering', { ordering: 'fifo' }, 'ordering'],
    ['retained', { retained: 'yes' }, 'retained'],
    ['group name', { group: '' }, 'group'],
    ['group name with a dot', { group: 'a.b' }, 'group'],
    ['group name not a string', { group: 5 }, 'group'],
    ['balance', { group: 'g', balance: 'random' }, 'balance'],
    ['weight 0', { group: 'g', weight: 0 }, 'weight'],
    ['weight 1.5', { group: 'g', weight: 1.5 }, 'weight'],
    ['ack', { group: 'g', ack: 1 }, 'ack'],
    ['ack_wait_ms 0', { group: 'g', ack_wait_ms: 0 }, 'ack_wait_ms'],
    ['ack_wait_ms NaN', { group: 'g', ack_wait_ms: NaN }, 'ack_wait_ms'],
    ['max_deliver 0', { group: 'g', max_deliver: 0 }, 'max_deliver'],
    ['stall_ms', { group: 'g', stall_ms: -5 }, 'stall_ms'],
    ['a group option without a group', { balance: 'weighted' }, 'balance'],
    ['weight without a group', { weight: 2 }, 'weight'],
    ['a group catching up', { group: 'g', from_sequence: 0 }, 'group'],
    ['a group member with a function filter', { group: 'g', filter: () => true }, 'filter'],
    ['concurrency without a handler', { concurrency: 2 }, 'concurrency'],
    ['retry without a handler', { retry: false }, 'retry'],
    ['breaker without a handler', { breaker: {} }, 'breaker'],
  ];
  it.each(bad)('refuses %s (INVALID_OPTION, no subscription made)', (_what, options, option) => {
    const bus = createBus();
    expect(expectCode(() => bus.subscribe('a.*', options as SubscribeOptions), 'INVALID_OPTION').option).toBe(option);
    expect(bus.listSubscriptions()).toEqual([]);
    expect(bus.listGroups()).toEqual([]);
  });

  const badHandler: [string, Record<string, unknown>, string][] = [
    ['concurrency 0', { concurrency: 0 }, 'concurrency'],
    ['retry not an object', { retry: 3 }, 'retry'],
    ['retry.attempts 0', { retry: { attempts: 0 } }, 'retry.attempts'],
    ['retry.backoff_ms negative', { retry: { backoff_ms: -1 } }, 'retry.backoff_ms'],
    ['retry.max_backoff_ms below backoff', { retry: { backoff_ms: 100, max_backoff_ms: 10 } }, 'retry.max_backoff_ms'],
    ['an unknown retry key', { retry: { tries: 3 } }, 'tries'],
    ['breaker not an object', { breaker: 'on' }, 'breaker'],
    ['breaker.failure_threshold 0', { breaker: { failure_threshold: 0 } }, 'breaker.failure_threshold'],
    ['breaker.reset_ms 0', { breaker: { reset_ms: 0 } }, 'breaker.reset_ms'],
    ['breaker.success_threshold', { breaker: { success_threshold: 1.5 } }, 'breaker.success_threshold'],
    ['an unknown breaker key', { breaker: { threshold: 3 } }, 'threshold'],
  ];
  it.each(badHandler)('refuses a handler subscription with %s', (_what, options, option) => {
    const bus = createBus();
    expect(expectCode(() => bus.subscribe('a.*', () => undefined, options as SubscribeOptions), 'INVALID_OPTION').option).toBe(option);
    expect(bus.listSubscriptions()).toEqual([]);
  });

  it('refuses options given twice without a handler, and a handler that is not a function', () => {
    const bus = createBus();
    expectCode(() => (bus.subscribe as (...a: unknown[]) => unknown)('a', {}, {}), 'INVALID_OPTION');
    expectCode(() => bus.subscribe('a', 'handler' as never), 'INVALID_OPTION');
    expect(bus.listSubscriptions()).toEqual([]);
  });
});

describe('publish, ack and nak', () => {
  it('retain must be a boolean; nothing is published', () => {
    const bus = createBus();
    const s = bus.subscribe('a');
    expect(expectCode(() => bus.publish('a', 1, { retain: 'yes' } as never), 'INVALID_OPTION').option).toBe('retain');
    expect(expectCode(() => bus.publish({ event_type: 'a', retain: 1 } as never), 'INVALID_OPTION').option).toBe('retain');
    expect(s.drain()).toEqual([]);
    expect(bus.stats().published).toBe(0);
  });

  it('ack and nak need an event or an id; nak a valid delay', () => {
    const bus = createBus();
    const m = bus.subscribe('a', { group: 'g', ack: true });
    bus.publish('a', 1);
    const [e] = m.drain();
    for (const x of [null, undefined, 5, {}, { id: '' }]) expectCode(() => m.ack(x as never), 'INVALID_OPTION');
    for (const d of [-1, 'soon', Infinity, NaN]) expectCode(() => m.nak(e!, { delay_ms: d } as never), 'INVALID_OPTION');
    expectCode(() => bus.ack({ ...e!, metadata: {} }), 'INVALID_OPTION');
    expectCode(() => bus.nak(null as never), 'INVALID_OPTION');
    expect(bus.groupStats('g')).toMatchObject({ pending: 1, naks: 0, acked: 0 });
    expect(m.ack('not-pending')).toBe(false);
    expect(m.ack(e!)).toBe(true);
  });

  it('groupStats of an unknown group, and retained with a bad pattern', () => {
    const bus = createBus();
    expectCode(() => bus.groupStats('nope'), 'INVALID_OPTION');
    expectCode(() => bus.groupStats(5 as never), 'INVALID_OPTION');
    expectCode(() => bus.retained('a..b'), 'INVALID_PATTERN');
    expectCode(() => bus.retained(7 as never), 'INVALID_PATTERN');
  });
});

describe('interceptor rules', () => {
  const bad: [string, unknown, string][] = [
    ['not an object', 'block', 'interceptor'],
    ['no type', { pattern: 'a' }, 'interceptor.type'],
    ['an unknown type', { type: 'drop' }, 'interceptor.type'],
    ['an unknown key', { type: 'block', values: [] }, 'interceptor.values'],
    ['a pattern that is not a string', { type: 'block', pattern: 5 }, 'interceptor.pattern'],
    ['a bad pattern', { type: 'block', pattern: 'a.{b' }, 'interceptor.pattern'],
    ['a bad name', { type: 'block', name: '' }, 'interceptor.name'],
    ['a list without by', { type: 'allow_list', values: ['x'] }, 'interceptor.by'],
    ['a list without values', { type: 'block_list', by: 'component' }, 'interceptor.values'],
    ['a list of numbers', { type: 'block_list', by: 'component', values: [1] }, 'interceptor.values[0]'],
    ['a rate of 0', { type: 'rate_limit', rate: 0 }, 'interceptor.rate'],
    ['a rate of Infinity', { type: 'rate_limit', rate: Infinity }, 'interceptor.rate'],
    ['a burst of 0', { type: 'rate_limit', rate: 1, burst: 0 }, 'interceptor.burst'],
    ['a bad per', { type: 'rate_limit', rate: 1, per: 'user' }, 'interceptor.per'],
    ['a modify with nothing', { type: 'modify' }, 'interceptor'],
    ['a modify with data that is not an object', { type: 'modify', data: [1] }, 'interceptor.data'],
    ['a modify with data JSON cannot carry', { type: 'modify', metadata: { n: NaN } }, 'interceptor.metadata'],
    ['a modify with a bad priority', { type: 'modify', priority: 'urgent' }, 'interceptor.priority'],
    ['a transform without a type', { type: 'transform' }, 'interceptor.event_type'],
    ['a function without fn', { type: 'function' }, 'interceptor.fn'],
  ];
  it.each(bad)('refuses %s (INVALID_OPTION naming the field, the chain unchanged)', (_what, spec, option) => {
    const bus = createBus();
    expect(expectCode(() => bus.addInterceptor(spec as never), 'INVALID_OPTION').option).toBe(option);
    expect(bus.listInterceptors()).toEqual([]);
  });

  it('names the rule by its place in createBus({interceptors})', () => {
    const err = expectCode(() => createBus({ interceptors: [{ type: 'block' }, { type: 'rate_limit', rate: -2 }] as never }), 'INVALID_OPTION');
    expect(err.option).toBe('interceptors[1].rate');
    expect(expectCode(() => createBus({ interceptors: 'all' as never }), 'INVALID_OPTION').option).toBe('interceptors');
  });
});

describe('bus options and the batch publisher', () => {
  it('refuses bad max_retained', () => {
    for (const v of [-1, 1.5, 'many']) expect(expectCode(() => createBus({ max_retained: v as never }), 'INVALID_OPTION').option).toBe('max_retained');
  });

  it('refuses bad batch publisher options', () => {
    const bus = createBus();
    const bad: [unknown, string][] = [
      [{ max_events: 0 }, 'max_events'],
      [{ max_events: 'ten' }, 'max_events'],
      [{ max_wait_ms: -1 }, 'max_wait_ms'],
      [{ on_error: 'log' }, 'on_error'],
      [{ size: 10 }, 'size'],
      ['fast', 'options'],
    ];
    for (const [o, option] of bad) expect(expectCode(() => createBatchPublisher(bus, o as never), 'INVALID_OPTION').option).toBe(option);
    expectCode(() => createBatchPublisher({} as never), 'INVALID_OPTION');
  });
});
