/**
 * `crosstalk export`: every stored event matching a query, in sequence
 * order, to a JSON Lines, CSV or Parquet file (or stdout for the text
 * formats), page by page, with a progress bar when stderr is a terminal.
 * Events stored after the export began are left out, so the output is one
 * consistent range of sequences. The file appears only when complete
 * (output-file.ts).
 */
import { createWriteStream } from 'node:fs';
import { extname } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Argv, CommandModule } from 'yargs';
import { CrosstalkError } from '../../core/errors.js';
import { normalizeQuery } from '../../core/query.js';
import { hasExtras } from '../../store/types.js';
import { queryFromArgs, withQueryOptions, type QueryArgs } from '../store/args.js';
import { eventWriter, type EventWriter } from '../store/format.js';
import { checkWritable, outputFile, type OutputFile } from '../store/output-file.js';
import { parquetEventWriter } from '../store/parquet.js';
import { progressBar } from '../store/progress.js';
import { checkSource, openSource, runStoreCommand, withStore, type CliStore } from '../store/run.js';
import type { StreamStore } from '../../transport/jetstream-store.js';
import { usage } from '../usage.js';

export const EXPORT_FORMATS = ['jsonl', 'csv', 'parquet'] as const;
type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** What an --out extension says the format is. */
const BY_EXTENSION: Record<string, ExportFormat> = { '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.csv': 'csv', '.parquet': 'parquet' };

interface ExportArgs extends QueryArgs {
  format?: ExportFormat;
  out: string;
  bus?: string;
}

const PAGE = 5000;

/** --format, or the one --out's extension names; a contradiction between them is refused. */
export function exportFormat(format: ExportFormat | undefined, out: string): ExportFormat {
  if (out === '-') {
    if (format === 'parquet') throw usage('Parquet needs a file: add --out FILE.parquet', 'out');
    return format ?? 'jsonl';
  }
  const ext = extname(out).toLowerCase();
  const implied = BY_EXTENSION[ext];
  if (format !== undefined) {
    if (implied !== undefined && implied !== format) {
      throw usage(`--format ${format} contradicts --out ${out}, which names a ${implied} file: change one of them`, 'format');
    }
    return format;
  }
  if (implied !== undefined) return implied;
  throw usage(
    `cannot tell the format of --out ${out}${ext ? ` from ${ext}` : ''}: add --format jsonl|csv|parquet, or name the file .jsonl, .csv or .parquet`,
    'format',
  );
}

export const exportCommand: CommandModule<object, ExportArgs> = {
  command: 'export',
  describe: 'write stored events to a JSON Lines, CSV or Parquet file',
  builder: (y: Argv<object>) =>
    withQueryOptions(y, 'export at most this many events (default: all that match)', ['order'])
      .option('format', { alias: 'f', choices: EXPORT_FORMATS, describe: 'file format (default: from the --out extension; jsonl on stdout)' })
      .option('out', { alias: 'o', type: 'string', default: '-', describe: 'output file, written whole or not at all; - is stdout (jsonl and csv only)' })
      .option('bus', { type: 'string', describe: 'read the JetStream stream of nats://host:port (every process\'s persistent events) instead of a store' })
      .example('$0 export --out events.parquet', 'everything, as Parquet')
      .example('$0 export -t "audit.**" --bus nats://127.0.0.1:4222 --out audit.jsonl', 'from the stream shared by the processes on a NATS bus')
      .example('$0 export -t "order.**" --since 7d --out orders.csv', 'a week of orders as CSV')
      .example('$0 export --where "data.amount>=500" | gzip > big.jsonl.gz', 'JSON Lines to a pipe') as Argv<ExportArgs>,
  handler: (argv) =>
    runStoreCommand('export', argv.json, async () => {
      const { limit, ...rest } = queryFromArgs(argv);
      const q = normalizeQuery(rest);
      if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1)) {
        throw new CrosstalkError('INVALID_QUERY', `--limit must be a positive integer, got ${String(limit)}`, { option: 'limit' });
      }
      const format = exportFormat(argv.format, argv.out);
      const toStdout = argv.out === '-';
      if (!toStdout) checkWritable(argv.out, 'out');
      checkSource(argv, 'export');
      await withStore(await openSource(argv, 'export'), async (store) => {
        const file: OutputFile | null = toStdout ? null : outputFile(argv.out);
        const ac = new AbortController();
        const stop = () => ac.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        try {
          const n = await exportTo(store, q, (limit as number | undefined) ?? Infinity, format, file, ac.signal);
          if (ac.signal.aborted) {
            process.exitCode = 130;
            process.stderr.write(`crosstalk export: interrupted; ${file ? `${argv.out} was not written` : 'output is incomplete'}\n`);
            return;
          }
          file?.commit();
          const summary = { exported: n, format, out: toStdout ? 'stdout' : argv.out };
          process.stderr.write(argv.json ? `${JSON.stringify(summary)}\n` : `exported ${n} event${n === 1 ? '' : 's'} to ${summary.out}\n`);
        } finally {
          file?.discard();
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        }
      });
    }),
};

/** Writes the matching events (up to `max`, stored before it began) to `file` or stdout; returns how many. */
async function exportTo(
  store: CliStore | StreamStore,
  q: ReturnType<typeof normalizeQuery>,
  max: number,
  format: ExportFormat,
  file: OutputFile | null,
  signal: AbortSignal,
): Promise<number> {
  const stopAt = store.lastSequence();
  // a stream counts by reading what its subjects hold: too dear for a progress bar
  const total = hasExtras(store) ? Math.min(await store.countMatching(q), max) : null;
  const progress = progressBar(`export ${format}`, total);
  let stream: Writable | null = null;
  let writer: EventWriter;
  /** the output's first failure (a full disk, a device that refuses writes): reported as one line, not a crash */
  let failure: Error | null = null;
  const cannotWrite = (e: unknown) =>
    e instanceof CrosstalkError ? e : new CrosstalkError('INVALID_OPTION', `cannot write --out ${out}: ${(e as Error).message}`, { option: 'out', cause: e });
  const out = file?.path ?? 'stdout';
  let n = 0;
  let after = q.after_sequence ?? 0;
  try {
    if (format === 'parquet') writer = parquetEventWriter(file!.temp);
    else {
      stream = file === null ? process.stdout : createWriteStream(file.temp);
      stream.on('error', (e) => (failure ??= e));
      writer = eventWriter(format, stream);
    }
    while (!signal.aborted) {
      const want = Math.min(PAGE, max - n);
      if (want <= 0) break;
      const page = (await store.query({ ...q, after_sequence: after, limit: want })).filter((e) => e.sequence <= stopAt);
      if (page.length > 0) {
        await writer.write(page);
        if (failure) throw failure;
        n += page.length;
        after = page[page.length - 1]!.sequence;
        progress.update(n);
      }
      if (page.length < want) break;
    }
    await writer.end();
    if (stream !== null && file !== null) {
      // a write that failed (a full disk) surfaces here, before the file is renamed into place
      stream.end();
      await finished(stream);
    }
    if (failure) throw failure;
  } catch (e) {
    throw cannotWrite(e);
  } finally {
    if (stream !== null && file !== null) stream.destroy();
  }
  progress.finish(n);
  return n;
}
