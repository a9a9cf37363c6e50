/**
 * `crosstalk compact`: sweep a database (expiry and the retention policies
 * of `--config`), give its free pages back to the file system and truncate
 * its WAL, with a progress bar on a terminal (docs/persistence.md "Retention and
 * compaction"). With `--bus nats://…` it sweeps the JetStream stream
 * instead: expired events are deleted from it (docs/persistence.md "Query, replay and
 * catch-up on JetStream").
 *
 * Everything is checked before anything is opened: a rejected invocation
 * changes nothing.
 */
import type { Argv, CommandModule } from 'yargs';
import type { RetentionOptions } from '../../core/retention.js';
import type { CompactPhase, CompactReport } from '../../store/compact.js';
import { openStore } from '../../store/open.js';
import { parseBusUrl } from '../../transport/url.js';
import { loadConfigFile } from '../run-config.js';
import { withStoreOptions, type StoreArgs } from '../store/args.js';
import { progressBar, type Progress } from '../store/progress.js';
import { mustExist, runStoreCommand, storedSpec, withStore } from '../store/run.js';
import { usage } from '../usage.js';

interface CompactArgs extends StoreArgs {
  config?: string;
  bus?: string;
}

const PHASE_LABEL: Record<CompactPhase, string> = { sweep: 'sweep', vacuum: 'vacuum (pages)', checkpoint: 'WAL checkpoint' };

function mib(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** One line saying what a compaction did. */
export function describeCompaction(path: string, r: CompactReport): string {
  const removed = Object.values(r.removed).reduce((a, b) => a + b, 0);
  const by = Object.entries(r.removed)
    .filter(([, n]) => n > 0)
    .map(([p, n]) => `${p} ${n}`)
    .join(', ');
  const vacuum = r.vacuum === 'none' ? 'no vacuum' : `${r.vacuum} vacuum, ${r.pages_freed} page${r.pages_freed === 1 ? '' : 's'} given back`;
  const wal = r.wal_truncated ? 'WAL truncated' : 'WAL kept by a reader (truncated at a later checkpoint)';
  return `compacted ${path}: removed ${removed} event${removed === 1 ? '' : 's'}${by ? ` (${by})` : ''}; ${mib(r.bytes_before)} → ${mib(r.bytes_after)}; ${vacuum}; ${wal}\n`;
}

export const compactCommand: CommandModule<object, CompactArgs> = {
  command: 'compact',
  describe: 'sweep a store (expiry, retention policies) and give the freed space back; or sweep expired events from the JetStream stream (--bus)',
  builder: (y: Argv<object>) =>
    withStoreOptions(y)
      .option('config', { type: 'string', describe: 'a configuration file whose `retention` policies the sweep applies (else: expiry only)' })
      .option('bus', { type: 'string', describe: 'sweep the JetStream stream of nats://host:port instead of a store (deletes expired events)' })
      .example('$0 compact', 'sweep ./.crosstalk/events.db and give the space back')
      .example('$0 compact --store events.db --config crosstalk.json', 'apply the retention policies of a configuration file first')
      .example('$0 compact --bus nats://127.0.0.1:4222', 'delete expired events from the shared stream') as Argv<CompactArgs>,
  handler: (argv) =>
    runStoreCommand('compact', argv.json, async () => {
      if (argv.bus !== undefined) {
        parseBusUrl(argv.bus);
        if (argv.store !== undefined) throw usage('--store and --bus name two places to compact: give one', 'store');
        if (argv.config !== undefined) {
          throw usage("--config holds retention policies for a store; a stream keeps its own limits (nats stream edit): drop --config, or compact a --store", 'config');
        }
        return sweepStream(argv.bus, argv.json);
      }
      const retention: RetentionOptions | null = argv.config === undefined ? null : loadConfigFile(argv.config).retention;
      const { path } = storedSpec(argv.store, 'compact');
      mustExist(path);
      const store = openStore(`sqlite:${path}`, { sweepIntervalMs: 0, ...(retention !== null ? { retention } : {}) });
      await withStore(store, async () => {
        // one bar per phase, each finished when the next begins
        let bar: { phase: CompactPhase; progress: Progress; done: number } | null = null;
        const report = await store.compact({
          onProgress: (p) => {
            if (bar?.phase !== p.phase) {
              bar?.progress.finish(bar.done);
              bar = { phase: p.phase, progress: progressBar(`compact: ${PHASE_LABEL[p.phase]}`, p.total), done: 0 };
            }
            bar.done = p.done;
            bar.progress.update(p.done);
          },
        });
        const last = bar as { progress: Progress; done: number } | null;
        last?.progress.finish(last.done);
        process.stdout.write(argv.json ? `${JSON.stringify({ store: path, ...report })}\n` : describeCompaction(path, report));
      });
    }),
};

async function sweepStream(url: string, json: boolean): Promise<void> {
  const { openJetStreamStore } = await import('../../transport/jetstream-store.js');
  await withStore(await openJetStreamStore(url), async (stream) => {
    const bar = progressBar(`compact: sweep ${stream.stream}`, null);
    const removed = await stream.sweep();
    bar.finish(removed);
    process.stdout.write(
      json
        ? `${JSON.stringify({ bus: stream.url, stream: stream.stream, removed: { ttl: removed } })}\n`
        : `swept stream ${stream.stream} on ${stream.url}: removed ${removed} expired event${removed === 1 ? '' : 's'}\n`,
    );
  });
}
