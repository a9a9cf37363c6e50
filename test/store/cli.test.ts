/**
 * The store commands end to end, in child processes running the built code:
 * query (every format and flag), stats, export (JSON Lines, CSV, Parquet
 * read back), replay with a checkpoint, tail following new events, and a
 * query from another process while a writer writes.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UniversalEvent } from '../../src/core/event.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { EventMaker, tempDir } from './helpers.js';

const ROOT = join(import.meta.dirname, '..', '..');
// the real entry point once it registers these commands; until then a parser of our own
const MAIN = join(ROOT, 'dist', 'cli', 'main.js');
const HARNESS = join(import.meta.dirname, 'fixtures', 'cli.mjs');
const tmp = tempDir();
const db = join(tmp.dir, 'events.db');
const STORE = `sqlite:${db}`;
const T0 = Date.parse('2026-11-22T10:00:00Z');
let events: UniversalEvent[] = [];

function cliEntry(): string {
  if (existsSync(MAIN) && readFileSync(MAIN, 'utf8').includes('queryCommand')) return MAIN;
  return HARNESS;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], onLine?: (line: string) => void): Promise<Run> {
  const child = spawn(process.execPath, ['--no-node-snapshot', cliEntry(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.on('data', (d) => (stderr += d));
  if (onLine) createInterface({ input: child.stdout }).on('line', (l) => ((stdout += `${l}\n`), onLine(l)));
  else child.stdout.on('data', (d) => (stdout += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const jsonl = (s: string) => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as UniversalEvent);

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'commands', 'query.js'))) throw new Error('run `npx tsc -p tsconfig.json` first');
  const s = new SqliteStore(db, { sweepIntervalMs: 0 });
  const mk = new EventMaker();
  for (let i = 0; i < 40; i++) {
    const e = mk.make(i % 4 === 0 ? 'agent.started' : 'order.created', { amount: i * 50, note: 'comma, "quote"\nline', tags: i % 2 ? ['vip'] : [] }, {
      ts: T0 + i * 60_000,
      component: i % 2 ? 'pay.lua' : 'ship.js',
      ...(i % 10 === 0 ? { correlation_id: `req-${i}` } : {}),
    });
    s.append(e);
    events.push(e);
  }
  await s.close();
});
afterAll(() => tmp.cleanup());

describe('crosstalk query', () => {
  it('prints a table by default and JSON, JSON Lines or CSV on request', async () => {
    const table = await cli(['query', '--store', STORE, '-n', '3']);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/SEQ\s+TIME\s+TYPE\s+SOURCE\s+CORRELATION\s+DATA/);
    expect(lines.slice(1).map((l) => l.trim().split(/\s+/)[0])).toEqual(['1', '2', '3']);

    const json = await cli(['query', '--store', STORE, '--json', '-t', 'agent.*', '--order', 'desc', '-n', '2']);
    expect((JSON.parse(json.stdout) as UniversalEvent[]).map((e) => e.sequence)).toEqual([37, 33]);

    const lined = await cli(['query', '--store', STORE, '-f', 'jsonl', '--where', 'data.amount>=1500', '--where', 'data.tags contains vip']);
    expect(jsonl(lined.stdout)).toEqual(events.filter((e) => (e.data as { amount: number }).amount >= 1500 && e.sequence % 2 === 0));

    const csv = await cli(['query', '--store', STORE, '-f', 'csv', '-c', 'req-10']);
    expect(csv.stdout).toBe(
      'sequence,id,timestamp,event_type,component,instance_id,language,correlation_id,priority,ttl_seconds,data,metadata\n' +
        `11,${events[10]!.id},2026-11-22T10:10:00.000Z,order.created,ship.js,i-1,host,req-10,normal,,` +
        `"{""amount"":500,""note"":""comma, \\""quote\\""\\nline"",""tags"":[]}",{}\n`,
    );
  });

  it('takes every query field as a flag', async () => {
    const r = await cli([
      'query', '--store', STORE, '--json', '-t', 'order.*', '--since', '2026-11-22T10:05:00Z', '--until', String(T0 + 20 * 60_000),
      '--source', 'pay.lua', '--after', '8', '--limit', '3', '--filter', '{"data.amount": {"op": "<", "value": 900}}',
    ]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as UniversalEvent[]).map((e) => e.sequence)).toEqual([10, 12, 14]);
  });

  it('fails with a one-line message and exit status 2 for a bad query, 1 for a missing store', async () => {
    const [bad, op, time, twice, missing] = await Promise.all([
      cli(['query', '--store', STORE, '--where', 'data.amount>>1']),
      cli(['query', '--store', STORE, '--where', 'data.amount between 1']),
      cli(['query', '--store', STORE, '--since', 'last tuesday', '--json']),
      cli(['query', '--store', STORE, '-w', 'data.x=a', '-w', 'data.x=b']),
      cli(['query', '--store', `sqlite:${join(tmp.dir, 'nope.db')}`]),
    ]);
    expect(bad.code).toBe(0); // `>` then the string ">1": a valid (empty) query
    expect(op.code).toBe(2);
    expect(op.stderr).toMatch(/^crosstalk query: INVALID_QUERY: --where "data.amount between 1"/);
    expect(time.code).toBe(2);
    expect(JSON.parse(time.stderr)).toMatchObject({ error: { code: 'INVALID_QUERY', option: 'start_time' } });
    expect(twice.stderr).toContain('one condition per path');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('STORE_UNAVAILABLE');
    expect(existsSync(join(tmp.dir, 'nope.db'))).toBe(false);
  });
});

describe('crosstalk stats and export', () => {
  it('stats counts by type', async () => {
    const r = await cli(['stats', '--store', STORE, '--json']);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ kind: 'sqlite', count: 40, first_sequence: 1, last_sequence: 40 });
    expect(s.by_type.map((t: { event_type: string; count: number }) => [t.event_type, t.count])).toEqual([['order.created', 30], ['agent.started', 10]]);
    const text = await cli(['stats', '--store', STORE]);
    expect(text.stdout).toMatch(/events\s+40/);
    expect(text.stdout).toMatch(/30\s+0\s+order\.created/);
  });

  it('exports JSON Lines, CSV and Parquet', async () => {
    const out = (f: string) => join(tmp.dir, f);
    const [a, b, c] = await Promise.all([
      cli(['export', '--store', STORE, '--format', 'jsonl', '--out', out('e.jsonl'), '-t', 'order.**']),
      cli(['export', '--store', STORE, '--format', 'csv', '--out', out('e.csv'), '--limit', '7']),
      cli(['export', '--store', STORE, '--format', 'parquet', '--out', out('e.parquet')]),
    ]);
    for (const r of [a, b, c]) expect(r.code, r.stderr).toBe(0);
    expect(a.stderr).toContain('exported 30 events');
    expect(jsonl(readFileSync(out('e.jsonl'), 'utf8'))).toEqual(events.filter((e) => e.event_type === 'order.created'));
    const csv = readFileSync(out('e.csv'), 'utf8');
    expect(csv.startsWith('sequence,id,timestamp,')).toBe(true);
    // data is a JSON cell, so the note's line break stays escaped: one line per record
    expect(csv.trim().split('\n').length).toBe(1 + 7);
    const buf = readFileSync(out('e.parquet'));
    const rows = (await parquetReadObjects({ file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) })) as Record<string, unknown>[];
    expect(rows.length).toBe(40);
    expect(rows[10]).toMatchObject({
      sequence: 11n,
      id: events[10]!.id,
      event_type: 'order.created',
      component: 'ship.js',
      correlation_id: 'req-10',
      data: events[10]!.data,
      metadata: {},
    });
    expect((rows[10]!.timestamp as Date).toISOString()).toBe(events[10]!.timestamp);
    const toStdout = await cli(['export', '--store', STORE, '--format', 'parquet']);
    expect(toStdout.code).toBe(2);
  });
});

describe('crosstalk query beside a writing process', () => {
  it('answers while another process publishes and flushes', async () => {
    const path = join(tmp.dir, 'busy.db');
    const writer = spawn(process.execPath, ['--no-node-snapshot', join(import.meta.dirname, 'fixtures', 'writer.mjs'), path], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let acked = 0;
    // wait for three acknowledged batches, then query in the middle of the next ones
    await new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: writer.stdout });
      lines.on('line', (l) => {
        acked += (JSON.parse(l) as { acked: string[] }).acked.length;
        if (acked >= 3 * 210) {
          lines.close();
          resolve();
        }
      });
      writer.on('exit', (code) => reject(new Error(`writer exited (${code})`)));
    });
    const [q, st] = await Promise.all([
      cli(['query', '--store', `sqlite:${path}`, '--json', '-t', 'crash.*', '--order', 'desc', '-n', '3']),
      cli(['stats', '--store', `sqlite:${path}`, '--json']),
    ]);
    writer.kill('SIGKILL');
    expect(q.code, q.stderr).toBe(0);
    const got = JSON.parse(q.stdout) as UniversalEvent[];
    expect(got.length).toBe(3);
    expect(got[0]!.sequence).toBeGreaterThanOrEqual(acked);
    expect(st.code, st.stderr).toBe(0);
    expect(JSON.parse(st.stdout).count).toBeGreaterThanOrEqual(acked);
  });
});

describe('crosstalk replay and tail', () => {
  it('replay without --bus prints what it would publish, says so, and publishes nothing', async () => {
    const r = await cli(['replay', '--store', STORE, '-t', 'agent.started', '--speed', '0', '--json', '--limit', '4']);
    expect(r.code, r.stderr).toBe(0);
    const copies = jsonl(r.stdout);
    expect(copies.map((e) => (e.metadata.replay as { original_sequence: number }).original_sequence)).toEqual([1, 5, 9, 13]);
    expect(copies[0]!.data).toEqual(events[0]!.data);
    expect(r.stderr).toBe('crosstalk replay: no --bus: printing the events a replay would publish; nothing is published\nwould replay 4 events\n');
  });

  it('tail prints the last N, then follows newly stored events', async () => {
    const last = await cli(['tail', 'agent.*', '--store', STORE, '-n', '2', '--count', '2', '--json']);
    expect(jsonl(last.stdout).map((e) => e.sequence)).toEqual([33, 37]);

    const writer = new SqliteStore(db, { sweepIntervalMs: 0 });
    const mk = new EventMaker(writer.lastSequence());
    const got: number[] = [];
    // start after the current end; events appear only once the tail runs
    const tail = cli(['tail', 'late.*', '--store', STORE, '--after', String(writer.lastSequence()), '--count', '3', '--interval', '20', '--json'], (l) =>
      got.push(JSON.parse(l).data),
    );
    for (const i of [1, 2]) writer.append(mk.make('late.one', i));
    writer.append(mk.make('other', 0));
    await writer.flush();
    writer.append(mk.make('late.two', 3));
    await writer.flush();
    const r = await tail;
    expect(r.code, r.stderr).toBe(0);
    expect(got).toEqual([1, 2, 3]);
    await writer.close();
  });
});
