/**
 * Giving space back (docs/persistence.md "Retention", `crosstalk compact`): after a
 * sweep, the freed pages of a SQLite database are reused by later writes
 * but the file does not shrink. Compacting returns them to the file system
 * and truncates the WAL.
 *
 * New databases are created with `auto_vacuum = INCREMENTAL`, so freed
 * pages are returned in steps (`PRAGMA incremental_vacuum(N)`), each a
 * short transaction, with a progress report between them: writers in other
 * connections wait for one step at most. A database made before that has
 * no pointer map: its first compaction is one full VACUUM, which also turns
 * incremental vacuuming on for the next ones; it holds the write lock for
 * the whole rewrite.
 */
import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';

/** Pages freed per incremental step (4 MiB with the default 4 KiB pages). */
const PAGES_PER_STEP = 1024;

export type CompactPhase = 'sweep' | 'vacuum' | 'checkpoint';

export interface CompactProgress {
  phase: CompactPhase;
  done: number;
  /** null when not known in advance */
  total: number | null;
}

export interface CompactReport {
  /** events the sweep removed, by policy */
  removed: Record<string, number>;
  bytes_before: number;
  bytes_after: number;
  /** `incremental` (in steps), `full` (one VACUUM: the first compaction of an older database) or `none` (a memory store) */
  vacuum: 'incremental' | 'full' | 'none';
  /** pages given back to the file system */
  pages_freed: number;
  /** the WAL checkpoint: false when a reader kept part of the WAL alive (it is truncated at a later checkpoint) */
  wal_truncated: boolean;
}

export function fileBytes(path: string): number {
  let n = 0;
  for (const p of [path, `${path}-wal`]) {
    try {
      n += statSync(p).size;
    } catch {
      // no such file (an in-memory database, or no WAL yet)
    }
  }
  return n;
}

/**
 * Vacuums `db` in steps (incremental) or once (full), reporting progress
 * in pages; returns the mode and the pages freed. `pause` runs between
 * incremental steps (the caller yields to its event loop there).
 */
export async function vacuum(
  db: Database.Database,
  progress: (p: CompactProgress) => void,
  pause: () => Promise<void>,
): Promise<{ mode: 'incremental' | 'full'; pages: number }> {
  const free = db.pragma('freelist_count', { simple: true }) as number;
  const incremental = (db.pragma('auto_vacuum', { simple: true }) as number) === 2;
  if (!incremental) {
    progress({ phase: 'vacuum', done: 0, total: null });
    const before = db.pragma('page_count', { simple: true }) as number;
    // turns the pointer map on, so later compactions go in steps
    db.pragma('auto_vacuum = INCREMENTAL');
    db.exec('VACUUM');
    const freed = Math.max(0, before - (db.pragma('page_count', { simple: true }) as number));
    progress({ phase: 'vacuum', done: freed, total: freed });
    return { mode: 'full', pages: freed };
  }
  let done = 0;
  progress({ phase: 'vacuum', done, total: free });
  while (done < free) {
    const left = db.pragma('freelist_count', { simple: true }) as number;
    if (left === 0) break;
    db.pragma(`incremental_vacuum(${Math.min(PAGES_PER_STEP, left)})`);
    const after = db.pragma('freelist_count', { simple: true }) as number;
    // pages freed meanwhile by another writer are given back too; count what this made
    done += Math.max(left - after, 0);
    if (after >= left) break;
    progress({ phase: 'vacuum', done: Math.min(done, free), total: free });
    await pause();
  }
  return { mode: 'incremental', pages: done };
}

/** Checkpoints the WAL into the database and truncates it; false when readers kept part of it. */
export function truncateWal(db: Database.Database): boolean {
  const [row] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[];
  return row === undefined || (row.busy === 0 && row.log === row.checkpointed);
}
