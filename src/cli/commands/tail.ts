/**
 * `crosstalk tail <pattern>`: follow newly stored events, like `tail -f`.
 * It polls the store (a read-only connection, so it never slows the writer)
 * for events after the last one it printed. A missing database is an error,
 * unless `--wait` asks to wait for it to be created. With `--bus` it follows
 * the processes joined through NATS instead, their stream's history first
 * when asked (follow-bus.ts).
 */
import { existsSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { CrosstalkError } from '../../core/errors.js';
import type { UniversalEvent } from '../../core/event.js';
import { normalizeQuery } from '../../core/query.js';
import type { EventQuery } from '../../core/types.js';
import { parseBusUrl } from '../../transport/url.js';
import { outputFormat, queryFromArgs, withQueryOptions, type QueryArgs } from '../store/args.js';
import { eventWriter, type EventWriter } from '../store/format.js';
import { followBus, liveFilter, refuseStoreFlags } from '../store/follow-bus.js';
import { openReader, runStoreCommand, storedSpec, type CliStore } from '../store/run.js';
import { usage } from '../usage.js';

const TAIL_FORMATS = ['table', 'jsonl', 'csv'] as const;

export interface TailArgs extends QueryArgs {
  pattern?: string;
  format?: (typeof TAIL_FORMATS)[number];
  interval?: number;
  last?: number;
  count?: number;
  bus?: string;
  wait: boolean;
}

const PAGE = 1000;
const DEFAULT_INTERVAL_MS = 250;
const NEEDS_PATTERN = "tail needs a pattern: crosstalk tail 'order.*' ('**' follows every event)";

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function integerFlag(name: string, v: number | undefined, min: number): void {
  if (v !== undefined && (!Number.isInteger(v) || v < min)) throw usage(`--${name} must be an integer >= ${min}, got ${v}`, name);
}

/** The pattern, given as the argument or as -t (not both, unless they agree). */
function patternOf(argv: TailArgs): string {
  if (argv.pattern !== undefined && argv.type !== undefined && argv.pattern !== argv.type) {
    throw usage(`the pattern is given twice (${JSON.stringify(argv.pattern)} and -t ${JSON.stringify(argv.type)}): give one`, 'type');
  }
  const p = argv.pattern ?? argv.type;
  if (p === undefined || p === '') throw usage(NEEDS_PATTERN, 'pattern');
  return p;
}

export const tailCommand: CommandModule<object, TailArgs> = {
  command: 'tail [pattern]',
  describe: 'follow newly stored events matching a pattern (like tail -f)',
  builder: (y: Argv<object>) =>
    withQueryOptions(y.positional('pattern', { type: 'string', describe: 'event type pattern, e.g. "**" or "order.*" (or -t)' }), '', ['order', 'limit'])
      .option('format', { alias: 'f', choices: TAIL_FORMATS, describe: 'output format (default table; --json means jsonl)' })
      .option('interval', { type: 'number', describe: `poll the store every this many ms (default ${DEFAULT_INTERVAL_MS})` })
      .option('last', { alias: 'n', type: 'number', describe: 'first print the last N stored matches' })
      .option('count', { type: 'number', describe: 'exit after printing this many events' })
      .option('wait', { type: 'boolean', default: false, describe: 'wait for a database that does not exist yet (else: an error)' })
      .option('bus', {
        type: 'string',
        describe: 'follow every process joined to nats://host:port instead of a store (-n, --since and --after read their JetStream stream first)',
      })
      .example('$0 tail "**"', 'every event as it is stored')
      .example('$0 tail "order.*" -n 10 --where "data.amount>=500"', 'the last 10 big orders, then new ones')
      .example('$0 tail "order.*" --since 1h', 'everything of the last hour, then new events')
      .example('$0 tail "order.*" --until 2026-12-05T18:00Z', 'follow until 18:00 UTC, then exit')
      .example('$0 tail "agent.**" --json | jq .data', 'JSON Lines for other tools')
      .example('$0 tail "order.*" --bus nats://127.0.0.1:4222', 'live events from every joined process')
      .example('$0 tail "order.*" -n 20 --bus nats://127.0.0.1:4222', 'their last 20 stored orders first, then live ones') as Argv<TailArgs>,
  handler: (argv) =>
    runStoreCommand('tail', argv.json, async () => {
      const pattern = patternOf(argv);
      integerFlag('interval', argv.interval, 10);
      integerFlag('last', argv.last, 0);
      integerFlag('count', argv.count, 1);
      const base: EventQuery = normalizeQuery({ ...queryFromArgs(argv), event_type: pattern });
      const format = outputFormat(argv, 'jsonl', 'table');
      if (argv.bus !== undefined) {
        parseBusUrl(argv.bus);
        refuseStoreFlags(argv as unknown as Record<string, unknown>);
        return followLive(argv, pattern, base, eventWriter(format, process.stdout));
      }
      const { path } = storedSpec(argv.store, 'tail');
      if (!argv.wait && !existsSync(path)) {
        throw new CrosstalkError('STORE_UNAVAILABLE', `no store at ${path} (check --store; --wait waits for it to be created)`);
      }
      await followStore(argv, path, base, eventWriter(format, process.stdout));
    }),
};

/** Polls the store until --count events, --until has passed, or a signal. */
async function followStore(argv: TailArgs, path: string, base: EventQuery, out: EventWriter): Promise<void> {
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const interval = argv.interval ?? DEFAULT_INTERVAL_MS;
  let store: CliStore | null = null;
  let printed = 0;
  const max = argv.count ?? Infinity;
  try {
    let cursor = -1;
    let told = false;
    while (!ac.signal.aborted && printed < max) {
      // an event stored after --until can still carry a time before it: one last look after the deadline
      const last = base.end_time !== undefined && Date.now() > base.end_time;
      if (store === null) {
        if (!existsSync(path)) {
          // nothing stored before --until can appear now
          if (last) break;
          if (!told) process.stderr.write(`crosstalk tail: waiting for ${path} to be created\n`);
          told = true;
          await sleep(interval, ac.signal);
          continue;
        }
        store = openReader(argv.store, 'tail');
        // a database that appeared while we waited holds only new events: all of them are followed
        cursor = await startCursor(store, base, argv, told, Math.min(argv.last ?? 0, max), async (events) => {
          await out.write(events);
          printed += events.length;
        });
      }
      const page = await store.query({ ...base, after_sequence: cursor, limit: Math.min(PAGE, max - printed), order: 'asc' });
      if (page.length > 0) {
        await out.write(page);
        printed += page.length;
        cursor = page[page.length - 1]!.sequence;
      }
      if (page.length < PAGE) {
        if (last) break;
        if (printed < max) await sleep(interval, ac.signal);
      }
    }
    await out.end();
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await store?.close();
  }
}

/**
 * Where following starts. `-n N` prints the last N matches first (of those
 * after --since/--after, when given) and follows from the end; without it,
 * --since or --after start there, so every stored match from there on is
 * printed; with neither, only events stored from now on (or, for a database
 * that was created while tail waited for it, every event in it).
 */
async function startCursor(
  store: CliStore,
  q: EventQuery,
  argv: TailArgs,
  created: boolean,
  last: number,
  write: (events: UniversalEvent[]) => Promise<void>,
): Promise<number> {
  const end = store.lastSequence();
  if (last > 0) {
    const filters = { ...(q.filters ?? {}), sequence: { op: '<=' as const, value: end } };
    const recent = await store.query({ ...q, filters, limit: Math.min(last, 10_000), order: 'desc' });
    recent.reverse();
    await write(recent);
    return end;
  }
  if (argv.since !== undefined || argv.after !== undefined || created) return q.after_sequence ?? 0;
  return end;
}

/** `--bus`: the stream's history when asked, then live events from every joined process, until --count or a signal. */
async function followLive(argv: TailArgs, pattern: string, q: EventQuery, out: EventWriter): Promise<void> {
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await followBus({
      bus: argv.bus!,
      pattern,
      filters: liveFilter(q),
      max: argv.count ?? Infinity,
      ...(argv.last !== undefined || argv.since !== undefined || argv.after !== undefined ? { history: { query: q, last: argv.last ?? 0 } } : {}),
      signal: ac.signal,
      out,
      ready: (url) => process.stderr.write(`crosstalk tail: following ${JSON.stringify(pattern)} on ${url}\n`),
      status: (message) => process.stderr.write(`crosstalk tail: ${message}\n`),
    });
    await out.end();
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
