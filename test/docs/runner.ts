/**
 * Runs a documentation section's blocks in order, in one scratch directory
 * inside the package (so `import … from 'crosstalk'` resolves to it) that
 * holds a link to the cookbook:
 *
 * - a `lua` or `js` script whose first line is `-- name.lua` / `// name.js`
 *   is written to that file, for a later `sh` block to run;
 * - a `ts` or `js` block that imports 'crosstalk' is a program: compiled
 *   with esbuild and run with `node --no-node-snapshot`; it must exit 0
 *   with nothing on stderr;
 * - a `json` block is written to the `NAME.json` the prose before it names;
 * - an `sh` block runs line by line: `npx crosstalk …` through
 *   bin/crosstalk.js, `node …`; a line ending in `&` runs in the
 *   background (the next line starts once it has printed its first line,
 *   and the block waits for it to end), `nats-server` is the test's server
 *   (its address replaces nats://127.0.0.1:4222 everywhere), `npm install`
 *   is what ran before any test could, and `npm test` / `npm run X` must be
 *   scripts of package.json (the suite cannot run itself). A line exits 0,
 *   or as its `# exits N` comment says; commands report progress on
 *   stderr, which is not compared.
 *
 * A `text` block after a block is what it prints (an `sh` block: its
 * foreground lines, then each background one); a program without one may
 * promise its lines in `console.log(x); // value` comments. Timestamps,
 * UUIDs, durations in ms, `#sequence` numbers and column padding change from
 * run to run and are not compared.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { transformSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cookbookScratch, ROOT } from '../setup/cli.js';
import type { DocBlock, DocSection } from '../setup/docs.js';
import { startNatsServer, type NatsServer } from '../setup/nats.js';

const LOCAL_NATS = 'nats://127.0.0.1:4222';


/** What may change between runs: times, ids, durations, padding. */
export function normalize(text: string): string {
  return text
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
    .replace(/\d+(\.\d+)? ms\b/g, '<n> ms')
    .replace(/#\d+\b/g, '#<n>')
    .replace(/[ \t]+/g, ' ')
    .replace(/ +$/gm, '');
}

/** Splits a command line as sh does for the quoting the docs use ('…', "…"). */
export function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => m[1] ?? m[2]?.replace(/\\(.)/g, '$1') ?? m[3]!);
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Running {
  line: string;
  exited: Promise<Ran>;
}

/** Starts `node --no-node-snapshot ...args` in `dir`; `ready` resolves at its first line of output (or its end). */
function start(dir: string, args: string[]): { exited: Promise<Ran>; ready: Promise<void> } {
  const child = spawn(process.execPath, ['--no-node-snapshot', ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let ready!: () => void;
  const readyP = new Promise<void>((resolve) => (ready = resolve));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    if (stdout.includes('\n')) ready();
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    if (stderr.includes('\n')) ready();
  });
  const exited = new Promise<Ran>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      ready();
      resolve({ code, stdout, stderr });
    }),
  );
  return { exited, ready: readyP };
}

function where(b: DocBlock): string {
  return `${b.file}:${b.line}`;
}


async function runShell(b: DocBlock, dir: string, nats: string | undefined): Promise<string> {
  let out = '';
  const background: Running[] = [];
  for (const raw of b.code.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const comment = /\s#\s(.*)$/.exec(line)?.[1] ?? '';
    const exits = Number(/exits (\d+)/.exec(comment)?.[1] ?? 0);
    let command = line.replace(/\s+#\s.*$/, '').trim();
    const bg = command.endsWith('&');
    if (bg) command = command.slice(0, -1).trim();
    const w = words(command);
    const what = `${where(b)}: ${line}`;
    if (w.some((x) => x.includes(LOCAL_NATS)) || w[0] === 'nats-server') {
      expect(nats, `${what} needs a NATS server: run this section with one`).toBeDefined();
    }
    const args = w.map((x) => (nats ? x.replaceAll(LOCAL_NATS, nats) : x));
    if (args[0] === 'nats-server') continue; // the test's server
    if (args[0] === 'npm') {
      const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
      if (args[1] === 'install') continue; // done before any test can run
      const name = args[1] === 'run' ? args[2]! : args[1]!;
      expect(scripts[name], `${what}: package.json has no script "${name}"`).toBeDefined();
      continue;
    }
    let node: string[];
    if (args[0] === 'npx' && args[1] === 'crosstalk') node = [BIN, ...args.slice(2)];
    else if (args[0] === 'node') node = args.slice(1).filter((a) => a !== '--no-node-snapshot');
    else throw new Error(`${what}: the docs runner cannot run this command`);
    const started = start(dir, node);
    if (bg) {
      await started.ready;
      background.push({ line: what, exited: started.exited });
      continue;
    }
    const r = await started.exited;
    // commands report progress on stderr (`exported 5 events to …`): only the status is checked
    expect(r.code, `${what} exited ${r.code}: ${r.stderr}`).toBe(exits);
    out += r.stdout;
  }
  for (const p of background) {
    const r = await p.exited;
    expect(r.code, `${p.line} exited ${r.code}: ${r.stderr}`).toBe(0);
    out += r.stdout;
  }
  return out;
}

async function runProgram(b: DocBlock, dir: string, nats: string | undefined): Promise<string> {
  const source = nats ? b.code.replaceAll(LOCAL_NATS, nats) : b.code;
  const file = path.join(dir, `block-${path.basename(b.file, '.md')}-${b.line}.mjs`);
  writeFileSync(file, transformSync(source, { loader: b.lang === 'ts' ? 'ts' : 'js', format: 'esm' }).code);
  const r = await start(dir, [file]).exited;
  expect(r.stderr, `${where(b)}: the ${b.lang} program wrote to stderr`).toBe('');
  expect(r.code, `${where(b)}: the ${b.lang} program exited ${r.code}`).toBe(0);
  return r.stdout;
}

/** Runs every block of `section` in order (see the header); `nats` is the server standing in for nats://127.0.0.1:4222. */
export async function runSection(section: DocSection, dir: string, nats?: string): Promise<void> {
  for (const b of section.blocks) {
    if (b.lang === 'text') continue;
    if (b.lang === 'json') {
      const name = [...b.before.matchAll(/`([\w.-]+\.json)`/g)].pop()?.[1];
      if (name) writeFileSync(path.join(dir, name), b.code);
      continue;
    }
    let printed: string;
    if (b.lang === 'sh') printed = await runShell(b, dir, nats);
    else if ((b.lang === 'ts' || b.lang === 'js') && /from ['"]crosstalk['"]/.test(b.code)) printed = await runProgram(b, dir, nats);
    else if (b.lang === 'lua' || b.lang === 'js') {
      const name = /^(?:--|\/\/) (\S+\.(?:lua|js))\n/.exec(b.code)?.[1];
      if (!name) throw new Error(`${where(b)}: a ${b.lang} script must say its file name on its first line (-- name.lua, // name.js)`);
      writeFileSync(path.join(dir, name), b.code);
      continue;
    } else throw new Error(`${where(b)}: the docs runner does not know ${b.lang} blocks`);
    if (b.output !== null) expect(normalize(printed), `${where(b)} printed`).toBe(normalize(b.output));
    else if (b.lang !== 'sh') {
      const promised = [...b.code.matchAll(/console\.log\(.*\);\s*\/\/ (.+)$/gm)].map((m) => m[1]!.trim());
      if (promised.length > 0) expect(printed.trim().split('\n'), `${where(b)} printed`).toEqual(promised);
    }
  }
}

/** One test per section, run in order in one scratch directory, with a real nats-server standing in for nats://127.0.0.1:4222. */
export function describeSections(title: string, prefix: string, sections: DocSection[]): void {
  const scratch = cookbookScratch(prefix);
  let server: NatsServer | undefined;
  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterAll(async () => {
    await server?.stop();
    scratch.remove();
  });
  describe(title, () => {
    for (const s of sections) it(`${s.heading} (${s.file}:${s.line})`, () => runSection(s, scratch.dir, server!.url), 90_000);
  });
}
