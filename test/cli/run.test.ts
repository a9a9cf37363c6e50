/**
 * `crosstalk run` through the real CLI: bin/crosstalk.js on the built dist/
 * (`npm test` builds first), on the scripts in test/fixtures/run.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, crosstalk, ROOT } from '../setup/cli.js';

const fx = (name: string) => path.join('test/fixtures/run', name);



beforeAll(() => {
  if (!existsSync(path.join(ROOT, 'dist/cli/main.js'))) throw new Error('dist/ is missing: build first (npx tsc -p tsconfig.json)');
});

describe('crosstalk run', () => {
  it('runs scripts together on one bus and exits 0', async () => {
    const r = await crosstalk(['run', fx('producer.lua'), fx('consumer.lua')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual(expect.arrayContaining(['[producer.lua] sent 3', '[consumer.lua] sum\t6\t😀']));
  });

  it('names the script, line, code and traceback of a failure, exits 1, and lets the others finish', async () => {
    const r = await crosstalk(['run', fx('fail.lua'), fx('producer.lua'), fx('consumer.lua')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('fail.lua:4: SCRIPT_ERROR: boom 1\n');
    expect(r.stderr).toMatch(/fail\.lua:4: in (local|upvalue) 'explode'/);
    expect(r.stderr).toContain('fail.lua:6: in main chunk');
    expect(r.stderr).toContain('crosstalk run: 1 of 3 scripts failed');
    expect(r.stdout).toContain('[consumer.lua] sum\t6');
  });

  it('reports an uncaught bus error with its code and the line of the call; prints one script’s output as is', async () => {
    const r = await crosstalk(['run', fx('bad_type.lua')]);
    expect(r.stdout).toBe('before\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^bad_type\.lua:4: INVALID_EVENT_TYPE: invalid event_type "not valid!"/);
  });

  it('--cpu-limit (or its other name --timeout) stops a busy script with SCRIPT_TIMEOUT', async () => {
    const t0 = Date.now();
    const r = await crosstalk(['run', '--timeout', '200', fx('spin.lua')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^spin\.lua:2: SCRIPT_TIMEOUT: spin\.lua ran \d+ ms of CPU without waiting; its CPU limit is 200 ms/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('--json prints output, a result per script and a summary as JSON Lines', async () => {
    const r = await crosstalk(['run', '--json', fx('producer.lua'), fx('consumer.lua'), fx('fail.lua')]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual({ type: 'output', script: 'consumer.lua', stream: 'stdout', text: 'sum\t6\t😀' });
    const fail = lines.find((l) => l.type === 'result' && l.script === 'fail.lua')!;
    expect(fail).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR', message: 'boom 1', line: 4 } });
    expect((fail.error as { traceback: string }).traceback).toContain('fail.lua:6');
    expect(lines.find((l) => l.type === 'result' && l.script === 'producer.lua')).toMatchObject({ ok: true });
    expect(lines.at(-1)).toEqual({ type: 'summary', ok: false, scripts: 3, failed: 1, interrupted: false });
  });

  it('--store memory lets scripts persist and query; without a store persisting fails', async () => {
    const withStore = await crosstalk(['run', '--store', 'memory', fx('persist.lua')]);
    expect(withStore.code).toBe(0);
    expect(withStore.stdout).toBe('stored\t2\t1\t2\n');
    const without = await crosstalk(['run', fx('persist.lua')]);
    expect(without.code).toBe(1);
    expect(without.stderr).toMatch(/^persist\.lua:2: STORE_UNAVAILABLE: /);
  });

  it.each([
    [['run', '--timeout', '-1', 'x.lua'], /--cpu-limit to be a number of milliseconds >= 0.*got -1/],
    [['run', '--cpu-limit', 'soon', 'x.lua'], /--cpu-limit must be a number, got "soon"/],
    [['run', '--timeout', '5', '--cpu-limit', '6', fx('spin.lua')], /--cpu-limit was given 2 times \(5, 6\); give it once/],
    [['run', '--deadline', '-5', 'x.lua'], /--deadline to be a number of milliseconds >= 0.*got -5/],
    [['run', '--deadline', 'later', 'x.lua'], /--deadline must be a number, got "later"/],
    [['run', '--memory-limit', '0', fx('spin.lua')], /--memory-limit to be a whole number of MB >= 8, got 0/],
    [['run', fx('missing.lua')], /cannot read test\/fixtures\/run\/missing\.lua: no such file/],
    [['run', fx('notes.txt')], /cannot run test\/fixtures\/run\/notes\.txt: unknown extension; crosstalk runs \.lua, \.js/],
    [['run', 'test/fixtures/run'], /cannot run test\/fixtures\/run: unknown extension/],
    [['run', '--store', 'postgres://x', fx('spin.lua')], /store must be "sqlite:PATH", "memory" or a file path/],
    [['run'], /name at least one script to run/],
    [['run', '--bogus', fx('spin.lua')], /unknown flag --bogus/],
    [['run', '--timout', '100', fx('spin.lua')], /^crosstalk run: INVALID_OPTION: unknown flag --timout; did you mean --timeout\?\n$/],
  ])('rejects bad flags and files with exit 2: %j', async (args, message) => {
    const r = await crosstalk(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('--prefix and --no-prefix choose whether lines carry [script]', async () => {
    const [one, several] = await Promise.all([
      crosstalk(['run', '--prefix', fx('bad_type.lua')]),
      crosstalk(['run', '--no-prefix', fx('producer.lua'), fx('consumer.lua')]),
    ]);
    expect(one.stdout).toBe('[bad_type.lua] before\n');
    expect(several.stdout.split('\n')).toEqual(expect.arrayContaining(['sent 3', 'sum\t6\t😀']));
  });

  it('a Lua script writes filter conditions positionally, {">", 100}, in subscriptions and queries', async () => {
    const r = await crosstalk(['run', '--store', 'memory', fx('positional.lua')]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('150,500,1000\t2\nfalse\tINVALID_QUERY\n');
  });

  it('--help shows the options and examples', async () => {
    const r = await crosstalk(['run', '--help']);
    expect(r.code).toBe(0);
    for (const word of ['--cpu-limit', '--timeout', '--deadline', '--memory-limit', '--store', '--json', 'Examples:', 'crosstalk run pay.lua audit.lua']) {
      expect(r.stdout).toContain(word);
    }
  });

  it('--help prints each example command on one line, so it can be copied', async () => {
    const r = await crosstalk(['run', '--help']);
    const examples = r.stdout.slice(r.stdout.indexOf('Examples:')).split('\n').slice(1).filter((l) => l.trim() !== '');
    expect(examples.length).toBeGreaterThan(5);
    // a line is an example (`  crosstalk run …  what it does`) or its description going on (indented past the commands)
    for (const line of examples) expect(line, 'a wrapped example command').toMatch(/^ {2}crosstalk run |^ {20,}\S/);
  });

  it('works without --no-node-snapshot (the bin re-runs node with it)', async () => {
    const r = await crosstalk(['run', fx('producer.lua'), fx('consumer.lua')], { snapshotFlag: false });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('sum\t6');
  });

  it('Ctrl-C stops the scripts and exits 130', async () => {
    const child = spawn(process.execPath, ['--no-node-snapshot', BIN, 'run', fx('wait.lua')], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (d: Buffer) => {
        stdout += d;
        if (stdout.includes('waiting')) resolve();
      }),
    );
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(130);
    expect(stderr).toContain('wait.lua:3: SCRIPT_ERROR: stopped');
    expect(stderr).toContain('crosstalk run: interrupted');
  });

  it('--persist stores the events whose types match, for crosstalk query to read', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ct-persist-'));
    const store = `sqlite:${path.join(dir, 'events.db')}`;
    const r = await crosstalk(['run', '--store', store, '--persist', 't.num', '--persist', 'never.*', fx('producer.lua'), fx('consumer.lua')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const q = await crosstalk(['query', '--store', store, '--format', 'jsonl']);
    const stored = q.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event_type: string });
    expect(stored.map((e) => e.event_type)).toEqual(['t.num', 't.num', 't.num']);
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    [['--persist', 'order.['], 'INVALID_PATTERN'],
    [['--persist', ''], '--persist needs a value, got an empty string'],
    [['--persist', 'order.**'], '--persist needs a store'],
  ])('refuses %j with exit 2', async (flags, message) => {
    const extra = flags[1] === 'order.**' ? [] : ['--store', 'memory'];
    const r = await crosstalk(['run', ...extra, ...flags, fx('producer.lua')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});
