/**
 * `crosstalk replay`: re-publish stored events on a bus, spaced as they were
 * (divided by --speed), each with metadata.replay naming its original; a
 * named --checkpoint resumes where the last replay under that name stopped.
 * The copies are printed as they are published.
 */
import type { Argv, CommandModule } from 'yargs';
import { createBus } from '../../core/bus.js';
import { replay } from '../../store/replay.js';
import { queryFromArgs, withQueryOptions, type QueryArgs } from '../store/args.js';
import { eventWriter } from '../store/format.js';
import { openReader, openWriter, runStoreCommand, withStore } from '../store/run.js';

interface ReplayArgs extends QueryArgs {
  speed: number;
  checkpoint?: string;
  format: 'table' | 'jsonl' | 'csv';
}

export const replayCommand: CommandModule<object, ReplayArgs> = {
  command: 'replay',
  describe: 're-publish stored events, spaced as they were (or faster), with metadata.replay',
  builder: (y: Argv<object>) =>
    withQueryOptions(y, 'replay at most this many events (default: all that match)')
      .option('speed', { type: 'number', default: 1, describe: 'time factor: 2 = twice as fast, 0 = no waiting' })
      .option('checkpoint', { type: 'string', describe: 'name of a checkpoint: resume after the last event replayed under it' })
      .option('format', { alias: 'f', choices: ['table', 'jsonl', 'csv'] as const, default: 'table' as const, describe: 'how replayed events are printed (--json means jsonl)' })
      .example('$0 replay -t "order.*" --since 2026-11-22T10:00:00Z --speed 10', 'ten times as fast')
      .example('$0 replay --checkpoint nightly --speed 0', 'everything since the last nightly run, at once')
      .example('$0 replay -c req-42 --speed 0 --json', 'one request again, as JSON Lines') as Argv<ReplayArgs>,
  handler: (argv) =>
    runStoreCommand('replay', argv.json, async () => {
      const spec = { ...queryFromArgs(argv), speed: argv.speed, ...(argv.checkpoint !== undefined ? { checkpoint: argv.checkpoint } : {}) };
      // only a checkpoint needs to write to the store
      const store = argv.checkpoint !== undefined ? openWriter(argv.store) : openReader(argv.store);
      await withStore(store, async () => {
        const bus = createBus({ store: null, component: 'crosstalk-replay' });
        const sub = bus.subscribe('**', { max_queue_size: 10_000_000 });
        const out = eventWriter(argv.json ? 'jsonl' : argv.format, process.stdout);
        const ac = new AbortController();
        const stop = () => ac.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        let writing = Promise.resolve();
        try {
          const n = await replay(bus, store, spec, {
            signal: ac.signal,
            // delivery is synchronous: the copy is queued by the time this runs
            onEvent: () => {
              const copies = sub.drain();
              writing = writing.then(() => out.write(copies));
            },
          });
          await writing;
          await out.end();
          process.stderr.write(`replayed ${n} event${n === 1 ? '' : 's'}${argv.checkpoint ? ` (checkpoint ${argv.checkpoint})` : ''}\n`);
        } finally {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          await bus.close();
        }
      });
    }),
};
