/**
 * The known ways out of a JS sandbox, each tried from a real isolate, and
 * each shown to fail while the host and its bus go on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { expectOk, newRun, runJs, runOne } from './helpers.js';

afterEach(() => {
  // nothing a script did may reach the host's prototypes
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined();
});

describe('sandbox', () => {
  it('has no require, process, module loading, file system or network (timers are the event loop\'s)', async () => {
    const { result, out } = await runOne(`
      const names = ['require', 'process', 'module', 'exports', 'Buffer', 'global',
        'setImmediate', 'queueMicrotask', 'fetch', 'XMLHttpRequest', 'WebSocket', 'SharedArrayBuffer', 'Atomics', 'WebAssembly', 'Deno', 'Bun'];
      console.log(names.filter((n) => typeof globalThis[n] !== 'undefined').join(',') || 'none');
      try { await import('node:fs'); console.log('imported'); } catch (e) { console.log('import failed:', e.message); }
    `);
    expectOk(result);
    expect(out[0]).toBe('none');
    expect(out[1]).toMatch(/^import failed/);
  });

  it('constructor chains reach only the isolate', async () => {
    const { result, out } = await runOne(`
      const tries = {
        thisChain: () => this.constructor.constructor('return process')(),
        publishChain: () => Event.publish.constructor('return process')(),
        handleChain: () => Event.subscribe('a').unsubscribe.constructor('return require')(),
        eventChain: () => { Event.publish('e.x', 1); const s = Event.subscribe('e.x'); Event.publish('e.x', 2); return Event.receive(s, 0).constructor.constructor('return process')(); },
        generatorChain: () => (function* () {}).constructor('return process')().next(),
        errorChain: () => { try { Event.receive('x'); } catch (e) { return e.constructor.constructor('return process')(); } },
        consoleChain: () => console.log.constructor('return require')(),
      };
      for (const [k, f] of Object.entries(tries)) {
        try { const v = f(); console.log(k, v === undefined ? 'undefined' : typeof v); } catch (e) { console.log(k, e.name); }
      }
      try { await (async () => {}).constructor('return process')(); } catch (e) { console.log('asyncChain', e.name); }
      const g = Event.publish.constructor('return this')();
      console.log(g === globalThis, typeof g.process, typeof g.require);
    `);
    expectOk(result);
    expect(out).toEqual([
      'thisChain ReferenceError',
      'publishChain ReferenceError',
      'handleChain ReferenceError',
      'eventChain ReferenceError',
      'generatorChain ReferenceError',
      'errorChain ReferenceError',
      'consoleChain ReferenceError',
      'asyncChain ReferenceError',
      'true undefined undefined',
    ]);
  });

  it('no global holds an isolated-vm object or a host function', async () => {
    const { out } = await runOne(`
      const bad = [];
      for (const k of Reflect.ownKeys(globalThis)) {
        const v = globalThis[k];
        const name = v && (typeof v === 'object' || typeof v === 'function') && v.constructor ? v.constructor.name : '';
        if (['Reference', 'ExternalCopy', 'Isolate', 'Context', 'Callback'].includes(name)) bad.push(String(k));
        if (v && typeof v.applySyncPromise === 'function') bad.push(String(k));
      }
      console.log(bad.join(',') || 'clean');
    `);
    expect(out).toEqual(['clean']);
  });

  it('stack-trace and caller tricks see no prelude internals', async () => {
    const { result, out } = await runOne(`
      let leaked = [];
      Error.prepareStackTrace = (e, frames) => {
        for (const f of frames) {
          for (const v of [f.getThis(), f.getFunction()]) {
            if (v && (typeof v.applySyncPromise === 'function' || typeof v.applySync === 'function')) leaked.push(f.getFunctionName());
          }
        }
        return 'custom';
      };
      try { Event.receive('nope'); } catch (e) { e.stack; }
      let caller = 'unset';
      function flt(e) { caller = flt.caller; return true; }
      const s = Event.subscribe('c.*', { filter: flt });
      Event.publish('c.x', 1);
      Event.receive(s, 1000);
      console.log(leaked.length, caller === null ? 'null' : typeof caller);
    `);
    expectOk(result);
    expect(out).toEqual(['0 null']);
  });

  it('prototype pollution stays in the isolate, and the bindings keep working', async () => {
    const run = newRun();
    const host = run.bus.subscribe('pp.*');
    const result = await runJs(
      run,
      `
      Object.prototype.polluted = 'yes';
      Array.prototype.polluted = 'yes';
      Object.defineProperty(Object.prototype, 'event_type', { get() { return 'hijacked'; }, configurable: true });
      JSON.parse = () => 'hacked'; JSON.stringify = () => '"hacked"';
      Array.prototype.push = () => { throw new Error('push'); };
      String.prototype.slice = () => 'sliced';
      Function.prototype.call = () => 'called';
      const s = Event.subscribe('pp.*');
      const id = Event.publish('pp.a', JSON.parse('{"n": 1}') === 'hacked' ? { n: 1 } : null);
      try { Event.publish('pp.b', globalThis.eval('({"__proto__": {"admin": true}, "k": 1})')); } catch (e) { console.log(e.code, e.path); }
      Event.publish('pp.c', (0, eval)('JSON').constructor === Object ? [1] : []);
      const e = Event.receive(s, 1000);
      e.__proto__.fromEvent = 'x';
      console.log(e.id === id, e.data.n);
    `,
    );
    expectOk(result);
    // a literal __proto__ sets the prototype: such an object is not plain data
    expect(run.out()).toEqual(['INVALID_DATA data', 'true 1']);
    const [a, c] = host.drain();
    expect(a).toMatchObject({ event_type: 'pp.a', data: { n: 1 } });
    expect(c).toMatchObject({ event_type: 'pp.c', data: [1] });
    for (const e of [a, c]) expect(Object.keys(e!)).not.toContain('polluted');
    expect(({} as Record<string, unknown>).fromEvent).toBeUndefined();
    await run.bus.close();
  });

  it('an own __proto__ key arrives as data, not as a prototype', async () => {
    const run = newRun();
    const host = run.bus.subscribe('proto.*');
    await runJs(run, `Event.publish('proto.x', JSON.parse('{"__proto__": {"admin": true}, "ok": 1}'))`);
    const e = host.poll()!;
    const data = e.data as Record<string, unknown>;
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(data.admin).toBeUndefined();
    expect(Object.getOwnPropertyNames(data)).toEqual(['__proto__', 'ok']);
    await run.bus.close();
  });

  it('Symbol and coercion tricks do not run script code in the host', async () => {
    const { result, out } = await runOne(`
      const evil = { [Symbol.toPrimitive]() { return 'a.b'; }, toString() { return 'a.b'; }, valueOf() { return 1; } };
      const t = (label, f) => { try { f(); console.log(label, 'OK'); } catch (e) { console.log(label, e.code); } };
      t('publishType', () => Event.publish(evil));
      t('publishSymbol', () => Event.publish(Symbol('a.b')));
      t('subscribe', () => Event.subscribe(evil));
      t('receiveId', () => Event.receive({ id: evil }));
      t('receiveTimeout', () => Event.receive(Event.subscribe('x'), evil));
      t('symbolKeysDropped', () => Event.publish('s.x', { [Symbol('hidden')]: 1, shown: 2 }));
      console.log({ [Symbol.for('nodejs.util.inspect.custom')]: () => 'pwned', a: 1 });
    `);
    expectOk(result);
    expect(out).toEqual([
      'publishType INVALID_OPTION',
      'publishSymbol INVALID_EVENT_TYPE',
      'subscribe INVALID_OPTION',
      'receiveId INVALID_OPTION',
      'receiveTimeout INVALID_OPTION',
      'symbolKeysDropped OK',
      '{ a: 1 }',
    ]);
  });

  it('huge strings and deep recursion fail inside the isolate only', async () => {
    const run = newRun();
    const result = await runJs(
      run,
      `
      try { 'x'.repeat(2 ** 30); } catch (e) { console.log(e.name); }
      try { new ArrayBuffer(2 ** 30); } catch (e) { console.log(e.name); }
      function down(n) { return down(n + 1) + 1; }
      try { down(0); } catch (e) { console.log(e.name); }
      const big = 'y'.repeat(3 * 1024 * 1024);
      try { Event.publish('big.x', { big }); } catch (e) { console.log(e.code); }
      console.log(big);
      down(0);
    `,
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR', line: 4 } });
    expect(result.error!.message).toMatch(/RangeError: Maximum call stack/);
    const out = run.out();
    expect(out.slice(0, 4)).toEqual(['RangeError', 'RangeError', 'RangeError', 'PAYLOAD_TOO_LARGE']);
    expect(out[4]!.length).toBeLessThan(1.1 * 1024 * 1024);
    expect(out[4]).toMatch(/characters cut\)$/);
    await run.bus.close();
  });

  it('work left behind (an endless microtask chain) is stopped at the budget', async () => {
    const run = newRun();
    const other = runJs(run, `const s = Event.subscribe('never'); Event.receive(s, 400); console.log('other done');`, { name: 'other.js' });
    const result = await runJs(run, `Promise.resolve().then(function loop() { return Promise.resolve().then(loop); }); console.log('body done');`, {
      limits: { cpuLimitMs: 300 },
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'SCRIPT_TIMEOUT' } });
    expect(run.out('test.js')).toEqual(['body done']);
    expect((await other).ok).toBe(true);
    expect(run.out('other.js')).toEqual(['other done']);
    await run.bus.close();
  });
});
