/**
 * `crosstalk query`: stored events matching every query field and `--where`
 * expression, printed as a table, JSON, JSON Lines or CSV; from a store, or
 * with `--bus` from the JetStream stream every joined process persists to.
 */
import type { Argv, CommandModule } from 'yargs';
import { normalizeQuery } from '../../core/query.js';
import { parsePath } from '../../core/filter.js';
import { outputFormat, queryFromArgs, withQueryOptions, type QueryArgs } from '../store/args.js';
import { eventWriter, OUTPUT_FORMATS, type OutputFormat } from '../store/format.js';
import { checkSource, openSource, openWriter, runStoreCommand, withStore } from '../store/run.js';
import { usage } from '../usage.js';
import type { SqliteStore } from '../../store/sqlite.js';

interface QueryCommandArgs extends QueryArgs {
  format?: OutputFormat;
  createIndex?: string[];
  bus?: string;
}

export const queryCommand: CommandModule<object, QueryCommandArgs> = {
  command: 'query',
  describe: 'print stored events that match a query',
  builder: (y: Argv<object>) =>
    withQueryOptions(y, 'at most this many events, 1-10000 (default 100)')
      .option('format', { alias: 'f', choices: OUTPUT_FORMATS, describe: 'output format (default table; --json means json)' })
      .option('create-index', {
        type: 'string',
        array: true,
        describe: 'first index this path (e.g. data.amount) so filters on it are fast',
      })
      .option('bus', { type: 'string', describe: 'read the JetStream stream of nats://host:port (every process\'s persistent events) instead of a store' })
      .example('$0 query -t "order.*" --since 1h', 'orders of the last hour')
      .example(`$0 query --where "type LIKE 'pipeline.*' AND (data.duration > 1000 OR source = 'critical')"`, 'a filter expression')
      .example('$0 query -t "order.*" -n 20 --order desc --bus nats://127.0.0.1:4222', 'the newest orders of every process on a NATS bus')
      .example("$0 query --where 'data.amount>=500' --where 'data.currency=EUR' -n 20", 'filters on the payload')
      .example('$0 query -c req-42 --format jsonl', 'everything of one correlation id, as JSON Lines')
      .example('$0 query -t "agent.**" --after 1200 --limit 500', 'the next page after sequence 1200')
      .example('$0 query --create-index data.amount --where "data.amount>=500"', 'index a payload field, then use it') as Argv<QueryCommandArgs>,
  handler: (argv) =>
    runStoreCommand('query', argv.json, async () => {
      // everything is checked before the store is opened
      const q = normalizeQuery(queryFromArgs(argv));
      const format = outputFormat(argv, 'json', 'table');
      const indexes = argv.createIndex ?? [];
      for (const path of indexes) parsePath(path);
      if (checkSource(argv, 'query') === 'stream' && indexes.length > 0) {
        throw usage('--create-index indexes a SQLite store; the stream of --bus has no indexes (its subjects are the types): drop one of them', 'create-index');
      }
      const store = indexes.length > 0 ? openWriter(argv.store, 'query') : await openSource(argv, 'query');
      await withStore(store, async () => {
        for (const path of indexes) await (store as SqliteStore).createIndex(path);
        const events = await store.query(q);
        const out = eventWriter(format, process.stdout);
        await out.write(events);
        await out.end();
        if (format === 'table' && process.stderr.isTTY) {
          if (events.length === 0) process.stderr.write('(no matching events)\n');
          else if (events.length === q.limit && q.order === 'asc') {
            process.stderr.write(`(first ${q.limit}; next page: --after ${events[events.length - 1]!.sequence})\n`);
          }
        }
      });
    }),
};
