/**
 * docs/scripts.md: the "Scripts that live" section and the "Script permissions"
 * subsection, run as written: each `lua`/`js` block is the file its
 * first-line comment names, and each `json` block the file the text before
 * it names (`NAME.json`), written into a scratch directory; each `sh` block
 * runs there through bin/crosstalk.js and must print exactly the `text`
 * block after it, and exit as its `# exits N` comment says (0 without one).
 * A `--watch` run is followed until it has printed its text block, then
 * interrupted.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, crosstalk } from '../setup/cli.js';
import { docSection } from '../setup/docs.js';

const blocks = [...docSection('## Scripts that live').blocks, ...docSection('### Script permissions').blocks];
const dir = mkdtempSync(path.join(tmpdir(), 'crosstalk-readme-live-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// every script and configuration block is a file of the scratch directory
for (const b of blocks) {
  let name: string | undefined;
  if (b.lang === 'lua' || b.lang === 'js') name = /^(?:--|\/\/) (\S+\.(?:lua|js))\n/.exec(b.code)?.[1];
  else if (b.lang === 'json') name = [...b.before.matchAll(/`([\w.-]+\.json)`/g)].pop()?.[1];
  else continue;
  if (name === undefined) throw new Error(`a ${b.lang} block of the README's script sections does not say its file name:\n${b.code}`);
  writeFileSync(path.join(dir, name), b.code);
}

interface Command {
  args: string[];
  exits: number;
  output: string;
}

const commands: Command[] = [];
blocks.forEach((b, i) => {
  if (b.lang !== 'sh') return;
  const next = blocks[i + 1];
  if (next?.lang !== 'text') throw new Error(`an sh block of "Scripts that live" has no text block after it: ${b.code}`);
  const [line, comment] = b.code.trim().split(/\s+#\s*/);
  commands.push({
    args: line!.replace(/^npx crosstalk /, '').split(/\s+/),
    exits: Number(/exits (\d+)/.exec(comment ?? '')?.[1] ?? 0),
    output: next.code,
  });
});

/** Runs a `--watch` command until it has printed `output`, then interrupts it. */
function watchUntil(args: string[], output: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--no-node-snapshot', BIN, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (stdout.startsWith(output)) child.kill('SIGINT');
    });
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

describe('README: Scripts that live', () => {
  it('has a command for each part', () => {
    expect(commands.length).toBeGreaterThanOrEqual(11);
  });

  it.each(commands.map((c) => [c.args.join(' '), c] as const))('crosstalk %s', async (_name, c) => {
    if (c.args.includes('--watch')) {
      const r = await watchUntil(c.args, c.output);
      expect(r.stdout.startsWith(c.output), r.stdout).toBe(true);
      expect(r.code).toBe(130);
      return;
    }
    const r = await crosstalk(c.args, { cwd: dir });
    if (c.exits === 0) expect(r.stderr).toBe('');
    expect(r.code).toBe(c.exits);
    expect(r.stdout).toBe(c.output);
  });
});
