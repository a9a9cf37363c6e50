/**
 * The store commands with `--bus nats://…` read the JetStream stream every
 * joined process persists to: `query` (with --where expressions), `export`,
 * `replay` (from the stream, checkpoint in its key-value bucket), `tail`
 * (-n/--since/--after from the stream, then live) and `compact --bus`
 * (expired events deleted from the stream). Real nats-server, real CLI
 * processes, events published by another process; bad flags refused.
 */
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UniversalEvent } from '../../src/core/event.js';
import { createBus } from '../../src/core/bus.js';
import { connectNats } from '../../src/transport/nats.js';
import { crosstalk, startCli, stopChild } from '../setup/cli.js';
import { startNatsServer, type NatsServer } from '../setup/nats.js';

let server: NatsServer;
const dir = mkdtempSync(path.join(tmpdir(), 'crosstalk-stream-cli-'));
const jsonl = (s: string) => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as UniversalEvent);

/** Publishes from this process (another process than the CLI's), persistent, and waits for JetStream's acks. */
async function publish(events: [string, Record<string, unknown>, { ttl_seconds?: number }?][]): Promise<void> {
  const bus = createBus({ component: 'shop', transport: await connectNats(server.url) });
  for (const [type, data, o] of events) bus.publish(type, data as never, { persistent: true, ...(o ?? {}) });
  await bus.flush();
  await bus.close();
}

beforeAll(async () => {
  server = await startNatsServer();
  await publish([
    ['order.created', { n: 1, amount: 20 }],
    ['order.created', { n: 2, amount: 700 }],
    ['audit.login', { user: 'ann', ok: false }],
    ['order.paid', { n: 2, amount: 700 }],
    ['order.created', { n: 3, amount: 5 }],
    ['session.token', { t: 1 }, { ttl_seconds: 1 }],
  ]);
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('store commands on the stream (--bus)', () => {
  it('query --bus answers a --where expression in stream order, and newest first', async () => {
    const [asc, desc] = await Promise.all([
      crosstalk(['query', '--bus', server.url, '--json', '--where', "type LIKE 'order.*' AND data.amount > 10"]),
      crosstalk(['query', '--bus', server.url, '--json', '-t', 'order.created', '--order', 'desc', '-n', '2']),
    ]);
    expect(asc.stderr).toBe('');
    const got = JSON.parse(asc.stdout) as UniversalEvent[];
    expect(got.map((e) => `${e.event_type}:${(e.data as { n: number }).n}`)).toEqual(['order.created:1', 'order.created:2', 'order.paid:2']);
    // stream sequences: the stream's order, the same in every process
    expect(got.map((e) => e.sequence)).toEqual([1, 2, 4]);
    expect((JSON.parse(desc.stdout) as UniversalEvent[]).map((e) => e.sequence)).toEqual([5, 2]);
  });

  it('export --bus writes the matching events of the stream to a file', async () => {
    const out = path.join(dir, 'audit.jsonl');
    const r = await crosstalk(['export', '--bus', server.url, '-t', 'audit.*', '--out', out]);
    expect([r.code, r.stderr]).toEqual([0, `exported 1 event to ${out}\n`]);
    expect(jsonl(readFileSync(out, 'utf8')).map((e) => e.data)).toEqual([{ user: 'ann', ok: false }]);
  });

  it('replay --bus without --store replays the stream into the joined processes, resuming at its checkpoint', async () => {
    const listener = await startCli(['tail', 'order.*', '--bus', server.url, '--json', '--count', '3', '--where', 'metadata.replay EXISTS'], 'following');
    try {
      const first = await crosstalk(['replay', '--bus', server.url, '-t', 'order.*', '--speed', '0', '--checkpoint', 'cli', '--json']);
      expect([first.code, first.stderr]).toEqual([0, expect.stringMatching(/^replayed 4 events to nats:\/\/127\.0\.0\.1:\d+ \(checkpoint cli\)\n$/)]);
      await publish([['order.created', { n: 4, amount: 1 }]]);
      const second = await crosstalk(['replay', '--bus', server.url, '-t', 'order.*', '--speed', '0', '--checkpoint', 'cli', '--json']);
      expect(second.stderr).toMatch(/^replayed 1 event to /);
      expect(jsonl(second.stdout).map((e) => (e.metadata.replay as { original_sequence: number }).original_sequence)).toEqual([7]);
      expect(await listener.exited).toBe(0);
      expect(jsonl(listener.stdout()).map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 2]);
    } finally {
      stopChild(listener.child);
    }
  });

  it('tail -n N --bus prints the last N from the stream, then live events, none twice', async () => {
    const tail = await startCli(['tail', 'order.created', '-n', '2', '--bus', server.url, '--json', '--count', '3'], 'following');
    try {
      await publish([['order.created', { n: 5, amount: 3 }]]);
      expect(await tail.exited).toBe(0);
      expect(jsonl(tail.stdout()).map((e) => (e.data as { n: number }).n)).toEqual([3, 4, 5]);
    } finally {
      stopChild(tail.child);
    }
  });

  it('tail --after --bus catches up from that stream sequence', async () => {
    const r = await crosstalk(['tail', 'order.*', '--after', '4', '--bus', server.url, '--json', '--count', '2']);
    expect([r.code, r.stderr]).toEqual([0, expect.stringContaining('following')]);
    expect(jsonl(r.stdout).map((e) => e.sequence)).toEqual([5, 7]);
  });

  it('compact --bus deletes expired events from the stream', async () => {
    const before = await crosstalk(['query', '--bus', server.url, '--json', '-t', 'session.*']);
    expect(JSON.parse(before.stdout)).toEqual([]); // expired: never returned, even before the sweep
    const r = await crosstalk(['compact', '--bus', server.url, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ stream: 'CROSSTALK', removed: { ttl: 1 } });
    const again = await crosstalk(['compact', '--bus', server.url]);
    expect(again.stdout).toMatch(/^swept stream CROSSTALK on nats:\/\/127\.0\.0\.1:\d+: removed 0 expired events\n$/);
  });

  it.each([
    [['query', '--bus', 'URL', '--store', 'x.db'], 2, /--store and --bus name two places to read: give one/],
    [['query', '--bus', 'URL', '--create-index', 'data.n'], 2, /--create-index indexes a SQLite store; the stream of --bus has no indexes/],
    [['query', '--bus', 'http://x'], 2, /invalid bus URL "http:\/\/x"/],
    [['export', '--bus', 'URL', '--store', 'x.db', '--out', 'never.jsonl'], 2, /--store and --bus name two places to read/],
    [['tail', '**', '--bus', 'URL', '--until', '1h'], 2, /--until ends a follow of a store/],
    [['tail', '**', '--bus', 'URL', '--wait'], 2, /--wait is about a store/],
    [['query', '--bus', 'URL', '--where', 'data.n >'], 2, /INVALID_QUERY: --where "data\.n >": .* at column 9/],
    [['query', '--bus', 'nats://127.0.0.1:9'], 1, /BUS_UNAVAILABLE/],
  ])('%j is refused (exit %i), writing nothing', async (args, code, message) => {
    const r = await crosstalk(args.map((a) => a.replace('URL', server.url)), { cwd: dir });
    expect(r.code).toBe(code);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(existsSync(path.join(dir, 'never.jsonl'))).toBe(false);
    expect(existsSync(path.join(dir, 'x.db'))).toBe(false);
  });
});
