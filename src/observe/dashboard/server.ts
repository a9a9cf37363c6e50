/**
 * The live dashboard: one HTML page, its script, and a WebSocket that
 * pushes a frame to every page each interval (docs/observability.md "Seeing the stream").
 *
 * Each frame shares its bulk (rates, subscriptions, scripts: frames.ts),
 * computed and serialised once per tick; only the live tail differs per
 * page. Tails are taps on the bus monitor, one per distinct pattern, taken
 * once per tick and filtered per page.
 *
 * Memory is bounded per page: a frame is skipped for a page while more
 * than `maxBufferedBytes` wait to be sent to it (it reads too slowly), and
 * a page that has not caught up for `slowClientMs` is disconnected. A page
 * that connects and never reads therefore holds at most about that much.
 *
 * Only pages served by this dashboard may connect: a WebSocket whose Origin
 * names another site is refused (a web page elsewhere must not read your
 * events), and so is a request whose Host is not this server (DNS
 * rebinding), unless it listens on every interface on purpose.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CrosstalkError, describeValue } from '../../core/errors.js';
import type { UniversalEvent } from '../../core/event.js';
import { compilePattern } from '../../core/pattern.js';
import type { Bus } from '../../core/types.js';
import { closeServer, listen, parseListenAddress, type ListenAddress } from '../http.js';
import { monitorBus, type Tap } from '../monitor.js';
import type { ClientMessage, ErrorMessage, TailItem, TailState } from './browser/protocol.js';
import { FrameMaker } from './frames.js';
import { PAGE_HTML } from './page.js';

export interface DashboardOptions {
  /** the flag named in errors; @default 'dashboard' */
  option?: string;
  /** ms between frames; @default 250 */
  intervalMs?: number;
  /** what the page says it watches; @default "this process's bus" */
  source?: string;
  /** false when the bus only relays events from a store (no subscriptions or scripts worth showing); @default true */
  liveBus?: boolean;
  /** a page's unsent bytes above which its frames are skipped; @default 1 MiB */
  maxBufferedBytes?: number;
  /** a page that stays over that limit this long is disconnected; @default 10,000 ms */
  slowClientMs?: number;
  /** pages connected at once; @default 64 */
  maxClients?: number;
  /** told when a page connects, leaves, or is disconnected for reading too slowly */
  onClient?: (event: ClientEvent) => void;
}

export interface ClientEvent {
  kind: 'connect' | 'close' | 'slow';
  /** the page's address */
  address: string;
  /** pages connected after the event */
  clients: number;
}

export const DEFAULT_DASHBOARD_OPTIONS = {
  intervalMs: 250,
  maxBufferedBytes: 1 << 20,
  slowClientMs: 10_000,
  maxClients: 64,
} as const;

export interface Dashboard {
  /** `http://host:port`; the page is at `${url}/` */
  readonly url: string;
  /** pages connected now */
  clients(): number;
  close(): Promise<void>;
}

/** events a tap keeps between two frames */
const TAP_CAPACITY = 500;
/** tail events sent per frame */
const TAIL_PER_FRAME = 50;
const DATA_PREVIEW = 160;
/** refused messages a page may send before it is disconnected */
const MAX_BAD_MESSAGES = 100;
const DEFAULT_TAIL = '**';

interface TapEntry {
  tap: Tap;
  users: number;
  /** what the tap held at this tick, with the text the filter searches */
  batch: { item: TailItem; text: string }[];
  overwritten: number;
  lastSkipped: number;
}

interface Client {
  ws: WebSocket;
  address: string;
  pattern: string;
  filter: string;
  entry: TapEntry;
  /** when this page's unsent bytes went over the limit; null while under it */
  overSince: number | null;
  skippedFrames: number;
  badMessages: number;
}

function bad(option: string, expected: string, got: unknown): CrosstalkError {
  return new CrosstalkError('INVALID_OPTION', `Expected \`${option}\` to be ${expected}, got ${describeValue(got)}`, { option });
}

function positiveInt(o: Record<string, unknown>, key: string, min: number, max: number): void {
  const v = o[key];
  if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)) throw bad(key, `an integer from ${min} to ${max}`, v);
}

/** The compiled browser script: next to this module in dist/ (from the sources, under dist/ too). */
function appScript(): string {
  const url = import.meta.url.endsWith('.ts')
    ? new URL('../../../dist/observe/dashboard/browser/app.js', import.meta.url)
    : new URL('./browser/app.js', import.meta.url);
  try {
    return readFileSync(url, 'utf8');
  } catch (e) {
    throw new CrosstalkError('INVALID_OPTION', `the dashboard page script is missing (${url.pathname}): build crosstalk first (npm run build)`, {
      option: 'dashboard',
      cause: e,
    });
  }
}

function tailItem(e: UniversalEvent): { item: TailItem; text: string } {
  let data: string;
  try {
    data = JSON.stringify(e.data) ?? 'null';
  } catch {
    data = '(unreadable)';
  }
  const item: TailItem = {
    s: e.sequence,
    t: e.timestamp,
    y: e.event_type,
    c: e.source.component,
    l: e.source.language,
    d: data.length > DATA_PREVIEW ? `${data.slice(0, DATA_PREVIEW - 1)}…` : data,
  };
  return { item, text: `${e.event_type} ${e.source.component} ${data.slice(0, 10_000)}`.toLowerCase() };
}

/**
 * Serves the dashboard of `bus` at `address` (`:PORT`, `HOST:PORT`; see
 * parseListenAddress). INVALID_OPTION for a bad address or a port in use.
 */
export async function serveDashboard(bus: Bus, address: string | ListenAddress, options: DashboardOptions = {}): Promise<Dashboard> {
  if (options === null || typeof options !== 'object') throw bad('options', 'an object', options);
  const option = options.option ?? 'dashboard';
  positiveInt(options as Record<string, unknown>, 'intervalMs', 20, 60_000);
  positiveInt(options as Record<string, unknown>, 'maxBufferedBytes', 1024, 1 << 30);
  positiveInt(options as Record<string, unknown>, 'slowClientMs', 100, 3_600_000);
  positiveInt(options as Record<string, unknown>, 'maxClients', 1, 10_000);
  const o = { ...DEFAULT_DASHBOARD_OPTIONS, ...options };
  const at = typeof address === 'string' ? parseListenAddress(address, option) : address;
  const script = appScript();
  const monitor = monitorBus(bus);
  const frames = new FrameMaker(bus, monitor, o.source ?? "this process's bus", o.liveBus ?? true);
  const taps = new Map<string, TapEntry>();
  const clients = new Set<Client>();
  let n = 0;
  let shared = JSON.stringify(frames.make());
  const anyHost = at.host === '0.0.0.0' || at.host === '::';
  let port = 0;

  const hostAllowed = (host: string | undefined): boolean => {
    if (anyHost) return true;
    if (host === undefined) return false;
    const names = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${at.host.includes(':') ? `[${at.host}]` : at.host}:${port}`];
    return names.includes(host.toLowerCase());
  };

  const tapFor = (pattern: string): TapEntry => {
    let entry = taps.get(pattern);
    if (entry === undefined) {
      entry = { tap: monitor.tap(pattern, TAP_CAPACITY), users: 0, batch: [], overwritten: 0, lastSkipped: 0 };
      taps.set(pattern, entry);
    }
    entry.users++;
    return entry;
  };
  const dropTap = (pattern: string, entry: TapEntry) => {
    if (--entry.users > 0) return;
    monitor.untap(entry.tap);
    taps.delete(pattern);
  };

  const send = (c: Client, text: string) => c.ws.send(text, () => undefined);
  const tell = (kind: ClientEvent['kind'], c: Client) => {
    try {
      options.onClient?.({ kind, address: c.address, clients: clients.size });
    } catch {
      // a listener's failure must not stop the frames
    }
  };
  const refuse = (c: Client, field: ErrorMessage['field'], message: string) => {
    send(c, JSON.stringify({ t: 'error', field, message } satisfies ErrorMessage));
    if (++c.badMessages > MAX_BAD_MESSAGES) c.ws.close(1008, 'too many refused messages');
  };

  const frameFor = (c: Client): string => {
    const matching = c.filter === '' ? c.entry.batch : c.entry.batch.filter((b) => b.text.includes(c.filter));
    const shown = matching.slice(-TAIL_PER_FRAME).map((b) => b.item);
    const tail: TailState = { pattern: c.pattern, filter: c.filter, events: shown, skipped: c.entry.overwritten + matching.length - shown.length };
    // the shared part is serialised once per tick; only the tail is per page
    return `{"t":"frame","n":${n},"tail":${JSON.stringify(tail)},"skipped_frames":${c.skippedFrames},${shared.slice(1)}`;
  };

  const tick = () => {
    const now = Date.now();
    n++;
    shared = JSON.stringify(frames.make(now));
    for (const e of taps.values()) {
      e.batch = e.tap.take().map(tailItem);
      e.overwritten = e.tap.skipped - e.lastSkipped;
      e.lastSkipped = e.tap.skipped;
    }
    for (const c of clients) {
      if (c.ws.readyState !== c.ws.OPEN) continue;
      if (c.ws.bufferedAmount > o.maxBufferedBytes) {
        // it reads too slowly: skip this frame; drop it if it never catches up
        c.skippedFrames++;
        c.overSince ??= now;
        if (now - c.overSince > o.slowClientMs) {
          clients.delete(c);
          c.ws.terminate();
          tell('slow', c);
        }
        continue;
      }
      c.overSince = null;
      send(c, frameFor(c));
    }
  };

  const onMessage = (c: Client, raw: unknown, isBinary: boolean) => {
    if (isBinary) return refuse(c, 'message', 'expected a JSON text message');
    let m: ClientMessage;
    try {
      m = JSON.parse(String(raw)) as ClientMessage;
    } catch {
      return refuse(c, 'message', 'expected JSON: {"t":"tail","pattern":"…","filter":"…"}');
    }
    if (m === null || typeof m !== 'object' || m.t !== 'tail') return refuse(c, 'message', 'expected {"t":"tail","pattern":"…","filter":"…"}');
    const pattern = typeof m.pattern === 'string' && m.pattern.trim() !== '' ? m.pattern.trim() : DEFAULT_TAIL;
    if (typeof m.filter !== 'string' || m.filter.length > 200) return refuse(c, 'filter', 'the filter is text of at most 200 characters');
    try {
      compilePattern(pattern);
    } catch (e) {
      return refuse(c, 'pattern', (e as Error).message);
    }
    if (pattern !== c.pattern) {
      const entry = tapFor(pattern);
      dropTap(c.pattern, c.entry);
      c.entry = entry;
      c.pattern = pattern;
    }
    c.filter = m.filter.trim().toLowerCase();
    if (c.ws.readyState === c.ws.OPEN) send(c, frameFor(c));
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false, clientTracking: false });
  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    const address = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    const c: Client = { ws, address, pattern: DEFAULT_TAIL, filter: '', entry: tapFor(DEFAULT_TAIL), overSince: null, skippedFrames: 0, badMessages: 0 };
    clients.add(c);
    ws.on('message', (raw, isBinary) => onMessage(c, raw, isBinary));
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      dropTap(c.pattern, c.entry);
      if (clients.delete(c)) tell('close', c);
    });
    tell('connect', c);
    send(c, frameFor(c));
  });

  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (!hostAllowed(req.headers.host)) return void res.writeHead(421, { 'content-type': 'text/plain' }).end('misdirected request: unknown Host\n');
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD' }).end();
    const body = (type: string, text: string) =>
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }).end(req.method === 'HEAD' ? undefined : text);
    if (path === '/') return body('text/html; charset=utf-8', PAGE_HTML);
    if (path === '/app.js') return body('text/javascript; charset=utf-8', script);
    if (path === '/snapshot') return body('application/json', shared);
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: the dashboard is at /\n');
  });
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const reject = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    socket.on('error', () => socket.destroy());
    if ((req.url ?? '').split('?')[0] !== '/ws') return reject('404 Not Found');
    if (!hostAllowed(req.headers.host)) return reject('421 Misdirected Request');
    const origin = req.headers.origin;
    if (origin !== undefined && !anyHost && !hostAllowed(origin.replace(/^https?:\/\//, ''))) return reject('403 Forbidden');
    if (clients.size >= o.maxClients) return reject('503 Service Unavailable');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  monitor.retain();
  let url: string;
  try {
    url = await listen(http, at, option);
  } catch (e) {
    for (const [p, entry] of [...taps]) dropTap(p, entry);
    monitor.release();
    throw e;
  }
  port = new URL(url).port === '' ? 80 : Number(new URL(url).port);
  const timer = setInterval(tick, o.intervalMs);
  timer.unref();
  let closing: Promise<void> | null = null;
  return {
    url,
    clients: () => clients.size,
    close() {
      closing ??= (async () => {
        clearInterval(timer);
        for (const c of clients) c.ws.terminate();
        wss.close();
        await closeServer(http);
        for (const [p, entry] of [...taps]) {
          monitor.untap(entry.tap);
          taps.delete(p);
        }
        monitor.release();
      })();
      return closing;
    },
  };
}
