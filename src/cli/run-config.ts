/**
 * Reads `--config FILE` (`crosstalk run`, `compact`): JSON holding
 * the bus's coordination options and the store's retention policies
 * (src/core/config.ts). A file that cannot be read or parsed, or a bad
 * field in it, is INVALID_OPTION naming the file and the field's path.
 */
import { readFileSync } from 'node:fs';
import { CrosstalkError } from '../core/errors.js';
import { parseConfig, type CrosstalkConfig } from '../core/config.js';

export function loadConfigFile(file: string): CrosstalkConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file; check the path (docs/coordination.md "Configuration file" shows one)' : (e as Error).message;
    throw new CrosstalkError('INVALID_OPTION', `--config ${file}: cannot read it: ${why}`, { option: 'config' });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CrosstalkError('INVALID_OPTION', `--config ${file}: not JSON (${(e as Error).message}); the file holds one JSON object, see docs/coordination.md "Configuration file"`, { option: 'config' });
  }
  try {
    return parseConfig(value);
  } catch (e) {
    if (!(e instanceof CrosstalkError)) throw e;
    // messages name the field themselves, mostly; where one does not, say where
    const at = e.option !== undefined && !e.message.includes(e.option) ? ` at ${e.option}` : '';
    throw new CrosstalkError(e.code, `--config ${file}${at}: ${e.message}`, { option: e.option ?? 'config', cause: e });
  }
}
