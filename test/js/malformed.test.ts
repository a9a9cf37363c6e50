/**
 * Every binding with malformed input: each call fails with the right code at
 * the call site, the script goes on, and the host and its bus keep working.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/store/memory.js';
import { replay } from '../../src/store/replay.js';
import { DEFAULT_SCRIPT_LIMITS } from '../../src/scripting/engine.js';
import type { BusPort } from '../../src/core/port.js';
import { engine, newRun, runJs, type Run } from './helpers.js';

/** Runs `calls` (label → expression) in one script; returns label → code (or OK:<json>). */
async function codes(run: Run, calls: Record<string, string>, prologue = ''): Promise<Record<string, string>> {
  const body = Object.entries(calls)
    .map(([label, expr]) => `t(${JSON.stringify(label)}, () => (${expr}));`)
    .join('\n');
  const result = await runJs(
    run,
    `
    const t = (label, f) => {
      try { const v = f(); console.log(label + '\\t' + 'OK:' + JSON.stringify(v)); }
      catch (e) { console.log(label + '\\t' + (e instanceof CrosstalkError ? e.code : 'NOT_CROSSTALK ' + e) + '\\t' + (e.path ?? '')); }
    };
    ${prologue}
    ${body}
    console.log('end');
  `,
  );
  expect(result).toMatchObject({ ok: true });
  const out: Record<string, string> = {};
  const lines = run.out();
  expect(lines.at(-1)).toBe('end');
  for (const l of lines.slice(0, -1)) {
    const [label, code, path] = l.split('\t');
    out[label!] = path ? `${code} ${path}` : code!;
  }
  return out;
}

/** The bus still publishes and delivers after the abuse. */
function hostStillWorks(run: Run): void {
  const s = run.bus.subscribe('after.check');
  run.bus.publish('after.check', { ok: true });
  expect(s.poll()?.data).toEqual({ ok: true });
}

describe('malformed input', () => {
  it('publish', async () => {
    const run = newRun();
    const got = await codes(
      run,
      {
        none: `Event.publish()`,
        number: `Event.publish(42)`,
        empty: `Event.publish('')`,
        emptySegment: `Event.publish('a..b')`,
        space: `Event.publish('a b')`,
        tooLong: `Event.publish('x'.repeat(256))`,
        arrayType: `Event.publish(['a.b'])`,
        nan: `Event.publish('a.b', NaN)`,
        infinity: `Event.publish('a.b', { x: [1, -Infinity] })`,
        fn: `Event.publish('a.b', { f() {} })`,
        undef: `Event.publish('a.b', { u: undefined })`,
        hole: `Event.publish('a.b', [1, , 3])`,
        cycle: `(() => { const c = { a: {} }; c.a.back = c; return Event.publish('a.b', c); })()`,
        symbol: `Event.publish('a.b', [1, [2, Symbol('s')]])`,
        bigint: `Event.publish('a.b', { n: 10n })`,
        date: `Event.publish('a.b', { d: new Date(0) })`,
        map: `Event.publish('a.b', { m: new Map() })`,
        deep: `(() => { let d = 1; for (let i = 0; i < 100; i++) d = { d }; return Event.publish('a.b', d); })()`,
        veryDeep: `(() => { let d = 1; for (let i = 0; i < 100000; i++) d = [d]; return Event.publish('a.b', d); })()`,
        huge: `Event.publish('a.b', 'x'.repeat(2 * 1024 * 1024))`,
        hugeMeta: `Event.publish('a.b', 1, { metadata: { s: 'é'.repeat(600 * 1024) } })`,
        metaNaN: `Event.publish('a.b', 1, { metadata: { x: NaN } })`,
        optionsString: `Event.publish('a.b', 1, 'fast')`,
        unknownOption: `Event.publish('a.b', 1, { bogus: 1 })`,
        priority: `Event.publish('a.b', 1, { priority: 'urgent' })`,
        ttlNegative: `Event.publish('a.b', 1, { ttl_seconds: -5 })`,
        metadataArray: `Event.publish('a.b', 1, { metadata: [1] })`,
        correlationEmpty: `Event.publish('a.b', 1, { correlation_id: '' })`,
        languageNumber: `Event.publish('a.b', 1, { language: 7 })`,
        persistentNoStore: `Event.publish('a.b', 1, { persistent: true })`,
        tableUnknown: `Event.publish({ event_type: 'a.b', nope: 1 })`,
        tableExtraArg: `Event.publish({ event_type: 'a.b' }, 1)`,
        tableBadId: `Event.publish({ event_type: 'a.b', id: 'not-a-uuid' })`,
        tableBadSource: `Event.publish({ event_type: 'a.b', source: 'me' })`,
        tableNoType: `Event.publish({ data: 1 })`,
        getterNaN: `Event.publish('a.b', { get x() { return NaN; } })`,
        proxyTrap: `Event.publish('a.b', new Proxy({}, { ownKeys() { throw new Error('trap'); } }))`,
      },
    );
    expect(got).toEqual({
      none: 'INVALID_EVENT_TYPE',
      number: 'INVALID_EVENT_TYPE',
      empty: 'INVALID_EVENT_TYPE',
      emptySegment: 'INVALID_EVENT_TYPE',
      space: 'INVALID_EVENT_TYPE',
      tooLong: 'INVALID_EVENT_TYPE',
      arrayType: 'INVALID_EVENT_TYPE',
      nan: 'INVALID_DATA data',
      infinity: 'INVALID_DATA data.x[1]',
      fn: 'INVALID_DATA data.f',
      undef: 'INVALID_DATA data.u',
      hole: 'INVALID_DATA data[1]',
      cycle: 'INVALID_DATA data.a.back',
      symbol: 'INVALID_DATA data[1][1]',
      bigint: 'INVALID_DATA data.n',
      date: 'INVALID_DATA data.d',
      map: 'INVALID_DATA data.m',
      deep: expect.stringMatching(/^INVALID_DATA data(\.d)+$/),
      veryDeep: expect.stringMatching(/^INVALID_DATA data(\[0\])+$/),
      huge: 'PAYLOAD_TOO_LARGE',
      hugeMeta: 'PAYLOAD_TOO_LARGE',
      metaNaN: 'INVALID_DATA metadata.x',
      optionsString: 'INVALID_OPTION',
      unknownOption: 'INVALID_OPTION',
      priority: 'INVALID_OPTION',
      ttlNegative: 'INVALID_OPTION',
      metadataArray: 'INVALID_OPTION',
      correlationEmpty: 'INVALID_OPTION',
      languageNumber: 'INVALID_OPTION',
      persistentNoStore: 'STORE_UNAVAILABLE',
      tableUnknown: 'INVALID_OPTION',
      tableExtraArg: 'INVALID_OPTION',
      tableBadId: 'INVALID_OPTION',
      tableBadSource: 'INVALID_OPTION',
      tableNoType: 'INVALID_EVENT_TYPE',
      getterNaN: 'INVALID_DATA data.x',
      proxyTrap: 'INVALID_DATA data',
    });
    // nothing but the script's started and stopped announcements (crosstalk.script.*)
    expect(run.bus.stats().published).toBe(2);
    hostStillWorks(run);
    await run.bus.close();
  });

  it('subscribe', async () => {
    const run = newRun();
    const got = await codes(run, {
      none: `Event.subscribe()`,
      empty: `Event.subscribe('')`,
      emptyList: `Event.subscribe([])`,
      number: `Event.subscribe(42)`,
      listWithNumber: `Event.subscribe(['a.b', 7])`,
      bracket: `Event.subscribe('a.[b')`,
      brace: `Event.subscribe('a.{b')`,
      emptySegment: `Event.subscribe('a..b')`,
      tripleStar: `Event.subscribe('***')`,
      tooLong: `Event.subscribe('x'.repeat(300))`,
      backpressure: `Event.subscribe('a', { backpressure: 'maybe' })`,
      queueZero: `Event.subscribe('a', { max_queue_size: 0 })`,
      queueFraction: `Event.subscribe('a', { max_queue_size: 1.5 })`,
      queueHuge: `Event.subscribe('a', { max_queue_size: 1e9 })`,
      blockNegative: `Event.subscribe('a', { block_timeout_ms: -1 })`,
      blockNaN: `Event.subscribe('a', { block_timeout_ms: NaN })`,
      filterNumber: `Event.subscribe('a', { filter: 5 })`,
      filterBadOp: `Event.subscribe('a', { filter: { 'data.x': { op: 'nope', value: 1 } } })`,
      filterBadPath: `Event.subscribe('a', { filter: { 'nope..x': 1 } })`,
      filterSymbol: `Event.subscribe('a', { filter: Symbol('f') })`,
      unknownOption: `Event.subscribe('a', { nope: 1 })`,
      optionsString: `Event.subscribe('a', 'fast')`,
      optionsTooLarge: `Event.subscribe('a', { nope: 'y'.repeat(5 * 1024 * 1024) })`,
      catchUpNoStore: `Event.subscribe('a', { from_sequence: 0 })`,
    });
    expect(got).toEqual({
      none: 'INVALID_PATTERN',
      empty: 'INVALID_PATTERN',
      emptyList: 'INVALID_PATTERN',
      number: 'INVALID_PATTERN',
      listWithNumber: 'INVALID_PATTERN',
      bracket: 'INVALID_PATTERN',
      brace: 'INVALID_PATTERN',
      emptySegment: 'INVALID_PATTERN',
      tripleStar: 'INVALID_PATTERN',
      tooLong: 'INVALID_PATTERN',
      backpressure: 'INVALID_OPTION',
      queueZero: 'INVALID_OPTION',
      queueFraction: 'INVALID_OPTION',
      queueHuge: 'INVALID_OPTION',
      blockNegative: 'INVALID_OPTION',
      blockNaN: 'INVALID_OPTION',
      filterNumber: 'INVALID_OPTION',
      filterBadOp: 'INVALID_QUERY',
      filterBadPath: 'INVALID_QUERY',
      filterSymbol: 'INVALID_OPTION',
      unknownOption: 'INVALID_OPTION',
      optionsString: 'INVALID_OPTION',
      optionsTooLarge: 'INVALID_OPTION',
      catchUpNoStore: 'STORE_UNAVAILABLE',
    });
    expect(run.bus.listSubscriptions()).toEqual([]);
    hostStillWorks(run);
    await run.bus.close();
  });

  it('receive, receive_batch, stats and unsubscribe', async () => {
    const run = newRun();
    const got = await codes(
      run,
      {
        receiveNone: `Event.receive()`,
        receiveNull: `Event.receive(null)`,
        receiveNumber: `Event.receive(42)`,
        receiveEmptyObject: `Event.receive({})`,
        receiveUnknown: `Event.receive('no-such-subscription')`,
        receiveNegative: `Event.receive(sub, -1)`,
        receiveNaN: `Event.receive(sub, NaN)`,
        receiveString: `Event.receive(sub, 'soon')`,
        receiveFunction: `Event.receive(sub, () => 1)`,
        batchZero: `Event.receive_batch(sub, { max_events: 0 })`,
        batchNegative: `Event.receive_batch(sub, { max_events: -3 })`,
        batchHuge: `Event.receive_batch(sub, { max_events: 1e12 })`,
        batchTimeout: `Event.receive_batch(sub, { timeout_ms: -1 })`,
        batchUnknown: `Event.receive_batch(sub, { nope: 1 })`,
        batchString: `Event.receive_batch(sub, 'x')`,
        batchUnknownSub: `Event.receive_batch('nope')`,
        statsNone: `Event.subscription_stats()`,
        statsUnknown: `Event.subscription_stats('nope')`,
        unsubscribeUnknown: `Event.unsubscribe('nope')`,
        unsubscribeNumber: `Event.unsubscribe(42)`,
        unsubscribeNone: `Event.unsubscribe()`,
        patternBad: `Event.unsubscribe_pattern('a.[')`,
        patternNumber: `Event.unsubscribe_pattern(5)`,
        patternNone: `Event.unsubscribe_pattern('zzz')`,
        listWithArgs: `Event.list_subscriptions('x', 1).length`,
      },
      `const sub = Event.subscribe('p.*');`,
    );
    expect(got).toEqual({
      receiveNone: 'UNKNOWN_SUBSCRIPTION',
      receiveNull: 'UNKNOWN_SUBSCRIPTION',
      receiveNumber: 'UNKNOWN_SUBSCRIPTION',
      receiveEmptyObject: 'UNKNOWN_SUBSCRIPTION',
      receiveUnknown: 'UNKNOWN_SUBSCRIPTION',
      receiveNegative: 'INVALID_OPTION',
      receiveNaN: 'INVALID_OPTION',
      receiveString: 'INVALID_OPTION',
      receiveFunction: 'INVALID_OPTION',
      batchZero: 'INVALID_OPTION',
      batchNegative: 'INVALID_OPTION',
      batchHuge: 'INVALID_OPTION',
      batchTimeout: 'INVALID_OPTION',
      batchUnknown: 'INVALID_OPTION',
      batchString: 'INVALID_OPTION',
      batchUnknownSub: 'UNKNOWN_SUBSCRIPTION',
      statsNone: 'UNKNOWN_SUBSCRIPTION',
      statsUnknown: 'UNKNOWN_SUBSCRIPTION',
      unsubscribeUnknown: 'OK:false',
      unsubscribeNumber: 'UNKNOWN_SUBSCRIPTION',
      unsubscribeNone: 'UNKNOWN_SUBSCRIPTION',
      patternBad: 'INVALID_PATTERN',
      patternNumber: 'INVALID_PATTERN',
      patternNone: 'OK:0',
      listWithArgs: 'OK:1',
    });
    hostStillWorks(run);
    await run.bus.close();
  });

  it('query and replay', async () => {
    const run = newRun({ store: createMemoryStore() });
    const services = { replay: (port: BusPort, spec: unknown, signal?: AbortSignal) => replay(port.bus, port.store!, spec, signal ? { signal } : {}) };
    const result = await engine.run(
      run.bus,
      {
        name: 'q.js',
        source: `
        const t = (label, f) => { try { f(); console.log(label, 'OK'); } catch (e) { console.log(label, e.code); } };
        t('limit', () => Event.query({ limit: -1 }));
        t('op', () => Event.query({ filters: { 'data.x': { op: 'nope' } } }));
        t('pattern', () => Event.query({ event_type: 'a.[' }));
        t('order', () => Event.query({ order: 'sideways' }));
        t('string', () => Event.query('string'));
        t('unknown', () => Event.query({ nope: 1 }));
        t('time', () => Event.query({ start_time: 'yesterday-ish' }));
        t('replaySpeed', () => Event.replay({ speed: -1 }));
        t('replayNumber', () => Event.replay(5));
        t('replayOrder', () => Event.replay({ order: 'desc' }));
        t('replayEmpty', () => Event.replay({ event_type: 'none.*', speed: 0 }));
      `,
      },
      { limits: DEFAULT_SCRIPT_LIMITS, output: (script, text) => run.lines.push({ script, text, stream: 'stdout' }) },
      services,
    );
    expect(result.ok).toBe(true);
    expect(run.out()).toEqual([
      'limit INVALID_QUERY',
      'op INVALID_QUERY',
      'pattern INVALID_QUERY',
      'order INVALID_QUERY',
      'string INVALID_QUERY',
      'unknown INVALID_QUERY',
      'time INVALID_QUERY',
      'replaySpeed INVALID_OPTION',
      'replayNumber INVALID_QUERY',
      'replayOrder INVALID_QUERY',
      'replayEmpty OK',
    ]);
    hostStillWorks(run);
    await run.bus.close();
  });
});
