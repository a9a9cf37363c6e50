/**
 * Two real processes joined through a real nats-server by the real CLI:
 * `crosstalk run --bus nats://…` with a JS consumer in one and a Lua
 * producer in the other (bin/crosstalk.js on the built dist/).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, crosstalk, ROOT } from '../setup/cli.js';
import { startNatsServer, type NatsServer } from '../setup/nats.js';
import { raw } from './helpers.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { EventMaker } from '../store/helpers.js';

const fx = (name: string) => path.join('test/transport/fixtures', name);



interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Spawns the CLI and resolves once `ready` appears on its stdout or stderr (it failing first rejects). */
async function startUntil(args: string[], ready: string): Promise<Started> {
  const child = spawn(process.execPath, ['--no-node-snapshot', BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const check = () => (out + err).includes(ready) && resolve();
    child.stdout!.setEncoding('utf8').on('data', (c: string) => ((out += c), check()));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => ((err += c), check()));
    void exited.then((code) => reject(new Error(`crosstalk ${args.join(' ')} exited (${code}) before saying ${ready}: ${err}`)));
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

const stopChild = (c: ChildProcess) => {
  if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
};

let server: NatsServer;

beforeAll(async () => {
  if (!existsSync(path.join(ROOT, 'dist/cli/main.js'))) throw new Error('dist/ is missing: build first (npx tsc -p tsconfig.json)');
  server = await startNatsServer();
});

afterAll(async () => {
  await server?.stop();
});

describe('crosstalk run --bus', () => {
  it('a Lua producer in one process reaches a JS consumer in another, in order, once each', async () => {
    // the consumer has subscribed (and its client has sent the interest) once it says so
    const consumer = await startUntil(['run', '--bus', server.url, fx('consumer.js')], 'listening\n');
    try {
      const producer = await crosstalk(['run', '--bus', server.url, fx('producer.lua')]);
      expect(producer.stderr).toBe('');
      expect(producer.stdout).toBe('sent 1000\n');
      expect(producer.code).toBe(0);

      expect(await consumer.exited).toBe(0);
      expect(consumer.stderr()).toBe('');
      expect(consumer.stdout()).toBe('listening\ngot 1000 jobs, sum 500500, ordered true, from producer.lua (lua)\n');
    } finally {
      stopChild(consumer.child);
    }

    // the persistent ones are in the stream, after both processes are gone
    const { nc, jsm } = await raw(server.url);
    try {
      const info = await jsm.streams.info('CROSSTALK');
      expect(info.state.messages).toBe(10);
      const last = await jsm.streams.getMessage('CROSSTALK', { seq: 10 });
      expect(last!.subject).toBe('crosstalk.p.job.item');
      expect(last!.json<{ data: unknown }>().data).toEqual({ n: 1000 });
    } finally {
      await nc.close();
    }
  });

  it("the README's two-process example (cookbook/28-two-processes-nats) works as written, the listener started first", async () => {
    const listener = await startUntil(['run', '--bus', server.url, 'cookbook/28-two-processes-nats/listener.js'], 'listening for order.* on the bus\n');
    try {
      const orders = await crosstalk(['run', '--bus', server.url, 'cookbook/28-two-processes-nats/orders.lua']);
      expect(orders.stderr).toBe('');
      expect(orders.stdout).toBe('sent 3 orders\n');
      expect(orders.code).toBe(0);
      expect(await listener.exited).toBe(0);
      expect(listener.stderr()).toBe('');
      expect(listener.stdout()).toBe(
        'listening for order.* on the bus\n' +
          'order.paid B-2001 12.50 from orders.lua (lua)\norder.paid B-2002 99.00 from orders.lua (lua)\norder.paid B-2003 7.25 from orders.lua (lua)\n' +
          '3 orders, 118.75 in all\n',
      );
    } finally {
      stopChild(listener.child);
    }
  });

  it('--persist needs no --store with --bus: JetStream keeps the matching events', async () => {
    const { nc, jsm } = await raw(server.url);
    try {
      const before = (await jsm.streams.info('CROSSTALK')).state.messages;
      const r = await crosstalk(['run', '--bus', server.url, '--persist', 'job.**', fx('producer.lua')]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      // the producer says `persistent = false` for 990 items, which wins over
      // the pattern: the 10 it marks persistent and the done marker are kept
      expect((await jsm.streams.info('CROSSTALK')).state.messages - before).toBe(11);
    } finally {
      await nc.close();
    }
  });

  it.each([
    ['http://x', /INVALID_OPTION: invalid bus URL "http:\/\/x": the scheme is http, not nats/],
    ['', /INVALID_OPTION: --bus needs a value, got an empty string/],
    ['nats://127.0.0.1:0', /port 0 is not 1–65535/],
    ['nats://127.0.0.1:99999', /invalid bus URL/],
  ])('--bus %j is refused before anything runs (exit 2)', async (url, why) => {
    const r = await crosstalk(['run', '--bus', url, fx('producer.lua')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(why);
  });

  it('an unreachable server is BUS_UNAVAILABLE (exit 1), and nothing runs', async () => {
    const gone = await startNatsServer();
    await gone.stop();
    const r = await crosstalk(['run', '--bus', gone.url, fx('producer.lua')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^crosstalk run: BUS_UNAVAILABLE: cannot connect to nats://127\\.0\\.0\\.1:${gone.port}: `));
  });

  it('--bus given twice is refused', async () => {
    const r = await crosstalk(['run', '--bus', server.url, '--bus', server.url, fx('producer.lua')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--bus was given 2 times/);
  });
});

describe('the server going away under crosstalk run', () => {
  it('is reported on stderr; publishes fail with BUS_UNAVAILABLE once the reconnect buffer is full; the run ends normally', async () => {
    const own = await startNatsServer();
    const run = await startUntil(['run', '--bus', own.url, fx('ticker.lua')], 'started\n');
    try {
      await own.stop();
      expect(await run.exited).toBe(0);
      expect(run.stdout()).toMatch(
        /^started\nrefused: BUS_UNAVAILABLE: lost the connection to nats:\/\/127\.0\.0\.1:\d+; 10000 events already wait for it to come back \(reconnect_buffer\)\n$/,
      );
      expect(run.stderr()).toBe(`crosstalk run: lost the connection to ${own.url}; reconnecting\n`);
    } finally {
      stopChild(run.child);
    }
  });
});

describe('crosstalk tail --bus', () => {
  it('follows live events of another process, filtered, and stops after --count', async () => {
    const tail = await startUntil(['tail', 'job.*', '--bus', server.url, '--json', '--count', '3', '--where', 'data.n<=3', '--source', 'producer.lua'], 'crosstalk tail: following');
    try {
      const producer = await crosstalk(['run', '--bus', server.url, fx('producer.lua')]);
      expect(producer.code).toBe(0);
      expect(await tail.exited).toBe(0);
      const lines = tail.stdout().trim().split('\n').map((l) => JSON.parse(l) as { event_type: string; data: unknown });
      expect(lines.map((e) => [e.event_type, e.data])).toEqual([
        ['job.item', { n: 1 }],
        ['job.item', { n: 2 }],
        ['job.item', { n: 3 }],
      ]);
      expect(tail.stderr()).toBe(`crosstalk tail: following "job.*" on ${server.url}\n`);
    } finally {
      stopChild(tail.child);
    }
  });

  it.each([
    // --since, --after and --last read the stream first (test/transport/stream-cli.test.ts)
    [['--until', '1h'], /--until ends a follow of a store; with --bus, tail follows until --count or Ctrl-C/],
    [['--interval', '50'], /--interval is about a store/],
  ])('refuses %j with --bus (exit 2)', async (flags, why) => {
    const r = await crosstalk(['tail', 'job.*', '--bus', server.url, ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(why);
  });

  it('refuses a bad --bus (exit 2)', async () => {
    const r = await crosstalk(['tail', 'job.*', '--bus', 'http://x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/crosstalk tail: INVALID_OPTION: invalid bus URL "http:\/\/x"/);
  });
});

describe('crosstalk publish --bus', () => {
  it('reaches a process following the bus; --persistent also keeps the events in JetStream', async () => {
    const tail = await startUntil(['tail', 'shell.*', '--bus', server.url, '--json', '--count', '2'], 'crosstalk tail: following');
    const { nc, jsm } = await raw(server.url);
    try {
      const before = (await jsm.streams.info('CROSSTALK')).state.messages;
      const one = await crosstalk(['publish', 'shell.note', '{"n": 1}', '--bus', server.url]);
      expect(one.code, one.stderr).toBe(0);
      expect(one.stderr).toBe(`published 1 event to ${server.url}\n`);
      const kept = await crosstalk(['publish', 'shell.kept', '-', '--bus', server.url, '--persistent'], { stdin: '{"n": 2}\n' });
      expect(kept.code, kept.stderr).toBe(0);
      expect(await tail.exited).toBe(0);
      const got = tail.stdout().trim().split('\n').map((l) => JSON.parse(l) as { id: string; event_type: string; data: unknown });
      expect(got.map((e) => [e.event_type, e.data])).toEqual([
        ['shell.note', { n: 1 }],
        ['shell.kept', { n: 2 }],
      ]);
      expect(got.map((e) => e.id)).toEqual([one.stdout.trim(), kept.stdout.trim()]);
      expect((await jsm.streams.info('CROSSTALK')).state.messages - before).toBe(1);
    } finally {
      stopChild(tail.child);
      await nc.close();
    }
  });

  it('an unreachable server is BUS_UNAVAILABLE (exit 1)', async () => {
    const gone = await startNatsServer();
    await gone.stop();
    const r = await crosstalk(['publish', 'shell.note', '1', '--bus', gone.url]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^crosstalk publish: BUS_UNAVAILABLE: cannot connect/);
  });
});

describe('crosstalk replay --bus', () => {
  it('re-publishes into a running process; the checkpoint moves past what was delivered, and only that', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'crosstalk-replay-bus-'));
    const db = path.join(dir, 'events.db');
    try {
      const s = new SqliteStore(db, { sweepIntervalMs: 0 });
      const mk = new EventMaker();
      for (let i = 1; i <= 3; i++) s.append(mk.make('order.placed', { i }));
      await s.close();

      const tail = await startUntil(['tail', 'order.*', '--bus', server.url, '--json', '--count', '3'], 'crosstalk tail: following');
      try {
        const r = await crosstalk(['replay', '--store', db, '-t', 'order.*', '--speed', '0', '--checkpoint', 'nightly', '--bus', server.url, '--format', 'jsonl']);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).toBe(`replayed 3 events to ${server.url} (checkpoint nightly)\n`);
        expect(await tail.exited).toBe(0);
        const got = tail.stdout().trim().split('\n').map((l) => JSON.parse(l) as { data: unknown; metadata: { replay: { original_sequence: number } } });
        expect(got.map((e) => [e.data, e.metadata.replay.original_sequence])).toEqual([
          [{ i: 1 }, 1],
          [{ i: 2 }, 2],
          [{ i: 3 }, 3],
        ]);
      } finally {
        stopChild(tail.child);
      }
      const again = await crosstalk(['replay', '--store', db, '--speed', '0', '--checkpoint', 'nightly', '--bus', server.url]);
      expect(again.stderr).toBe(`replayed 0 events to ${server.url} (checkpoint nightly)\n`);

      // two more events, and a server that is gone: nothing is delivered, so the checkpoint stays
      const w = new SqliteStore(db, { sweepIntervalMs: 0 });
      const mk2 = new EventMaker(w.lastSequence());
      for (let i = 4; i <= 5; i++) w.append(mk2.make('order.placed', { i }));
      await w.close();
      const gone = await startNatsServer();
      await gone.stop();
      const failed = await crosstalk(['replay', '--store', db, '--speed', '0', '--checkpoint', 'nightly', '--bus', gone.url]);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/^crosstalk replay: BUS_UNAVAILABLE: cannot connect/);
      const r = new SqliteStore(db, { readonly: true, sweepIntervalMs: 0 });
      expect(await r.getCheckpoint('nightly')).toBe(3);
      await r.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
