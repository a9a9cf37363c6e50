/**
 * `crosstalk analyze`: recurring sequences and rate anomalies among stored
 * events, each with a one-line explanation (observe/patterns.ts).
 */
import type { Argv, CommandModule } from 'yargs';
import { CrosstalkError } from '../../core/errors.js';
import { normalizeQuery } from '../../core/query.js';
import { formatDuration, parseDuration } from '../../observe/analysis.js';
import { analyze, checkAnalysisOptions, type AnalysisReport } from '../../observe/patterns.js';
import { queryFromArgs, withStoreOptions, type StoreArgs } from '../store/args.js';
import { openReader, runStoreCommand, withStore } from '../store/run.js';
import { withRangeOptions } from '../store/stats-by.js';

interface AnalyzeArgs extends StoreArgs {
  type?: string;
  since?: string;
  until?: string;
  source?: string;
  where?: string[];
  window: string;
  bucket?: string;
  minSupport: number;
  minConfidence: number;
  minLift: number;
  threshold: number;
  minCount: number;
  sameCorrelation: boolean;
  only?: string;
  top: number;
}

const ONLY = ['sequences', 'anomalies'] as const;

function render(r: AnalysisReport, a: AnalyzeArgs): string {
  const lines = [
    r.events === 0
      ? 'no matching events'
      : `${r.events.toLocaleString('en-US')} events from ${r.range.start} to ${r.range.end}`,
  ];
  if (r.events === 0) return `${lines.join('\n')}\n`;
  if (a.only !== 'anomalies') {
    lines.push('', `sequences (A then B within ${a.window}${a.sameCorrelation ? ', same correlation id' : ''}):`);
    if (r.sequences.length === 0) lines.push('  none above the thresholds (--min-support, --min-confidence, --min-lift)');
    for (const s of r.sequences) lines.push(`  ${s.explanation}`);
  }
  if (a.only !== 'sequences') {
    lines.push('', `anomalies (${formatDuration(r.bucket_ms)} buckets, ${a.threshold}σ or more from each type's usual rate):`);
    if (r.anomalies.length === 0) lines.push('  none');
    for (const x of r.anomalies) lines.push(`  ${x.kind === 'spike' ? '▲' : '▼'} ${x.explanation}`);
  }
  return `${lines.join('\n')}\n`;
}

export const analyzeCommand: CommandModule<object, AnalyzeArgs> = {
  command: 'analyze',
  describe: 'recurring sequences (A then B) and rate anomalies among stored events, explained',
  builder: (y: Argv<object>) =>
    withRangeOptions(withStoreOptions(y))
      .option('source', { type: 'string', describe: 'only events whose source.component is this' })
      .option('where', { alias: 'w', type: 'string', array: true, describe: "a filter, repeatable: 'data.amount>=500'" })
      .option('window', { type: 'string', default: '10s', describe: 'sequences: B must follow A within this long (500ms, 10s, 5m, …)' })
      .option('min-support', { type: 'number', default: 5, describe: 'sequences: at least this many A followed by B' })
      .option('min-confidence', { type: 'number', default: 0.5, describe: 'sequences: at least this share of A followed by B (0-1)' })
      .option('min-lift', { type: 'number', default: 2, describe: 'sequences: at least this many times more often than chance' })
      .option('same-correlation', { type: 'boolean', default: false, describe: 'sequences: only a B with the correlation id of its A' })
      .option('bucket', { type: 'string', describe: 'anomalies: time bucket (1m, 5m, 1h, …; default: about 60 over the range)' })
      .option('threshold', { type: 'number', default: 4, describe: "anomalies: spreads (σ) from a type's usual rate" })
      .option('min-count', { type: 'number', default: 5, describe: 'anomalies: at least this many events from the baseline' })
      .option('only', { type: 'string', describe: 'sequences or anomalies' })
      .option('top', { type: 'number', default: 20, describe: 'report at most this many of each' })
      .example('$0 analyze --since 24h', 'sequences and anomalies of the last day')
      .example("$0 analyze -t 'order.**' --window 30s --same-correlation", 'how order events follow one another')
      .example('$0 analyze --only anomalies --bucket 5m --json', 'rate anomalies in 5-minute buckets, as JSON') as unknown as Argv<AnalyzeArgs>,
  handler: (argv) =>
    runStoreCommand('analyze', argv.json, async () => {
      for (const flag of ['window', 'bucket', 'only', 'type', 'since', 'until', 'source'] as const) {
        if (Array.isArray(argv[flag])) throw new CrosstalkError('INVALID_OPTION', `give --${flag} once`, { option: flag });
      }
      if (argv.only !== undefined && !(ONLY as readonly string[]).includes(argv.only)) {
        throw new CrosstalkError('INVALID_OPTION', `--only must be sequences or anomalies, got ${JSON.stringify(argv.only)}`, { option: 'only' });
      }
      const windowMs = parseDuration(argv.window, 'window');
      const bucketMs = argv.bucket === undefined ? undefined : parseDuration(argv.bucket, 'bucket', 1000);
      const q = normalizeQuery({ ...queryFromArgs(argv), limit: 1 });
      const sequences = argv.only === 'anomalies' ? false : {
        windowMs,
        minSupport: argv.minSupport,
        minConfidence: argv.minConfidence,
        minLift: argv.minLift,
        sameCorrelation: argv.sameCorrelation,
        top: argv.top,
      };
      const anomalies = argv.only === 'sequences' ? false : {
        ...(bucketMs !== undefined ? { bucketMs } : {}),
        threshold: argv.threshold,
        minCount: argv.minCount,
        top: argv.top,
      };
      // every option is checked before the store is opened (a rejected command touches nothing)
      checkAnalysisOptions({ sequences, anomalies });
      await withStore(openReader(argv.store, 'analyze'), async (store) => {
        const r = await analyze(store, q, { sequences, anomalies });
        process.stdout.write(argv.json ? `${JSON.stringify(r, null, 2)}\n` : render(r, argv));
      });
    }),
};
