/**
 * The real CLI as a child process: bin/crosstalk.js on the built dist/
 * (`npm test` builds first), with what it printed and how it exited.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const BIN = path.join(ROOT, 'bin/crosstalk.js');

export interface Ran {
  /** exit status; null when it was killed (or ran past the timeout) */
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `crosstalk ...args` from the project root. `snapshotFlag: false`
 * leaves out `--no-node-snapshot`, so bin/crosstalk.js has to add it itself.
 */
export function crosstalk(args: string[], { snapshotFlag = true } = {}): Promise<Ran> {
  const node = snapshotFlag ? ['--no-node-snapshot', BIN] : [BIN];
  return new Promise((resolve) => {
    execFile(process.execPath, [...node, ...args], { cwd: ROOT, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null;
      resolve({ code, stdout, stderr });
    });
  });
}
