/**
 * One writing process per database file (docs/persistence.md "Writing: group commit and
 * durability"). The writing bus assigns sequences; a second process writing
 * the same file would assign the same numbers, and the first one to commit
 * would leave the other's commits failing forever. So a writer holds
 * `<database>-writer`, a small file naming its process; another process that
 * opens the database for writing while that process lives is refused with
 * STORE_UNAVAILABLE. A lock left by a process that died is taken over.
 * Readers (query, tail, stats, export) take no lock.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { CrosstalkError } from '../core/errors.js';

/** Locks this process holds, by lock path, with how many stores share each. */
const held = new Map<string, number>();

export const lockPathOf = (database: string) => `${database}-writer`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, it is just not ours to signal
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The holder named in a lock file, or null when there is none (or it is unreadable). */
function holder(lock: string): { pid: number; host: string } | null {
  try {
    const [pid, host] = readFileSync(lock, 'utf8').split('\n');
    const n = Number(pid);
    return Number.isInteger(n) && n > 0 ? { pid: n, host: host ?? '' } : null;
  } catch {
    return null;
  }
}

/** Takes the lock of `database` for this process; returns its release. Throws STORE_UNAVAILABLE when another live process holds it. */
export function acquireWriterLock(database: string): () => void {
  const lock = lockPathOf(database);
  const mine = `${process.pid}\n${hostname()}\n`;
  const count = held.get(lock);
  if (count === undefined) {
    try {
      writeFileSync(lock, mine, { flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new CrosstalkError('STORE_UNAVAILABLE', `cannot write ${lock} (the writer lock of ${database}): ${(e as Error).message}`, { cause: e });
      }
      const h = holder(lock);
      const local = h !== null && h.host === hostname();
      if (h !== null && h.pid !== process.pid && (!local || alive(h.pid))) {
        throw new CrosstalkError(
          'STORE_UNAVAILABLE',
          `${database} is being written by process ${h.pid}${local ? '' : ` on ${h.host}`}: a database has one writer. ` +
            `Read it (query, tail, export), or reach that process through --bus. (${lock} names the writer.)`,
        );
      }
      // the holder died: take its lock over, atomically
      const temp = `${lock}.${process.pid}`;
      writeFileSync(temp, mine);
      renameSync(temp, lock);
    }
  }
  held.set(lock, (count ?? 0) + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const n = held.get(lock)! - 1;
    if (n > 0) {
      held.set(lock, n);
      return;
    }
    held.delete(lock);
    if (holder(lock)?.pid === process.pid) rmSync(lock, { force: true });
  };
}
