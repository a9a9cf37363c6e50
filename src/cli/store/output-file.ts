/**
 * An output file that appears whole or not at all: written under a temporary
 * name in the same directory and renamed over the real name when complete,
 * so an interrupted or failed export never leaves a truncated file (or
 * clobbers a good one) under the name asked for. (A process killed with
 * SIGKILL may leave its `.NAME.PID-XXXX.tmp` behind; the real name is intact.)
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { usage } from '../usage.js';

export interface OutputFile {
  /** the name asked for */
  readonly path: string;
  /** where to write meanwhile */
  readonly temp: string;
  /** renames the finished file into place */
  commit(): void;
  /** removes the temporary file (idempotent; a no-op after commit) */
  discard(): void;
}

/** Checks, without creating anything, that `path` can be written; INVALID_OPTION naming `option` if not. */
export function checkWritable(path: string, option: string): void {
  const dir = dirname(resolve(path));
  try {
    if (statSync(path).isDirectory()) throw usage(`--${option} ${path} is a directory; name a file`, option);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    accessSync(dir, constants.W_OK);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'is not writable';
    throw usage(`--${option} ${path}: the directory ${dir} ${why}`, option);
  }
}

/**
 * A regular file is written beside itself and renamed; anything else that
 * exists (`/dev/stdout`, a FIFO) is written in place, as renaming over it
 * would replace the device or pipe with a file.
 */
export function outputFile(path: string): OutputFile {
  let special = false;
  try {
    special = !statSync(path).isFile();
  } catch {
    // does not exist yet: a new regular file
  }
  if (special) return { path, temp: path, commit: () => undefined, discard: () => undefined };
  const temp = join(dirname(resolve(path)), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  let done = false;
  return {
    path,
    temp,
    commit() {
      renameSync(temp, path);
      done = true;
    },
    discard() {
      if (done) return;
      done = true;
      rmSync(temp, { force: true });
    },
  };
}
