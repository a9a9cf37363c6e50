/**
 * `--store` as users type it: a plain file path is a SQLite database; a
 * directory, an unreadable file and a file that is not a database are each
 * STORE_UNAVAILABLE naming the cause; a database has one writing process
 * (writer-lock.ts), a dead one's lock is taken over.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CrosstalkError } from '../../src/core/errors.js';
import { openStore, parseStoreSpec } from '../../src/store/open.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { lockPathOf } from '../../src/store/writer-lock.js';
import { BIN } from '../setup/cli.js';
import { EventMaker, tempDir } from './helpers.js';

const tmp = tempDir('crosstalk-open-');
afterAll(() => tmp.cleanup());

function failure(fn: () => unknown): CrosstalkError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CrosstalkError);
    return e as CrosstalkError;
  }
  throw new Error('expected a CrosstalkError');
}

describe('store specs', () => {
  it.each([
    ['events.db', 'events.db'],
    ['./data/x.sqlite', './data/x.sqlite'],
    ['x.SQLITE3', 'x.SQLITE3'],
    ['/var/lib/app/events', '/var/lib/app/events'],
    ['sqlite:plain', 'plain'],
  ])('%s is a SQLite file', (spec, path) => {
    expect(parseStoreSpec(spec)).toEqual({ kind: 'sqlite', path });
  });

  it.each([['memroy'], ['events'], ['postgres://db/x'], [''], ['  ']])('%j is refused, saying what a store is', (spec) => {
    const e = failure(() => parseStoreSpec(spec));
    expect(e.code).toBe('INVALID_OPTION');
    expect(e.message).toMatch(/store must be "sqlite:PATH", "memory" or a file path such as \.\/events\.db/);
  });

  it('opens a plain path as SQLite', async () => {
    const s = openStore(join(tmp.dir, 'plain.db'));
    expect(s.kind).toBe('sqlite');
    await s.close();
    expect(existsSync(join(tmp.dir, 'plain.db'))).toBe(true);
  });
});

describe('what cannot be opened says why', () => {
  it('a directory', () => {
    mkdirSync(join(tmp.dir, 'dir.db'));
    for (const readonly of [false, true]) {
      const e = failure(() => new SqliteStore(join(tmp.dir, 'dir.db'), { readonly, sweepIntervalMs: 0 }));
      expect(e.code).toBe('STORE_UNAVAILABLE');
      expect(e.message).toMatch(/dir\.db: it is a directory, not a database file/);
    }
  });

  it('a file that is not a database', () => {
    writeFileSync(join(tmp.dir, 'notes.db'), 'these are my notes, not a database '.repeat(20));
    for (const readonly of [false, true]) {
      const e = failure(() => new SqliteStore(join(tmp.dir, 'notes.db'), { readonly, sweepIntervalMs: 0 }));
      expect(e.code).toBe('STORE_UNAVAILABLE');
      expect(e.message).toMatch(/notes\.db: the file is not a SQLite database/);
    }
    expect(readFileSync(join(tmp.dir, 'notes.db'), 'utf8')).toMatch(/^these are my notes/);
  });

  it('a file this user cannot read (through the CLI)', async () => {
    const db = join(tmp.dir, 'secret.db');
    const s = new SqliteStore(db, { sweepIntervalMs: 0 });
    s.append(new EventMaker().make('a.b', 1));
    await s.close();
    chmodSync(db, 0o000);
    chmodSync(tmp.dir, 0o755);
    // root reads everything: run the CLI as nobody then
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const r = spawnSync(process.execPath, ['--no-node-snapshot', BIN, 'query', '--store', db], { encoding: 'utf8', ...asNobody });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^crosstalk query: STORE_UNAVAILABLE: cannot open SQLite store .*secret\.db: permission denied/);
  });
});

describe('one writing process per database', () => {
  it('a second store in the same process shares the lock; closing the last releases it', async () => {
    const db = join(tmp.dir, 'shared.db');
    const a = new SqliteStore(db, { sweepIntervalMs: 0 });
    const b = new SqliteStore(db, { sweepIntervalMs: 0, writer: 'inline' });
    expect(readFileSync(lockPathOf(db), 'utf8')).toBe(`${process.pid}\n${hostname()}\n`);
    await a.close();
    expect(existsSync(lockPathOf(db))).toBe(true);
    await b.close();
    expect(existsSync(lockPathOf(db))).toBe(false);
  });

  it('a live process holding the lock keeps writers out (readers are welcome)', async () => {
    const db = join(tmp.dir, 'held.db');
    await new SqliteStore(db, { sweepIntervalMs: 0 }).close();
    const other = spawn('sleep', ['30']);
    try {
      writeFileSync(lockPathOf(db), `${other.pid}\n${hostname()}\n`);
      const e = failure(() => new SqliteStore(db, { sweepIntervalMs: 0 }));
      expect(e.code).toBe('STORE_UNAVAILABLE');
      expect(e.message).toContain(`held.db is being written by process ${other.pid}: a database has one writer`);
      const reader = new SqliteStore(db, { readonly: true, sweepIntervalMs: 0 });
      await reader.close();
      expect(readFileSync(lockPathOf(db), 'utf8')).toBe(`${other.pid}\n${hostname()}\n`);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it("a dead process's lock is taken over", async () => {
    const db = join(tmp.dir, 'orphan.db');
    const gone = spawn('true');
    await new Promise((resolve) => gone.on('exit', resolve));
    writeFileSync(lockPathOf(db), `${gone.pid}\n${hostname()}\n`);
    const s = new SqliteStore(db, { sweepIntervalMs: 0 });
    expect(readFileSync(lockPathOf(db), 'utf8')).toBe(`${process.pid}\n${hostname()}\n`);
    await s.close();
    expect(existsSync(lockPathOf(db))).toBe(false);
  });
});
