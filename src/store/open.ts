/**
 * `--store` specs: `sqlite:PATH`, `sqlite` (the default path), `memory`, or
 * a plain file path that says it is a database (`events.db`, `./x.sqlite`,
 * `data/events`): see docs/persistence.md "Stores".
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CrosstalkError, describeValue } from '../core/errors.js';
import { createMemoryStore, type MemoryStore } from './memory.js';
import { openSqliteStore, type SqliteStore, type SqliteStoreOptions } from './sqlite.js';

export const DEFAULT_STORE_PATH = './.crosstalk/events.db';
export const DEFAULT_STORE_SPEC = `sqlite:${DEFAULT_STORE_PATH}`;

export type StoreSpec = { kind: 'memory' } | { kind: 'sqlite'; path: string };

/** File names a plain `--store PATH` may end with (any other plain path needs a `/` or `sqlite:`). */
export const SQLITE_EXTENSIONS = ['.db', '.sqlite', '.sqlite3', '.db3'] as const;

const STORE_FORMS = '"sqlite:PATH", "memory" or a file path such as ./events.db';

/**
 * Parses a spec without opening anything; INVALID_OPTION names the bad spec.
 * A bare word that is neither `memory` nor a database file name (`memroy`,
 * `events`) is refused rather than taken for a new file of that name.
 */
export function parseStoreSpec(spec: unknown): StoreSpec {
  if (spec === undefined || spec === null) return { kind: 'sqlite', path: DEFAULT_STORE_PATH };
  if (typeof spec !== 'string' || spec.trim() === '') {
    throw new CrosstalkError('INVALID_OPTION', `store must be ${STORE_FORMS}, got ${describeValue(spec)}`, { option: 'store' });
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
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(spec);
  if (scheme) {
    throw new CrosstalkError('INVALID_OPTION', `store must be ${STORE_FORMS}; ${scheme[1]}:// stores are not supported, got ${describeValue(spec)}`, {
      option: 'store',
    });
  }
  const lower = spec.toLowerCase();
  if (spec.includes('/') || SQLITE_EXTENSIONS.some((x) => lower.endsWith(x))) return { kind: 'sqlite', path: spec };
  throw new CrosstalkError(
    'INVALID_OPTION',
    `store must be ${STORE_FORMS}, got ${describeValue(spec)} (a file path needs a / or one of ${SQLITE_EXTENSIONS.join(' ')})`,
    { option: 'store' },
  );
}

export interface OpenStoreOptions extends SqliteStoreOptions {}

/**
 * Opens the store a spec names, creating the SQLite file's directory when
 * writing. With `readonly`, a missing database is STORE_UNAVAILABLE.
 */
export function openStore(spec?: string, options: OpenStoreOptions = {}): SqliteStore | MemoryStore {
  const s = parseStoreSpec(spec);
  if (s.kind === 'memory') {
    return createMemoryStore({
      ...(options.sweepIntervalMs !== undefined ? { sweepIntervalMs: options.sweepIntervalMs } : {}),
      ...(options.retention !== undefined ? { retention: options.retention } : {}),
    });
  }
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
