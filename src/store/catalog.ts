/**
 * The catalog of stored event types (the `event_types` table). With it a
 * glob such as `order.*` resolves to the exact types it matches, and the
 * query seeks each one on the (event_type, ts_ms) index.
 *
 * The writer adds a type in the same transaction as the first event of that
 * type, so a reader that sees an event also sees its type. Sweeping never
 * removes types: the catalog is a superset, which is all resolving needs.
 */
import type Database from 'better-sqlite3';
import { compilePattern } from '../core/pattern.js';

const RESOLVED_CACHE = 256;

export class TypeCatalog {
  private readonly known = new Set<string>();
  /** types seen by append and not committed yet */
  private pending: string[] = [];
  private resolved = new Map<string, readonly string[]>();
  /** reader side: the data_version the catalog was loaded at; -1 = never */
  private version = -1;
  private missing = false;

  constructor(
    private readonly db: Database.Database,
    private readonly writer: boolean,
  ) {
    if (writer) {
      // databases written before the catalog existed get one built from their events
      const empty = db.prepare('SELECT 1 FROM event_types LIMIT 1').get() === undefined;
      if (empty) db.exec('INSERT OR IGNORE INTO event_types (event_type) SELECT DISTINCT event_type FROM events');
      this.reload();
    }
  }

  private reload(): void {
    this.known.clear();
    this.resolved.clear();
    try {
      for (const t of this.db.prepare('SELECT event_type FROM event_types').pluck().iterate() as Iterable<string>) this.known.add(t);
      this.missing = false;
    } catch {
      // a read-only connection to a database made before the catalog: translate patterns instead
      this.missing = true;
    }
  }

  /** Called by append for each event; cheap when the type is known. */
  note(type: string): void {
    if (this.known.has(type)) return;
    this.known.add(type);
    this.pending.push(type);
    this.resolved.clear();
  }

  /** Types to insert with the next group; `committed()` drops them once it succeeded. */
  get uncommitted(): readonly string[] {
    return this.pending;
  }

  committed(n: number): void {
    this.pending = this.pending.slice(n);
  }

  /** The stored types `pattern` matches, or null when there is no catalog to ask. */
  resolve(pattern: string): readonly string[] | null {
    if (!this.writer) {
      const v = this.db.pragma('data_version', { simple: true }) as number;
      if (v !== this.version) {
        this.version = v;
        this.reload();
      }
    }
    if (this.missing) return null;
    let hit = this.resolved.get(pattern);
    if (!hit) {
      const cp = compilePattern(pattern);
      hit = [...this.known].filter((t) => cp.test(t)).sort();
      if (this.resolved.size >= RESOLVED_CACHE) this.resolved.delete(this.resolved.keys().next().value!);
      this.resolved.set(pattern, hit);
    }
    return hit;
  }
}
