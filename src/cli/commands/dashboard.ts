/**
 * `crosstalk dashboard`: the live page for events this process does not
 * publish itself — new events of a store (polled, as `tail` does; the
 * default), or live events of every process joined to a NATS server
 * (`--bus`). Subscriptions and scripts belong to the processes that run
 * them: `crosstalk run --dashboard ADDR` shows those.
 */
import type { Argv, CommandModule } from 'yargs';
import { createBus } from '../../core/bus.js';
import { CrosstalkError } from '../../core/errors.js';
import { compilePattern } from '../../core/pattern.js';
import type { Bus } from '../../core/types.js';
import { parseListenAddress } from '../../observe/http.js';
import { monitorBus } from '../../observe/monitor.js';
import { parseStoreSpec } from '../../store/open.js';
import { parseBusUrl } from '../../transport/url.js';
import { withStoreOptions, type StoreArgs } from '../store/args.js';
import { openReader, runStoreCommand, type CliStore } from '../store/run.js';

interface DashboardArgs extends StoreArgs {
  listen: string;
  bus?: string;
  pattern: string;
  interval: number;
}

const PAGE = 10_000;

function once<T>(name: string, v: T | T[]): T {
  if (Array.isArray(v)) throw new CrosstalkError('INVALID_OPTION', `give --${name} once`, { option: name });
  return v;
}

/** Resolves on SIGINT/SIGTERM. */
function stopped(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** Feeds every event stored after now to the bus's monitor, polling like `tail`. */
function followStore(store: CliStore, bus: Bus, pattern: string, intervalMs: number): () => Promise<void> {
  const monitor = monitorBus(bus);
  let cursor = store.lastSequence();
  let stop = false;
  let timer: NodeJS.Timeout | null = null;
  const poll = async () => {
    timer = null;
    try {
      for (;;) {
        const page = await store.query({ event_type: pattern, after_sequence: cursor, limit: PAGE, order: 'asc' });
        for (const e of page) monitor.published(e, true);
        if (page.length > 0) cursor = page[page.length - 1]!.sequence;
        if (page.length < PAGE || stop) break;
      }
    } catch (e) {
      process.stderr.write(`crosstalk dashboard: ${(e as Error).message}\n`);
    }
    if (!stop) timer = setTimeout(poll, intervalMs);
  };
  void poll();
  return async () => {
    stop = true;
    if (timer) clearTimeout(timer);
    await store.close();
  };
}

export const dashboardCommand: CommandModule<object, DashboardArgs> = {
  command: 'dashboard',
  describe: 'a live page of event rates and a tail: of a store (default), or of every process on a NATS bus',
  builder: (y: Argv<object>) =>
    withStoreOptions(y)
      .option('listen', { type: 'string', default: ':8080', describe: 'serve the page at this address: :PORT (127.0.0.1), HOST:PORT, :0 for a free port' })
      .option('bus', { type: 'string', describe: 'watch live events of every process joined to nats://host:port instead of a store' })
      .option('pattern', { type: 'string', default: '**', describe: 'only events whose type matches this pattern' })
      .option('interval', { type: 'number', default: 250, describe: 'ms between updates of the page (and store polls)' })
      .example('$0 dashboard', 'new events of ./.crosstalk/events.db at http://127.0.0.1:8080/')
      .example('$0 dashboard --bus nats://127.0.0.1:4222 --listen :9000', 'live events of every joined process')
      .example('$0 run --dashboard :8080 service.lua', "one run's bus, with its subscriptions and scripts") as Argv<DashboardArgs>,
  handler: (argv) =>
    runStoreCommand('dashboard', argv.json, async () => {
      const at = parseListenAddress(once('listen', argv.listen), 'listen');
      const pattern = once('pattern', argv.pattern);
      compilePattern(pattern);
      const interval = once('interval', argv.interval);
      if (!Number.isInteger(interval) || interval < 20 || interval > 60_000) {
        throw new CrosstalkError('INVALID_OPTION', `--interval must be an integer from 20 to 60000 ms, got ${interval}`, { option: 'interval' });
      }
      const busUrl = argv.bus === undefined ? undefined : once('bus', argv.bus);
      const storeSpec = once('store', argv.store);
      if (busUrl !== undefined) parseBusUrl(busUrl);
      else parseStoreSpec(storeSpec);

      const { serveDashboard } = await import('../../observe/dashboard/server.js');
      let bus: Bus;
      let source: string;
      let stopFeed: () => Promise<void>;
      if (busUrl !== undefined) {
        const transport = await (await import('../../transport/nats.js')).connectNats(busUrl);
        bus = createBus({ transport });
        // interest in every subject: remote events reach the monitor through the bus
        const sub = bus.subscribe(pattern, { max_queue_size: 100_000 });
        const drain = setInterval(() => sub.drain(), 50);
        source = `${transport.url} (every joined process, ${pattern})`;
        stopFeed = async () => clearInterval(drain);
      } else {
        const store = openReader(storeSpec, 'dashboard');
        bus = createBus();
        source = `${storeSpec} (new events, ${pattern})`;
        stopFeed = followStore(store, bus, pattern, interval);
      }
      try {
        const dashboard = await serveDashboard(bus, at, {
          option: 'listen',
          intervalMs: interval,
          source,
          liveBus: false,
          onClient: (e) => e.kind === 'slow' && process.stderr.write(`crosstalk dashboard: disconnected ${e.address}: it stopped reading\n`),
        });
        process.stderr.write(`crosstalk dashboard: ${dashboard.url}/ watching ${source}\n`);
        await stopped();
        await dashboard.close();
      } finally {
        await stopFeed();
        await bus.close();
      }
    }),
};
