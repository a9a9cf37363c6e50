/**
 * Micro-batching across the isolate boundary must be invisible: per-publisher
 * order, the synchronous-delivery rule as any script or the host can observe
 * it (flush before every call that waits or reads, before console output and
 * at the end), and routing-time failures at the call site.
 */
import { describe, expect, it } from 'vitest';
import { engine, expectOk, newRun, runJs } from './helpers.js';

describe('batching', () => {
  it('keeps per-publisher order over many batches, and a later read sees every one', async () => {
    const run = newRun();
    const host = run.bus.subscribe('o.*', { max_queue_size: 100_000, ordering: 'publish' }); // publish order, whatever the priority
    const result = await runJs(
      run,
      `
      const own = Event.subscribe('o.*', { max_queue_size: 100000 });
      for (let i = 0; i < 6000; i++) Event.publish(i % 3 ? 'o.a' : 'o.b', { i }, i % 1000 === 0 ? { priority: 'high' } : undefined);
      console.log(Event.subscription_stats(own).total_received);
    `,
    );
    expectOk(result);
    expect(run.out()).toEqual(['6000']);
    const got = host.drain(100_000);
    expect(got.map((e) => (e.data as { i: number }).i)).toEqual(Array.from({ length: 6000 }, (_, i) => i));
    for (let k = 1; k < got.length; k++) expect(got[k]!.sequence).toBeGreaterThan(got[k - 1]!.sequence);
    expect(new Set(got.map((e) => e.id)).size).toBe(6000);
    await run.bus.close();
  });

  it('each publish returns the id its event carries, over several id pools and mixed with per-call publishes', async () => {
    const run = newRun();
    const host = run.bus.subscribe('m.*', { max_queue_size: 100_000 });
    const supplied = '0b5e4c1e-7f3a-4d2b-9c1a-2e3f4a5b6c7d';
    const result = await runJs(
      run,
      `
      const ids = [];
      for (let i = 0; i < 6000; i++) {
        if (i === 2500) ids.push(Event.publish({ event_type: 'm.own', id: '${supplied}', data: i }));
        else if (i % 1000 === 999) ids.push(Event.publish('m.call', i, { persistent: false })); // not batchable
        else ids.push(Event.publish('m.batched', i));
      }
      console.log(ids.join(','));
    `,
    );
    expectOk(result);
    const ids = run.out()[0]!.split(',');
    const got = host.drain(100_000);
    expect(got.map((e) => e.data)).toEqual(Array.from({ length: 6000 }, (_, i) => i));
    expect(got.map((e) => e.id)).toEqual(ids);
    expect(ids[2500]).toBe(supplied);
    expect(new Set(ids).size).toBe(6000);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    await run.bus.close();
  });

  it('a batched event the host refuses does not cost later publishes their ids, over id refills', async () => {
    // p.x is persisted by pattern, and this bus has no store: the host refuses it, after the script moved on
    const run = newRun({ persist: ['p.*'] });
    const host = run.bus.subscribe('o.*', { max_queue_size: 100_000, ordering: 'publish' }); // publish order, whatever the priority
    const result = await runJs(
      run,
      `
      Event.publish('p.x', 0);
      const ids = [];
      for (let i = 0; i < 6000; i++) ids.push(Event.publish('o.x', i));
      console.log(ids.join(','));
    `,
    );
    const ids = run.out()[0]!.split(',');
    expect(ids.every((id) => id.length === 36)).toBe(true);
    expect(host.drain(100_000).map((e) => e.id)).toEqual(ids);
    // reported, not lost: nothing else called, so the script fails at its end
    expect(result).toMatchObject({ ok: false, error: { code: 'STORE_UNAVAILABLE' } });
    expect(result.error!.message).toMatch(/^batched publish of p\.x \(id [0-9a-f-]{36}\) failed/);
    await run.bus.close();
  });

  it('flushes before a receive: the host sees the request while the script waits for the reply', async () => {
    const run = newRun();
    const requests = run.bus.subscribe('req');
    const p = runJs(run, `const r = Event.subscribe('rep'); Event.publish('req', 41); console.log(Event.receive(r, 5000).data);`);
    const req = await requests.receive(5000);
    expect(req?.data).toBe(41);
    run.bus.publish('rep', (req!.data as number) + 1);
    expectOk(await p);
    expect(run.out()).toEqual(['42']);
    await run.bus.close();
  });

  it('flushes before console output and at the end', async () => {
    const run = newRun();
    const host = run.bus.subscribe('f.*');
    const seenAtPrint: number[] = [];
    const result = await (async () => {
      return engine.run(
        run.bus,
        { name: 'f.js', source: `Event.publish('f.a', 1); Event.publish('f.b', 2); console.log('two'); Event.publish('f.c', 3);` },
        { limits: { cpuLimitMs: 5000, memoryLimitMb: 64 }, output: () => seenAtPrint.push(host.stats().queue_size) },
      );
    })();
    expectOk(result);
    expect(seenAtPrint).toEqual([2]);
    expect(host.drain().map((e) => e.data)).toEqual([1, 2, 3]);
    await run.bus.close();
  });

  it('what a script published before a message is there when another script gets the message', async () => {
    const run = newRun();
    const ready = run.bus.subscribe('b.ready');
    const b = runJs(
      run,
      `const x = Event.subscribe('data.x'); const y = Event.subscribe('note.y'); Event.publish('b.ready', 1);
       const note = Event.receive(y, 5000); const first = Event.receive(x, 0);
       console.log(note.data, first && first.data.length);`,
      { name: 'b.js' },
    );
    await ready.receive(5000);
    const a = runJs(run, `Event.publish('data.x', new Array(1000).fill(7)); Event.publish('note.y', 'look');`, { name: 'a.js' });
    expectOk(await a);
    expectOk(await b);
    expect(run.out('b.js')).toEqual(['look 1000']);
    await run.bus.close();
  });

  it('with a reject subscription on the bus, QUEUE_FULL reaches the publish that caused it', async () => {
    const run = newRun();
    const strict = run.bus.subscribe('q.*', { backpressure: 'reject', max_queue_size: 2 });
    const result = await runJs(
      run,
      `
      const out = [];
      for (let i = 0; i < 4; i++) { try { Event.publish('q.x', i); out.push('ok'); } catch (e) { out.push(e.code); } }
      Event.publish('other.x', 1);
      console.log(out.join(' '));
    `,
    );
    expectOk(result);
    expect(run.out()).toEqual(['ok ok QUEUE_FULL QUEUE_FULL']);
    expect(strict.drain().map((e) => e.data)).toEqual([0, 1]);
    await run.bus.close();
  });

  it('with a reject subscription elsewhere, types that cannot reach it are still batched after their first publish', async () => {
    const run = newRun();
    run.bus.subscribe('q.*', { backpressure: 'reject', max_queue_size: 2 });
    const host = run.bus.subscribe('**', { max_queue_size: 100_000 });
    // which way each event came: on its own (publishAs) or in a batch (publishMinted)
    const alone: string[] = [];
    let batched = 0;
    const publishAs = run.bus.publishAs.bind(run.bus);
    const publishMinted = run.bus.publishMinted.bind(run.bus);
    run.bus.publishAs = (who, t, d, o) => {
      alone.push(typeof t === 'string' ? t : t.event_type);
      return publishAs(who, t, d, o);
    };
    run.bus.publishMinted = (who, init, id) => {
      batched++;
      return publishMinted(who, init, id);
    };
    const result = await runJs(
      run,
      `
      for (let i = 0; i < 1000; i++) Event.publish('free.x', i);
      for (let i = 0; i < 3; i++) { try { Event.publish('q.x', i); } catch (e) { console.log(e.code); } }
      for (let i = 1000; i < 2000; i++) Event.publish(i % 2 ? 'free.x' : 'free.y', i);
    `,
    );
    expectOk(result);
    // each type crossed alone once to learn about it; q.x every time, so QUEUE_FULL came at the call
    expect(alone).toEqual(['free.x', 'q.x', 'q.x', 'q.x', 'free.y']);
    expect(run.out()).toEqual(['QUEUE_FULL']);
    expect(batched).toBe(2000 - 2);
    const got = host.drain(100_000);
    expect(got.filter((e) => e.event_type.startsWith('free.')).map((e) => e.data)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    await run.bus.close();
  });

  it('a reject subscription for a type the script batches: its next publish of that type crosses alone and fails at the call', async () => {
    const run = newRun();
    run.bus.subscribe('other.*', { backpressure: 'reject' }); // so the script learns types one by one
    const go = run.bus.subscribe('ready');
    const p = runJs(
      run,
      `
      const sub = Event.subscribe('go');
      for (let i = 0; i < 10; i++) Event.publish('a.x', i); // learnt: may be batched
      Event.publish('ready', null);
      Event.receive(sub, 5000); // its answer tells that reject/block subscriptions changed
      try { Event.publish('a.x', 10); console.log('no error'); } catch (e) { console.log(e.code); }
    `,
    );
    await go.receive(5000);
    const full = run.bus.subscribe('a.*', { backpressure: 'reject', max_queue_size: 1 });
    run.bus.publish('a.fill', 0);
    run.bus.publish('go', null);
    expectOk(await p);
    expect(run.out()).toEqual(['QUEUE_FULL']);
    expect(full.drain().map((e) => e.event_type)).toEqual(['a.fill']);
    await run.bus.close();
  });

  it('with a block subscription, publish waits for room, or fails with BLOCK_TIMEOUT', async () => {
    const run = newRun();
    const slow = run.bus.subscribe('k.*', { backpressure: 'block', max_queue_size: 1, block_timeout_ms: 3000 });
    let first: unknown;
    const result = await engine.run(
      run.bus,
      { name: 'k.js', source: `Event.publish('k.a', 1); console.log('full'); const t0 = Date.now(); Event.publish('k.b', 2); console.log('waited', Date.now() - t0 >= 40);` },
      {
        limits: { cpuLimitMs: 10_000, memoryLimitMb: 64 },
        output: (script, text) => {
          run.lines.push({ script, text, stream: 'stdout' });
          // make room a while after the script said its queue is full
          if (text === 'full') setTimeout(() => (first = slow.poll()?.data), 60);
        },
      },
    );
    expectOk(result);
    expect(first).toBe(1);
    expect(run.out()).toEqual(['full', 'waited true']);
    expect(slow.poll()?.data).toBe(2);

    run.bus.subscribe('t.*', { backpressure: 'block', max_queue_size: 1, block_timeout_ms: 50 });
    const r = await runJs(run, `Event.publish('t.a', 1); try { Event.publish('t.b', 2); } catch (e) { console.log(e.code); }`, { name: 'bt.js' });
    expectOk(r);
    expect(run.out('bt.js')).toEqual(['BLOCK_TIMEOUT']);
    await run.bus.close();
  });

  it('a reject subscription that appears while events are batched: the failure comes at the next call', async () => {
    const run = newRun();
    const host = run.bus.subscribe('r.x');
    let strict: ReturnType<typeof run.bus.subscribe> | null = null;
    const result = await (async () => {
      return engine.run(
        run.bus,
        {
          name: 'race.js',
          source: `
          console.log('subscribe now');
          for (let i = 0; i < 3; i++) Event.publish('r.x', i);
          const until = Date.now() + 500; while (Date.now() < until) {}
          try { Event.get_stats(); console.log('no error'); } catch (e) { console.log(e.code, e.message.startsWith('batched publish of r.x (id ') && e.message.includes(') failed: ')); }
          console.log(Event.get_stats().published);
        `,
        },
        {
          limits: { cpuLimitMs: 10_000, memoryLimitMb: 64 },
          output: (_s, text) => {
            run.lines.push({ script: 'race.js', text, stream: 'stdout' });
            if (text === 'subscribe now') setTimeout(() => (strict = run.bus.subscribe('r.x', { backpressure: 'reject', max_queue_size: 1 })), 0);
          },
        },
      );
    })();
    expectOk(result);
    // the bus published the script's started announcement and the one event
    expect(run.out().slice(1)).toEqual(['QUEUE_FULL true', '2']);
    expect(host.drain().map((e) => e.data)).toEqual([0]);
    expect(strict!.drain().map((e) => e.data)).toEqual([0]);
    await run.bus.close();
  });

  it('such a failure never surfaces from a later publish; if nothing else calls, it fails the script at its end', async () => {
    const run = newRun();
    const result = await engine.run(
      run.bus,
      {
        name: 'late.js',
        source: `
        console.log('subscribe now');
        for (let i = 0; i < 3; i++) Event.publish('r.x', i);
        const until = Date.now() + 500; while (Date.now() < until) {}
        for (let i = 0; i < 2000; i++) Event.publish('other.y', i);
        console.log('published all');
      `,
      },
      {
        limits: { cpuLimitMs: 10_000, memoryLimitMb: 64 },
        output: (_s, text) => {
          run.lines.push({ script: 'late.js', text, stream: 'stdout' });
          if (text === 'subscribe now') setTimeout(() => run.bus.subscribe('r.x', { backpressure: 'reject', max_queue_size: 1 }), 0);
        },
      },
    );
    expect(run.out()).toEqual(['subscribe now', 'published all']);
    expect(result).toMatchObject({ ok: false, error: { code: 'QUEUE_FULL' } });
    expect(result.error!.message).toMatch(/^batched publish of r\.x \(id [0-9a-f-]{36}\) failed/);
    // and the script's started and failed announcements (crosstalk.script.*)
    expect(run.bus.stats().published).toBe(1 + 2000 + 2);
    await run.bus.close();
  });
});
