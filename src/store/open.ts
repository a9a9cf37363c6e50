/**
 * `--store` specs: `sqlite:PATH`, `sqlite` (the default path) or `memory`.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CrosstalkError, describeValue } from '../core/errors.js';
import { createMemoryStore, type MemoryStore } from './memory.js';
import { openSqliteStore, type SqliteStore, type SqliteStoreOptions } from './sqlite.js';

export const DEFAULT_STORE_PATH = './.crosstalk/events.db';
export const DEFAULT_STORE_SPEC = `sqlite:${DEFAULT_STORE_PATH}`;

export type StoreSpec = { kind: 'memory' } | { kind: 'sqlite'; path: string };

/** Parses a spec without opening anything; INVALID_OPTION names the bad spec. */
export function parseStoreSpec(spec: unknown): StoreSpec {
  if (spec === undefined || spec === null || spec === '') return { kind: 'sqlite', path: DEFAULT_STORE_PATH };
  if (typeof spec !== 'string') {
    throw new CrosstalkError('INVALID_OPTION', `store must be "sqlite:PATH" or "memory", got ${describeValue(spec)}`, { option: 'store' });
  }
  if (spec === 'memory') return { kind: 'memory' };
  if (spec === 'sqlite') return { kind: 'sqlite', path: DEFAULT_STORE_PATH };
  if (spec.startsWith('sqlite:')) {
    const path = spec.slice('sqlite:'.length);
    if (path.length === 0) {
      throw new CrosstalkError('INVALID_OPTION', 'store "sqlite:" needs a path, e.g. sqlite:./events.db', { option: 'store' });
    }
    return { kind: 'sqlite', path };
  }
  throw new CrosstalkError('INVALID_OPTION', `store must be "sqlite:PATH" or "memory", got ${describeValue(spec)}`, { option: 'store' });
}

export interface OpenStoreOptions extends SqliteStoreOptions {}

/**
 * Opens the store a spec names, creating the SQLite file's directory when
 * writing. With `readonly`, a missing database is STORE_UNAVAILABLE.
 */
export function openStore(spec?: string, options: OpenStoreOptions = {}): SqliteStore | MemoryStore {
  const s = parseStoreSpec(spec);
  if (s.kind === 'memory') return createMemoryStore(options.sweepIntervalMs === undefined ? {} : { sweepIntervalMs: options.sweepIntervalMs });
  const inMemoryDb = s.path === ':memory:';
  if (!inMemoryDb && !options.readonly) {
    try {
      mkdirSync(dirname(resolve(s.path)), { recursive: true });
    } catch (e) {
      throw new CrosstalkError('STORE_UNAVAILABLE', `cannot create the directory for ${s.path}: ${(e as Error).message}`, { cause: e });
    }
  }
  return openSqliteStore(s.path, options);
}
