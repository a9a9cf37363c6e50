/**
 * Three OS processes on one nats-server: two publishers at once (a Lua
 * script through `crosstalk run --bus`, and a host application), then a
 * third that queries the stream, replays it and catches up from it — the
 * cookbook's recipe 42, its publishers run at once (the recipe runs them
 * one after the other).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cookbookScratch } from '../setup/cli.js';
import { startNatsServer, type NatsServer } from '../setup/nats.js';

let server: NatsServer;
const { node, remove } = cookbookScratch('processes-');
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server?.stop();
  remove();
});

describe('three processes share one stream', () => {
  it('two publish at once; a third queries, replays and catches up on what both persisted', async () => {
    const [lua, host] = await Promise.all([
      node([BIN, 'run', '--bus', server.url, 'cookbook/42-jetstream-history/shipments.lua']),
      node(['cookbook/42-jetstream-history/audit-publisher.mjs', server.url, '6']),
    ]);
    expect([lua.code, lua.stderr]).toEqual([0, '']);
    expect(lua.stdout).toBe('shipments: 3 order.shipped events\n');
    expect([host.code, host.stderr, host.stdout]).toEqual([0, '', 'auditor: stored 6 audit.login events\n']);

    const report = await node(['cookbook/42-jetstream-history/jetstream-report.mjs', server.url]);
    expect(report.stderr).toBe('');
    expect(report.code).toBe(0);
    const lines = report.stdout.trim().split('\n');
    expect(lines[0]).toBe('failed logins: user-2, user-4, user-6');
    expect(lines[1]).toBe('orders: 3 from shipments.lua');
    expect(lines[2]).toBe('replayed 3; each copy names its original: true');
    // both publishers wrote at once: the stream's first event is one of theirs, at sequence 1
    expect(lines[3]).toMatch(/^catch-up starts at stream sequence \d+: audit\.login user-1$/);
  });
});
