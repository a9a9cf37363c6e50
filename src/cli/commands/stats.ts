/**
 * `crosstalk stats`: what the store holds — counts by event type, rates,
 * time span, sequence range and size on disk.
 */
import type { Argv, CommandModule } from 'yargs';
import { CrosstalkError } from '../../core/errors.js';
import type { StoreStats } from '../../store/types.js';
import { withStoreOptions, type StoreArgs } from '../store/args.js';
import { openReader, runStoreCommand, storedSpec, withStore } from '../store/run.js';
import { planStatsBy, printStatsBy, wantsStatsBy, withRangeOptions, type StatsByArgs } from '../store/stats-by.js';

interface StatsArgs extends StoreArgs, StatsByArgs {
  top: number;
}

function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

const num = (n: number) => n.toLocaleString('en-US');
/** Two significant digits below 1/s, so a slow trickle does not read as 0.00/s. */
const rate = (r: number) => `${r >= 100 ? Math.round(r).toLocaleString('en-US') : r >= 1 || r === 0 ? r.toFixed(2) : r.toPrecision(2)}/s`;

function duration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

const partial = (seconds: number, window: number) => (seconds < window ? '*' : '');

export function renderStats(s: StoreStats, top: number): string {
  const lines = [
    `store      ${s.kind}${s.path ? ` ${s.path}` : ''} (${bytes(s.size_bytes)})`,
    `events     ${num(s.count)}${s.expired_pending_sweep ? ` (+${num(s.expired_pending_sweep)} expired, awaiting the sweeper)` : ''}`,
  ];
  if (s.count > 0) {
    lines.push(
      `sequences  ${s.first_sequence} … ${s.last_sequence}`,
      `time span  ${s.first_timestamp} → ${s.last_timestamp}`,
      `rate       ${rate(s.rate_overall)} overall · ${rate(s.rate_last_minute)} last minute${partial(s.rate_last_minute_seconds, 60)} · ` +
        `${rate(s.rate_last_hour)} last hour${partial(s.rate_last_hour_seconds, 3600)}`,
    );
    // a window longer than the store's history is rated over the part it has
    if (s.rate_last_hour_seconds < 3600) {
      lines.push(`           * over the ${duration(s.rate_last_hour_seconds)} since the first stored event, not the whole window`);
    }
    lines.push('', `${'COUNT'.padStart(12)}  ${'LAST MIN'.padStart(8)}  TYPE`);
    for (const t of s.by_type.slice(0, top)) {
      lines.push(`${num(t.count).padStart(12)}  ${num(t.last_minute).padStart(8)}  ${t.event_type}`);
    }
    if (s.by_type.length > top) lines.push(`${''.padStart(12)}  ${''.padStart(8)}  … ${s.by_type.length - top} more types (--top)`);
  }
  // what the sweeper's policies removed, kept in the database by whoever swept
  if (s.retention !== undefined && s.retention.length > 0) {
    lines.push('', `${'REMOVED'.padStart(12)}  ${'LAST'.padEnd(24)}  POLICY`);
    for (const r of s.retention) lines.push(`${num(r.removed).padStart(12)}  ${r.last_removed_at.padEnd(24)}  ${r.policy}`);
  }
  return `${lines.join('\n')}\n`;
}

export const statsCommand: CommandModule<object, StatsArgs> = {
  command: 'stats',
  describe: 'counts by event type, rates and size of the store',
  builder: (y: Argv<object>) =>
    withRangeOptions(withStoreOptions(y))
      .option('top', { type: 'number', default: 20, describe: 'list at most this many event types' })
      .option('by', { type: 'string', describe: 'group counts and rates by type (default), source, minute or hour' })
      .option('field', { type: 'string', describe: 'p50/p90/p99 and a histogram of a numeric field, e.g. data.duration_ms' })
      .option('buckets', { type: 'number', describe: 'histogram bins of --field (1-40, default 10; a log scale when values span decades)' })
      .example('$0 stats', 'summary of ./.crosstalk/events.db')
      .example('$0 stats --store sqlite:/var/lib/app/events.db --json', 'the same as JSON')
      .example("$0 stats -t 'order.*' --since 1h --by minute", 'order events per minute over the last hour')
      .example('$0 stats --field data.duration_ms --by type', 'p50/p90/p99 of data.duration_ms, overall and per type') as Argv<StatsArgs>,
  handler: (argv) =>
    runStoreCommand('stats', argv.json, async () => {
      if (!Number.isInteger(argv.top) || argv.top < 0) {
        throw new CrosstalkError('INVALID_OPTION', `--top must be an integer >= 0, got ${argv.top}`, { option: 'top' });
      }
      storedSpec(argv.store, 'stats');
      if (wantsStatsBy(argv) || argv.buckets !== undefined) {
        const plan = planStatsBy(argv);
        return withStore(openReader(argv.store, 'stats'), (store) => printStatsBy(store, argv, plan));
      }
      await withStore(openReader(argv.store, 'stats'), async (store) => {
        const s = await store.stats();
        process.stdout.write(argv.json ? `${JSON.stringify(s, null, 2)}\n` : renderStats(s, argv.top));
      });
    }),
};
