/**
 * What every store command does around its work: open the store the way
 * the command needs it, close it whatever happens, and turn a CrosstalkError
 * into one line on stderr (`crosstalk query: INVALID_QUERY: …`) and an exit
 * status (2 for bad input, 1 for everything else) instead of a stack trace.
 */
import { existsSync } from 'node:fs';
import { CrosstalkError } from '../../core/errors.js';
import type { EventStore } from '../../core/types.js';
import type { MemoryStore } from '../../store/memory.js';
import { DEFAULT_STORE_SPEC, openStore, parseStoreSpec, type StoreSpec } from '../../store/open.js';
import type { SqliteStore } from '../../store/sqlite.js';
import type { StreamStore } from '../../transport/jetstream-store.js';
import { parseBusUrl } from '../../transport/url.js';
import { reportError, usage } from '../usage.js';

export type CliStore = SqliteStore | MemoryStore;

/**
 * The SQLite file a command that reads a store works on. `memory` is refused:
 * a memory store in a new process is always empty.
 */
export function storedSpec(spec: string | undefined, command: string): { kind: 'sqlite'; path: string } {
  const s: StoreSpec = parseStoreSpec(spec ?? DEFAULT_STORE_SPEC);
  if (s.kind === 'memory' || s.path === ':memory:') {
    throw usage(`--store ${spec} is empty in a new process: crosstalk ${command} reads a SQLite file (--store sqlite:PATH or --store PATH.db)`, 'store');
  }
  return s;
}

/** The database must exist: a mistyped path is STORE_UNAVAILABLE, never a new empty file. */
export function mustExist(path: string): void {
  if (path !== ':memory:' && !existsSync(path)) {
    throw new CrosstalkError('STORE_UNAVAILABLE', `no store at ${path}: nothing has been persisted there yet; point --store at an existing database, or persist events into it first (crosstalk run --store ${path} --persist PATTERN, or crosstalk publish --store ${path})`);
  }
}

/** Opens an existing database for reading (read-only: never blocks the writer). */
export function openReader(spec: string | undefined, command: string): CliStore {
  const s = storedSpec(spec, command);
  mustExist(s.path);
  return openStore(`sqlite:${s.path}`, { readonly: true, sweepIntervalMs: 0 });
}

/** Opens an existing database for writing (replay checkpoints, index creation). */
export function openWriter(spec: string | undefined, command: string): CliStore {
  const s = storedSpec(spec, command);
  mustExist(s.path);
  return openStore(`sqlite:${s.path}`, { sweepIntervalMs: 0 });
}

export async function runStoreCommand(name: string, json: boolean, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (e) {
    if (!(e instanceof CrosstalkError)) throw e;
    reportError(e, name, json);
  }
}

export async function withStore<S extends EventStore, T>(store: S, fn: (s: S) => Promise<T>): Promise<T> {
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/**
 * What a reading command reads: the JetStream stream of `--bus nats://…`
 * (every process's persistent events), or the database of `--store`. Both
 * at once is a contradiction, refused before anything is opened.
 */
export function checkSource(a: { store?: string; bus?: string }, command: string): 'stream' | 'store' {
  if (a.bus === undefined) {
    storedSpec(a.store, command);
    return 'store';
  }
  parseBusUrl(a.bus);
  if (a.store !== undefined) throw usage(`--store and --bus name two places to read: give one (--bus reads the JetStream stream of every joined process)`, 'store');
  return 'stream';
}

/** Opens what checkSource chose: the stream (its own connection) or the database, read-only. */
export async function openSource(a: { store?: string; bus?: string }, command: string): Promise<CliStore | StreamStore> {
  if (checkSource(a, command) === 'store') return openReader(a.store, command);
  const { openJetStreamStore } = await import('../../transport/jetstream-store.js');
  return openJetStreamStore(a.bus!);
}
