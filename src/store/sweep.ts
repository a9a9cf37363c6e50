/**
 * One sweep of a SQLite store: expired events (their `ttl_seconds`), then
 * the retention policies (core/retention.ts): ages by type, the default age,
 * `max_events` and `max_bytes`, oldest first.
 *
 * A sweep runs in steps (`step(budgetMs)`), each a few short transactions
 * that delete a chunk of rows and add what they removed to the
 * `retention_stats` table, so another process's `crosstalk stats` sees what
 * each policy removed. The chunk size adapts to take about CHUNK_TARGET_MS;
 * whoever drives the sweep (the writer thread, or the store's own
 * connection) does its other work between steps, so a sweep of a million
 * events never holds the writer for longer than a step.
 */
import type Database from 'better-sqlite3';
import {
  planAges,
  POLICY_MAX_BYTES,
  POLICY_MAX_EVENTS,
  POLICY_TTL,
  type ResolvedRetention,
} from '../core/retention.js';

/** How long one step of a sweep runs when the writer has nothing else to do. */
export const SWEEP_STEP_MS = 8;
/**
 * The share of the writer's time a sweep takes while there are commits to
 * make: after commits that took c ms, the sweep gets c × share / (1 − share)
 * (at least 1 ms). Writes keep about 4/5 of the writer; an idle writer
 * sweeps at full speed.
 */
export const SWEEP_SHARE = 0.2;

/** The budget of the next step, after `busyMs` of other work since the last one (under 1 ms: idle). */
export function sweepBudget(busyMs: number): number {
  if (busyMs < 1) return SWEEP_STEP_MS;
  return Math.min(SWEEP_STEP_MS, Math.max(1, (busyMs * SWEEP_SHARE) / (1 - SWEEP_SHARE)));
}
/** How long one delete transaction should take; the chunk size follows. */
const CHUNK_TARGET_MS = 4;
const MIN_CHUNK = 50;
const MAX_CHUNK = 20_000;

type Task =
  | { kind: 'ttl' }
  | { kind: 'age'; policy: string; type: string; cutoff: number }
  | { kind: 'events'; max: number; excess: number | null }
  | { kind: 'bytes'; max: number };

export class SqliteSweep {
  /** rows deleted so far, by policy */
  readonly removed = new Map<string, number>();
  private readonly tasks: Task[] = [];
  private chunk = 500;
  private readonly record: Database.Statement;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    retention: ResolvedRetention | null,
    private readonly now: number,
  ) {
    this.record = db.prepare(
      'INSERT INTO retention_stats (policy, removed, last_ms) VALUES (?, ?, ?) ' +
        'ON CONFLICT(policy) DO UPDATE SET removed = removed + excluded.removed, last_ms = excluded.last_ms',
    );
    this.tasks.push({ kind: 'ttl' });
    if (retention !== null) {
      if (retention.rules.length > 0) {
        const types = db.prepare('SELECT event_type FROM event_types').pluck().all() as string[];
        for (const { rule, cutoff, types: list } of planAges(retention, types, now)) {
          for (const type of list) this.tasks.push({ kind: 'age', policy: rule.name, type, cutoff });
        }
      }
      if (retention.maxEvents !== null) this.tasks.push({ kind: 'events', max: retention.maxEvents, excess: null });
      if (retention.maxBytes !== null) this.tasks.push({ kind: 'bytes', max: retention.maxBytes });
    }
  }

  get total(): number {
    let n = 0;
    for (const v of this.removed.values()) n += v;
    return n;
  }

  private statement(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  /** Deletes one chunk for the current task; the number deleted (0 when the task is done). */
  private deleteChunk(t: Task): number {
    const limit = this.chunk;
    switch (t.kind) {
      case 'ttl':
        return this.run(POLICY_TTL, 'DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE expires_ms <= ? ORDER BY expires_ms LIMIT ?)', [this.now, limit]);
      case 'age':
        return this.run(t.policy, 'DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE event_type = ? AND ts_ms < ? LIMIT ?)', [t.type, t.cutoff, limit]);
      case 'events': {
        // counted once per sweep: a count is a pass over the smallest index
        t.excess ??= Math.max(0, (this.db.prepare('SELECT count(*) FROM events').pluck().get() as number) - t.max);
        if (t.excess === 0) return 0;
        const n = this.oldest(POLICY_MAX_EVENTS, Math.min(limit, t.excess));
        t.excess -= n;
        return n;
      }
      case 'bytes':
        return this.usedBytes() > t.max ? this.oldest(POLICY_MAX_BYTES, limit) : 0;
    }
  }

  private oldest(policy: string, n: number): number {
    return this.run(policy, 'DELETE FROM events WHERE seq IN (SELECT seq FROM events ORDER BY seq LIMIT ?)', [n]);
  }

  /** One transaction: the delete and its count in retention_stats. */
  private run(policy: string, sql: string, params: unknown[]): number {
    const del = this.statement(sql);
    let n = 0;
    this.db.transaction(() => {
      n = del.run(...params).changes;
      if (n > 0) this.record.run(policy, n, Date.now());
    })();
    if (n > 0) this.removed.set(policy, (this.removed.get(policy) ?? 0) + n);
    return n;
  }

  /** Pages holding data (not free), in bytes: what `max_bytes` bounds. */
  private usedBytes(): number {
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * (this.db.pragma('page_size', { simple: true }) as number);
  }

  /** Deletes for about `budgetMs`; true when the sweep is complete. */
  step(budgetMs: number): boolean {
    const start = performance.now();
    while (this.tasks.length > 0) {
      const t0 = performance.now();
      const want = this.chunk;
      const n = this.deleteChunk(this.tasks[0]!);
      const ms = performance.now() - t0;
      if (n < want) this.tasks.shift();
      if (n === want) {
        if (ms < CHUNK_TARGET_MS / 2) this.chunk = Math.min(MAX_CHUNK, this.chunk * 2);
        else if (ms > CHUNK_TARGET_MS) this.chunk = Math.max(MIN_CHUNK, Math.floor(this.chunk / 2));
      }
      if (performance.now() - start >= budgetMs) break;
    }
    return this.tasks.length === 0;
  }
}

/** What `retention_stats` holds: every policy that removed something, with the time it last did. */
export function readRetentionStats(db: Database.Database): { policy: string; removed: number; last_removed_at: string }[] {
  try {
    const rows = db.prepare('SELECT policy, removed, last_ms FROM retention_stats ORDER BY policy').all() as {
      policy: string;
      removed: number;
      last_ms: number;
    }[];
    return rows.map((r) => ({ policy: r.policy, removed: r.removed, last_removed_at: new Date(r.last_ms).toISOString() }));
  } catch {
    // a database written before retention existed, opened read-only
    return [];
  }
}
