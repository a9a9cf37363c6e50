/**
 * Prometheus metrics: scraped from a real HTTP endpoint with a real HTTP
 * client (Node's fetch), parsed strictly as the exposition format.
 */
import { createServer } from 'node:http';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { portOf } from '../../src/core/port.js';
import type { ScriptStats } from '../../src/core/observer.js';
import { createBus, createMetrics, openSqliteStore, serveMetrics, type Bus, type Metrics } from '../../src/index.js';
import { closeServer, listen, parseListenAddress } from '../../src/observe/http.js';
import { expectCode, expectRejectCode } from '../core/helpers.js';
import { parseExposition, sampleValue, type Family } from '../setup/prometheus.js';
import { tempDir } from '../store/helpers.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function scrape(url: string): Promise<Map<string, Family>> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(await res.text());
}

async function served(bus: Bus, options?: Parameters<typeof createMetrics>[1]): Promise<{ metrics: Metrics; url: string }> {
  const metrics = createMetrics(bus, options);
  const server = await serveMetrics(metrics, ':0');
  cleanups.push(() => metrics.close(), () => server.close());
  return { metrics, url: server.url };
}

describe('createMetrics + serveMetrics', () => {
  it('counts publish, deliver, drop, filter and reject by type prefix', async () => {
    const bus = createBus();
    cleanups.push(() => bus.close());
    const { url } = await served(bus);
    const all = bus.subscribe('order.**');
    const tiny = bus.subscribe('order.*', { max_queue_size: 2, backpressure: 'drop_newest' });
    const picky = bus.subscribe('user.*', { filter: { 'data.vip': true } });
    const strict = bus.subscribe('user.login', { max_queue_size: 1, backpressure: 'reject' });
    for (let i = 0; i < 5; i++) bus.publish('order.paid', { i });
    bus.publish('order.item.added');
    bus.publish('user.login', { vip: true });
    expectCode(() => bus.publish('user.login', { vip: false }), 'QUEUE_FULL');
    bus.publish('user.logout', { vip: false });
    expect(all.drain()).toHaveLength(6);
    expect(tiny.drain()).toHaveLength(2);
    expect(picky.drain()).toHaveLength(1);
    expect(strict.drain()).toHaveLength(1);

    const f = await scrape(url);
    const v = (name: string, prefix: string) => sampleValue(f, `crosstalk_${name}`, { type_prefix: prefix });
    expect(v('events_published_total', 'order')).toBe(6);
    expect(v('events_published_total', 'user')).toBe(2); // the refused publish is not published
    expect(v('events_delivered_total', 'order')).toBe(8); // 6 to `all`, 2 to `tiny`
    expect(v('events_delivered_total', 'user')).toBe(2);
    expect(v('events_dropped_total', 'order')).toBe(3); // tiny held 2 of 5 order.paid
    expect(v('events_filtered_total', 'user')).toBe(1); // user.logout refused by picky's filter
    expect(v('events_rejected_total', 'user')).toBe(1);
    expect(f.get('crosstalk_events_published_total')!.type).toBe('counter');
    // agrees with the bus's own totals
    const s = bus.stats();
    const total = (name: string) => f.get(`crosstalk_${name}`)!.samples.reduce((n, x) => n + x.value, 0);
    expect(total('events_delivered_total')).toBe(s.delivered);
    expect(total('events_dropped_total')).toBe(s.dropped);
    expect(total('events_filtered_total')).toBe(s.filtered);
    expect(total('events_rejected_total')).toBe(s.rejected);
  });

  it('reports queue depth, capacity and drops per subscription', async () => {
    const bus = createBus();
    cleanups.push(() => bus.close());
    const { url } = await served(bus);
    const a = bus.subscribe(['a.*', 'b'], { max_queue_size: 3 });
    const b = bus.subscribe('a.x', { backpressure: 'reject', max_queue_size: 50 });
    for (let i = 0; i < 5; i++) bus.publish('a.x');
    const f = await scrape(url);
    expect(sampleValue(f, 'crosstalk_subscriptions')).toBe(2);
    expect(sampleValue(f, 'crosstalk_subscription_queue_depth', { subscription: a.id, pattern: 'a.*,b', backpressure: 'drop_oldest' })).toBe(3);
    expect(sampleValue(f, 'crosstalk_subscription_queue_capacity', { subscription: a.id })).toBe(3);
    expect(sampleValue(f, 'crosstalk_subscription_dropped_total', { subscription: a.id })).toBe(2);
    expect(sampleValue(f, 'crosstalk_subscription_queue_depth', { subscription: b.id })).toBe(5);
    b.drain();
    a.unsubscribe();
    const g = await scrape(url);
    expect(sampleValue(g, 'crosstalk_subscription_queue_depth', { subscription: a.id })).toBeUndefined();
    expect(sampleValue(g, 'crosstalk_subscription_queue_depth', { subscription: b.id })).toBe(0);
    expect(sampleValue(g, 'crosstalk_subscription_delivered_total', { subscription: b.id })).toBe(5);
  });

  it('samples publish and receive latency into histograms', async () => {
    const bus = createBus();
    cleanups.push(() => bus.close());
    const { url } = await served(bus, { sampleEvery: 4 });
    const sub = bus.subscribe('x');
    for (let i = 0; i < 100; i++) bus.publish('x');
    expect(sub.drain()).toHaveLength(100);
    const f = await scrape(url);
    const pub = f.get('crosstalk_publish_duration_seconds')!;
    expect(pub.type).toBe('histogram');
    expect(sampleValue(f, 'crosstalk_publish_duration_seconds_count')).toBe(25);
    expect(sampleValue(f, 'crosstalk_publish_duration_seconds_bucket', { le: '+Inf' })).toBe(25);
    expect(sampleValue(f, 'crosstalk_publish_duration_seconds_sum')).toBeGreaterThan(0);
    // sequences 4, 8, …, 100 were sampled on receive
    expect(sampleValue(f, 'crosstalk_receive_latency_seconds_count')).toBe(25);
    const buckets = f.get('crosstalk_receive_latency_seconds')!.samples.filter((s) => s.name.endsWith('_bucket'));
    const values = buckets.map((s) => s.value);
    expect(values).toEqual([...values].sort((x, y) => x - y)); // cumulative
  });

  it('bounds the type_prefix label: the first maxTypeLabels prefixes, then `other`', async () => {
    const bus = createBus();
    cleanups.push(() => bus.close());
    const { url } = await served(bus, { maxTypeLabels: 3 });
    for (const t of ['p1.a', 'p2.a', 'p2.b', 'p3', 'p4.x', 'p5.y', 'p1.b']) bus.publish(t);
    const f = await scrape(url);
    const published = f.get('crosstalk_events_published_total')!.samples;
    expect(Object.fromEntries(published.map((s) => [s.labels.type_prefix, s.value]))).toEqual({ p1: 2, p2: 2, p3: 1, other: 2 });
    // a new prefix later still goes to other: labels never change meaning
    bus.publish('p0.z');
    const g = await scrape(url);
    expect(sampleValue(g, 'crosstalk_events_published_total', { type_prefix: 'other' })).toBe(3);
  });

  it('bounds the subscription labels: the oldest maxSubscriptionLabels, the rest summed as `other`', async () => {
    const bus = createBus();
    cleanups.push(() => bus.close());
    const { url } = await served(bus, { maxSubscriptionLabels: 2 });
    const subs = Array.from({ length: 5 }, () => bus.subscribe('t', { max_queue_size: 10 }));
    bus.publish('t');
    const f = await scrape(url);
    const depth = f.get('crosstalk_subscription_queue_depth')!.samples;
    expect(depth.map((s) => s.labels.subscription).sort()).toEqual([subs[0]!.id, subs[1]!.id, 'other'].sort());
    expect(sampleValue(f, 'crosstalk_subscription_queue_depth', { subscription: 'other' })).toBe(3);
    expect(sampleValue(f, 'crosstalk_subscription_queue_capacity', { subscription: 'other' })).toBe(30);
  });

  it('reports scripts through a registered ScriptStatsProvider (the script host interface)', async () => {
    const bus = createBus();
    cleanups.push(() => bus.close());
    const { url } = await served(bus);
    const scripts: ScriptStats[] = [
      { script: 'pay.lua', instance_id: 'i-1', language: 'lua', state: 'running', cpu_ms: 1500, heap_bytes: 2_000_000, heap_limit_bytes: 128 << 20, events_in: 10, events_out: 20 },
      { script: 'audit.js', instance_id: 'i-2', language: 'javascript', state: 'ended', cpu_ms: 250, heap_bytes: 1_000_000, events_in: 20, events_out: 0 },
    ];
    const withdraw = portOf(bus).addScriptStats({ scriptStats: () => scripts });
    let f = await scrape(url);
    expect(sampleValue(f, 'crosstalk_script_cpu_seconds_total', { script: 'pay.lua', language: 'lua' })).toBe(1.5);
    expect(sampleValue(f, 'crosstalk_script_heap_bytes', { script: 'audit.js', language: 'javascript' })).toBe(1_000_000);
    expect(sampleValue(f, 'crosstalk_script_heap_limit_bytes', { script: 'pay.lua' })).toBe(128 << 20);
    expect(sampleValue(f, 'crosstalk_script_heap_limit_bytes', { script: 'audit.js' })).toBeUndefined();
    expect(sampleValue(f, 'crosstalk_script_events_in_total', { script: 'audit.js' })).toBe(20);
    expect(sampleValue(f, 'crosstalk_script_events_out_total', { script: 'pay.lua' })).toBe(20);
    expect(sampleValue(f, 'crosstalk_scripts', { state: 'running' })).toBe(1);
    expect(sampleValue(f, 'crosstalk_scripts', { state: 'ended' })).toBe(1);
    // a provider that throws hides nothing of the others
    portOf(bus).addScriptStats({ scriptStats: () => { throw new Error('host broke'); } });
    scripts[0]!.cpu_ms = 2500;
    f = await scrape(url);
    expect(sampleValue(f, 'crosstalk_script_cpu_seconds_total', { script: 'pay.lua' })).toBe(2.5);
    withdraw();
    f = await scrape(url);
    expect(sampleValue(f, 'crosstalk_script_cpu_seconds_total', { script: 'pay.lua' })).toBeUndefined();
  });

  it('times store writes (append → group commit) on SQLite', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    for (const writer of ['inline', 'thread'] as const) {
      const store = openSqliteStore(join(dir, `${writer}.db`), { writer, sweepIntervalMs: 0 });
      const bus = createBus({ store });
      const { url, metrics } = await served(bus);
      for (let i = 0; i < 300; i++) bus.publish('saved', { i }, { persistent: true });
      await bus.flush();
      const f = await scrape(url);
      expect(sampleValue(f, 'crosstalk_store_events_written_total'), writer).toBe(300);
      expect(sampleValue(f, 'crosstalk_store_write_seconds_count'), writer).toBeGreaterThanOrEqual(1);
      expect(sampleValue(f, 'crosstalk_store_write_seconds_sum'), writer).toBeGreaterThan(0);
      metrics.close();
      await bus.close();
    }
  });

  it('is a registry host apps can mount, with their own metrics beside it', async () => {
    const registry = new Registry();
    const bus = createBus();
    cleanups.push(() => bus.close());
    const metrics = createMetrics(bus, { registry, prefix: 'app_bus_', defaultMetrics: true });
    cleanups.push(() => metrics.close());
    expect(metrics.registry).toBe(registry);
    bus.publish('x.y');
    const server = createServer(async (_req, res) => {
      res.setHeader('content-type', registry.contentType);
      res.end(await registry.metrics());
    });
    const url = await listen(server, parseListenAddress(':0', 'test'), 'test');
    cleanups.push(() => closeServer(server));
    const res = await fetch(url);
    const f = parseExposition(await res.text());
    expect(sampleValue(f, 'app_bus_events_published_total', { type_prefix: 'x' })).toBe(1);
    expect(f.has('process_cpu_user_seconds_total')).toBe(true);
  });

  it('close() removes its metrics and takes the observer off the bus', async () => {
    const bus = createBus();
    cleanups.push(() => bus.close());
    const registry = new Registry();
    const m1 = createMetrics(bus, { registry, prefix: 'one_' });
    const m2 = createMetrics(bus, { registry, prefix: 'two_' });
    expect(portOf(bus).observer).not.toBeNull();
    m1.close();
    m1.close();
    expect(portOf(bus).observer).not.toBeNull(); // m2 still counts
    expect(registry.getSingleMetric('one_events_published_total')).toBeUndefined();
    bus.publish('a');
    expect(parseExposition(await m2.metrics()).get('two_events_published_total')!.samples[0]!.value).toBe(1);
    m2.close();
    expect(portOf(bus).observer).toBeNull();
    expect(registry.getMetricsAsArray()).toEqual([]);
  });

  it('refuses bad options and clashing names with INVALID_OPTION, registering nothing', () => {
    const bus = createBus();
    for (const [options, option] of [
      [{ prefix: '1bad' }, 'prefix'],
      [{ maxTypeLabels: -1 }, 'maxTypeLabels'],
      [{ sampleEvery: 3 }, 'sampleEvery'],
      [{ defaultMetrics: 'yes' }, 'defaultMetrics'],
      [{ registry: {} }, 'registry'],
      [{ bogus: 1 }, 'bogus'],
    ] as const) {
      expect(expectCode(() => createMetrics(bus, options as never), 'INVALID_OPTION').option).toBe(option);
    }
    expect(portOf(bus).observer).toBeNull();
    const registry = new Registry();
    const m = createMetrics(bus, { registry });
    const before = registry.getMetricsAsArray().length;
    expectCode(() => createMetrics(bus, { registry }), 'INVALID_OPTION');
    expect(registry.getMetricsAsArray().length).toBe(before);
    m.close();
    expectCode(() => createMetrics({} as Bus), 'INVALID_OPTION');
  });

  it('a port in use is INVALID_OPTION naming the flag; other paths are 404', async () => {
    const bus = createBus();
    cleanups.push(() => bus.close());
    const { metrics, url } = await served(bus);
    const port = new URL(url).port;
    const e = await expectRejectCode(serveMetrics(metrics, `127.0.0.1:${port}`), 'INVALID_OPTION');
    expect(e.option).toBe('metrics');
    expect(e.message).toContain('in use');
    expect((await fetch(`${url}/`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405);
    expectCode(() => parseListenAddress('nope', 'metrics'), 'INVALID_OPTION');
  });
});
