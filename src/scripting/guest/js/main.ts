/**
 * A JS script inside its isolate: the `Event` global (the names of
 * event-api.ts and their camelCase aliases), subscription handles,
 * `console` and `CrosstalkError`, over the guest runtime.
 *
 * The host compiles the script as an async function (so `await` and
 * `return` work at top level) and starts it with `control('run', fn)`,
 * which resolves when it ends: '' or the JSON of a GuestFailure.
 */
import { CrosstalkError, describeValue } from '../../../core/errors.js';
import { EVENT_FUNCTIONS, type EventFunction } from '../../event-api.js';
import { CALL_IDLE, type GuestConfig, type GuestFailure } from '../protocol.js';
import type { Callback } from '../loop.js';
import { Runtime, type FilterFunction, type HostReference, type SubscriptionData } from '../runtime.js';
import { createConsole, format } from './console.js';
import {
  charCodeAt,
  defineProperty,
  ErrorCtor,
  freeze,
  indexOfStr,
  isArray,
  jsonStringify,
  objectKeys,
  RangeErrorCtor,
  reflectApply,
  StringCtor,
  WeakSetCtor,
  weakAdd,
  weakHas,
} from '../intrinsics.js';

/** RangeErrors V8 raises when an allocation does not fit the isolate's memory limit. */
const OUT_OF_MEMORY = /Array buffer allocation failed|Invalid string length|Invalid array buffer length/;

export interface Handle {
  readonly id: string;
  readonly patterns: readonly string[];
  unsubscribe(): unknown;
  ack(event: unknown): unknown;
  nak(event: unknown, options?: unknown): unknown;
  resetStats(): unknown;
  toString(): string;
}

interface Budget {
  n: number;
}

/**
 * Arguments crossing to the host: anything structured clone would refuse or
 * the host cannot use (functions, symbols) is refused here, with the call
 * and the place named, and the whole is bounded in size.
 */
function checkArg(fn: string, v: unknown, path: string, depth: number, budget: Budget, maxDepth: number): void {
  if (typeof v === 'function' || typeof v === 'symbol') {
    throw new CrosstalkError('INVALID_OPTION', `${fn}: ${path} is ${describeValue(v)}, which cannot be passed to the host`, { option: path });
  }
  if (typeof v === 'string') budget.n -= v.length;
  else if (v !== null && typeof v === 'object') {
    if (depth > maxDepth) throw new CrosstalkError('INVALID_OPTION', `${fn}: ${path} nests deeper than ${maxDepth} levels`, { option: path });
    const o = v as Record<string, unknown>;
    const keys = objectKeys(o);
    budget.n -= keys.length + 1;
    for (let i = 0; i < keys.length; i++) checkArg(fn, o[keys[i]!], `${path}.${keys[i]}`, depth + 1, budget, maxDepth);
  }
  if (budget.n < 0) throw new CrosstalkError('INVALID_OPTION', `${fn}: the arguments are too large to pass to the host`);
}

class JsScript {
  readonly runtime: Runtime;
  private readonly handles = new WeakSetCtor<object>();
  private readonly argsMax: number;

  constructor(
    host: HostReference,
    private readonly cfg: GuestConfig,
    shared: SharedArrayBuffer,
  ) {
    this.runtime = new Runtime(host, cfg, shared);
    this.argsMax = 4 * cfg.maxBytes;
  }

  /** A handle, or the id string of one, as the host wants it. */
  private subArg(v: unknown): unknown {
    if (v !== null && typeof v === 'object' && weakHas(this.handles, v)) return (v as Handle).id;
    return v;
  }

  /** the script's live handles by id, so receive_any can name the one an event came from */
  private readonly byId = new Map<string, Handle>();

  private makeHandle(h: SubscriptionData, fns: Map<string, (...a: unknown[]) => unknown>): Handle {
    const id = h.id;
    const handle: Handle = freeze({
      id,
      patterns: freeze(h.patterns),
      unsubscribe: () => fns.get('unsubscribe')!(id),
      ack: (event: unknown) => fns.get('ack')!(event),
      nak: (event: unknown, options?: unknown) => (options === undefined ? fns.get('nak')!(event) : fns.get('nak')!(event, options)),
      resetStats: () => fns.get('reset_stats')!(id),
      toString: () => id,
    });
    weakAdd(this.handles, handle);
    this.byId.set(id, handle);
    return handle;
  }

  private checked(name: string, args: unknown[]): unknown[] {
    checkArg(name, args, 'arguments', 0, { n: this.argsMax }, this.cfg.maxDepth);
    return args;
  }

  /** The Event object: one function per declaration, under its name and its camelCase alias. */
  eventApi(): Record<string, unknown> {
    const runtime = this.runtime;
    const api: Record<string, unknown> = {};
    const fns = new Map<string, (...a: unknown[]) => unknown>();
    for (const decl of EVENT_FUNCTIONS) {
      const fn = this.bind(decl, runtime, fns);
      fns.set(decl.name, fn);
      api[decl.name] = fn;
      if (decl.camel !== undefined) api[decl.camel] = fn;
    }
    return freeze(api);
  }

  private bind(decl: EventFunction, runtime: Runtime, fns: Map<string, (...a: unknown[]) => unknown>): (...a: unknown[]) => unknown {
    const name = decl.name;
    const subAt = decl.subscriptionArg;
    const self = this;
    let f: (...a: unknown[]) => unknown;
    switch (name) {
      case 'publish':
        f = function (first, data, options) {
          return runtime.publish(first, data, options, arguments.length);
        };
        break;
      case 'subscribe':
        f = function (patterns, second, third) {
          // subscribe(patterns, fn, options): a handler subscription
          const handler = typeof second === 'function' ? (second as Callback) : null;
          const options = handler !== null ? third : second;
          const given = handler !== null ? arguments.length > 2 : arguments.length > 1;
          const args: unknown[] = given ? [patterns, options] : [patterns];
          let filter: FilterFunction | null = null;
          if (options !== null && typeof options === 'object' && !isArray(options) && typeof (options as { filter?: unknown }).filter === 'function') {
            filter = (options as { filter: FilterFunction }).filter;
            const copy: Record<string, unknown> = {};
            const o = options as Record<string, unknown>;
            const keys = objectKeys(o);
            for (let i = 0; i < keys.length; i++) if (keys[i] !== 'filter') copy[keys[i]!] = o[keys[i]!];
            args[1] = copy;
          }
          return self.makeHandle(runtime.subscribe(self.checked(name, args), filter, handler), fns);
        };
        break;
      case 'with_correlation':
        f = function (id, fn) {
          if (typeof fn !== 'function') {
            throw new CrosstalkError('INVALID_OPTION', `with_correlation needs a function to run, got ${describeValue(fn)}`, { option: 'fn' });
          }
          return runtime.withCorrelation(id, () => reflectApply(fn as () => unknown, undefined, []));
        };
        break;
      case 'receive_any':
        f = function (subs, timeout) {
          const list = isArray(subs) ? subs.map((v) => self.subArg(v)) : subs;
          const args: unknown[] = arguments.length > 1 ? [list, timeout] : [list];
          const r = runtime.receiveAny(self.checked(name, args));
          if (r === null) return null;
          return { event: r.event, subscription: self.byId.get(r.subscription) ?? r.subscription };
        };
        break;
      default:
        f = function () {
          const args: unknown[] = [];
          for (let i = 0; i < arguments.length; i++) args[i] = arguments[i];
          if (subAt !== undefined && args.length > subAt) args[subAt] = self.subArg(args[subAt]);
          self.checked(name, args);
          if (name === 'receive') return runtime.receive(args);
          if (name === 'receive_batch') return runtime.receiveBatch(args);
          if (name === 'unsubscribe') {
            if (typeof args[0] === 'string') self.byId.delete(args[0]);
            return runtime.unsubscribe(args);
          }
          return runtime.call(name, args);
        };
    }
    defineProperty(f, 'name', { value: name });
    return f;
  }

  /** The global object a script sees: Event, console, CrosstalkError, timers; nothing of the host. */
  installGlobals(): void {
    const G = globalThis as Record<string, unknown>;
    for (const name of ['SharedArrayBuffer', 'Atomics', 'WebAssembly', '__crosstalkGuest']) delete G[name];
    const put = (name: string, value: unknown) => defineProperty(G, name, { value, writable: true, configurable: true });
    put('Event', this.eventApi());
    put('console', createConsole(this.runtime));
    put('CrosstalkError', CrosstalkError);
    // the command-line arguments after `--` (docs/scripts.md "Arguments and results")
    put('args', freeze(isArray(this.cfg.args) ? this.cfg.args.slice() : []));
    const loop = this.runtime.loop;
    put('setTimeout', function setTimeout(fn: unknown, ms?: unknown, ...args: unknown[]) {
      return loop.setTimer(fn, ms, false, args);
    });
    put('setInterval', function setInterval(fn: unknown, ms?: unknown, ...args: unknown[]) {
      return loop.setTimer(fn, ms, true, args);
    });
    put('clearTimeout', function clearTimeout(id: unknown) {
      loop.clearTimer(id);
    });
    put('clearInterval', function clearInterval(id: unknown) {
      loop.clearTimer(id);
    });
  }

  /** The script's line in a stack (`script.js:12:5`), if any. */
  private lineOf(e: unknown): number | undefined {
    let stack: unknown;
    try {
      stack = (e as { stack?: unknown }).stack;
    } catch {
      return undefined;
    }
    if (typeof stack !== 'string') return undefined;
    const script = this.cfg.script;
    const at = indexOfStr(stack, script + ':');
    if (at < 0) return undefined;
    let n = 0;
    let digits = 0;
    for (let i = at + script.length + 1; i < stack.length; i++) {
      const c = charCodeAt(stack, i);
      if (c < 48 || c > 57) break;
      n = n * 10 + (c - 48);
      digits++;
    }
    return digits > 0 ? n : undefined;
  }

  private describe(e: unknown): GuestFailure {
    try {
      const line = this.lineOf(e);
      const at = line === undefined ? {} : { line };
      let stack: string | undefined;
      try {
        const s = (e as { stack?: unknown } | null)?.stack;
        stack = typeof s === 'string' ? s : undefined;
      } catch {
        stack = undefined;
      }
      const tb = stack === undefined ? {} : { traceback: stack };
      if (e instanceof CrosstalkError) return { code: e.code, message: e.message, ...at, ...tb };
      if (e instanceof RangeErrorCtor && OUT_OF_MEMORY.test(StringCtor(e.message))) {
        return { code: 'SCRIPT_MEMORY', message: `ran out of memory (${e.message}); the limit is ${Math.round(this.cfg.memoryBytes / 1048576)} MB`, ...at };
      }
      if (e instanceof ErrorCtor) return { code: 'SCRIPT_ERROR', message: `${StringCtor(e.name)}: ${StringCtor(e.message)}`, ...at, ...tb };
      return { code: 'SCRIPT_ERROR', message: 'uncaught ' + format([e]) };
    } catch {
      return { code: 'SCRIPT_ERROR', message: 'uncaught exception (it could not be described)' };
    }
  }

  async run(fn: () => unknown): Promise<string> {
    let failure: unknown = null;
    let value: unknown;
    try {
      value = await reflectApply(fn, globalThis, []);
      // as a Node program: alive while timers or handler subscriptions are pending
      const loop = this.runtime.loop;
      if (loop.pending > 0 && this.runtime.dead === null) {
        this.runtime.callHost(CALL_IDLE, []);
        await loop.idle();
      }
      if (loop.failure !== null) failure = loop.failure;
    } catch (e) {
      failure = e;
    }
    let answer = '';
    if (failure === null && this.runtime.dead === null) {
      try {
        answer = this.runtime.resultValue(value);
      } catch (e) {
        failure = e;
      }
    }
    const end = this.runtime.finish(failure as Error | null);
    // a stop wins over whatever the script did after it
    const reported = this.runtime.dead ?? end;
    return reported === null ? answer : jsonStringify(this.describe(reported));
  }
}

/** Called once by the host with its Reference, the config JSON and the memory it shares. */
export function boot(host: HostReference, cfgJson: string, flags: SharedArrayBuffer): (op: string, arg?: unknown) => Promise<string> {
  const script = new JsScript(host, JSON.parse(cfgJson) as GuestConfig, flags);
  script.installGlobals();
  let ran = false;
  return (op, arg) => {
    if (op === 'task' && typeof arg === 'string') return script.runtime.loop.run(arg) as unknown as Promise<string>;
    if (op !== 'run' || ran || typeof arg !== 'function') throw new ErrorCtor('unknown control op');
    ran = true;
    return script.run(arg as () => unknown);
  };
}
