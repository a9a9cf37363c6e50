/**
 * `crosstalk publish` into a database, through the real CLI: one event with
 * every flag, JSON Lines on stdin in both forms, all-or-nothing on a bad
 * line, and the one-writer rule (a database another process writes is
 * refused, and that process is not disturbed). Publishing into running
 * processes (`--bus`) is tested with a real nats-server in
 * test/transport/cli.test.ts.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UniversalEvent } from '../../src/core/event.js';
import { BIN, crosstalk, ROOT } from '../setup/cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'crosstalk-publish-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[], stdin?: string) => crosstalk(args, { cwd: dir, ...(stdin !== undefined ? { stdin } : {}) });
const stored = async (db: string) => {
  const r = await cli(['query', '--store', db, '--format', 'jsonl', '-n', '10000']);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as UniversalEvent);
};

describe('crosstalk publish --store', () => {
  it('stores one event with the flags as its fields and prints its id', async () => {
    const r = await cli([
      'publish', 'order.paid', '{"order": 42, "amount": 99.5}', '--store', 'one.db', '--ttl', '3600', '--correlation-id', 'req-7', '--priority', 'high',
      '--metadata', '{"by": "shell"}',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('published 1 event to one.db\n');
    const [e] = await stored('one.db');
    expect(r.stdout).toBe(`${e!.id}\n`);
    expect(e).toMatchObject({
      event_type: 'order.paid',
      data: { order: 42, amount: 99.5 },
      priority: 'high',
      ttl_seconds: 3600,
      metadata: { by: 'shell' },
      source: { component: 'crosstalk-publish', language: 'host', correlation_id: 'req-7' },
    });
    // without DATA the data is null; --persistent is what --store implies anyway; --json prints id and type
    const bare = await cli(['publish', 'order.empty', '--store', 'one.db', '--persistent', '--json']);
    expect(bare.code, bare.stderr).toBe(0);
    const line = JSON.parse(bare.stdout) as { id: string; event_type: string };
    expect(line.event_type).toBe('order.empty');
    const all = await stored('one.db');
    expect(all.map((x) => [x.id, x.data, x.sequence])).toEqual([
      [e!.id, { order: 42, amount: 99.5 }, 1],
      [line.id, null, 2],
    ]);
  });

  it('- as TYPE reads one event per line, in the table form of publish', async () => {
    const stdin = [
      '{"event_type": "job.queued", "data": {"n": 1}}',
      '',
      '{"event_type": "job.queued", "data": {"n": 2}, "priority": "low", "correlation_id": "c-2", "metadata": {"k": 1}}',
      '{"event_type": "job.done"}',
    ].join('\n');
    const r = await cli(['publish', '-', '--store', 'lines.db', '--priority', 'critical'], stdin);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(3);
    const events = await stored('lines.db');
    expect(events.map((e) => [e.event_type, e.data, e.priority, e.source.correlation_id ?? null])).toEqual([
      ['job.queued', { n: 1 }, 'critical', null],
      ['job.queued', { n: 2 }, 'low', 'c-2'],
      ['job.done', null, 'critical', null],
    ]);
  });

  it('- as DATA reads one data value per line, all of TYPE', async () => {
    const r = await cli(['publish', 'reading.taken', '-', '--store', 'data.db'], '{"v": 1}\n2\n"three"\nnull\n[4]\n');
    expect(r.code, r.stderr).toBe(0);
    expect((await stored('data.db')).map((e) => e.data)).toEqual([{ v: 1 }, 2, 'three', null, [4]]);
  });

  it.each([
    ['a line that is not JSON', ['-'], '{"event_type": "a.b"}\n{nope\n', /INVALID_DATA: stdin line 2 is not JSON/],
    ['a line with a bad type', ['-'], '{"event_type": "a.b"}\n{"event_type": "a b"}\n', /INVALID_EVENT_TYPE: stdin line 2: .*\(nothing was published\)/],
    ['a line with an unknown field', ['-'], '{"event_type": "a.b", "dta": 1}\n', /INVALID_OPTION: stdin line 1: unknown field "dta"/],
    ['a line that is not an object', ['-'], '{"event_type": "a.b"}\n[1, 2]\n', /INVALID_DATA: stdin line 2: an event must be a JSON object/],
    ['a data line that is not JSON', ['x.y', '-'], '1\n2\nthree\n', /INVALID_DATA: stdin line 3 is not JSON: .*\(text must be quoted: '"three"'\)/],
    ['data too deep', ['x.y', '-'], `1\n${'['.repeat(70)}${']'.repeat(70)}\n`, /INVALID_DATA: stdin line 2: .*depth|INVALID_DATA: stdin line 2/],
    ['nothing at all', ['-'], '\n\n', /stdin held no events/],
    ['"persistent": false with only a store', ['-'], '{"event_type": "a.b", "persistent": false}\n', /stdin line 1: "persistent": false with --store only reaches nobody/],
  ])('refuses %s, publishing nothing', async (_name, args, stdin, message) => {
    const db = `bad-${Math.random().toString(36).slice(2)}.db`;
    const r = await cli(['publish', ...args, '--store', db], stdin);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(existsSync(path.join(dir, db))).toBe(false);
  });

  it('refuses a database another process is writing, and leaves that process undisturbed', async () => {
    const db = path.join(dir, 'busy.db');
    // a run that stores, then waits for a signal to go on
    const run = spawn(process.execPath, ['--no-node-snapshot', BIN, 'run', '--store', `sqlite:${db}`, 'test/fixtures/run/wait.lua'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => run.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve) => createInterface({ input: run.stdout }).on('line', (l) => l.includes('waiting') && resolve()));
    const r = await cli(['publish', 'x.y', '1', '--store', db]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^crosstalk publish: STORE_UNAVAILABLE: .*busy\\.db is being written by process ${run.pid}: a database has one writer`));
    run.kill('SIGINT');
    expect(await exited).toBe(130);
    // once it has gone, the database takes a writer again
    const after = await cli(['publish', 'x.y', '1', '--store', db]);
    expect(after.code, after.stderr).toBe(0);
  });
});
