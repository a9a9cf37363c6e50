/**
 * `crosstalk stats --type/--since/--until/--by/--field`: counts and rates
 * by type, source, minute or hour, and the distribution of a numeric field,
 * as text for people or `--json` (observe/analysis.ts computes them).
 */
import type { Argv } from 'yargs';
import { CrosstalkError } from '../../core/errors.js';
import { normalizeQuery } from '../../core/query.js';
import type { EventQuery, EventStore } from '../../core/types.js';
import { fieldStats, statsBy, STATS_BY, type FieldReport, type FieldStats, type StatsBy, type StatsReport } from '../../observe/analysis.js';
import { queryFromArgs, type StoreArgs } from './args.js';

export interface StatsByArgs extends StoreArgs {
  top: number;
  type?: string;
  since?: string;
  until?: string;
  by?: string;
  field?: string;
  buckets?: number;
}

/** `-t/--type`, `--since`, `--until`: which stored events stats and analyze look at. */
export function withRangeOptions<T>(y: Argv<T>): Argv<T & { type?: string; since?: string; until?: string }> {
  return y
    .option('type', { alias: 't', type: 'string', describe: 'only events whose type matches this pattern' })
    .option('since', { type: 'string', describe: 'from this time: ISO-8601, epoch ms, or an age like 15m, 2h, 7d' })
    .option('until', { type: 'string', describe: 'up to this time (inclusive), same forms as --since' });
}

/** True when the flags ask for a grouped or field report rather than the store summary. */
export function wantsStatsBy(a: StatsByArgs): boolean {
  return a.type !== undefined || a.since !== undefined || a.until !== undefined || a.by !== undefined || a.field !== undefined;
}

/** Validates the flags into a query (INVALID_QUERY / INVALID_OPTION naming the flag) before the store is opened. */
export function planStatsBy(a: StatsByArgs): { q: EventQuery; by: StatsBy | undefined; field: string | undefined; bins: number } {
  for (const flag of ['type', 'since', 'until', 'by', 'field'] as const) {
    if (Array.isArray(a[flag])) throw new CrosstalkError('INVALID_OPTION', `give --${flag} once`, { option: flag });
  }
  if (a.by !== undefined && !(STATS_BY as readonly string[]).includes(a.by)) {
    throw new CrosstalkError('INVALID_OPTION', `--by must be one of ${STATS_BY.join(', ')}, got ${JSON.stringify(a.by)}`, { option: 'by' });
  }
  if (a.field !== undefined && (a.by === 'minute' || a.by === 'hour')) {
    throw new CrosstalkError('INVALID_OPTION', '--field splits by type or source only: use --by type or --by source with it', { option: 'by' });
  }
  const bins = a.buckets ?? 10;
  if (!Number.isInteger(bins) || bins < 1 || bins > 40) {
    throw new CrosstalkError('INVALID_OPTION', `--buckets must be an integer from 1 to 40, got ${a.buckets}`, { option: 'buckets' });
  }
  if (a.buckets !== undefined && a.field === undefined) {
    throw new CrosstalkError('INVALID_OPTION', '--buckets sets the histogram of --field: add --field PATH', { option: 'buckets' });
  }
  const q = normalizeQuery({ ...queryFromArgs({ store: a.store, json: a.json, type: a.type, since: a.since, until: a.until }), limit: 1 });
  if (a.field !== undefined) normalizeQuery({ filters: { [a.field]: { op: 'exists' } } }); // the path must be a path
  return { q, by: a.by as StatsBy | undefined, field: a.field, bins };
}

const num = (n: number) => n.toLocaleString('en-US');
const rate = (r: number) => `${r >= 100 ? Math.round(r).toLocaleString('en-US') : r.toFixed(2)}/s`;
const val = (v: number | null) => (v === null ? '-' : Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : String(Number(v.toPrecision(4))));
const bar = (n: number, max: number, width = 30) => (max === 0 ? '' : '█'.repeat(Math.round((n / max) * width)) || (n > 0 ? '▏' : ''));

function describe(q: EventQuery, r: StatsReport | null): string {
  const parts = [q.event_type ?? 'all events'];
  if (q.start_time !== undefined) parts.push(`since ${new Date(q.start_time).toISOString()}`);
  if (q.end_time !== undefined) parts.push(`until ${new Date(q.end_time).toISOString()}`);
  if (r !== null && r.window.start !== null) {
    parts.push(`: ${num(r.total)} events, ${rate(r.total / r.window.seconds)} over ${num(Math.round(r.window.seconds))} s`);
    if (r.window.note) parts.push(`(${r.window.note})`);
  } else if (r !== null) parts.push(': no events');
  return parts.join(' ').replace(' :', ':');
}

export function renderStatsBy(q: EventQuery, r: StatsReport, top: number): string {
  const lines = [describe(q, r)];
  if (r.groups.length === 0) return `${lines.join('\n')}\n`;
  if (r.by === 'minute' || r.by === 'hour') {
    const max = Math.max(...r.groups.map((g) => g.count));
    lines.push(`  ${(r.by === 'minute' ? 'MINUTE (UTC)' : 'HOUR (UTC)').padEnd(17)}  ${'COUNT'.padStart(10)}  ${'RATE'.padStart(10)}`);
    for (const g of r.groups) lines.push(`  ${g.key.slice(0, 16)}Z  ${num(g.count).padStart(10)}  ${rate(g.rate).padStart(10)}  ${bar(g.count, max)}`);
  } else {
    lines.push(`${'COUNT'.padStart(12)}  ${'RATE'.padStart(10)}  ${'SHARE'.padStart(6)}  ${r.by === 'type' ? 'TYPE' : 'SOURCE'}`);
    for (const g of r.groups.slice(0, top)) {
      lines.push(`${num(g.count).padStart(12)}  ${rate(g.rate).padStart(10)}  ${`${(g.share * 100).toFixed(1)}%`.padStart(6)}  ${g.key}`);
    }
    if (r.groups.length > top) lines.push(`${''.padStart(32)}… ${r.groups.length - top} more (--top)`);
  }
  return `${lines.join('\n')}\n`;
}

function summaryLine(s: FieldStats): string {
  return `min ${val(s.min)} · mean ${val(s.mean)} · p50 ${val(s.p50)} · p90 ${val(s.p90)} · p99 ${val(s.p99)} · max ${val(s.max)}`;
}

export function renderField(q: EventQuery, f: FieldReport, top: number): string {
  const a = f.all;
  const lines = [
    `${f.path} over ${describe(q, null)}: ${num(a.count)} numbers among ${num(a.matched)} events${a.matched > a.count ? ` (${num(a.matched - a.count)} without a number there)` : ''}`,
  ];
  if (a.count === 0) return `${lines.join('\n')}\n`;
  lines.push(`  ${summaryLine(a)}`);
  const max = Math.max(...a.histogram.map((b) => b.count));
  const labels = a.histogram.map((b, i) => `${i === a.histogram.length - 1 ? '[' : '['}${val(b.lower)}, ${val(b.upper)}${i === a.histogram.length - 1 ? ']' : ')'}`);
  const w = Math.max(...labels.map((l) => l.length));
  a.histogram.forEach((b, i) => lines.push(`  ${labels[i]!.padEnd(w)}  ${num(b.count).padStart(10)}  ${bar(b.count, max)}`));
  if (f.by !== undefined) {
    lines.push('', `${'NUMBERS'.padStart(12)}  ${'P50'.padStart(9)}  ${'P90'.padStart(9)}  ${'P99'.padStart(9)}  ${'MAX'.padStart(9)}  ${f.by === 'type' ? 'TYPE' : 'SOURCE'}`);
    const withNumbers = f.groups.filter((g) => g.count > 0);
    for (const g of withNumbers.slice(0, top)) {
      lines.push(`${num(g.count).padStart(12)}  ${val(g.p50).padStart(9)}  ${val(g.p90).padStart(9)}  ${val(g.p99).padStart(9)}  ${val(g.max).padStart(9)}  ${g.key}`);
    }
    if (withNumbers.length > top) lines.push(`${''.padStart(12)}  … ${withNumbers.length - top} more (--top)`);
    if (withNumbers.length < f.groups.length) lines.push(`${''.padStart(12)}  (${f.groups.length - withNumbers.length} more without a number at ${f.path})`);
  }
  return `${lines.join('\n')}\n`;
}

/** Runs the report the flags ask for on an open store and prints it. */
export async function printStatsBy(store: EventStore, a: StatsByArgs, plan: ReturnType<typeof planStatsBy>): Promise<void> {
  const { q, by, field, bins } = plan;
  let text: string;
  if (field !== undefined) {
    const f = await fieldStats(store, q, field, { ...(by === 'type' || by === 'source' ? { by } : {}), bins });
    text = a.json ? `${JSON.stringify(f, null, 2)}\n` : renderField(q, f, a.top);
  } else {
    const r = await statsBy(store, q, by ?? 'type');
    text = a.json ? `${JSON.stringify(r, null, 2)}\n` : renderStatsBy(q, r, a.top);
  }
  process.stdout.write(text);
}
