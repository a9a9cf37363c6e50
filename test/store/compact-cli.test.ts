/**
 * `crosstalk compact` (sweep with the --config retention policies, vacuum,
 * WAL truncation; stats then shows what each policy removed) and
 * `crosstalk query --where` with filter expressions, through the real CLI,
 * with their bad inputs: exit 2, one line naming the flag, nothing changed.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UniversalEvent } from '../../src/core/event.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { BIN, crosstalk } from '../setup/cli.js';
import { EventMaker, tempDir } from './helpers.js';

const tmp = tempDir('crosstalk-compact-cli-');
afterAll(() => tmp.cleanup());
const cli = (args: string[]) => crosstalk(args, { cwd: tmp.dir });
const DAY = 86_400_000;

/** 2,000 old debug events (30 days), 10 old audit events, 50 fresh metrics, 5 expired by ttl. */
async function makeDb(name: string): Promise<string> {
  const path = join(tmp.dir, name);
  const s = new SqliteStore(path, { sweepIntervalMs: 0 });
  const mk = new EventMaker();
  const old = Date.now() - 30 * DAY;
  for (let i = 0; i < 2000; i++) s.append(mk.make('debug.trace', { i, pad: 'x'.repeat(200) }, { ts: old + i }));
  for (let i = 0; i < 10; i++) s.append(mk.make('audit.login', { user: `u${i}` }, { ts: old + i }));
  for (let i = 0; i < 50; i++) s.append(mk.make('metric.cpu', { load: i }));
  for (let i = 0; i < 5; i++) s.append(mk.make('session.token', { i }, { ts: Date.now() - 10_000, ttl_seconds: 1 }));
  await s.close();
  return path;
}

function writeConfig(name: string, value: unknown): string {
  const file = join(tmp.dir, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

describe('crosstalk compact', () => {
  let db: string;
  beforeAll(async () => {
    db = await makeDb('events.db');
  });

  it('applies the retention policies of --config, gives the space back, and stats shows each policy', async () => {
    const config = writeConfig('crosstalk.json', { retention: { default: '7d', by_type: { 'audit.**': '7y' } } });
    const before = statSync(db).size;
    const r = await cli(['compact', '--store', db, '--config', config]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^compacted ${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: removed 2005 events \\(`));
    expect(r.stdout).toContain('default 2000');
    expect(r.stdout).toContain('ttl 5');
    expect(r.stdout).toMatch(/; (incremental|full) vacuum, [1-9]\d* pages given back; WAL truncated\n$/);
    expect(statSync(db).size).toBeLessThan(before);

    const stats = await cli(['stats', '--store', db]);
    expect(stats.code).toBe(0);
    expect(stats.stdout).toMatch(/^events {5}60$/m);
    expect(stats.stdout).toMatch(/REMOVED {2}LAST {22}POLICY\n/);
    expect(stats.stdout).toMatch(/^ +2,000 {2}\d{4}-\d\d-\d\dT[\d:.]+Z +default$/m);
    expect(stats.stdout).toMatch(/^ +5 {2}\S+ +ttl$/m);
    const left = JSON.parse((await cli(['query', '--store', db, '--json', '-n', '1000'])).stdout) as UniversalEvent[];
    expect(new Set(left.map((e) => e.event_type))).toEqual(new Set(['audit.login', 'metric.cpu']));
  });

  it('draws a progress bar per phase on a terminal (and none into a pipe)', async () => {
    const target = await makeDb('tty.db');
    const config = writeConfig('tty.json', { retention: { default: '7d' } });
    // `script` gives the command a pseudo-terminal and copies what it wrote
    const command = [process.execPath, '--no-node-snapshot', BIN, 'compact', '--store', target, '--config', config].map((w) => `'${w}'`).join(' ');
    const shown = await new Promise<string>((resolve, reject) =>
      execFile('script', ['-qec', command, '/dev/null'], { cwd: tmp.dir, timeout: 30_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
    expect(shown).toMatch(/\rcompact: sweep \d+ \d+\/s/);
    expect(shown).toMatch(/\rcompact: vacuum \(pages\) \[#+\] 100% (\d+)\/\1 /);
    expect(shown).toMatch(/\rcompact: WAL checkpoint \[#+\] 100% 1\/1 /);
    expect(shown).toContain('compacted ');
  });

  it('--json gives the report; without --config only expiry applies', async () => {
    const other = await makeDb('expiry-only.db');
    const r = await cli(['compact', '--store', other, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ store: other, removed: { ttl: 5 }, wal_truncated: true });
    expect((JSON.parse((await cli(['stats', '--store', other, '--json'])).stdout) as { count: number }).count).toBe(2060);
  });

  it.each([
    [['--config', 'missing.json'], 'INVALID_OPTION', /--config missing\.json: cannot read it: no such file/],
    [['--config', 'not-json.json'], 'INVALID_OPTION', /--config not-json\.json: not JSON/],
    [['--config', 'bad-age.json'], 'INVALID_OPTION', /retention\.by_type\["audit\.\*\*"\]/],
    [['--config', 'bad-key.json'], 'INVALID_OPTION', /unknown configuration key "retain"/],
    [['--bus', 'nats://127.0.0.1:9'], 'INVALID_OPTION', /--store and --bus name two places to compact: give one/],
    [['--bus', 'http://x'], 'INVALID_OPTION', /invalid bus URL "http:\/\/x"/],
    [['--confg', 'x.json'], 'INVALID_OPTION', /unknown flag --confg; did you mean --config\?/],
  ])('refuses %j: exit 2, one line, the database untouched', async (flags, code, message) => {
    writeConfig('not-json.json', '{"retention": ');
    writeConfig('bad-age.json', { retention: { by_type: { 'audit.**': 'seven years' } } });
    writeConfig('bad-key.json', { retain: {} });
    const target = await makeDb(`untouched-${flags[0]!.slice(2)}-${flags[1]!.replace(/\W/g, '')}.db`);
    const before = readFileSync(target);
    const r = await cli(['compact', '--store', target, ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`crosstalk compact: ${code}: `);
    expect(r.stderr).toMatch(message);
    expect(readFileSync(target).equals(before)).toBe(true);
    expect(existsSync(`${target}-wal`)).toBe(false);
  });

  it('a --bus with --config, a missing or a memory store is refused, and no file appears', async () => {
    const [withConfig, missing, memory] = await Promise.all([
      cli(['compact', '--bus', 'nats://127.0.0.1:9', '--config', 'crosstalk.json']),
      cli(['compact', '--store', 'nope.db']),
      cli(['compact', '--store', 'memory']),
    ]);
    expect([withConfig.code, withConfig.stderr]).toEqual([2, expect.stringMatching(/--config holds retention policies for a store; a stream keeps its own limits/)]);
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringMatching(/STORE_UNAVAILABLE: no store at nope\.db/)]);
    expect(existsSync(join(tmp.dir, 'nope.db'))).toBe(false);
    expect([memory.code, memory.stderr]).toEqual([2, expect.stringMatching(/--store memory is empty in a new process/)]);
  });
});

describe('crosstalk query --where with filter expressions', () => {
  let db: string;
  beforeAll(async () => {
    db = join(tmp.dir, 'pipeline.db');
    const s = new SqliteStore(db, { sweepIntervalMs: 0 });
    const mk = new EventMaker();
    s.append(mk.make('pipeline.stage.completed', { stage: 'extract', duration: 1250, message: 'ok' }));
    s.append(mk.make('pipeline.stage.failed', { stage: 'load', duration: 30, message: 'upstream timeout' }));
    s.append(mk.make('pipeline.stage.failed', { stage: 'index', duration: 4000, message: 'timeout after 3 tries' }));
    s.append(mk.make('hook.failed', { stage: 'hook', duration: 5, message: 'timeout' }, { component: 'critical' }));
    s.append(mk.make('pipeline.stage.failed', { stage: 'ship', duration: 9, message: 'timeout' }, { component: 'critical' }));
    await s.close();
  });
  const stages = (stdout: string) => (JSON.parse(stdout) as UniversalEvent[]).map((e) => (e.data as { stage: string }).stage);

  it("answers the issue's expression, alone and split over several --where (all must hold)", async () => {
    const [one, split, short] = await Promise.all([
      cli(['query', '--store', db, '--json', '--where', "type LIKE 'pipeline.**' AND (data.duration > 1000 OR source = 'critical') AND data.message CONTAINS 'timeout'"]),
      cli(['query', '--store', db, '--json', '-w', "type LIKE 'pipeline.**'", '-w', "data.duration > 1000 OR source = 'critical'", '-w', "data.message CONTAINS 'timeout'"]),
      // the short forms still read as before: an unquoted value, the word operators
      cli(['query', '--store', db, '--json', '-w', 'data.message contains timeout', '-w', 'data.stage=index']),
    ]);
    expect(one.code, one.stderr).toBe(0);
    expect(stages(one.stdout)).toEqual(['index', 'ship']);
    expect(stages(split.stdout)).toEqual(['index', 'ship']);
    expect(stages(short.stdout)).toEqual(['index']);
  });

  it('two bounds on one path in two --where are a range now', async () => {
    const r = await cli(['query', '--store', db, '--json', '-w', 'data.duration > 10', '-w', 'data.duration < 2000']);
    expect(stages(r.stdout)).toEqual(['extract', 'load']);
  });

  it.each([
    ["data.duration > AND type = 'x'", /--where "data\.duration > AND type = 'x'": expected a value after '>', got 'AND' .* at column 17$/m, 17],
    ["(type LIKE 'a.*'", /unbalanced|expected '\)'/, undefined],
    ["data.message CONTAINS 'timeout", /unterminated string \(no closing '\) at column 23/, 23],
    ['nonsense.path = 1', /nonsense/, undefined],
  ])('refuses %j with INVALID_QUERY naming --where and the column', async (where, message, column) => {
    const [text, json] = await Promise.all([cli(['query', '--store', db, '--where', where]), cli(['query', '--store', db, '--json', '--where', where])]);
    expect(text.code).toBe(2);
    expect(text.stdout).toBe('');
    expect(text.stderr).toMatch(/^crosstalk query: INVALID_QUERY: --where /);
    expect(text.stderr).toMatch(message);
    const err = (JSON.parse(json.stderr) as { error: { code: string; option: string; column?: number } }).error;
    expect(err).toMatchObject({ code: 'INVALID_QUERY', option: 'where' });
    if (column !== undefined) expect(err.column).toBe(column);
  });
});
