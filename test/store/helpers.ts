/**
 * Test helpers for the store suites: events built the way the bus builds
 * them (docs/event-api.md "Events"), temporary database paths, and the two store factories.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject, JsonValue, UniversalEvent } from '../../src/core/event.js';
import { MemoryStore } from '../../src/store/memory.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { ExtendedEventStore } from '../../src/store/types.js';
import type { EventStore } from '../../src/core/types.js';

export interface EventParts {
  ts?: number;
  correlation_id?: string;
  component?: string;
  metadata?: JsonObject;
  ttl_seconds?: number;
  priority?: UniversalEvent['priority'];
  id?: string;
}

/** Builds events with increasing sequences, as one bus would. */
export class EventMaker {
  constructor(public seq = 0) {}
  make(event_type: string, data: JsonValue = null, parts: EventParts = {}): UniversalEvent {
    const e: UniversalEvent = {
      id: parts.id ?? randomUUID(),
      event_type,
      timestamp: new Date(parts.ts ?? Date.now()).toISOString(),
      version: '1.0',
      sequence: ++this.seq,
      source: {
        component: parts.component ?? 'test',
        instance_id: 'i-1',
        language: 'host',
        ...(parts.correlation_id !== undefined ? { correlation_id: parts.correlation_id } : {}),
      },
      data,
      metadata: parts.metadata ?? {},
      priority: parts.priority ?? 'normal',
    };
    if (parts.ttl_seconds !== undefined) e.ttl_seconds = parts.ttl_seconds;
    return e;
  }
}

export function tempDir(prefix = 'crosstalk-store-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface StoreKind {
  name: string;
  /** a fresh, empty store; the sweeper is off so tests decide when to sweep */
  open(): EventStore & ExtendedEventStore;
}

export function storeKinds(): StoreKind[] {
  const dirs: (() => void)[] = [];
  const sqlite = (writer: 'inline' | 'thread') => () => {
    const t = tempDir();
    dirs.push(t.cleanup);
    return new SqliteStore(join(t.dir, 'events.db'), { sweepIntervalMs: 0, writer });
  };
  return [
    { name: 'memory', open: () => new MemoryStore({ sweepIntervalMs: 0 }) },
    { name: 'sqlite (inline writer)', open: sqlite('inline') },
    { name: 'sqlite (writer thread)', open: sqlite('thread') },
  ];
}
