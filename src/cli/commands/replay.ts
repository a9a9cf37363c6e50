/**
 * `crosstalk replay`: re-publish stored events, spaced as they were (divided
 * by --speed), each with metadata.replay naming its original, into the
 * processes joined to `--bus nats://…`: from `--store`, or without it from
 * the JetStream stream those processes persist to. A named --checkpoint
 * resumes where the last replay under that name stopped (in the store, or
 * the stream's key-value bucket); it moves only past events the NATS server
 * confirmed. Without --bus there is nobody to publish to: the
 * command then prints the copies it would publish (a dry run) and says so.
 * The copies are printed in both cases.
 */
import type { Argv, CommandModule } from 'yargs';
import { createBus } from '../../core/bus.js';
import type { Bus, EventStore } from '../../core/types.js';
import { historyOf } from '../../store/history.js';
import { parseReplaySpec, replay } from '../../store/replay.js';
import { normalizeQuery } from '../../core/query.js';
import { parseBusUrl } from '../../transport/url.js';
import { outputFormat, queryFromArgs, withQueryOptions, type QueryArgs } from '../store/args.js';
import { eventWriter } from '../store/format.js';
import { progressBar } from '../store/progress.js';
import { hasExtras } from '../../store/types.js';
import { openReader, openWriter, runStoreCommand, storedSpec, withStore } from '../store/run.js';
import { usage } from '../usage.js';

const REPLAY_FORMATS = ['table', 'jsonl', 'csv'] as const;

interface ReplayArgs extends QueryArgs {
  speed: number;
  checkpoint?: string;
  format?: (typeof REPLAY_FORMATS)[number];
  bus?: string;
}

export const replayCommand: CommandModule<object, ReplayArgs> = {
  command: 'replay',
  describe: 're-publish stored events into the processes on a NATS bus, spaced as they were (or faster)',
  builder: (y: Argv<object>) =>
    withQueryOptions(y, 'replay at most this many events (default: all that match)', ['order'])
      .option('bus', {
        type: 'string',
        describe: 'publish into every process joined to nats://host:port, reading their JetStream stream unless --store is given (without --bus: print only, publish nothing)',
      })
      .option('speed', { type: 'number', default: 1, describe: 'time factor: 2 = twice as fast, 0 = no waiting' })
      .option('checkpoint', { type: 'string', describe: 'name of a checkpoint: resume after the last event replayed under it (needs --bus)' })
      .option('format', { alias: 'f', choices: REPLAY_FORMATS, describe: 'how replayed events are printed (default table; --json means jsonl)' })
      .example('$0 replay -t "order.*" --since 2026-11-22T10:00:00Z --speed 10 --bus nats://127.0.0.1:4222', 'ten times as fast, into the running processes')
      .example('$0 replay --checkpoint nightly --speed 0 --bus nats://127.0.0.1:4222', 'everything since the last nightly run, at once')
      .example('$0 replay -t "audit.*" --checkpoint audit --speed 0 --bus nats://127.0.0.1:4222', "the processes' own stream, from where the last replay stopped")
      .example('$0 replay -c req-42 --speed 0 --json', 'print what a replay of one request would publish') as Argv<ReplayArgs>,
  handler: (argv) =>
    runStoreCommand('replay', argv.json, async () => {
      const spec = parseReplaySpec({
        ...queryFromArgs(argv),
        speed: argv.speed,
        ...(argv.checkpoint !== undefined ? { checkpoint: argv.checkpoint } : {}),
      });
      outputFormat(argv, 'jsonl', 'table');
      const url = argv.bus === undefined ? null : parseBusUrl(argv.bus);
      if (url === null && spec.checkpoint !== undefined) {
        throw usage('--checkpoint records what was delivered, and without --bus nothing is: add --bus nats://host:port', 'checkpoint');
      }
      // --bus without --store: the processes' own stream is the history
      if (url !== null && argv.store === undefined) {
        const bus = await natsBus(argv.bus!);
        try {
          // read on the bus's own connection; checkpoints go to the stream's key-value bucket
          await replayInto(bus, historyOf(bus)!, argv, spec.checkpoint, url.display);
        } finally {
          await bus.close();
        }
        return;
      }
      storedSpec(argv.store, 'replay');
      // only a checkpoint needs to write to the store
      const store = spec.checkpoint !== undefined ? openWriter(argv.store, 'replay') : openReader(argv.store, 'replay');
      await withStore(store, async () => {
        if (url === null) process.stderr.write('crosstalk replay: no --bus: printing the events a replay would publish; nothing is published\n');
        const bus = url === null ? createBus({ store: null, component: 'crosstalk-replay' }) : await natsBus(argv.bus!);
        try {
          await replayInto(bus, store, argv, spec.checkpoint, url?.display ?? null);
        } finally {
          await bus.close();
        }
      });
    }),
};

async function natsBus(url: string): Promise<Bus> {
  const { connectNats } = await import('../../transport/nats.js');
  return createBus({ store: null, component: 'crosstalk-replay', transport: await connectNats(url) });
}

/** Replays from `source` into `bus`, printing each copy; `to` is the bus's address (null: a dry run). */
async function replayInto(bus: Bus, source: EventStore, argv: ReplayArgs, checkpoint: string | undefined, to: string | null): Promise<void> {
  const sub = bus.subscribe('**', { max_queue_size: 10_000_000 });
  const out = eventWriter(outputFormat(argv, 'jsonl', 'table'), process.stdout);
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let writing = Promise.resolve();
  const spec = { ...queryFromArgs(argv), speed: argv.speed, ...(checkpoint ? { checkpoint } : {}) };
  const progress = progressBar(to === null ? 'replay (dry run)' : 'replay', await replayTotal(source, argv, checkpoint), process.stderr, process.stdout);
  let done = 0;
  try {
    const n = await replay(bus, source, spec, {
      signal: ac.signal,
      // delivery is synchronous: the copy is queued by the time this runs
      onEvent: () => {
        const copies = sub.drain();
        writing = writing.then(() => out.write(copies));
        progress.update(++done);
      },
      ...(to !== null ? { settle: () => bus.flush() } : {}),
    });
    await writing;
    await out.end();
    progress.finish(n);
    const what = to === null ? 'would replay' : 'replayed';
    process.stderr.write(`${what} ${n} event${n === 1 ? '' : 's'}${to === null ? '' : ` to ${to}`}${checkpoint ? ` (checkpoint ${checkpoint})` : ''}\n`);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/**
 * How many events the replay will publish, for its progress bar: a
 * database counts them at once; a stream would have to read them all first,
 * and a checkpoint starts somewhere only the replay knows (null: a bar that
 * counts without a total). Nothing is counted when no bar is drawn.
 */
async function replayTotal(source: EventStore, argv: ReplayArgs, checkpoint: string | undefined): Promise<number | null> {
  if (!process.stderr.isTTY || process.stdout.isTTY || checkpoint !== undefined || !hasExtras(source)) return null;
  const { limit, ...fields } = queryFromArgs(argv);
  const n = await source.countMatching(normalizeQuery(fields));
  return typeof limit === 'number' ? Math.min(n, limit) : n;
}
