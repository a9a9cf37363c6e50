/**
 * The `--bus` value: `nats://host[:port]`, optionally with `user:password@`.
 * Anything else is INVALID_OPTION (option `bus`), with a message that names
 * the value and what was expected, before any connection is tried.
 */
import { CrosstalkError, describeValue } from '../core/errors.js';

export const DEFAULT_NATS_PORT = 4222;

export interface BusUrl {
  /** what the client connects to, credentials included */
  readonly server: string;
  /** the same without credentials, for messages */
  readonly display: string;
}

function bad(url: unknown, why: string): CrosstalkError {
  return new CrosstalkError('INVALID_OPTION', `invalid bus URL ${describeValue(url)}: ${why}; expected nats://host:port`, { option: 'bus' });
}

export function parseBusUrl(url: unknown): BusUrl {
  if (typeof url !== 'string') throw bad(url, 'not a string');
  const text = url.trim();
  if (text === '') throw bad(url, 'empty');
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text)) throw bad(url, 'no scheme (it must start with nats://)');
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    // the WHATWG parser also refuses ports above 65535
    throw bad(url, 'not a URL (or its port is not 1–65535)');
  }
  if (u.protocol !== 'nats:') throw bad(url, `the scheme is ${u.protocol.replace(/:$/, '')}, not nats`);
  if (u.hostname === '') throw bad(url, 'no host');
  if (u.pathname !== '' && u.pathname !== '/') throw bad(url, 'a path is not allowed');
  if (u.search !== '' || u.hash !== '') throw bad(url, 'a query or fragment is not allowed');
  const port = u.port === '' ? DEFAULT_NATS_PORT : Number(u.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad(url, `port ${u.port} is not 1–65535`);
  const hostPort = `${u.hostname}:${port}`;
  const auth = u.username === '' ? '' : `${u.username}${u.password === '' ? '' : `:${u.password}`}@`;
  return { server: `nats://${auth}${hostPort}`, display: `nats://${hostPort}` };
}
