/**
 * Replay checkpoints: a name → the last sequence a replay under that name
 * published. Stores keep them (SQLite in a table, memory in a map); this
 * module holds the one validation both use.
 */
import { CrosstalkError, describeValue } from '../core/errors.js';
import { MAX_CHECKPOINT_NAME } from './types.js';

export function checkCheckpointName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_CHECKPOINT_NAME || /[\u0000-\u001f]/.test(name)) {
    throw new CrosstalkError(
      'INVALID_OPTION',
      `checkpoint must be a name of 1–${MAX_CHECKPOINT_NAME} printable characters, got ${describeValue(name)}`,
      { option: 'checkpoint' },
    );
  }
}
