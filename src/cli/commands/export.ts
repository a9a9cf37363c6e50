/**
 * `crosstalk export`: every stored event matching a query, in sequence
 * order, to a JSON Lines, CSV or Parquet file (or stdout for the text
 * formats), page by page, with a progress bar when stderr is a terminal.
 * Events stored after the export began are left out, so the output is one
 * consistent range of sequences.
 */
import { createWriteStream, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Argv, CommandModule } from 'yargs';
import { CrosstalkError } from '../../core/errors.js';
import { normalizeQuery } from '../../core/query.js';
import { hasExtras } from '../../store/types.js';
import { queryFromArgs, withQueryOptions, type QueryArgs } from '../store/args.js';
import { eventWriter, type EventWriter } from '../store/format.js';
import { parquetEventWriter } from '../store/parquet.js';
import { progressBar } from '../store/progress.js';
import { openReader, runStoreCommand, withStore } from '../store/run.js';

export const EXPORT_FORMATS = ['jsonl', 'csv', 'parquet'] as const;
type ExportFormat = (typeof EXPORT_FORMATS)[number];

interface ExportArgs extends QueryArgs {
  format: ExportFormat;
  out: string;
}

const PAGE = 5000;

export const exportCommand: CommandModule<object, ExportArgs> = {
  command: 'export',
  describe: 'write stored events to a JSON Lines, CSV or Parquet file',
  builder: (y: Argv<object>) =>
    withQueryOptions(y, 'export at most this many events (default: all that match)')
      .option('format', { alias: 'f', choices: EXPORT_FORMATS, default: 'jsonl' as ExportFormat, describe: 'file format' })
      .option('out', { alias: 'o', type: 'string', default: '-', describe: 'output file; - is stdout (jsonl and csv only)' })
      .example('$0 export --format parquet --out events.parquet', 'everything, as Parquet')
      .example('$0 export -t "order.**" --since 7d --format csv --out orders.csv', 'a week of orders as CSV')
      .example('$0 export --where "data.amount>=500" | gzip > big.jsonl.gz', 'JSON Lines to a pipe') as Argv<ExportArgs>,
  handler: (argv) =>
    runStoreCommand('export', argv.json, async () => {
      const { limit, ...rest } = queryFromArgs(argv);
      const q = normalizeQuery(rest);
      if (q.order !== 'asc') throw new CrosstalkError('INVALID_OPTION', 'export runs in sequence order: --order must be asc', { option: 'order' });
      if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1)) {
        throw new CrosstalkError('INVALID_QUERY', `--limit must be a positive integer, got ${String(limit)}`, { option: 'limit' });
      }
      const toStdout = argv.out === '-';
      if (toStdout && argv.format === 'parquet') {
        throw new CrosstalkError('INVALID_OPTION', 'parquet needs a file: add --out FILE', { option: 'out' });
      }
      if (!toStdout) {
        // fail before reading anything when the file cannot be written
        try {
          writeFileSync(argv.out, '');
        } catch (e) {
          throw new CrosstalkError('INVALID_OPTION', `cannot write --out ${argv.out}: ${(e as Error).message}`, { option: 'out' });
        }
      }
      await withStore(openReader(argv.store), async (store) => {
        const stopAt = store.lastSequence();
        const max = (limit as number | undefined) ?? Infinity;
        const total = hasExtras(store) ? Math.min(await store.countMatching(q), max) : null;
        const progress = progressBar(`export ${argv.format}`, total);
        let stream: Writable | null = null;
        let writer: EventWriter;
        if (argv.format === 'parquet') writer = parquetEventWriter(argv.out);
        else {
          stream = toStdout ? process.stdout : createWriteStream(argv.out);
          writer = eventWriter(argv.format, stream);
        }
        let n = 0;
        let after = q.after_sequence ?? 0;
        for (;;) {
          const want = Math.min(PAGE, max - n);
          if (want <= 0) break;
          const page = (await store.query({ ...q, after_sequence: after, limit: want })).filter((e) => e.sequence <= stopAt);
          if (page.length > 0) {
            await writer.write(page);
            n += page.length;
            after = page[page.length - 1]!.sequence;
            progress.update(n);
          }
          if (page.length < want) break;
        }
        await writer.end();
        if (stream && !toStdout) {
          stream.end();
          await once(stream, 'finish');
        }
        progress.finish(n);
        const summary = { exported: n, format: argv.format, out: toStdout ? 'stdout' : argv.out };
        process.stderr.write(argv.json ? `${JSON.stringify(summary)}\n` : `exported ${n} event${n === 1 ? '' : 's'} to ${summary.out}\n`);
      });
    }),
};
