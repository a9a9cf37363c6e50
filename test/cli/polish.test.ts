/**
 * What every command owes its user at the terminal (README "Command line"):
 * `--help` with examples; no escape codes when the output is not a
 * terminal; a progress bar on long operations only when stderr is one (and
 * not under TERM=dumb, nor, for commands that print their results, when
 * stdout is that terminal); and errors that say what to do.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, crosstalk } from '../setup/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'crosstalk-polish-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ESCAPE = /\x1b|\r/;

/** The commands `crosstalk --help` lists. */
async function commands(): Promise<string[]> {
  const r = await crosstalk(['--help']);
  expect(r.code).toBe(0);
  const listed = r.stdout.slice(r.stdout.indexOf('\nCommands:\n'), r.stdout.indexOf('\nOptions:\n'));
  return [...listed.matchAll(/^ {2}crosstalk (\w+)/gm)].map((m) => m[1]!);
}

/** Runs `shell` (words quoted for sh) under `script`, which gives it a pseudo-terminal; what the terminal showed. */
function onTerminal(shell: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('script', ['-qec', shell, '/dev/null'], { cwd: dir, timeout: 60_000, env: { ...process.env, TERM: 'xterm', ...env } }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    ),
  );
}
const cli = (...words: string[]) => [process.execPath, '--no-node-snapshot', BIN, ...words].map((w) => `'${w}'`).join(' ');

const EVENTS = Array.from({ length: 300 }, (_, i) => JSON.stringify({ event_type: `order.${i % 2 ? 'paid' : 'placed'}`, data: { n: i } })).join('\n') + '\n';

beforeAll(async () => {
  writeFileSync(path.join(dir, 'events.jsonl'), EVENTS);
  const r = await crosstalk(['publish', '-', '--store', 'ev.db'], { cwd: dir, stdin: EVENTS });
  expect(r.code).toBe(0);
});

const COMMANDS = ['run', 'query', 'replay', 'tail', 'export', 'publish', 'stats', 'compact', 'trace', 'analyze', 'dashboard', 'bench', 'types'];

describe('--help', () => {
  it('lists every command, with examples', async () => {
    expect(await commands()).toEqual(COMMANDS);
    const top = await crosstalk(['--help']);
    expect(top.stdout).toMatch(/\nExamples:\n {2}crosstalk run /);
  });

  it.each(COMMANDS)('of crosstalk %s has at least one example of that command, and no escape codes', async (name) => {
    const r = await crosstalk([name, '--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const examples = r.stdout.split('\nExamples:\n')[1];
    expect(examples, `crosstalk ${name} --help has Examples`).toBeDefined();
    expect(examples!.split('\n').filter((l) => l.includes(`crosstalk ${name}`)).length).toBeGreaterThanOrEqual(1);
    expect(r.stdout).not.toMatch(ESCAPE);
  });
});

describe('output into a pipe or a file', () => {
  it.each([
    [['query', '--store', 'ev.db', '-n', '3']],
    [['query', '--store', 'ev.db', '-n', '3', '--format', 'table']],
    [['stats', '--store', 'ev.db']],
    [['export', '--store', 'ev.db', '--out', 'all.csv']],
    [['export', '--store', 'ev.db']],
    [['replay', '--store', 'ev.db', '--speed', '0', '-n', '5']],
    [['trace', 'nope', '--store', 'ev.db']],
    [['analyze', '--store', 'ev.db']],
    [['compact', '--store', 'ev.db']],
    [['types', '--lua']],
    [['query', '--wher', 'x']],
  ])('crosstalk %j writes no escape codes', async (args) => {
    const r = await crosstalk(args, { cwd: dir });
    expect(r.code).not.toBeNull();
    expect(r.stdout).not.toMatch(ESCAPE);
    expect(r.stderr).not.toMatch(ESCAPE);
  });

  it('publish from stdin draws no bar into a pipe', async () => {
    const r = await crosstalk(['publish', '-', '--store', 'piped.db'], { cwd: dir, stdin: EVENTS });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('published 300 events to piped.db\n');
  });
});

describe('progress on a terminal', () => {
  it('replay draws a bar on stderr when its copies go to a file', async () => {
    const shown = await onTerminal(`${cli('replay', '--store', 'ev.db', '--speed', '0')} > copies.jsonl`);
    expect(shown).toMatch(/\rreplay \(dry run\) \[#+\] 100% 300\/300 /);
    expect(shown).toContain('would replay 300 events');
  });

  it('replay draws none when its copies are printed on the terminal', async () => {
    const shown = await onTerminal(cli('replay', '--store', 'ev.db', '--speed', '0', '-n', '3', '--format', 'jsonl'));
    expect(shown).not.toMatch(/\rreplay/);
    expect(shown).toContain('would replay 3 events');
  });

  it('publish from stdin draws a bar', async () => {
    const shown = await onTerminal(`${cli('publish', '-', '--store', 'tty.db')} < events.jsonl > ids.txt`);
    expect(shown).toMatch(/\rpublish \[#+\] 100% 300\/300 /);
    expect(shown).toContain('published 300 events to tty.db');
  });

  it('export draws a bar, but not under TERM=dumb', async () => {
    expect(await onTerminal(cli('export', '--store', 'ev.db', '--out', 'tty.csv'))).toMatch(/\rexport csv \[#+\] 100% 300\/300 /);
    const dumb = await onTerminal(cli('export', '--store', 'ev.db', '--out', 'dumb.csv'), { TERM: 'dumb' });
    expect(dumb).not.toMatch(/\x1b|\rexport/);
    expect(dumb).toContain('exported 300 events to dumb.csv');
  });
});

describe('errors say what to do', () => {
  it.each([
    [['query', '--store', 'missing.db'], /no store at missing\.db: .*point --store at an existing database, or persist events into it first/],
    [['run', 'nosuch.lua'], /cannot read nosuch\.lua: no such file; check the path/],
    [['run', '.', 'x.lua'], /cannot run \.: unknown extension; crosstalk runs/],
    [['run', '--config', 'nope.json', 'x.lua'], /--config nope\.json: cannot read it: no such file; check the path/],
  ])('crosstalk %j', async (args, message) => {
    const r = await crosstalk(args, { cwd: dir });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a configuration file that is not JSON names the fix', async () => {
    writeFileSync(path.join(dir, 'broken.json'), '{ "interceptors": [ ');
    const r = await crosstalk(['run', '--config', 'broken.json', 'x.lua'], { cwd: dir });
    expect(r.stderr).toMatch(/--config broken\.json: not JSON \(.*\); the file holds one JSON object, see docs\/coordination\.md "Configuration file"/);
  });
});
