/**
 * `filter` on a JS subscription: a predicate table checked by the bus, or a
 * JS function called at receive time; refused events count in `filtered`.
 */
import { describe, expect, it } from 'vitest';
import { expectOk, newRun, runJs, runOne } from './helpers.js';

describe('filter', () => {
  it('a function filter passes what it accepts; the rest count as filtered', async () => {
    const { result, out } = await runOne(`
      const seen = [];
      const sub = Event.subscribe('tx.*', { filter: (e) => { seen.push(e.event_type + ':' + typeof e.data.amount); return e.data.amount > 100; } });
      for (const amount of [50, 150, 99, 300, 101]) Event.publish('tx.pay', { amount });
      const got = [];
      for (let e; (e = Event.receive(sub, 0)); ) got.push(e.data.amount);
      const st = Event.subscription_stats(sub);
      console.log(got.join(','), st.total_received, st.delivered, st.filtered, st.queue_size);
      console.log(seen.length, seen[0]);
    `);
    expectOk(result);
    expect(out).toEqual(['150,300,101 5 3 2 0', '5 tx.pay:number']);
  });

  it('works with receive_batch and while the script waits', async () => {
    const run = newRun();
    const ready = run.bus.subscribe('ready');
    const p = runJs(
      run,
      `const sub = Event.subscribe('n.*', { filter: (e) => e.data % 2 === 0 });
       Event.publish('ready', 1);
       const first = Event.receive(sub, 5000);
       const rest = Event.receive_batch(sub, { max_events: 100, timeout_ms: 1000 });
       console.log(first.data, rest.map((e) => e.data).join(','), Event.subscriptionStats(sub).filtered);`,
    );
    await ready.receive(5000);
    run.bus.publish('n.x', 1);
    await new Promise((r) => setImmediate(r));
    for (let i = 2; i <= 8; i++) run.bus.publish('n.x', i);
    expectOk(await p);
    expect(run.out()).toEqual(['2 4,6,8 4']);
    await run.bus.close();
  });

  it('a predicate table filters in the bus', async () => {
    const { result, out } = await runOne(`
      const sub = Event.subscribe('tx.*', { filter: { 'data.amount': { op: '>', value: 100 }, 'data.currency': 'EUR' } });
      Event.publish('tx.a', { amount: 500, currency: 'EUR' });
      Event.publish('tx.b', { amount: 500, currency: 'USD' });
      Event.publish('tx.c', { amount: 5, currency: 'EUR' });
      console.log(Event.receive_batch(sub, { timeout_ms: 0 }).map((e) => e.event_type).join(','), Event.subscription_stats(sub).filtered);
    `);
    expectOk(result);
    expect(out).toEqual(['tx.a 2']);
  });

  it('a throwing filter makes that receive fail; the next one goes on', async () => {
    const { result, out } = await runOne(`
      const sub = Event.subscribe('f.*', { filter: (e) => { if (e.data === 'bad') throw new Error('no thanks'); return true; } });
      Event.publish('f.x', 'bad'); Event.publish('f.x', 'good');
      try { Event.receive(sub, 0); } catch (e) { console.log(e.code, /no thanks/.test(e.message)); }
      console.log(Event.receive(sub, 0).data, Event.subscription_stats(sub).filtered);
    `);
    expectOk(result);
    expect(out).toEqual(['SCRIPT_ERROR true', 'good 1']);
  });

  it('a filter runs in the script: it may print and call Event', async () => {
    const { result, out, lines } = await runOne(`
      const seen = Event.subscribe('loop.x');
      const sub = Event.subscribe('g.*', { filter: (e) => { console.log('checking', e.data); Event.publish('loop.x', e.data); return true; } });
      Event.publish('g.x', 1);
      console.log(Event.receive(sub, 0).data, Event.receive(seen, 0).data);
    `);
    expectOk(result);
    expect(out).toEqual(['checking 1', '1 1']);
    expect(lines.every((l) => l.script === 'test.js')).toBe(true);
  });

  it('a filter that never returns stops its script with SCRIPT_TIMEOUT (the CPU limit); the host goes on', async () => {
    const run = newRun();
    const result = await runJs(
      run,
      `const sub = Event.subscribe('h.*', { filter: () => { for (;;) {} } }); Event.publish('h.x', 1); Event.receive(sub, 1000); console.log('not reached');`,
      { limits: { cpuLimitMs: 300 } },
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'SCRIPT_TIMEOUT' } });
    expect(result.error!.message).toMatch(/CPU/);
    expect(run.out()).toEqual([]);
    const s = run.bus.subscribe('after');
    run.bus.publish('after', 1);
    expect(s.poll()?.data).toBe(1);
    await run.bus.close();
  });
});
