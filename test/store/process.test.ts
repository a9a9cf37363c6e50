/**
 * Across processes: a publishing process killed with SIGKILL loses nothing
 * it had acknowledged (flush resolved) and leaves a sound database; readers
 * in other processes query while a writer writes.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { normalizeQuery } from '../../src/core/query.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { tempDir } from './helpers.js';

const WRITER = join(import.meta.dirname, 'fixtures', 'writer.mjs');
const tmp = tempDir();
afterAll(() => tmp.cleanup());

beforeAll(() => {
  if (!existsSync(join(import.meta.dirname, '..', '..', 'dist', 'store', 'sqlite.js'))) {
    throw new Error('these tests run the built code: run `npx tsc -p tsconfig.json` (npm test does) first');
  }
});

interface Ack {
  acked: string[];
  last: number;
}

/** Starts the writer; `onAck` sees each acknowledged batch; resolves when `enough` returns true. */
function runWriter(path: string, enough: (acks: Ack[]) => boolean | Promise<boolean>, writer?: 'inline' | 'thread') {
  const args = ['--no-node-snapshot', WRITER, path, ...(writer ? ['200', writer] : [])];
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, args, { stdio: 'pipe' });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const acks: Ack[] = [];
  const done = new Promise<Ack[]>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    let stopped = false;
    // lines are handled one at a time, in order; a failed check fails the test
    let chain = Promise.resolve();
    lines.on('line', (line) => {
      chain = chain.then(async () => {
        if (stopped) return;
        acks.push(JSON.parse(line) as Ack);
        try {
          if (await enough(acks)) {
            stopped = true;
            resolve(acks);
          }
        } catch (e) {
          stopped = true;
          child.kill('SIGKILL');
          reject(e);
        }
      });
    });
    child.on('exit', (code, signal) => {
      if (!stopped) reject(new Error(`writer exited early (${code ?? signal}): ${stderr}`));
    });
  });
  return { child, done };
}

describe('crash safety and concurrent readers', () => {
  it.each(['inline', 'thread'] as const)('keeps every acknowledged event after SIGKILL, and the database passes integrity_check (%s writer)', async (writer) => {
    const path = join(tmp.dir, `crash-${writer}.db`);
    const { child, done } = runWriter(path, (acks) => acks.length >= 25, writer);
    const acks = await done;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    const [, signal] = await exited;
    expect(signal).toBe('SIGKILL');

    const db = new Database(path);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const stored = new Set(db.prepare('SELECT id FROM events').pluck().all() as string[]);
    const acked = acks.flatMap((a) => a.acked);
    expect(acked.length).toBeGreaterThanOrEqual(25 * 210);
    expect(acked.filter((id) => !stored.has(id))).toEqual([]);
    // groups commit atomically and in order: the stored sequences have no holes
    const { n, lo, hi } = db.prepare('SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM events').get() as Record<string, number>;
    expect([lo, hi]).toEqual([1, n]);
    expect(hi).toBeGreaterThanOrEqual(acks[acks.length - 1]!.last);
    db.close();

    // a new store on the same file continues the sequence
    const s = new SqliteStore(path, { sweepIntervalMs: 0 });
    expect(s.lastSequence()).toBe(hi);
    await s.close();
  });

  it('serves queries from another process while a writer writes', async () => {
    const path = join(tmp.dir, 'concurrent.db');
    let reader: SqliteStore | null = null;
    let lastCount = 0;
    let polls = 0;
    const { child, done } = runWriter(path, async (acks) => {
      reader ??= new SqliteStore(path, { readonly: true });
      const ackedSoFar = acks.reduce((n, a) => n + a.acked.length, 0);
      const count = await reader.count();
      // everything acknowledged is visible; nothing goes backwards
      expect(count).toBeGreaterThanOrEqual(ackedSoFar);
      expect(count).toBeGreaterThanOrEqual(lastCount);
      lastCount = count;
      const latest = await reader.query(normalizeQuery({ event_type: 'crash.extra', correlation_id: 'c-3', order: 'desc', limit: 5 }));
      expect(latest.every((e) => e.source.correlation_id === 'c-3')).toBe(true);
      const seqs = latest.map((e) => e.sequence);
      expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
      polls++;
      return acks.length >= 15;
    });
    await done;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
    expect(polls).toBeGreaterThanOrEqual(15);
    expect(lastCount).toBeGreaterThan(0);
    await reader!.close();
  });
});
