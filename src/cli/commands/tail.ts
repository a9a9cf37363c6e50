/**
 * `crosstalk tail <pattern>`: follow newly stored events, like `tail -f`.
 * It polls the store (a read-only connection, so it never slows the writer)
 * for events after the last one it printed; a database that does not exist
 * yet is waited for.
 */
import { existsSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { CrosstalkError } from '../../core/errors.js';
import { normalizeQuery } from '../../core/query.js';
import type { EventQuery } from '../../core/types.js';
import { parseStoreSpec } from '../../store/open.js';
import { queryFromArgs, withQueryOptions, type QueryArgs } from '../store/args.js';
import { eventWriter } from '../store/format.js';
import { followBus, liveFilter, refuseHistoryFlags } from '../store/follow-bus.js';
import { openReader, runStoreCommand, type CliStore } from '../store/run.js';
import { parseBusUrl } from '../../transport/url.js';

interface TailArgs extends QueryArgs {
  pattern: string;
  format: 'table' | 'jsonl' | 'csv';
  interval: number;
  last: number;
  count?: number;
  bus?: string;
}

const PAGE = 1000;

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

export const tailCommand: CommandModule<object, TailArgs> = {
  command: 'tail <pattern>',
  describe: 'follow newly stored events matching a pattern (like tail -f)',
  builder: (y: Argv<object>) =>
    withQueryOptions(y.positional('pattern', { type: 'string', describe: 'event type pattern, e.g. "**" or "order.*"' }), '', false)
      .option('format', { alias: 'f', choices: ['table', 'jsonl', 'csv'] as const, default: 'table' as const, describe: 'output format (--json means jsonl)' })
      .option('interval', { type: 'number', default: 250, describe: 'poll the store every this many ms' })
      .option('last', { alias: 'n', type: 'number', default: 0, describe: 'first print the last N stored matches' })
      .option('count', { type: 'number', describe: 'exit after printing this many events' })
      .option('bus', { type: 'string', describe: 'follow live events of every process joined to nats://host:port instead of a store' })
      .example('$0 tail "**"', 'every event as it is stored')
      .example('$0 tail "order.*" -n 10 --where "data.amount>=500"', 'the last 10 big orders, then new ones')
      .example('$0 tail "agent.**" --json | jq .data', 'JSON Lines for other tools')
      .example('$0 tail "order.*" --bus nats://127.0.0.1:4222', 'live events from every joined process') as Argv<TailArgs>,
  handler: (argv) =>
    runStoreCommand('tail', argv.json, async () => {
      for (const [name, v, min] of [['interval', argv.interval, 10], ['last', argv.last, 0], ['count', argv.count ?? 1, 1]] as const) {
        if (!Number.isInteger(v) || v < min) throw new CrosstalkError('INVALID_OPTION', `--${name} must be an integer >= ${min}, got ${v}`, { option: name });
      }
      const raw = { ...queryFromArgs(argv), event_type: argv.pattern };
      const base: EventQuery = normalizeQuery(raw);
      if (argv.bus !== undefined) {
        if (Array.isArray(argv.bus)) throw new CrosstalkError('INVALID_OPTION', 'give --bus once', { option: 'bus' });
        parseBusUrl(argv.bus);
        refuseHistoryFlags(argv as unknown as Record<string, unknown>);
        return followLive(argv, base);
      }
      const spec = parseStoreSpec(argv.store);
      const out = eventWriter(argv.json ? 'jsonl' : argv.format, process.stdout);
      const ac = new AbortController();
      const stop = () => ac.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      let store: CliStore | null = null;
      let printed = 0;
      const max = argv.count ?? Infinity;
      try {
        let cursor = base.after_sequence ?? -1;
        while (!ac.signal.aborted && printed < max) {
          if (store === null) {
            if (spec.kind === 'sqlite' && !existsSync(spec.path)) {
              await sleep(argv.interval, ac.signal);
              continue;
            }
            store = openReader(argv.store);
            if (cursor < 0) cursor = await startCursor(store, base, Math.min(argv.last, max), (n) => (printed += n), out.write.bind(out));
          }
          const page = await store.query({ ...base, after_sequence: cursor, limit: Math.min(PAGE, max - printed), order: 'asc' });
          if (page.length > 0) {
            await out.write(page);
            printed += page.length;
            cursor = page[page.length - 1]!.sequence;
          }
          if (page.length < PAGE && printed < max) await sleep(argv.interval, ac.signal);
        }
        await out.end();
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        await store?.close();
      }
    }),
};

/** Where following starts: after everything stored now, printing the last `last` matches first. */
async function startCursor(
  store: CliStore,
  q: EventQuery,
  last: number,
  count: (n: number) => void,
  write: (events: import('../../core/event.js').UniversalEvent[]) => Promise<void>,
): Promise<number> {
  const cursor = store.lastSequence();
  if (last > 0) {
    const filters = { ...(q.filters ?? {}), sequence: { op: '<=' as const, value: cursor } };
    const recent = await store.query({ ...q, filters, limit: Math.min(last, 10_000), order: 'desc' });
    recent.reverse();
    await write(recent);
    count(recent.length);
  }
  return cursor;
}

/** `--bus`: live events from every joined process, until --count or a signal. */
async function followLive(argv: TailArgs, q: EventQuery): Promise<void> {
  const out = eventWriter(argv.json ? 'jsonl' : argv.format, process.stdout);
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await followBus({
      bus: argv.bus!,
      pattern: argv.pattern,
      filters: liveFilter(q),
      max: argv.count ?? Infinity,
      signal: ac.signal,
      out,
      ready: (url) => process.stderr.write(`crosstalk tail: following ${JSON.stringify(argv.pattern)} on ${url}\n`),
      status: (message) => process.stderr.write(`crosstalk tail: ${message}\n`),
    });
    await out.end();
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
