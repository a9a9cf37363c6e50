/**
 * The database side of a group commit: one transaction that writes a group
 * of rows, the event types first seen in it, replay checkpoints and the
 * sequence high-water mark; and the fsync that makes committed groups
 * durable. The inline writer runs it on the store's connection, the writer
 * thread on a connection of its own.
 */
import type Database from 'better-sqlite3';
import type { RowChunks } from './rows.js';
import { CHUNK_ROWS, INSERT_CHUNK_SQL, INSERT_SQL, ROW_WIDTH } from './schema.js';

const CHUNK_VALUES = CHUNK_ROWS * ROW_WIDTH;

/** backoff between attempts to commit a group that failed */
export const RETRY_MIN_MS = 100;
export const RETRY_MAX_MS = 5000;

/** What one group commit writes. */
export interface Group {
  chunks: RowChunks;
  /** event types not stored before, in the order they were first seen */
  types: readonly string[];
  /** [name, last sequence] replay checkpoints, later entries win */
  checkpoints: readonly (readonly [string, number])[];
  /** the highest sequence the bus has assigned */
  high: number;
  /** stored as meta `writer_batch` in the same transaction: which batches are in (see thread-writer.ts) */
  mark?: string;
}

/** The last batch mark committed (GroupCommit.write), read on the store's connection. */
export function committedMark(db: Database.Database): string | undefined {
  return db.prepare("SELECT value FROM meta WHERE key = 'writer_batch'").pluck().get() as string | undefined;
}

export class GroupCommit {
  private readonly writeGroup: (g: Group) => void;
  private readonly markSynced: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly synchronous: 'normal' | 'full',
    /** the high-water mark already stored */
    private highWritten: number,
  ) {
    const insert = db.prepare(INSERT_SQL);
    const insertChunk = db.prepare(INSERT_CHUNK_SQL);
    const addType = db.prepare('INSERT OR IGNORE INTO event_types (event_type) VALUES (?)');
    const setCheckpoint = db.prepare(
      'INSERT INTO checkpoints (name, last_sequence, updated_ms) VALUES (?, ?, ?) ' +
        'ON CONFLICT(name) DO UPDATE SET last_sequence = excluded.last_sequence, updated_ms = excluded.updated_ms',
    );
    const setHigh = db.prepare(
      "INSERT INTO meta (key, value) VALUES ('high_sequence', ?) ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)",
    );
    const setMark = db.prepare(
      "INSERT INTO meta (key, value) VALUES ('writer_batch', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    );
    this.markSynced = db.prepare("INSERT INTO meta (key, value) VALUES ('synced_ms', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    this.writeGroup = db.transaction((g: Group) => {
      for (const t of g.types) addType.run(t);
      for (const c of g.chunks) {
        if (c.length === CHUNK_VALUES) insertChunk.run(c);
        else for (let i = 0; i < c.length; i += ROW_WIDTH) insert.run(c[i], c[i + 1], c[i + 2], c[i + 3], c[i + 4], c[i + 5], c[i + 6], c[i + 7]);
      }
      const now = Date.now();
      for (const [name, seq] of g.checkpoints) setCheckpoint.run(name, seq, now);
      if (g.high > this.highWritten) setHigh.run(g.high);
      if (g.mark !== undefined) setMark.run(g.mark);
    });
  }

  /** Writes the group in one transaction; throws (and writes nothing) on failure. */
  write(g: Group): void {
    this.writeGroup(g);
    if (g.high > this.highWritten) this.highWritten = g.high;
  }

  /**
   * Makes every committed group durable. With synchronous=NORMAL SQLite
   * syncs the WAL only at checkpoints, so this runs one small write with
   * synchronous=FULL, whose fsync covers every earlier frame of the file
   * (whichever connection wrote them).
   */
  sync(): void {
    if (this.synchronous === 'full') return;
    this.db.pragma('synchronous = FULL');
    try {
      this.markSynced.run(Date.now());
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
  }
}
