/**
 * The Event API as a JS script sees it (docs/event-api.md "Subscribing", §4), in real isolates on a real bus.
 */
import { describe, expect, it } from 'vitest';
import { isUuidV4 } from '../../src/core/event.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { expectOk, newRun, runJs, runOne } from './helpers.js';

describe('publish', () => {
  it('returns a UUID v4 and delivers the event with the script as source', async () => {
    const run = newRun();
    const host = run.bus.subscribe('order.*');
    const result = await runJs(run, `console.log(Event.publish('order.created', { id: 7, items: [1, 'two', null, { x: 1.5 }] }))`, { name: 'pay.js' });
    expectOk(result);
    const e = host.poll()!;
    expect(e.id).toBe(run.out()[0]);
    expect(isUuidV4(e.id)).toBe(true);
    expect(e).toMatchObject({
      event_type: 'order.created',
      version: '1.0',
      priority: 'normal',
      metadata: {},
      data: { id: 7, items: [1, 'two', null, { x: 1.5 }] },
      source: { component: 'pay.js', language: 'javascript' },
    });
    expect(isUuidV4(e.source.instance_id)).toBe(true);
    await run.bus.close();
  });

  it('takes options and the table form', async () => {
    const run = newRun();
    const host = run.bus.subscribe('t.**', { ordering: 'publish' }); // publish order, whatever the priority
    const result = await runJs(
      run,
      `
      Event.publish('t.a', 1, { priority: 'high', metadata: { user: 'u1' }, correlation_id: 'c-1', language: 'rust' });
      Event.publish({ event_type: 't.b', data: { ok: true }, priority: 'low', metadata: { m: [1] }, correlation_id: 'c-2' });
      Event.publish('t.c');
      Event.publish({ event_type: 't.d', id: '0b5e4c1e-7f3a-4d2b-9c1a-2e3f4a5b6c7d' });
    `,
    );
    expectOk(result);
    const [a, b, c, d] = host.drain();
    expect(a).toMatchObject({ data: 1, priority: 'high', metadata: { user: 'u1' }, source: { correlation_id: 'c-1', language: 'rust' } });
    expect(b).toMatchObject({ event_type: 't.b', data: { ok: true }, priority: 'low', metadata: { m: [1] }, source: { correlation_id: 'c-2', language: 'javascript' } });
    expect(c).toMatchObject({ event_type: 't.c', data: null });
    expect(d!.id).toBe('0b5e4c1e-7f3a-4d2b-9c1a-2e3f4a5b6c7d');
    await run.bus.close();
  });

  it('snapshots data at the call: changing it afterwards changes nothing', async () => {
    const run = newRun();
    const host = run.bus.subscribe('m.x');
    await runJs(run, `const d = { n: 0, list: [] }; for (let i = 0; i < 3; i++) { d.n = i; d.list.push(i); Event.publish('m.x', d); }`);
    expect(host.drain().map((e) => e.data)).toEqual([
      { n: 0, list: [0] },
      { n: 1, list: [0, 1] },
      { n: 2, list: [0, 1, 2] },
    ]);
    await run.bus.close();
  });
});

describe('payload size', () => {
  it('events just under the limit cross whole; just over, PAYLOAD_TOO_LARGE at the call', async () => {
    const run = newRun();
    const host = run.bus.subscribe('big.*');
    const result = await runJs(
      run,
      `
      Event.publish('big.ascii', { s: 'a'.repeat(1000 * 1000) });
      Event.publish('big.utf8', { s: 'é'.repeat(500 * 1000) });
      for (const [label, s] of [['ascii', 'a'.repeat(1048576)], ['utf8', 'é'.repeat(524288)], ['astral', '𝄞'.repeat(262144)]]) {
        try { Event.publish('big.over', { s }); } catch (e) { console.log(label, e.code); }
      }
    `,
    );
    expectOk(result);
    expect(run.out()).toEqual(['ascii PAYLOAD_TOO_LARGE', 'utf8 PAYLOAD_TOO_LARGE', 'astral PAYLOAD_TOO_LARGE']);
    const [a, u] = host.drain();
    expect((a!.data as { s: string }).s).toHaveLength(1000 * 1000);
    expect((u!.data as { s: string }).s).toBe('é'.repeat(500 * 1000));
    expect(host.poll()).toBeNull();
    await run.bus.close();
  });
});

describe('subscribe and receive', () => {
  it('receives its own events, in order, as plain objects', async () => {
    const { result, out } = await runOne(`
      const sub = Event.subscribe('a.*');
      for (let i = 0; i < 5; i++) Event.publish('a.n', { i });
      const got = [];
      for (let e; (e = Event.receive(sub, 0)); ) got.push(e.data.i);
      console.log(got.join(','));
      const e = (Event.publish('a.z', 'z'), Event.receive(sub));
      console.log(Object.getPrototypeOf(e) === Object.prototype, e.event_type, e.source.component, typeof e.sequence);
    `);
    expectOk(result);
    expect(out).toEqual(['0,1,2,3,4', 'true a.z test.js number']);
  });

  it('receive waits up to its timeout, then returns null; 0 polls', async () => {
    const { result, out } = await runOne(`
      const sub = Event.subscribe('nothing.here');
      console.log(Event.receive(sub, 0));
      const t0 = Date.now();
      const e = Event.receive(sub, 60);
      console.log(e, Date.now() - t0 >= 55);
    `);
    expectOk(result);
    expect(out).toEqual(['null', 'null true']);
  });

  it('receive_batch takes the first event and what else is queued, up to max_events', async () => {
    const { result, out } = await runOne(`
      const sub = Event.subscribe('b.*');
      console.log(JSON.stringify(Event.receive_batch(sub, { timeout_ms: 0 })));
      for (let i = 0; i < 7; i++) Event.publish('b.x', i);
      console.log(Event.receive_batch(sub, { max_events: 5 }).map((e) => e.data).join(','));
      console.log(Event.receiveBatch(sub).map((e) => e.data).join(','));
      console.log(Event.receive_batch(sub, { max_events: 3, timeout_ms: 20 }).length);
    `);
    expectOk(result);
    expect(out).toEqual(['[]', '0,1,2,3,4', '5,6', '0']);
  });

  it('hands out handles with id, patterns and unsubscribe(); ids and {id} objects work too', async () => {
    const { result, out } = await runOne(`
      const sub = Event.subscribe(['x.*', 'y.**']);
      console.log(typeof sub.id, sub.patterns.join(' '), String(sub) === sub.id);
      Event.publish('y.a.b', 1);
      console.log(Event.receive(sub.id, 0).data, Event.receive({ id: sub.id }, 0));
      console.log(sub.unsubscribe(), sub.unsubscribe(), Event.unsubscribe(sub));
    `);
    expectOk(result);
    expect(out).toEqual(['string x.* y.** true', '1 null', 'true false false']);
  });

  it('lists subscriptions, reports stats, unsubscribes by pattern', async () => {
    const { result, out } = await runOne(`
      const a = Event.subscribe('s.*', { max_queue_size: 2 });
      const b = Event.subscribe('s.*', { backpressure: 'drop_newest' });
      Event.subscribe('other');
      for (let i = 0; i < 3; i++) Event.publish('s.x', i);
      const list = Event.list_subscriptions();
      console.log(list.length, list[0].pattern, list[0].max_queue_size, list[1].backpressure);
      const st = Event.subscriptionStats(a);
      console.log(st.total_received, st.dropped, st.queue_size, st.high_water);
      console.log(Event.get_stats().published >= 3, Event.getStats().subscriptions);
      console.log(Event.unsubscribe_pattern('s.*'), Event.unsubscribePattern('s.*'), Event.listSubscriptions().length);
    `);
    expectOk(result);
    expect(out).toEqual(['3 s.* 2 drop_newest', '3 1 2 2', 'true 3', '2 0 1']);
  });

  it('has the SPEC names, camelCase aliases for the same functions, and a frozen Event', async () => {
    const { out } = await runOne(`
      console.log(Object.keys(Event).sort().join(' '));
      console.log(Event.receiveBatch === Event.receive_batch, Event.listSubscriptions === Event.list_subscriptions, Object.isFrozen(Event));
    `);
    expect(out[0]!.split(' ')).toEqual(
      expect.arrayContaining([
        'publish', 'subscribe', 'receive', 'receive_batch', 'query', 'replay', 'list_subscriptions',
        'subscription_stats', 'unsubscribe', 'unsubscribe_pattern', 'get_stats',
        'receiveBatch', 'listSubscriptions', 'subscriptionStats', 'unsubscribePattern', 'getStats',
      ]),
    );
    expect(out[1]).toBe('true true true');
  });

  it('closes the subscriptions a script made when it ends', async () => {
    const run = newRun();
    await runJs(run, `Event.subscribe('a.*'); Event.subscribe('b.*');`);
    expect(run.bus.listSubscriptions()).toEqual([]);
    await run.bus.close();
  });
});

describe('errors', () => {
  it('are catchable CrosstalkErrors with code, message and String() = CODE: message', async () => {
    const { result, out } = await runOne(`
      try { Event.subscribe('a.[b'); } catch (e) {
        console.log(e instanceof CrosstalkError, e instanceof Error, e.code, String(e).startsWith('INVALID_PATTERN: '), e.pattern);
      }
      try { Event.receive('no-such-id'); } catch (e) { console.log(String(e)); }
    `);
    expectOk(result);
    expect(out[0]).toBe('true true INVALID_PATTERN true a.[b');
    expect(out[1]).toMatch(/^UNKNOWN_SUBSCRIPTION: no subscription "no-such-id"/);
  });

  it('an uncaught bus error fails the script with its code and line', async () => {
    const { result } = await runOne(`const a = 1;\nconst b = 2;\nEvent.receive('nope');\n`);
    expect(result).toMatchObject({ ok: false, error: { code: 'UNKNOWN_SUBSCRIPTION', line: 3 } });
  });

  it('an uncaught exception is SCRIPT_ERROR with the line; so is a syntax error', async () => {
    const a = await runOne(`\n\nnull.x;`);
    expect(a.result).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR', line: 3 } });
    expect(a.result.error!.message).toMatch(/TypeError/);
    const b = await runOne(`const ok = 1;\nlet = = 2;`);
    expect(b.result).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR', line: 2 } });
    const c = await runOne(`throw 'just a string'`);
    expect(c.result.error).toMatchObject({ code: 'SCRIPT_ERROR', message: 'uncaught just a string' });
  });
});

describe('console and script shape', () => {
  it('console.log/error reach the host output with the script name and stream', async () => {
    const run = newRun();
    await runJs(run, `console.log('hi', 1, { a: [1, 'x'] }, null, undefined); console.error('bad'); console.warn(new Error('w').message)`, { name: 'c.js' });
    expect(run.lines).toEqual([
      { script: 'c.js', text: `hi 1 { a: [ 1, "x" ] } null undefined`, stream: 'stdout' },
      { script: 'c.js', text: 'bad', stream: 'stderr' },
      { script: 'c.js', text: 'w', stream: 'stderr' },
    ]);
    await run.bus.close();
  });

  it('top-level return and await work; a shebang line is ignored', async () => {
    const { result, out } = await runOne(`#!/usr/bin/env crosstalk\nconst v = await Promise.resolve(5);\nconsole.log(v);\nif (v) return;\nconsole.log('not reached');`);
    expectOk(result);
    expect(out).toEqual(['5']);
  });
});

describe('scripts together', () => {
  it('two JS scripts do request/reply while the host loop keeps running', async () => {
    const run = newRun();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const ready = run.bus.subscribe('rpc.ready');
    const server = runJs(
      run,
      `
      const sub = Event.subscribe('rpc.request');
      Event.publish('rpc.ready', null);
      for (let n = 0; n < 3; n++) {
        const req = Event.receive(sub, 5000);
        Event.publish('rpc.reply', { n: req.data.n * 10 }, { correlation_id: req.id });
      }`,
      { name: 'server.js' },
    );
    expect(await ready.receive(5000)).not.toBeNull();
    const client = runJs(
      run,
      `
      const replies = Event.subscribe('rpc.reply');
      const out = [];
      for (let n = 1; n <= 3; n++) {
        const id = Event.publish('rpc.request', { n });
        const r = Event.receive(replies, 5000);
        out.push(r.data.n + (r.source.correlation_id === id ? '' : '!'));
      }
      console.log(out.join(' '));`,
      { name: 'client.js' },
    );
    const [s, c] = await Promise.all([server, client]);
    clearInterval(timer);
    expect([s.ok, c.ok]).toEqual([true, true]);
    expect(run.out('client.js')).toEqual(['10 20 30']);
    expect(ticks).toBeGreaterThan(0);
    await run.bus.close();
  });

  it('a JS script receives what the host publishes, values intact', async () => {
    const run = newRun();
    const p = runJs(run, `const s = Event.subscribe('h.*'); Event.publish('js.ready', 1); const e = Event.receive(s, 5000); console.log(JSON.stringify(e.data), e.source.language, e.metadata.k);`);
    const ready = run.bus.subscribe('js.ready');
    await ready.receive(5000);
    run.bus.publish('h.x', { int: 42, big: 2 ** 53 - 1, neg: -0.5, s: 'ünï ✓ 𝄞', arr: [[], {}, null, true] }, { metadata: { k: 'v' } });
    expect((await p).ok).toBe(true);
    expect(run.out()).toEqual([`{"int":42,"big":9007199254740991,"neg":-0.5,"s":"ünï ✓ 𝄞","arr":[[],{},null,true]} host v`]);
    await run.bus.close();
  });
});

describe('query and replay', () => {
  it('need a store', async () => {
    const { out } = await runOne(`
      for (const f of ['query', 'replay']) { try { Event[f]({}); } catch (e) { console.log(e.code); } }
    `);
    expect(out).toEqual(['STORE_UNAVAILABLE', 'STORE_UNAVAILABLE']);
  });

  it('query returns stored events as plain objects, ttl included', async () => {
    const run = newRun({ store: createMemoryStore() });
    const result = await runJs(
      run,
      `
      Event.publish('q.a', { n: 1 }, { persistent: true });
      Event.publish('q.b', { n: 2 }, { ttl_seconds: 60 });
      Event.publish('q.c', { n: 3 });
      const got = Event.query({ event_type: 'q.*' });
      console.log(got.map((e) => e.event_type + ':' + e.data.n + ':' + (e.ttl_seconds ?? '-')).join(' '));
    `,
    );
    expectOk(result);
    expect(run.out()).toEqual(['q.a:1:- q.b:2:60']);
    await run.bus.close();
  });
});

describe('unhandled rejections', () => {
  it('fail the script with the first rejection and its line', async () => {
    const { result } = await runOne(`const s = 1;\n(async () => { Event.receive('nope'); })();\nawait null;`);
    expect(result).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR', line: 2 } });
    expect(result.error!.message).toMatch(/^unhandled promise rejection: CrosstalkError: no subscription/);
  });
});
