/**
 * `crosstalk trace <correlation-id | event-id>`: a causal chain from the
 * store as an indented timeline, or `--json`. An id no stored event has is
 * NOT_FOUND (exit 1).
 */
import type { Argv, CommandModule } from 'yargs';
import { CrosstalkError } from '../../core/errors.js';
import { DEFAULT_TRACE_LIMIT, MAX_TRACE_LIMIT, renderTrace, traceEvents } from '../../observe/trace.js';
import { withStoreOptions, type StoreArgs } from '../store/args.js';
import { openReader, runStoreCommand, withStore } from '../store/run.js';

interface TraceArgs extends StoreArgs {
  id: string;
  limit: number;
}

export const traceCommand: CommandModule<object, TraceArgs> = {
  command: 'trace <id>',
  describe: 'show a causal chain (a correlation id, or any event of it) as an indented timeline',
  builder: (y: Argv<object>) =>
    withStoreOptions(y.positional('id', { type: 'string', describe: 'a correlation id, or the id of an event' }))
      .option('limit', { alias: 'n', type: 'number', default: DEFAULT_TRACE_LIMIT, describe: `read at most this many events (1 to ${MAX_TRACE_LIMIT})` })
      .example('$0 trace req-42', 'every stored event of correlation req-42, as a tree of causes')
      .example('$0 trace 0b5fbc7c-6d0a-4b9c-9a57-3c54f7a2a6f1 --json', 'the chain an event belongs to, as JSON') as Argv<TraceArgs>,
  handler: (argv) =>
    runStoreCommand('trace', argv.json, async () => {
      if (typeof argv.id !== 'string' || argv.id === '') {
        throw new CrosstalkError('INVALID_QUERY', 'name a correlation id or an event id: crosstalk trace <id>', { option: 'id' });
      }
      if (!Number.isInteger(argv.limit) || argv.limit < 1 || argv.limit > MAX_TRACE_LIMIT) {
        throw new CrosstalkError('INVALID_OPTION', `--limit must be an integer from 1 to ${MAX_TRACE_LIMIT}, got ${argv.limit}`, { option: 'limit' });
      }
      await withStore(openReader(argv.store, 'trace'), async (store) => {
        const t = await traceEvents(store, String(argv.id), { limit: argv.limit });
        process.stdout.write(argv.json ? `${JSON.stringify(t, null, 2)}\n` : renderTrace(t));
      });
    }),
};
