/**
 * docs/observability.md, the "Seeing the stream" section, run as written: its TypeScript
 * examples as ES modules importing 'crosstalk' (the package itself), its
 * shell lines through the real CLI, in a scratch directory holding a link
 * to the cookbook. Fixed ports (:9464, :8080) become :0, so a busy port
 * cannot fail the test; `crosstalk dashboard`, which serves until stopped,
 * is started, its page fetched, then stopped with Ctrl-C.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../setup/cli.js';
import { docSection } from '../setup/docs.js';

const blocks = docSection('## Seeing the stream').blocks;

mkdirSync(path.join(ROOT, 'test-output'), { recursive: true });
// inside the package, so `import … from 'crosstalk'` resolves to it
const dir = mkdtempSync(path.join(ROOT, 'test-output', 'readme-'));
symlinkSync(path.join(ROOT, 'cookbook'), path.join(dir, 'cookbook'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts a command that serves until stopped, fetches the page it names, stops it, expects exit 0. */
async function serveUntilStopped(args: string[]): Promise<void> {
  const child = spawn(process.execPath, ['--no-node-snapshot', BIN, ...args], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      err += c;
      const m = /(http:\/\/\S+?)\/? watching/.exec(err);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`${args.join(' ')} exited (${code}): ${err}`)));
  });
  const page = await fetch(`${url}/`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<title>crosstalk dashboard</title>');
  child.kill('SIGINT');
  expect(await exited).toBe(0);
}

function node(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--no-node-snapshot', ...args], { cwd: dir, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('README: Seeing the stream', () => {
  it('has its examples', () => {
    expect(blocks.filter((b) => b.lang === 'ts').length).toBeGreaterThanOrEqual(2);
    expect(blocks.filter((b) => b.lang === 'sh').length).toBeGreaterThanOrEqual(2);
  });

  const ts = blocks.filter((b) => b.lang === 'ts' || b.lang === 'js');
  it.each(ts.map((b, i) => [i, b.code] as const))('TypeScript example %i runs and prints what its comments say', async (i, code) => {
    const file = path.join(dir, `example-${i}.mjs`);
    writeFileSync(file, code);
    const r = await node([file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // `console.log(x); // value` lines promise what they print, in order
    const promised = [...code.matchAll(/console\.log\(.*\);\s*\/\/ (\S+)/g)].map((m) => m[1]);
    expect(r.stdout.trim().split('\n')).toEqual(promised);
  });

  const lines = blocks.filter((b) => b.lang === 'sh').flatMap((b) => b.code.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#')));
  it('runs every shell line in order, as written', async () => {
    for (const line of lines) {
      // quotes as a shell reads them: 'order.*' is one word without the quotes
      const words = line
        .replace(/\s+#.*$/, '')
        .replace(/(^|\s):\d{4,5}\b/g, '$1:0')
        .trim()
        .split(/\s+/)
        .map((w) => w.replace(/^'(.*)'$/, '$1'));
      if (words[1] === 'crosstalk' && words[2] === 'dashboard') {
        await serveUntilStopped(words.slice(2));
        continue;
      }
      const r = words[0] === 'npx' && words[1] === 'crosstalk' ? await node([BIN, ...words.slice(2)]) : words[0] === 'node' ? await node(words.slice(1)) : null;
      expect(r, `cannot run: ${line}`).not.toBeNull();
      expect(r!.code, `${line}\n${r!.stderr}`).toBe(0);
    }
  }, 180_000);
});
