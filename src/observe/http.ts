/**
 * Listening addresses for the metrics endpoint and the dashboard, and the
 * metrics server. `:PORT` listens on 127.0.0.1 only (the page and the
 * numbers describe your events; expose them on purpose with `0.0.0.0:PORT`
 * or a host name). Port 0 picks a free port; the URL says which.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CrosstalkError, describeValue } from '../core/errors.js';
import type { Metrics } from './metrics.js';

export interface ListenAddress {
  host: string;
  port: number;
}

export const DEFAULT_LISTEN_HOST = '127.0.0.1';

/** `:9464`, `9464`, `0.0.0.0:9464`, `localhost:9464`, `[::1]:9464` → host and port; INVALID_OPTION naming `option` otherwise. */
export function parseListenAddress(spec: unknown, option: string): ListenAddress {
  const fail = (why: string) =>
    new CrosstalkError('INVALID_OPTION', `--${option} ${describeValue(spec)}: ${why}; give :PORT, HOST:PORT or [IPv6]:PORT (e.g. :9464)`, { option });
  if (typeof spec !== 'string' || spec.trim() === '') throw fail('expected an address');
  const s = spec.trim();
  const m = /^(?:(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]*)):)?(\d{1,5})$/.exec(s);
  if (m === null) throw fail('not an address');
  const host = m[1] ?? (m[2] === undefined || m[2] === '' ? DEFAULT_LISTEN_HOST : m[2]);
  const port = Number(m[3]);
  if (port > 65_535) throw fail(`port ${m[3]} is out of range (0-65535)`);
  return { host, port };
}

/** `http://host:port` for a listening server. */
export function serverUrl(server: Server): string {
  const a = server.address();
  if (a === null || typeof a === 'string') return String(a);
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return `http://${host}:${a.port}`;
}

/**
 * Starts `server` listening; resolves with its URL. A port in use, a port
 * this process may not bind, or a host that is not an address of this
 * machine is INVALID_OPTION naming `option`, with nothing left listening.
 */
export function listen(server: Server, address: ListenAddress, option: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      server.removeListener('listening', onListening);
      const where = `${address.host}:${address.port}`;
      const why =
        e.code === 'EADDRINUSE'
          ? `port ${address.port} is in use; choose another port, or :0 for a free one`
          : e.code === 'EACCES'
            ? `not allowed to listen on ${where} (ports below 1024 need privileges)`
            : e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND'
              ? `${address.host} is not an address of this machine`
              : `cannot listen on ${where}: ${e.message}`;
      reject(new CrosstalkError('INVALID_OPTION', `--${option} ${where}: ${why}`, { option, cause: e }));
    };
    const onListening = () => {
      server.removeListener('error', onError);
      resolve(serverUrl(server));
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(address.port, address.host);
  });
}

/** Closes a server and every connection it holds (keep-alive ones too). */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export interface MetricsServer {
  /** `http://host:port`; the metrics are at `${url}/metrics` */
  readonly url: string;
  close(): Promise<void>;
}

/** A request handler answering `GET /metrics` with the exposition text (404 elsewhere). */
export function metricsHandler(metrics: Metrics): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: the metrics are at /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    metrics.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(req.method === 'HEAD' ? undefined : text),
      (e: unknown) => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`cannot collect metrics: ${(e as Error).message}\n`),
    );
  };
}

/** Serves `metrics` at `http://address/metrics` (see `parseListenAddress`). */
export async function serveMetrics(metrics: Metrics, address: string | ListenAddress, option = 'metrics'): Promise<MetricsServer> {
  const at = typeof address === 'string' ? parseListenAddress(address, option) : address;
  const server = createServer(metricsHandler(metrics));
  const url = await listen(server, at, option);
  return { url, close: () => closeServer(server) };
}
