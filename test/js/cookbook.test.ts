/**
 * The cookbook's JS examples run and print what they promise.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCRIPT_LIMITS } from '../../src/scripting/engine.js';
import { runScripts } from '../../src/scripting/host.js';
import { engine, expectOk, newRun, type Run } from './helpers.js';

const COOKBOOK = path.resolve(__dirname, '../../cookbook');

/** Scripts started together, as `crosstalk run a b` starts them (with the start barrier). */
function together(run: Run, files: string[]) {
  return runScripts(
    run.bus,
    files.map((file) => ({ name: path.basename(file), path: file, source: readFileSync(path.join(COOKBOOK, file), 'utf8') })),
    { limits: DEFAULT_SCRIPT_LIMITS, output: (script, text, stream) => run.lines.push({ script, text, stream }) },
  );
}

function start(run: Run, file: string) {
  const name = path.basename(file);
  return engine.run(
    run.bus,
    { name, path: file, source: readFileSync(path.join(COOKBOOK, file), 'utf8') },
    { limits: DEFAULT_SCRIPT_LIMITS, output: (script, text, stream) => run.lines.push({ script, text, stream }) },
  );
}

describe('cookbook', () => {
  it('js/errors.js shows each error code', async () => {
    const run = newRun();
    expectOk(await start(run, 'js/errors.js'));
    expect(run.out().map((l) => l.split(' (')[0])).toEqual([
      'bad event type: INVALID_EVENT_TYPE',
      'NaN in data: INVALID_DATA at data.readings[2]',
      'a function in data: INVALID_DATA at data.callback',
      'unbalanced pattern: INVALID_PATTERN',
      'unknown option: INVALID_OPTION',
      'unknown subscription: UNKNOWN_SUBSCRIPTION',
      'full reject queue: QUEUE_FULL',
    ]);
    await run.bus.close();
  });

  it('js/filters.js filters with a table and with a function', async () => {
    const run = newRun();
    expectOk(await start(run, 'js/filters.js'));
    expect(run.out()).toEqual(['>= 100 EUR: 120, 101 | filtered 4', 'odd: 5, 99, 101, 7 | filtered 2']);
    await run.bus.close();
  });

  it('js/aggregate.js publishes averages', async () => {
    const run = newRun();
    const agg = run.bus.subscribe('metric.aggregated');
    expectOk(await start(run, 'js/aggregate.js'));
    const got = agg.drain();
    expect(got).toHaveLength(10);
    for (const e of got) expect(e.data).toMatchObject({ count: 100, metric: expect.stringMatching(/^(cpu|memory)$/) });
    await run.bus.close();
  });

  it('16-request-reply: quote-service.js answers quote-client.lua', async () => {
    const run = newRun();
    const [service, client] = await together(run, ['16-request-reply/quote-service.js', '16-request-reply/quote-client.lua']);
    expectOk(client);
    expectOk(service);
    expect(run.out('quote-client.lua')).toEqual([
      '4 apple cost 2.00 (quoted by javascript)',
      '3 fig cost 6.00 (quoted by javascript)',
      'kiwi: cannot quote {"item":"kiwi","qty":1}',
      'stock.check: NO_RESPONDERS',
    ]);
    expect(run.out('quote-service.js')).toEqual(['served 2 quotes']);
    await run.bus.close();
  }, 20_000);

  it('audit.js audits order events and sums them up', async () => {
    const run = newRun();
    const ready = run.bus.subscribe('audit.ready');
    const audit = start(run, 'js/audit.js');
    await ready.receive(5000);
    run.bus.publish('order.created', { amount: 30 });
    run.bus.publish('invoice.sent', { amount: 30 });
    run.bus.publish('order.batch_done', { count: 1 });
    expectOk(await audit);
    const out = run.out('audit.js');
    expect(out).toHaveLength(3);
    expect(out[0]).toMatch(/#\d+ order\.created 30 from host \(host\)$/);
    expect(out[2]).toBe('audited 2 order events: {"order.created":1,"order.batch_done":1}; dropped 0');
    await run.bus.close();
  });

  it('audit.js next to lua/pay.lua (the README quick start)', async () => {
    const run = newRun();
    const [pay, audit] = await together(run, ['lua/pay.lua', 'js/audit.js']);
    expectOk(pay);
    expectOk(audit);
    const out = run.out('audit.js');
    expect(out.filter((l) => / order\.paid \d/.test(l) && l.endsWith('from pay.lua (lua)'))).toHaveLength(4);
    expect(out.at(-1)).toBe('audited 5 order events: {"order.paid":4,"order.batch_done":1}; dropped 0');
    await run.bus.close();
  });
});
