/**
 * Cookbook scripts in situations their recipe does not run them in
 * (test/cookbook/recipes.test.ts runs every recipe as its README says).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCRIPT_LIMITS } from '../../src/scripting/engine.js';
import { runScripts } from '../../src/scripting/host.js';
import { expectOk, newRun, type Run } from './helpers.js';

const COOKBOOK = path.resolve(__dirname, '../../cookbook');

/** Scripts started together, as `crosstalk run a b` starts them (with the start barrier); a file of the cookbook or {name, source}. */
function together(run: Run, scripts: (string | { name: string; source: string })[]) {
  return runScripts(
    run.bus,
    scripts.map((s) =>
      typeof s === 'string' ? { name: path.basename(s), path: s, source: readFileSync(path.join(COOKBOOK, s), 'utf8') } : s,
    ),
    { limits: DEFAULT_SCRIPT_LIMITS, output: (script, text, stream) => run.lines.push({ script, text, stream }) },
  );
}

describe('cookbook', () => {
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

  it('35-quick-start/audit.js audits only order events, from any publisher, and sums them up', async () => {
    const run = newRun();
    const shop = {
      name: 'shop.js',
      source: "Event.publish('order.created', { amount: 30 }); Event.publish('invoice.sent', { amount: 30 }); Event.publish('order.batch_done', { count: 1 });",
    };
    const [audit, publisher] = await together(run, ['35-quick-start/audit.js', shop]);
    expectOk(audit);
    expectOk(publisher);
    const out = run.out('audit.js');
    expect(out).toHaveLength(3);
    expect(out[0]).toMatch(/#\d+ order\.created 30 from shop\.js \(javascript\)$/);
    expect(out[1]).toMatch(/#\d+ order\.batch_done from shop\.js \(javascript\)$/);
    expect(out[2]).toBe('audited 2 order events: {"order.created":1,"order.batch_done":1}; dropped 0');
    await run.bus.close();
  });
});
