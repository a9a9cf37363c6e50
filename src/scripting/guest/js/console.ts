/**
 * A JS script's `console`. Values are formatted here, inside the isolate
 * (never by the host's inspector), and each line goes to the host with the
 * pending publish batch ahead of it, so what a script printed never runs
 * ahead of what it published.
 */
import type { Runtime } from '../runtime.js';
import { ErrorCtor, freeze, isArray, jsonStringify, objectKeys, StringCtor } from '../intrinsics.js';

const MAX_ITEMS = 100;
const MAX_DEPTH = 4;

function show(v: unknown, depth: number): string {
  if (typeof v === 'string') return depth === 0 ? v : jsonStringify(v);
  if (typeof v === 'function') return '[Function' + (v.name ? ': ' + v.name : '') + ']';
  if (typeof v === 'bigint') return StringCtor(v) + 'n';
  if (v === null || typeof v !== 'object') return StringCtor(v);
  if (v instanceof ErrorCtor) return typeof v.stack === 'string' ? v.stack : StringCtor(v);
  if (depth > MAX_DEPTH) return isArray(v) ? '[Array]' : '[Object]';
  if (isArray(v)) {
    let s = '[';
    for (let i = 0; i < v.length && i < MAX_ITEMS; i++) s += (i ? ', ' : ' ') + show(v[i], depth + 1);
    if (v.length > MAX_ITEMS) s += ', ... ' + (v.length - MAX_ITEMS) + ' more';
    return s + (v.length ? ' ]' : ']');
  }
  const o = v as Record<string, unknown>;
  const keys = objectKeys(o);
  let s = '{';
  for (let i = 0; i < keys.length && i < MAX_ITEMS; i++) s += (i ? ', ' : ' ') + keys[i] + ': ' + show(o[keys[i]!], depth + 1);
  if (keys.length > MAX_ITEMS) s += ', ... ' + (keys.length - MAX_ITEMS) + ' more';
  return s + (keys.length ? ' }' : '}');
}

/** `console.log`'s rendering of its arguments, as one line of text. */
export function format(args: ArrayLike<unknown>): string {
  let s = '';
  for (let i = 0; i < args.length; i++) {
    let part: string;
    try {
      part = show(args[i], 0);
    } catch {
      part = '[unprintable]';
    }
    s += (i ? ' ' : '') + part;
  }
  return s;
}

export interface ScriptConsole {
  log(...args: unknown[]): void;
  info(...args: unknown[]): void;
  debug(...args: unknown[]): void;
  error(...args: unknown[]): void;
  warn(...args: unknown[]): void;
}

export function createConsole(runtime: Runtime): ScriptConsole {
  const printer =
    (stream: 'stdout' | 'stderr') =>
    (...args: unknown[]): void =>
      runtime.print(stream, format(args));
  return freeze({
    log: printer('stdout'),
    info: printer('stdout'),
    debug: printer('stdout'),
    error: printer('stderr'),
    warn: printer('stderr'),
  });
}
