/**
 * Prometheus metrics of a bus, with prom-client (docs/observability.md "Seeing the stream"
 * lists every metric and the label rules).
 *
 * Counting happens in the bus monitor (monitor.ts) as plain numbers; the
 * prom-client metrics read them when scraped (`collect`), so a publish never
 * calls prom-client. Latencies are sampled (one event in `sampleEvery`) and
 * observed into histograms as they come.
 *
 * Label cardinality is bounded, so a stream with endless distinct types or
 * short-lived subscriptions cannot grow a scrape without limit:
 * - `type_prefix`: the type's first segment; the first `maxTypeLabels`
 *   prefixes seen keep their own value for the life of the metrics, later
 *   ones count as `other`;
 * - `subscription`/`pattern`: the first `maxSubscriptionLabels` live
 *   subscriptions (oldest first); the rest are summed as `other`;
 * - `script`/`language`: the first `maxScriptLabels` scripts reported.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { CrosstalkError, describeValue } from '../core/errors.js';
import type { Bus } from '../core/types.js';
import { monitorBus, type BusMonitor, type LatencyKind } from './monitor.js';

export interface MetricsOptions {
  /** where the metrics are registered; @default a new Registry */
  registry?: Registry;
  /** start of every metric name; @default 'crosstalk_' */
  prefix?: string;
  /** distinct `type_prefix` label values before the rest count as `other`; @default 50 */
  maxTypeLabels?: number;
  /** subscriptions with their own labels; @default 100 */
  maxSubscriptionLabels?: number;
  /** scripts with their own labels; @default 200 */
  maxScriptLabels?: number;
  /** also prom-client's process and Node.js metrics (`process_*`, `nodejs_*`); @default false */
  defaultMetrics?: boolean;
  /** latency sampling: one publish (and one sequence) in this many; a power of 2; @default 64 */
  sampleEvery?: number;
}

export const DEFAULT_METRICS_OPTIONS = {
  prefix: 'crosstalk_',
  maxTypeLabels: 50,
  maxSubscriptionLabels: 100,
  maxScriptLabels: 200,
  defaultMetrics: false,
  sampleEvery: 64,
} as const;

export interface Metrics {
  /** the prom-client registry holding the metrics: mount it in your own server */
  readonly registry: Registry;
  /** the Content-Type of `metrics()` */
  readonly contentType: string;
  /** the exposition text of the registry */
  metrics(): Promise<string>;
  /** stops counting and removes these metrics from the registry; idempotent */
  close(): void;
}

const OTHER = 'other';
const PUBLISH_BUCKETS = [1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 1e-2, 0.1, 1];
const RECEIVE_BUCKETS = [1e-5, 1e-4, 5e-4, 1e-3, 5e-3, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60];
const STORE_BUCKETS = [5e-4, 1e-3, 2.5e-3, 5e-3, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const PATTERN_LABEL_MAX = 120;

function bad(option: string, expected: string, got: unknown): CrosstalkError {
  return new CrosstalkError('INVALID_OPTION', `Expected \`${option}\` to be ${expected}, got ${describeValue(got)}`, { option });
}

const KEYS = ['registry', 'prefix', ...Object.keys(DEFAULT_METRICS_OPTIONS)];

function resolve(o: MetricsOptions | undefined): Required<Omit<MetricsOptions, 'registry'>> & { registry: Registry } {
  if (o !== undefined && (o === null || typeof o !== 'object' || Array.isArray(o))) throw bad('options', 'an object', o);
  for (const k of Object.keys(o ?? {})) {
    if (!KEYS.includes(k)) throw new CrosstalkError('INVALID_OPTION', `unknown metrics option ${describeValue(k)}; known: ${KEYS.join(', ')}`, { option: k });
  }
  const r = { ...DEFAULT_METRICS_OPTIONS, ...o, registry: o?.registry ?? new Registry() };
  if (!(r.registry instanceof Registry)) throw bad('registry', 'a prom-client Registry', r.registry);
  if (typeof r.prefix !== 'string' || !/^[a-zA-Z_:][a-zA-Z0-9_:]*$|^$/.test(r.prefix)) {
    throw bad('prefix', 'a metric name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*)', r.prefix);
  }
  for (const k of ['maxTypeLabels', 'maxSubscriptionLabels', 'maxScriptLabels'] as const) {
    if (!Number.isInteger(r[k]) || r[k] < 0 || r[k] > 10_000) throw bad(k, 'an integer from 0 to 10000', r[k]);
  }
  if (typeof r.defaultMetrics !== 'boolean') throw bad('defaultMetrics', 'a boolean', r.defaultMetrics);
  return r;
}

/** Gives the first `max` distinct values their own label, for good; the rest get `other`. */
class LabelBudget {
  private readonly given = new Map<string, string>();
  constructor(private readonly max: number) {}
  label(value: string): string {
    let l = this.given.get(value);
    if (l === undefined) {
      if (this.given.size >= this.max) return OTHER;
      l = value === OTHER ? `${OTHER}_` : value;
      this.given.set(value, l);
    }
    return l;
  }
}

/**
 * Prometheus metrics for `bus`: register them in `options.registry` (or a
 * new one), read them with `metrics()` or mount `registry` in a server.
 * INVALID_OPTION for bad options or names already in the registry.
 */
export function createMetrics(bus: Bus, options?: MetricsOptions): Metrics {
  const o = resolve(options);
  const monitor: BusMonitor = monitorBus(bus, { sampleEvery: o.sampleEvery });
  const registry = o.registry;
  const p = o.prefix;
  const types = new LabelBudget(o.maxTypeLabels);
  const created: string[] = [];
  const undo: (() => void)[] = [];

  const register = <M,>(make: () => M, name: string): M => {
    try {
      const m = make();
      created.push(name);
      return m;
    } catch (e) {
      for (const n of created) registry.removeSingleMetric(n);
      throw new CrosstalkError('INVALID_OPTION', `cannot register metric ${name}: ${(e as Error).message} (choose another \`prefix\` or registry)`, {
        option: 'prefix',
        cause: e,
      });
    }
  };

  // ---- events by type prefix -------------------------------------------------------
  const byPrefix = (field: 'published' | 'remote' | 'delivered' | 'dropped' | 'filtered' | 'rejected') =>
    function collect(this: Counter<'type_prefix'>) {
      const sums = new Map<string, number>();
      for (const c of monitor.typeCounts()) {
        const label = c.prefix === '*' ? OTHER : types.label(c.prefix);
        sums.set(label, (sums.get(label) ?? 0) + c[field]);
      }
      this.reset();
      for (const [label, n] of sums) this.inc({ type_prefix: label }, n);
    };
  const eventCounter = (name: string, help: string, field: Parameters<typeof byPrefix>[0]) =>
    register(() => new Counter({ name: p + name, help, labelNames: ['type_prefix'], registers: [registry], collect: byPrefix(field) }), p + name);
  eventCounter('events_published_total', 'Events published on this bus, by the first segment of their type', 'published');
  eventCounter('events_remote_total', 'Events that arrived from other processes (NATS), by type prefix', 'remote');
  eventCounter('events_delivered_total', 'Events handed to receivers, by type prefix (one per subscription)', 'delivered');
  eventCounter('events_dropped_total', 'Events dropped by drop_oldest/drop_newest backpressure, by type prefix', 'dropped');
  eventCounter('events_filtered_total', 'Events refused by subscription filters, by type prefix', 'filtered');
  eventCounter('events_rejected_total', 'Events refused by full reject/block queues (QUEUE_FULL, remote refusals), by type prefix', 'rejected');

  // ---- subscriptions ---------------------------------------------------------------
  const subLabels = ['subscription', 'pattern', 'backpressure'] as const;
  type SubRow = { labels: Record<(typeof subLabels)[number], string>; depth: number; capacity: number; delivered: number; dropped: number };
  let subRows: SubRow[] = [];
  const readSubscriptions = () => {
    const rows = new Map<string, SubRow>();
    let n = 0;
    for (const info of bus.listSubscriptions()) {
      let stats;
      try {
        stats = bus.subscriptionStats(info.id);
      } catch {
        continue; // closed meanwhile
      }
      const own = n++ < o.maxSubscriptionLabels;
      const labels = own
        ? { subscription: info.id, pattern: info.patterns.join(',').slice(0, PATTERN_LABEL_MAX), backpressure: info.backpressure }
        : { subscription: OTHER, pattern: OTHER, backpressure: OTHER };
      const row = rows.get(labels.subscription) ?? { labels, depth: 0, capacity: 0, delivered: 0, dropped: 0 };
      row.depth += stats.queue_size;
      row.capacity += info.max_queue_size;
      row.delivered += stats.delivered;
      row.dropped += stats.dropped;
      rows.set(labels.subscription, row);
    }
    subRows = [...rows.values()];
  };
  register(
    () =>
      new Gauge({
        name: `${p}subscriptions`,
        help: 'Live subscriptions on this bus',
        registers: [registry],
        collect() {
          this.set(bus.stats().subscriptions);
        },
      }),
    `${p}subscriptions`,
  );
  const subGauge = (name: string, help: string, field: 'depth' | 'capacity', first = false) =>
    register(
      () =>
        new Gauge({
          name: p + name,
          help,
          labelNames: subLabels,
          registers: [registry],
          collect() {
            if (first) readSubscriptions();
            this.reset();
            for (const r of subRows) this.set(r.labels, r[field]);
          },
        }),
      p + name,
    );
  // the depth gauge is collected first (registration order) and reads the subscriptions for the others
  subGauge('subscription_queue_depth', 'Events waiting in the subscription queue', 'depth', true);
  subGauge('subscription_queue_capacity', 'max_queue_size of the subscription', 'capacity');
  const subCounter = (name: string, help: string, field: 'delivered' | 'dropped') =>
    register(
      () =>
        new Counter({
          name: p + name,
          help,
          labelNames: subLabels,
          registers: [registry],
          collect() {
            this.reset();
            for (const r of subRows) this.inc(r.labels, r[field]);
          },
        }),
      p + name,
    );
  subCounter('subscription_delivered_total', 'Events the subscription handed to its receiver', 'delivered');
  subCounter('subscription_dropped_total', 'Events the subscription dropped by backpressure', 'dropped');

  // ---- latencies -------------------------------------------------------------------
  const publishHist = register(
    () =>
      new Histogram({
        name: `${p}publish_duration_seconds`,
        help: `Duration of publish calls (validate, route, enqueue), sampled: one publish in ${o.sampleEvery}`,
        buckets: PUBLISH_BUCKETS,
        registers: [registry],
      }),
    `${p}publish_duration_seconds`,
  );
  const receiveHist = register(
    () =>
      new Histogram({
        name: `${p}receive_latency_seconds`,
        help: `Time from publish to receive, sampled: events whose sequence is a multiple of ${o.sampleEvery}`,
        buckets: RECEIVE_BUCKETS,
        registers: [registry],
      }),
    `${p}receive_latency_seconds`,
  );
  undo.push(monitor.onLatency((kind: LatencyKind, s: number) => (kind === 'publish' ? publishHist : receiveHist).observe(s)));

  // ---- store -------------------------------------------------------------------------
  const store = bus.store as { onCommit?: (l: (rows: number, seconds: number) => void) => () => void } | null;
  if (store !== null && typeof store.onCommit === 'function') {
    const writeHist = register(
      () =>
        new Histogram({
          name: `${p}store_write_seconds`,
          help: 'Per group commit: time from the append of its oldest event to the commit',
          buckets: STORE_BUCKETS,
          registers: [registry],
        }),
      `${p}store_write_seconds`,
    );
    const written = register(
      () => new Counter({ name: `${p}store_events_written_total`, help: 'Events committed to the store', registers: [registry] }),
      `${p}store_events_written_total`,
    );
    undo.push(
      store.onCommit((rows, seconds) => {
        writeHist.observe(seconds);
        written.inc(rows);
      }),
    );
  }

  // ---- scripts -------------------------------------------------------------------------
  const scriptLabels = new LabelBudget(o.maxScriptLabels);
  type ScriptRow = { labels: { script: string; language: string }; cpu: number; heap: number; limit: number; inn: number; out: number };
  let scriptRows: ScriptRow[] = [];
  const states = new Map<string, number>();
  const readScripts = () => {
    const rows = new Map<string, ScriptRow>();
    states.clear();
    for (const s of monitor.scriptStats()) {
      states.set(s.state, (states.get(s.state) ?? 0) + 1);
      const script = scriptLabels.label(`${s.script}\u0000${s.language}`);
      const labels = script === OTHER ? { script: OTHER, language: OTHER } : { script: s.script, language: String(s.language) };
      const key = `${labels.script}\u0000${labels.language}`;
      const row = rows.get(key) ?? { labels, cpu: 0, heap: 0, limit: 0, inn: 0, out: 0 };
      row.cpu += s.cpu_ms / 1000;
      row.heap += s.heap_bytes;
      row.limit += s.heap_limit_bytes ?? 0;
      row.inn += s.events_in;
      row.out += s.events_out;
      rows.set(key, row);
    }
    scriptRows = [...rows.values()];
  };
  register(
    () =>
      new Gauge({
        name: `${p}scripts`,
        help: 'Scripts reported by the script hosts on this bus, by state',
        labelNames: ['state'],
        registers: [registry],
        collect() {
          readScripts();
          this.reset();
          for (const [state, n] of states) this.set({ state }, n);
        },
      }),
    `${p}scripts`,
  );
  const scriptMetric = (kind: 'counter' | 'gauge', name: string, help: string, field: 'cpu' | 'heap' | 'limit' | 'inn' | 'out') =>
    register(() => {
      const config = {
        name: p + name,
        help,
        labelNames: ['script', 'language'] as const,
        registers: [registry],
      };
      if (kind === 'counter') {
        return new Counter({
          ...config,
          collect() {
            this.reset();
            for (const r of scriptRows) this.inc(r.labels, r[field]);
          },
        });
      }
      return new Gauge({
        ...config,
        collect() {
          this.reset();
          for (const r of scriptRows) if (field !== 'limit' || r.limit > 0) this.set(r.labels, r[field]);
        },
      });
    }, p + name);
  scriptMetric('counter', 'script_cpu_seconds_total', 'CPU time the script has used (waiting excluded)', 'cpu');
  scriptMetric('gauge', 'script_heap_bytes', 'Heap the script uses now', 'heap');
  scriptMetric('gauge', 'script_heap_limit_bytes', 'Heap limit of the script', 'limit');
  scriptMetric('counter', 'script_events_in_total', 'Events the script has received', 'inn');
  scriptMetric('counter', 'script_events_out_total', 'Events the script has published', 'out');

  // ---- transport -------------------------------------------------------------------------
  if (bus.transport !== null) {
    const transport = bus.transport;
    register(
      () =>
        new Gauge({
          name: `${p}transport_connected`,
          help: '1 while the connection to other processes is up, else 0',
          registers: [registry],
          collect() {
            this.set(transport.stats().state === 'connected' ? 1 : 0);
          },
        }),
      `${p}transport_connected`,
    );
  }

  if (o.defaultMetrics) {
    // collectDefaultMetrics registers names of its own; a clash is INVALID_OPTION like ours
    const before = new Set(registry.getMetricsAsArray().map((m) => m.name));
    try {
      collectDefaultMetrics({ register: registry });
    } catch (e) {
      for (const n of created) registry.removeSingleMetric(n);
      throw new CrosstalkError('INVALID_OPTION', `cannot register the default metrics: ${(e as Error).message}`, { option: 'defaultMetrics', cause: e });
    }
    for (const m of registry.getMetricsAsArray()) if (!before.has(m.name)) created.push(m.name);
  }

  monitor.retain();
  let closed = false;
  return {
    registry,
    contentType: registry.contentType,
    metrics: () => registry.metrics(),
    close() {
      if (closed) return;
      closed = true;
      for (const u of undo) u();
      for (const n of created) registry.removeSingleMetric(n);
      monitor.release();
    },
  };
}
