/**
 * What every store command does around its work: open the store the way
 * the command needs it, close it whatever happens, and turn a CrosstalkError
 * into one line on stderr (`crosstalk query: INVALID_QUERY: …`) and an exit
 * status (2 for bad input, 1 for everything else) instead of a stack trace.
 */
import { existsSync } from 'node:fs';
import { CrosstalkError } from '../../core/errors.js';
import type { EventStore } from '../../core/types.js';
import { MemoryStore } from '../../store/memory.js';
import { openStore, parseStoreSpec } from '../../store/open.js';
import type { SqliteStore } from '../../store/sqlite.js';

export type CliStore = SqliteStore | MemoryStore;

/** Opens for reading: SQLite read-only (never blocks the writer), a missing file is STORE_UNAVAILABLE. */
export function openReader(spec: string): CliStore {
  const s = parseStoreSpec(spec);
  if (s.kind === 'sqlite' && s.path !== ':memory:' && !existsSync(s.path)) {
    throw new CrosstalkError('STORE_UNAVAILABLE', `no store at ${s.path}: nothing has been persisted there yet (see --store)`);
  }
  return openStore(spec, { readonly: s.kind === 'sqlite', sweepIntervalMs: 0 });
}

/** Opens for writing (replay checkpoints, index creation). */
export function openWriter(spec: string): CliStore {
  return openStore(spec, { sweepIntervalMs: 0 });
}

const USAGE_CODES = new Set(['INVALID_QUERY', 'INVALID_OPTION', 'INVALID_PATTERN', 'INVALID_EVENT_TYPE']);

export async function runStoreCommand(name: string, json: boolean, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (e) {
    if (!(e instanceof CrosstalkError)) throw e;
    const line = json
      ? JSON.stringify({ error: { code: e.code, message: e.message, ...(e.option ? { option: e.option } : {}) } })
      : `crosstalk ${name}: ${e.code}: ${e.message}`;
    process.stderr.write(`${line}\n`);
    // a malformed --bus is bad usage; an unreachable server is not
    process.exitCode = USAGE_CODES.has(e.code) ? 2 : 1;
  }
}

export async function withStore<T>(store: EventStore, fn: (s: EventStore) => Promise<T>): Promise<T> {
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
