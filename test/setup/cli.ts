/**
 * The real CLI as a child process: bin/crosstalk.js on the built dist/
 * (`npm test` builds first), with what it printed and how it exited.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const BIN = path.join(ROOT, 'bin/crosstalk.js');

export interface Ran {
  /** exit status; null when it was killed (or ran past the timeout) */
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** false leaves out `--no-node-snapshot`, so bin/crosstalk.js has to add it itself */
  snapshotFlag?: boolean;
  /** working directory (default: the project root) */
  cwd?: string;
  /** written to stdin, which is then closed (default: stdin is closed at once) */
  stdin?: string;
  /** killed after this many ms (default 30000) */
  timeoutMs?: number;
}

/** Runs `crosstalk ...args` (from the project root unless `cwd`). */
export function crosstalk(args: string[], { snapshotFlag = true, cwd = ROOT, stdin, timeoutMs = 30_000 }: CliOptions = {}): Promise<Ran> {
  const node = snapshotFlag ? ['--no-node-snapshot', BIN] : [BIN];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...node, ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdin.on('error', () => undefined); // a command that never reads stdin
    child.stdin.end(stdin ?? '');
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface Started {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** exit status, or null when killed by a signal */
  exited: Promise<number | null>;
  /** resolves once `seen` (a string or a pattern) appears in its stdout or stderr after `from` characters of them; rejects if it exits first */
  until(seen: string | RegExp, from?: number): Promise<void>;
  /** how much it has printed so far, as `until`'s `from` */
  mark(): number;
}

/**
 * Starts `crosstalk ...args` and resolves once `ready` (a string or a
 * pattern) appears on its stdout or stderr; rejects if it exits first.
 */
export async function startCli(args: string[], ready: string | RegExp): Promise<Started> {
  const child = spawn(process.execPath, ['--no-node-snapshot', BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // both streams in arrival order, for `until`
  let both = '';
  const waiters = new Set<() => void>();
  const arrived = (c: string) => {
    both += c;
    for (const w of [...waiters]) w();
  };
  child.stdout!.setEncoding('utf8').on('data', (c: string) => ((out += c), arrived(c)));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => ((err += c), arrived(c)));
  const until = (seen: string | RegExp, from = 0): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        const text = both.slice(from);
        if (typeof seen === 'string' ? text.includes(seen) : seen.test(text)) {
          waiters.delete(check);
          resolve();
        }
      };
      waiters.add(check);
      check();
      void exited.then((code) => {
        if (waiters.delete(check)) reject(new Error(`crosstalk ${args.join(' ')} exited (${code}) before saying ${seen}: ${err}`));
      });
    });
  await until(ready);
  return { child, stdout: () => out, stderr: () => err, exited, until, mark: () => both.length };
}

/** SIGKILL unless it has exited already (cleanup after a failed test). */
export function stopChild(c: ChildProcess): void {
  if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

/** Runs `node --no-node-snapshot ...args` in `cwd` (cookbook examples, README blocks), with what it printed. */
export function nodeIn(cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--no-node-snapshot', ...args], { cwd, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * A scratch directory inside the package (so `import … from 'crosstalk'`
 * resolves to it) holding a link to the cookbook, where `node` runs.
 */
export function cookbookScratch(prefix: string): { dir: string; node(args: string[]): ReturnType<typeof nodeIn>; remove(): void } {
  mkdirSync(path.join(ROOT, 'test-output'), { recursive: true });
  const dir = mkdtempSync(path.join(ROOT, 'test-output', prefix));
  symlinkSync(path.join(ROOT, 'cookbook'), path.join(dir, 'cookbook'));
  return { dir, node: (args) => nodeIn(dir, args), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
