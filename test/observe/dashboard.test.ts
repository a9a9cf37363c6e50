/**
 * The live dashboard: the page in Debian's headless Chromium (rates,
 * subscriptions, scripts, the tail with its pattern and filter), the
 * WebSocket's guards (slow and hostile clients, origins), and the commands
 * that serve it.
 */
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect, type Socket } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { portOf } from '../../src/core/port.js';
import type { ScriptStats } from '../../src/core/observer.js';
import { connectNats, createBus, openSqliteStore, type Bus } from '../../src/index.js';
import { startNatsServer } from '../setup/nats.js';
import { serveDashboard, type Dashboard } from '../../src/observe/dashboard/server.js';
import type { Frame, ServerMessage } from '../../src/observe/dashboard/browser/protocol.js';
import { closeServer, listen } from '../../src/observe/http.js';
import { expectRejectCode } from '../core/helpers.js';
import { launchChromium } from '../setup/chromium.js';
import { crosstalk, ROOT, startCli, stopChild, type Started } from '../setup/cli.js';
import { EventMaker, tempDir } from '../store/helpers.js';

// The page functions below run in Chromium, not in Node: just enough of the DOM for tsc.
interface PageNode {
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageNode | null;
}
declare const document: { querySelector(selector: string): PageNode | null; querySelectorAll(selector: string): { length: number } };

const OUT = path.join(ROOT, 'test-output');
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function dashboardOf(bus: Bus, options: Parameters<typeof serveDashboard>[2] = {}): Promise<Dashboard> {
  const d = await serveDashboard(bus, ':0', { intervalMs: 100, ...options });
  cleanups.push(() => d.close());
  return d;
}

/** A WebSocket client of the dashboard that keeps the frames it gets. */
async function client(url: string): Promise<{ ws: WebSocket; frames: Frame[]; until(pred: (f: Frame) => boolean): Promise<Frame>; messages: ServerMessage[] }> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`);
  const frames: Frame[] = [];
  const messages: ServerMessage[] = [];
  const waiters: [(f: Frame) => boolean, (f: Frame) => void][] = [];
  ws.on('message', (raw) => {
    const m = JSON.parse(String(raw)) as ServerMessage;
    messages.push(m);
    if (m.t !== 'frame') return;
    frames.push(m);
    for (const w of [...waiters]) if (w[0](m)) (waiters.splice(waiters.indexOf(w), 1), w[1](m));
  });
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  cleanups.push(() => ws.terminate());
  return {
    ws,
    frames,
    messages,
    until: (pred) => {
      const hit = frames.find(pred);
      return hit ? Promise.resolve(hit) : new Promise((resolve) => waiters.push([pred, resolve]));
    },
  };
}

describe('the page, in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows rates per type, queues and drops, scripts, and a live tail with a pattern and a filter', async () => {
    const bus = createBus();
    cleanups.push(() => bus.close());
    const d = await dashboardOf(bus);
    const orders = bus.subscribe('order.*', { max_queue_size: 5 });
    const scripts: ScriptStats[] = [
      { script: 'pay.lua', instance_id: 'i-1', language: 'lua', state: 'running', cpu_ms: 1234, heap_bytes: 3 << 20, heap_limit_bytes: 128 << 20, events_in: 7, events_out: 20 },
    ];
    portOf(bus).addScriptStats({ scriptStats: () => scripts });
    const page: Page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    cleanups.push(() => page.close());
    await page.goto(`${d.url}/`);
    await page.waitForSelector('#status[data-state="live"]');

    for (let i = 0; i < 20; i++) bus.publish('order.paid', { amount: i * 10, vip: i % 5 === 0 });
    for (let i = 0; i < 3; i++) bus.publish('user.login', { user: `u${i}` });
    const cell = (type: string, col: number) => `#types tr[data-type="${type}"] td:nth-child(${col})`;
    await page.waitForFunction(([sel]) => document.querySelector(sel!)?.textContent === '20', [cell('order.paid', 4)]);
    expect(await page.textContent(cell('user.login', 4))).toBe('3');
    const sub = `#subs tr[data-subscription="${orders.id}"]`;
    await page.waitForFunction((sel) => document.querySelector(sel)?.querySelector('td:nth-child(3)')?.textContent === '5 / 5', sub);
    expect(await page.textContent(`${sub} td:nth-child(6)`)).toBe('15'); // dropped
    expect(await page.getAttribute(sub, 'class')).toContain('full');
    expect(await page.textContent('#scripts tr[data-script="pay.lua lua"] td:nth-child(5)')).toBe('1.23 s');
    await page.waitForFunction(() => document.querySelectorAll('#tail tbody tr[data-type="order.paid"]').length === 20);
    expect(await page.textContent('#dropped')).toBe('15');

    // the tail follows the pattern box, then the filter box
    await page.fill('#pattern', 'user.*');
    await page.waitForFunction(() => document.querySelector('#tail-info')?.textContent?.startsWith('user.*'));
    bus.publish('user.logout', { user: 'u1' });
    bus.publish('order.paid', { amount: 1, vip: true });
    await page.waitForSelector('#tail tbody tr[data-type="user.logout"]');
    expect(await page.$$eval('#tail tbody tr', (rows) => rows.map((r) => r.getAttribute('data-type')))).toEqual(['user.logout']);
    await page.fill('#pattern', 'order.*');
    await page.fill('#filter', '"vip":true');
    await page.waitForFunction(() => document.querySelector('#tail-info')?.textContent === 'order.* · ""vip":true"');
    for (let i = 0; i < 6; i++) bus.publish('order.paid', { amount: 100 + i, vip: i % 2 === 0 });
    await page.waitForFunction(() => document.querySelectorAll('#tail tbody tr').length === 3);
    const data = await page.$$eval('#tail tbody tr td.data', (tds) => tds.map((t) => t.textContent));
    expect(data).toEqual(['{"amount":104,"vip":true}', '{"amount":102,"vip":true}', '{"amount":100,"vip":true}']);

    // a pattern that is not one is refused on the page, and the tail keeps the last good one
    await page.fill('#pattern', 'order..paid');
    await page.waitForSelector('#pattern.bad');
    expect(await page.textContent('#tail-error')).toContain('empty segment');

    // the page keeps updating: the frame counter moves on
    const n = Number(await page.getAttribute('#updated', 'data-frame'));
    await page.waitForFunction((k) => Number(document.querySelector('#updated')!.getAttribute('data-frame')) >= k + 3, n);
    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: path.join(OUT, 'dashboard.png'), fullPage: true });
  });
});

describe('the WebSocket', () => {
  it('skips frames for a client that does not read, then disconnects it; others keep their frames', async () => {
    const bus = createBus();
    cleanups.push(() => bus.close());
    let dropped: (address: string) => void = () => undefined;
    const slow = new Promise<string>((resolve) => (dropped = resolve));
    const d = await dashboardOf(bus, { intervalMs: 20, maxBufferedBytes: 64 * 1024, slowClientMs: 2000, onClient: (e) => e.kind === 'slow' && dropped(e.address) });
    const port = new URL(d.url).port;
    // a raw client that does the handshake and then never reads a byte
    const sleeper: Socket = connect(Number(port), '127.0.0.1');
    sleeper.setNoDelay(true);
    sleeper.on('connect', () => {
      sleeper.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      sleeper.pause();
    });
    cleanups.push(() => sleeper.destroy());
    const reader = await client(d.url);
    // big frames: 40 types with long names, so the sleeper's buffers fill soon
    const publishing = setInterval(() => {
      for (let t = 0; t < 40; t++) bus.publish(`load.${'x'.repeat(200)}${t}`, { pad: 'y'.repeat(150) });
    }, 5);
    cleanups.push(() => clearInterval(publishing));
    // the server gave up on it (a paused socket would not even see its end)
    expect(await slow).toBe(`127.0.0.1:${sleeper.localPort}`);
    const before = reader.frames.length;
    await reader.until((f) => f.n >= reader.frames[before - 1]!.n + 5);
    expect(d.clients()).toBe(1);
  });

  it('refuses pages of other sites, unknown hosts, garbage and oversized messages', async () => {
    const bus = createBus();
    cleanups.push(() => bus.close());
    const d = await dashboardOf(bus);
    const wsUrl = `${d.url.replace('http', 'ws')}/ws`;
    const refused = (options: WebSocket.ClientOptions) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(wsUrl, options);
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => resolve(101));
        ws.on('error', () => undefined);
      });
    expect(await refused({ origin: 'http://evil.example' })).toBe(403);
    expect(await refused({ headers: { host: 'evil.example' } })).toBe(421);
    expect(await refused({ origin: d.url })).toBe(101);
    expect((await fetch(`${d.url}/nope`)).status).toBe(404);
    expect((await fetch(`${d.url}/`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${d.url}/`)).headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await (await fetch(`${d.url}/app.js`)).text()).toContain('new WebSocket');

    const c = await client(d.url);
    c.ws.send('not json');
    c.ws.send(JSON.stringify({ t: 'tail', pattern: 'a..b', filter: '' }));
    c.ws.send(JSON.stringify({ t: 'tail', pattern: 'x', filter: 'f'.repeat(300) }));
    c.ws.send(JSON.stringify({ t: 'subscribe' }));
    const errors = () => c.messages.filter((m) => m.t === 'error');
    await new Promise<void>((resolve) => {
      const check = () => (errors().length >= 4 ? resolve() : c.ws.once('message', check));
      check();
    });
    expect(errors().map((e) => (e as { field: string }).field)).toEqual(['message', 'pattern', 'filter', 'message']);
    const big = await client(d.url);
    const code = new Promise<number>((resolve) => big.ws.once('close', (k) => resolve(k)));
    big.ws.send('x'.repeat(10_000));
    expect(await code).toBe(1009);
    const spammer = await client(d.url);
    const spamCode = new Promise<number>((resolve) => spammer.ws.once('close', (k) => resolve(k)));
    for (let i = 0; i < 150; i++) spammer.ws.send('{}');
    expect(await spamCode).toBe(1008);
  });

  it('a port in use, a bad address or bad options are INVALID_OPTION', async () => {
    const squatter = createServer();
    const url = await listen(squatter, { host: '127.0.0.1', port: 0 }, 'test');
    cleanups.push(() => closeServer(squatter));
    const bus = createBus();
    cleanups.push(() => bus.close());
    const e = await expectRejectCode(serveDashboard(bus, `127.0.0.1:${new URL(url).port}`), 'INVALID_OPTION');
    expect(e.message).toContain('in use');
    expect(portOf(bus).observer).toBeNull(); // nothing left behind
    await expectRejectCode(serveDashboard(bus, 'nope'), 'INVALID_OPTION');
    await expectRejectCode(serveDashboard(bus, ':0', { intervalMs: 1 }), 'INVALID_OPTION');
  });
});

describe('commands', () => {
  const tmp = tempDir('crosstalk-dashboard-');
  let running: Started | null = null;
  afterAll(() => tmp.cleanup());
  afterEach(() => {
    if (running) stopChild(running.child);
    running = null;
  });

  it('crosstalk dashboard follows new events of a store', async () => {
    const file = path.join(tmp.dir, 'live.db');
    const store = openSqliteStore(file);
    const mk = new EventMaker();
    store.append(mk.make('old.event'));
    await store.flush();
    running = await startCli(['dashboard', '--store', `sqlite:${file}`, '--listen', ':0', '--interval', '50'], /dashboard: (http:\S+)\/ watching/);
    const url = /dashboard: (http:\S+)\/ watching/.exec(running.stderr())![1]!;
    const c = await client(url);
    for (let i = 0; i < 25; i++) store.append(mk.make('job.done', { i }));
    await store.flush();
    const f = await c.until((x) => x.types.some((t) => t.type === 'job.done' && t.total === 25));
    expect(f.totals.remote).toBe(25); // only events stored after it started
    expect(f.live_bus).toBe(false);
    expect(f.source).toContain(`sqlite:${file}`);
    await store.close();
    running.child.kill('SIGINT');
    expect(await running.exited).toBe(0);
  });

  it('crosstalk dashboard --bus watches live events of every process on a NATS server', async () => {
    const server = await startNatsServer();
    cleanups.push(() => server.stop());
    running = await startCli(['dashboard', '--bus', server.url, '--listen', ':0', '--pattern', 'shop.**'], /dashboard: (http:\S+)\/ watching/);
    const url = /dashboard: (http:\S+)\/ watching/.exec(running.stderr())![1]!;
    const c = await client(url);
    const other = createBus({ transport: await connectNats(server.url) });
    cleanups.push(() => other.close());
    // the dashboard's interest may reach the server after its page is up: publish until it sees them
    const publishing = setInterval(() => {
      other.publish('shop.order', { n: 1 });
      other.publish('noise.tick', {});
    }, 20);
    cleanups.push(() => clearInterval(publishing));
    const f = await c.until((x) => x.types.some((t) => t.type === 'shop.order' && t.total >= 5));
    expect(f.types.map((t) => t.type)).toEqual(['shop.order']); // its pattern
    expect(f.totals.remote).toBeGreaterThanOrEqual(5);
    expect(f.source).toContain('every joined process');
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
  });

  it('crosstalk run --dashboard shows the run bus, subscriptions included', async () => {
    running = await startCli(['run', '--timeout', '0', '--dashboard', ':0', path.join(ROOT, 'test/fixtures/observe/ticker.lua')], 'ready 10');
    const url = /dashboard at (http:\S+)\//.exec(running.stderr())![1]!;
    const c = await client(url);
    const f = await c.until((x) => x.types.some((t) => t.type === 'demo.tick'));
    expect(f.types.find((t) => t.type === 'demo.tick')).toMatchObject({ total: 10, delivered: 10 });
    expect(f.subscriptions.map((s) => s.patterns)).toEqual(expect.arrayContaining([['demo.tick'], ['never.comes']]));
    expect(f.scripts).toEqual([expect.objectContaining({ script: 'ticker.lua', language: 'lua', state: 'running', events_out: 10, events_in: 10 })]);
    running.child.kill('SIGINT');
    expect(await running.exited).toBe(130);
  });

  it('bad flags are exit 2, one line naming the flag', async () => {
    for (const [args, flag] of [
      [['dashboard', '--listen', 'nope'], '--listen'],
      [['dashboard', '--interval', '5'], '--interval'],
      [['dashboard', '--pattern', 'a..b'], 'a..b'],
      [['dashboard', '--bus', 'http://x'], 'bus'],
      [['run', '--dashboard', ':99999', 'x.lua'], '--dashboard'],
    ] as const) {
      const r = await crosstalk([...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toContain(flag);
    }
  });
});
