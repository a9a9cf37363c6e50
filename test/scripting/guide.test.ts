/**
 * Every Lua snippet of the events guide (the seed the product grew from,
 * copied byte for byte into test/fixtures/guide/) runs through the real
 * script host, unmodified, and does what the guide says. A harness may put
 * context before a snippet (a `sub` it polls, the `data` it publishes, the
 * `processEvent` and `Logger` it calls) and a driver after it (calling the
 * functions it defines, printing what it left in its locals); the snippet's
 * own text is never changed. Snippets that loop forever are stopped through
 * runScripts' abort signal once the event or line that shows their work has
 * been seen. Events a snippet waits for come from a feeder script run
 * beside it: the start barrier (docs/scripts.md "Starting together") delivers the
 * feeder's publishes once the snippet has subscribed and begun to wait.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { UniversalEvent } from '../../src/core/event.js';
import type { EventStore } from '../../src/core/types.js';
import type { ScriptResult } from '../../src/scripting/engine.js';
import { runScripts } from '../../src/scripting/host.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { createBus } from '../setup/bus.js';

const GUIDE = path.join(__dirname, '../fixtures/guide');

/** A snippet's text exactly as the guide has it. */
function snippet(file: string): string {
  return readFileSync(path.join(GUIDE, file), 'utf8');
}

interface GuideRun {
  result: ScriptResult;
  results: ScriptResult[];
  /** lines printed, by script name */
  printed: Record<string, string[]>;
  /** what the snippet printed, tabs as spaces */
  lines: string[];
  /** every event published during the run (the host's own crosstalk.* left out) */
  events: UniversalEvent[];
  /** true when the harness stopped the snippet (it loops forever) */
  stopped: boolean;
}

interface GuideOptions {
  /** Lua run before the snippet, in the same chunk */
  prelude?: string;
  /** Lua run after the snippet, in the same chunk (it sees the snippet's locals) */
  driver?: string;
  /** scripts run beside the snippet */
  beside?: { name: string; source: string }[];
  store?: EventStore;
  /** stop every script once an event matching this is published */
  stopOnEvent?: (e: UniversalEvent) => boolean;
  /** stop every script once the snippet prints a line matching this */
  stopOnPrint?: RegExp;
  permissions?: Parameters<typeof runScripts>[2] extends infer O ? (O extends { permissions?: infer P } ? P : never) : never;
}

async function runGuide(file: string, o: GuideOptions = {}): Promise<GuideRun> {
  const bus = createBus(o.store ? { store: o.store } : {});
  const seen = bus.subscribe('**', { max_queue_size: 200_000 });
  const stop = new AbortController();
  const printed: Record<string, string[]> = {};
  const source = `${o.prelude ?? ''}\n${snippet(file)}\n${o.driver ?? ''}`;
  const events: UniversalEvent[] = [];
  // watches the stream for the event that shows a looping snippet did its work
  const watching = (async () => {
    while (!stop.signal.aborted) {
      const e = await seen.receive(200);
      if (e === null) continue;
      events.push(e);
      if (o.stopOnEvent?.(e)) stop.abort();
    }
  })();
  const results = await runScripts(bus, [{ name: file, source }, ...(o.beside ?? [])], {
    output: (script, text) => {
      (printed[script] ??= []).push(text);
      if (script === file && o.stopOnPrint?.test(text)) stop.abort();
    },
    signal: stop.signal,
    limits: { deadlineMs: 30_000 },
    ...(o.permissions ? { permissions: o.permissions } : {}),
  });
  const stopped = stop.signal.aborted;
  stop.abort();
  await watching;
  events.push(...seen.drain());
  await bus.close();
  return {
    result: results[0]!,
    results,
    printed,
    lines: (printed[file] ?? []).map((l) => l.replace(/\t/g, ' ')),
    events: events.filter((e) => !e.event_type.startsWith('crosstalk.')),
    stopped,
  };
}

/** A feeder script that publishes `types` (with data) and ends. */
function feeder(publishes: string): { name: string; source: string } {
  return { name: 'feeder.lua', source: publishes };
}

function ok(r: GuideRun): void {
  expect(r.results.map((x) => x.error ?? x.ok)).toEqual(r.results.map(() => true));
}

/** A snippet stopped by the harness (it loops forever), not failed on its own. */
function stoppedByHarness(r: GuideRun): void {
  expect(r.stopped).toBe(true);
  expect(r.result.ok).toBe(false);
  expect(r.result.error?.message).toMatch(/stopped/);
}

describe('the events guide: its 26 Lua snippets, unmodified', () => {
  it('are all here, each run by a test below', () => {
    expect(readdirSync(GUIDE).filter((f) => f.endsWith('.lua'))).toHaveLength(26);
  });

  it('01 the UniversalEvent structure is a Lua table with the fields of a real event', async () => {
    const bus = createBus();
    const sub = bus.subscribe('agent.**');
    bus.publish('agent.execution.completed', { agent_name: 'researcher' }, { correlation_id: 'req-12345', metadata: { region: 'us-east-1' } });
    const real = (await sub.receive(1000))!;
    await bus.close();
    const other = createBus();
    const results = await runScripts(other, [{ name: 'structure.lua', source: `return ${snippet('01-universal-event.lua')}` }], { output: () => {} });
    await other.close();
    expect(results[0]).toMatchObject({ ok: true });
    const value = results[0]!.value as Record<string, Record<string, unknown>>;
    expect(value).toEqual({
      id: '550e8400-e29b-41d4-a716-446655440000',
      event_type: 'agent.execution.completed',
      timestamp: '2025-07-25T10:30:45.123Z',
      version: '1.0',
      source: { component: 'agent', instance_id: 'research-agent-001', correlation_id: 'req-12345' },
      data: { agent_name: 'researcher', tokens_used: 150, duration_ms: 234, success: true },
      metadata: { environment: 'production', region: 'us-east-1' },
    });
    // every field the guide names is a field of crosstalk's events, in the same place
    for (const key of Object.keys(value)) expect(Object.keys(real)).toContain(key);
    for (const key of Object.keys(value.source!)) expect(Object.keys(real.source)).toContain(key);
    expect(real.version).toBe(value.version);
  });

  it('02 basic publishing publishes the event with its data', async () => {
    const r = await runGuide('02-basic-publishing.lua');
    ok(r);
    expect(r.events.map((e) => [e.event_type, e.data])).toEqual([
      ['custom.task.completed', { task_id: 'task-123', duration_ms: 1500, status: 'success' }],
    ]);
  });

  it('03 publishing with full metadata: the table form keeps data, source and metadata', async () => {
    const r = await runGuide('03-full-metadata.lua');
    ok(r);
    expect(r.events).toHaveLength(1);
    const e = r.events[0]!;
    expect(e.event_type).toBe('payment.processed');
    expect(e.data).toEqual({ amount: 99.99, currency: 'USD', method: 'credit_card' });
    expect(e.metadata).toMatchObject({ user_id: 'user-456', session_id: 'sess-789' });
    expect(e.source).toMatchObject({ component: 'payment_service', instance_id: 'payment-001', language: 'lua' });
  });

  it('04 batch publishing publishes the three metrics in order', async () => {
    const r = await runGuide('04-batch-publishing.lua');
    ok(r);
    expect(r.events.map((e) => [e.event_type, e.data])).toEqual([
      ['metric.cpu', { value: 45.2 }],
      ['metric.memory', { value: 78.1 }],
      ['metric.disk', { value: 62.5 }],
    ]);
  });

  it('05 basic subscription receives the completion another script publishes, and prints it', async () => {
    const r = await runGuide('05-basic-subscription.lua', {
      beside: [feeder(`Event.publish("agent.execution.completed", {agent_name = "researcher"})`)],
    });
    ok(r);
    expect(r.lines).toEqual(['Agent completed: researcher']);
  });

  it('05 basic subscription: without a publisher, receive times out after its 5 s and nothing is printed', async () => {
    const t0 = Date.now();
    const r = await runGuide('05-basic-subscription.lua');
    ok(r);
    expect(r.lines).toEqual([]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(4900);
  });

  it('06 pattern subscriptions: agent.*, **.error and a list of patterns each get what they match', async () => {
    const types = ['agent.started', 'agent.execution.started', 'db.error', 'agent.tool.error', 'tool.search.completed', 'workflow.stage.failed', 'workflow.stage.done'];
    const drain = (name: string) =>
      `do local got, e = {}, Event.receive(${name}, 5000)
         while e do got[#got + 1] = e.event_type; e = Event.receive(${name}, 0) end
         print("${name}", table.concat(got, ",")) end`;
    const r = await runGuide('06-pattern-subscriptions.lua', {
      driver: ['agent_sub', 'error_sub', 'multi_sub'].map(drain).join('\n'),
      beside: [feeder(types.map((t) => `Event.publish("${t}", {})`).join('\n'))],
    });
    ok(r);
    expect(r.lines).toEqual([
      'agent_sub agent.started',
      'error_sub db.error,agent.tool.error',
      'multi_sub agent.execution.started,tool.search.completed,workflow.stage.failed',
    ]);
  });

  it('07 non-blocking receive returns a queued event at once, and nil when there is none', async () => {
    const report = `print(event and event.data.n or "no event")`;
    const withOne = await runGuide('07-non-blocking-receive.lua', {
      prelude: `local sub = Event.subscribe("job.*")\nEvent.publish("job.new", {n = 7})`,
      driver: report,
    });
    ok(withOne);
    expect(withOne.lines).toEqual(['7']);
    const none = await runGuide('07-non-blocking-receive.lua', { prelude: `local sub = Event.subscribe("job.*")`, driver: report });
    ok(none);
    expect(none.lines).toEqual(['no event']);
    expect(none.result.durationMs).toBeLessThan(4000); // no wait: the default receive timeout is 5 s
  });

  it('08 batch receiving takes what is queued and prints each type', async () => {
    const r = await runGuide('08-batch-receiving.lua', {
      prelude: `local sub = Event.subscribe("batch.*")\nfor _, t in ipairs({"batch.a", "batch.b", "batch.c"}) do Event.publish(t, {}) end`,
    });
    ok(r);
    expect(r.lines).toEqual(['Received: batch.a', 'Received: batch.b', 'Received: batch.c']);
  });

  const described = `local info = Event.list_subscriptions()[1]
    print(info.pattern, info.backpressure, info.max_queue_size)`;

  it('09 drop_oldest: a full queue drops its oldest event', async () => {
    const r = await runGuide('09-drop-oldest.lua', {
      driver: `${described}
        for i = 1, 10001 do Event.publish("high.volume.tick", {i = i}) end
        local s = Event.subscription_stats(sub)
        print(s.dropped, s.queue_size, Event.receive(sub, 0).data.i)`,
    });
    ok(r);
    expect(r.lines).toEqual(['high.volume.* drop_oldest 10000', '1 10000 2']);
  });

  it('10 drop_newest: a full queue refuses the newest event and keeps the old ones', async () => {
    const r = await runGuide('10-drop-newest.lua', {
      driver: `${described}
        for i = 1, 50001 do Event.publish("audit.entry", {i = i}) end
        local s = Event.subscription_stats(sub)
        print(s.dropped, s.queue_size, Event.receive(sub, 0).data.i)`,
    });
    ok(r);
    expect(r.lines).toEqual(['audit.* drop_newest 50000', '1 50000 1']);
    // the newest, refused, is the 50001st
    expect(r.events.at(-1)!.data).toEqual({ i: 50001 });
  });

  it('11 block: a publisher facing a full queue waits until the subscriber makes room; nothing is lost', async () => {
    const r = await runGuide('11-block.lua', {
      driver: `${described}
        local n, last = 0, 0
        local e = Event.receive(sub, 10000)
        while e do
          n = n + 1
          if e.data.i == last + 1 then last = e.data.i end
          e = Event.receive(sub, 2000)
          if n == 1200 then break end
        end
        local s = Event.subscription_stats(sub)
        print(n, last, s.dropped, s.blocked > 0)`,
      beside: [feeder(`for i = 1, 1200 do Event.publish("critical.alarm", {i = i}) end`)],
    });
    ok(r);
    expect(r.lines).toEqual(['critical.* block 1000', '1200 1200 0 true']);
  });

  it('12 reject: the publish that finds the queue full fails with QUEUE_FULL', async () => {
    const r = await runGuide('12-reject.lua', {
      driver: `${described}
        for i = 1, 5000 do Event.publish("optional.hint", {i = i}) end
        local ok, err = pcall(Event.publish, "optional.hint", {i = 5001})
        print(ok, err.code, Event.subscription_stats(sub).queue_size)`,
    });
    ok(r);
    expect(r.lines).toEqual(['optional.* reject 5000', 'false QUEUE_FULL 5000']);
  });

  it('13 persistence: the event is stored with its TTL, and the query returns the window\'s rows with amount >= 500', async () => {
    const store = createMemoryStore();
    // yesterday's transactions, as the guide's time window expects them
    const past = (seq: number, amount: number, at: string): UniversalEvent => ({
      id: `00000000-0000-4000-8000-00000000000${seq}`,
      event_type: 'important.transaction',
      timestamp: at,
      version: '1.0',
      sequence: seq,
      source: { component: 'ledger', instance_id: 'ledger-1', language: 'host' },
      data: { amount, account: `ACC-${seq}` },
      metadata: {},
      priority: 'normal',
    });
    store.append(past(1, 200, '2025-07-24T09:00:00.000Z'));
    store.append(past(2, 750, '2025-07-24T12:00:00.000Z'));
    store.append(past(3, 500, '2025-07-24T18:00:00.000Z'));
    store.append(past(4, 9000, '2025-07-25T00:00:01.000Z')); // after the window
    store.append({ ...past(5, 1200, '2025-07-24T20:00:00.000Z'), event_type: 'other.transaction' });
    await store.flush();
    const r = await runGuide('13-persistence.lua', {
      store,
      driver: `for _, e in ipairs(historical) do print(e.data.account, e.data.amount) end
               local stored = Event.query({event_type = "important.transaction", filters = {["data.account"] = "ACC-123"}})
               print(#stored, stored[1].data.amount, stored[1].ttl_seconds)`,
    });
    ok(r);
    expect(r.lines).toEqual(['ACC-2 750', 'ACC-3 500', '1 1000 86400']);
  });

  it('14 the metrics collector averages every 100 metrics of a type and publishes metric.aggregated', async () => {
    const r = await runGuide('14-metrics-collection.lua', {
      driver: 'MetricsCollector.init()',
      beside: [feeder(`for i = 1, 100 do Event.publish("metric.cpu", {value = i}) end
                       for i = 1, 99 do Event.publish("metric.memory", {value = 1}) end`)],
      stopOnEvent: (e) => e.event_type === 'metric.aggregated',
    });
    stoppedByHarness(r);
    expect(r.results[1]).toMatchObject({ ok: true });
    const aggregated = r.events.filter((e) => e.event_type === 'metric.aggregated');
    expect(aggregated.map((e) => e.data)).toEqual([{ type: 'cpu', average: 50.5, count: 100 }]);
    expect(aggregated[0]!.source.component).toBe('14-metrics-collection.lua');
  });

  it('15 the error monitor alerts when a component passes 10 errors, naming the most recent error', async () => {
    const r = await runGuide('15-error-monitoring.lua', {
      driver: 'ErrorMonitor.init()',
      beside: [
        feeder(`for i = 1, 11 do
                  Event.publish({event_type = "db.query.error", data = {error = "timeout " .. i}, source = {component = "database"}})
                end
                for i = 1, 5 do Event.publish("cache.error", {error = "miss"}) end`),
      ],
      stopOnEvent: (e) => e.event_type === 'alert.error_threshold',
    });
    stoppedByHarness(r);
    const alerts = r.events.filter((e) => e.event_type === 'alert.error_threshold');
    expect(alerts.map((e) => e.data)).toEqual([{ component: 'database', count: 11, recent_error: 'timeout 11' }]);
  });

  it('16 the workflow waits for its data, starts processing, follows three stages and publishes workflow.completed', async () => {
    const r = await runGuide('16-workflow-orchestration.lua', {
      driver: 'EventWorkflow.run()',
      beside: [
        feeder(`local started = Event.subscribe("processing.started")
                Event.publish("data.import.completed", {import_id = "imp-42"})
                local e = Event.receive(started, 20000)
                for _, stage in ipairs(e.data.stages) do
                  Event.publish("processing." .. stage .. ".completed", {stage = stage, data_id = e.data.data_id})
                end`),
      ],
    });
    ok(r);
    expect(r.lines).toEqual(['Completed stage: validate', 'Completed stage: transform', 'Completed stage: analyze']);
    const started = r.events.find((e) => e.event_type === 'processing.started')!;
    expect(started.data).toEqual({ data_id: 'imp-42', stages: ['validate', 'transform', 'analyze'] });
    const done = r.events.find((e) => e.event_type === 'workflow.completed')!;
    expect(done.data).toMatchObject({ stages: ['validate', 'transform', 'analyze'] });
    expect(typeof (done.data as { duration_ms: unknown }).duration_ms).toBe('number');
  });

  it('17 the cross-language bridge: a JS script receives what Lua sends and Lua prints what JS sends back', async () => {
    const r = await runGuide('17-cross-language.lua', {
      driver: `CrossLangBridge.notifyJS("refresh", {page = 3})\nCrossLangBridge.listenToJS()`,
      beside: [
        {
          name: 'consumer.js',
          source: `const sub = Event.subscribe('bridge.lua_to_js');
                   const e = Event.receive(sub, 20000);
                   console.log(e.data.language, e.data.action, e.data.data.page, typeof e.data.timestamp);
                   Event.publish('bridge.js_to_lua', { action: 'ack:' + e.data.action });`,
        },
      ],
      stopOnPrint: /^Received from JS:/,
    });
    stoppedByHarness(r);
    // the JS side has ended by then, or is stopped with the rest
    expect(r.results[1]!.ok || r.results[1]!.error?.message === 'stopped').toBe(true);
    expect(r.printed['consumer.js']).toEqual(['lua refresh 3 number']);
    expect(r.lines).toEqual(['Received from JS: ack:refresh']);
    const sent = r.events.find((e) => e.event_type === 'bridge.lua_to_js')!;
    expect(sent.source.language).toBe('lua');
  });

  it('18 listing subscriptions prints each one, then the stats of `sub`', async () => {
    const r = await runGuide('18-listing-subscriptions.lua', {
      prelude: `local sub = Event.subscribe("orders.*")
                local other = Event.subscribe("audit.**")
                Event.publish("orders.new", {n = 1})
                Event.publish("orders.new", {n = 2})
                print(sub.id, other.id)`,
    });
    ok(r);
    const [ids, ...rest] = r.lines;
    const [subId, otherId] = ids!.split(' ');
    expect(rest).toEqual([`${subId} orders.* 2`, `${otherId} audit.** 0`, 'Events received: 2', 'Events dropped: 0', 'Current queue: 2']);
  });

  it('19 unsubscribing by handle, by Event.unsubscribe and by pattern leaves no temp.* subscription', async () => {
    const r = await runGuide('19-unsubscribing.lua', {
      prelude: `local earlier = Event.subscribe("temp.*")\nprint(#Event.list_subscriptions())`,
      driver: `print(#Event.list_subscriptions(), Event.unsubscribe(sub))
               Event.publish("temp.x", {})
               print(Event.receive(earlier, 0))`,
    });
    ok(r);
    expect(r.lines).toEqual(['1', '0 false', 'nil']);
  });

  it('20 a function filter lets only transactions above 100 through', async () => {
    const r = await runGuide('20-event-filtering.lua', {
      driver: `for _, a in ipairs({50, 150, 100, 500}) do Event.publish("transaction.card", {amount = a}) end
               local got = {}
               for _, e in ipairs(Event.receive_batch(sub, {max_events = 10, timeout_ms = 0})) do got[#got + 1] = e.data.amount end
               print(table.concat(got, ","), Event.subscription_stats(sub).filtered)`,
    });
    ok(r);
    expect(r.lines).toEqual(['150,500 2']);
  });

  it('21 event naming: hierarchical and flat names are both published with the given data', async () => {
    const r = await runGuide('21-event-naming.lua', { prelude: `local data = {user = "u-1"}` });
    ok(r);
    expect(r.events.map((e) => e.event_type)).toEqual([
      'payment.processing.started',
      'user.profile.updated',
      'system.resource.memory.high',
      'payment_start',
      'update',
      'memory',
    ]);
    expect(r.events.every((e) => (e.data as { user: string }).user === 'u-1')).toBe(true);
  });

  it('22 subscription lifecycle: the "bad" processEvents (the one the snippet leaves callable) leaks its subscription', async () => {
    // both versions are `local function processEvents`; the second shadows the first
    const r = await runGuide('22-subscription-lifecycle.lua', {
      prelude: 'running = false',
      driver: `print(#Event.list_subscriptions())
               processEvents()
               processEvents()
               local subs = Event.list_subscriptions()
               print(#subs, subs[1].pattern)`,
    });
    ok(r);
    expect(r.lines).toEqual(['0', '2 task.*']);
  });

  it('23 error handling: a failing handler is logged and reported as handler.error; a good one returns its result', async () => {
    const r = await runGuide('23-error-handling.lua', {
      prelude: `function processEvent(event)
                  if event.data.bad then error("cannot handle " .. event.event_type) end
                  return "handled " .. event.event_type
                end
                Logger = { error = function(message, fields) print("LOG", message, fields.event_type, fields.error) end }`,
      driver: `print(safeEventHandler({event_type = "order.paid", data = {}}))
               local ok, err = safeEventHandler({event_type = "order.broken", data = {bad = true}})
               print(ok)`,
    });
    ok(r);
    expect(r.lines[0]).toBe('true handled order.paid');
    expect(r.lines[1]).toMatch(/^LOG Event handler failed order\.broken .*cannot handle order\.broken$/);
    expect(r.lines[2]).toBe('false');
    expect(r.events.map((e) => e.event_type)).toEqual(['handler.error']);
    expect(r.events[0]!.data).toMatchObject({ original_event: 'order.broken', error: expect.stringContaining('cannot handle order.broken') });
  });

  it('24 performance: one receive_batch takes 100 events; the receive loop takes the rest one by one', async () => {
    const r = await runGuide('24-performance-optimization.lua', {
      prelude: `local sub = Event.subscribe("perf.*")\nfor i = 1, 150 do Event.publish("perf.tick", {i = i}) end`,
      driver: `local s = Event.subscription_stats(sub)
               print(#events, events[1].data.i, events[100].data.i, s.delivered, s.queue_size)`,
    });
    ok(r);
    expect(r.lines).toEqual(['100 1 100 150 0']);
  });

  const recordAndReplay = `Event.publish("rec.first", {n = 1})
               Event.publish("rec.second", {n = 2})
               startRecording(1)
               print(#recorded_events)
               replay()`;

  it('25 replay: records what arrives for a second, then publishes it again with os.execute("sleep 0.1") between', async () => {
    // "**" also matches the host's lifecycle events (docs/scripts.md "Script lifecycle
    // events"), which no script may publish: the recorder is kept from them
    // by a permission rule, as docs/scripts.md "Script permissions" shows
    const r = await runGuide('25-event-replay.lua', {
      driver: recordAndReplay,
      permissions: { '25-event-replay.lua': { subscribe: { deny: ['crosstalk.**'] } } },
    });
    ok(r);
    expect(r.lines).toEqual(['2']);
    const rec = r.events.filter((e) => e.event_type.startsWith('rec.'));
    expect(rec.map((e) => [e.event_type, e.data])).toEqual([
      ['rec.first', { n: 1 }],
      ['rec.second', { n: 2 }],
      ['rec.first', { n: 1 }],
      ['rec.second', { n: 2 }],
    ]);
    // the sleep between the replayed events
    expect(Date.parse(rec[3]!.timestamp) - Date.parse(rec[2]!.timestamp)).toBeGreaterThanOrEqual(95);
  });

  it('25 replay without that rule records its own crosstalk.script.started, and re-publishing it is PERMISSION_DENIED', async () => {
    const r = await runGuide('25-event-replay.lua', { driver: recordAndReplay });
    expect(r.lines).toEqual(['3']);
    expect(r.result.error).toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringContaining('crosstalk.script.started') });
  });

  it('26 the transformer republishes legacy.* events as modern.* with transformed data', async () => {
    const r = await runGuide('26-event-transformation.lua', {
      prelude: `function transform_data(data) return {total = data.price * data.qty} end`,
      driver: 'Transformer.init()',
      beside: [feeder(`Event.publish("legacy.order", {price = 4, qty = 3})\nEvent.publish("legacy.refund", {price = 1, qty = 2})`)],
      stopOnEvent: (e) => e.event_type === 'modern.refund',
    });
    stoppedByHarness(r);
    const modern = r.events.filter((e) => e.event_type.startsWith('modern.'));
    expect(modern.map((e) => [e.event_type, e.data])).toEqual([
      ['modern.order', { total: 12 }],
      ['modern.refund', { total: 2 }],
    ]);
  });
});
