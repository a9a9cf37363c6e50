/**
 * JsEngine: runs a `.js` script in its own isolated-vm isolate on a bus.
 *
 * The script body runs as an async function (so `return` and `await` work at
 * top level) with the prelude's `Event`, `console` and `CrosstalkError` as
 * globals. `Event.receive` looks blocking: the isolate's thread waits in
 * `applySyncPromise` while the host loop goes on.
 *
 * Budgets: the isolate heap is capped at `memoryLimitMb` (SCRIPT_MEMORY when
 * it runs out); `timeoutMs` bounds both the wall-clock life of the script and
 * its running time (isolated-vm's run timeout stops busy loops even when the
 * host is busy). Either way the isolate is disposed and the host and other
 * scripts go on.
 *
 * What a stop keeps: events a script published are handed to the bus at its
 * next host call, when a batch fills and at its end; a script stopped while
 * waiting on the host has nothing pending, and one stopped by the run timeout
 * hands its batch over before it is disposed. Only a script killed for memory,
 * or one that spins without calling the host for STOP_GRACE_MS past its
 * wall-clock budget, can lose its last unsent batch (at most BATCH_MAX_EVENTS).
 */
import ivm from 'isolated-vm';
import { EVENT_TYPE_RE, MAX_EVENT_TYPE_LENGTH, PRIORITIES } from '../../core/event.js';
import { EVENT_INIT_KEYS, PUBLISH_OPTION_KEYS } from '../../core/draft.js';
import type { BusImpl } from '../../core/bus.js';
import type { Bus } from '../../core/types.js';
import { CAMEL_ALIASES, createScriptContext, EVENT_API, type ScriptServices } from '../api.js';
import { DEFAULT_SCRIPT_LIMITS, type RunOptions, type ScriptEngine, type ScriptFailure, type ScriptFile, type ScriptResult } from '../engine.js';
import { ASYNC_BATCH_DEPTH, BATCH_MAX_CHARS, BATCH_MAX_EVENTS, HostBridge, type WireError } from './bridge.js';
import { classifyRunError, failureFromCompile, failureFromIsolate, failureFromRejection, failureOf } from './failure.js';
import { PRELUDE_SOURCE } from './prelude.js';

/** isolated-vm refuses smaller heaps. */
export const MIN_MEMORY_LIMIT_MB = 8;
/** Longer budgets than a timer can hold count as no limit. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/**
 * After a stop, a script that is running (not waiting on the host) gets this
 * long to reach a host call (which hands over its batch) or to hit the run
 * timeout (after which the batch is rescued) before it is disposed.
 */
export const STOP_GRACE_MS = 250;

export interface JsEngineOptions {
  /** capabilities from outside core, such as replay */
  services?: ScriptServices;
}

export class JsEngine implements ScriptEngine {
  readonly extensions = ['.js'] as const;
  readonly language = 'javascript' as const;

  constructor(private readonly options: JsEngineOptions = {}) {}

  run(bus: Bus, file: ScriptFile, options: RunOptions): Promise<ScriptResult> {
    return new JsScriptRun(bus as BusImpl, file, options, this.options.services ?? {}).run();
  }
}

/** The bus's event limits, so the isolate checks publishes exactly as the bus will. */
function busLimits(bus: BusImpl): { maxDepth: number; maxBytes: number } {
  const l = bus.limits;
  return { maxDepth: l.max_depth, maxBytes: l.max_event_bytes };
}

/** The body as an async function; the prefix shares line 1 so line numbers stay true. */
function wrap(source: string): string {
  const body = source.startsWith('#!') ? `//${source.slice(2)}` : source;
  return `(async function () {${body}\n})`;
}

class JsScriptRun {
  private readonly isolate: ivm.Isolate;
  private readonly bridge: HostBridge;
  private stopReason: WireError | null = null;
  private timers: NodeJS.Timeout[] = [];
  private readonly started = performance.now();
  private readonly ctx;

  constructor(
    private readonly bus: BusImpl,
    private readonly file: ScriptFile,
    private readonly options: RunOptions,
    services: ScriptServices,
  ) {
    this.ctx = createScriptContext(bus, { component: file.name, language: 'javascript' }, services);
    this.isolate = new ivm.Isolate({
      memoryLimit: this.memoryLimitMb(),
      onCatastrophicError: (message) => this.stop({ code: 'SCRIPT_ERROR', message: `the isolate failed: ${message}` }),
    });
    this.bridge = new HostBridge(this.ctx, file.name, options.output, { stop: (r) => this.stop(r) });
  }

  private memoryLimitMb(): number {
    const mb = this.options.limits.memoryLimitMb;
    return Number.isFinite(mb) ? Math.max(MIN_MEMORY_LIMIT_MB, Math.ceil(mb)) : DEFAULT_SCRIPT_LIMITS.memoryLimitMb;
  }

  /** 0 = no limit */
  private timeoutMs(): number {
    const ms = this.options.limits.timeoutMs;
    return Number.isFinite(ms) && ms > 0 && ms <= MAX_TIMEOUT_MS ? Math.ceil(ms) : 0;
  }

  private result(error?: ScriptFailure): ScriptResult {
    const r: ScriptResult = { script: this.file.name, ok: error === undefined, durationMs: performance.now() - this.started };
    if (error !== undefined) r.error = error;
    return r;
  }

  async run(): Promise<ScriptResult> {
    const hostRef = new ivm.Reference(this.bridge.call);
    const abort = () => this.stop({ code: 'SCRIPT_ERROR', message: 'stopped' });
    const signal = this.options.signal;
    try {
      if (signal?.aborted) return this.result({ code: 'SCRIPT_ERROR', message: 'stopped before it started' });
      signal?.addEventListener('abort', abort, { once: true });
      const context = await this.isolate.createContext();
      const control = await context.evalClosure(PRELUDE_SOURCE, [hostRef, this.config()], {
        filename: 'crosstalk:prelude',
        result: { reference: true },
      });
      this.bridge.control = control as ivm.Reference<(op: string, a?: unknown, b?: unknown) => unknown>;

      let fn: ivm.Reference<unknown>;
      try {
        const script = await this.isolate.compileScript(wrap(this.file.source), { filename: this.file.name });
        fn = (await script.run(context, { reference: true })) as ivm.Reference<unknown>;
      } catch (e) {
        return this.result(failureFromCompile(e, this.file.name));
      }
      if (fn.typeof !== 'function') return this.result({ code: 'SCRIPT_ERROR', message: 'the script body did not compile to a function' });

      const timeoutMs = this.timeoutMs();
      if (timeoutMs > 0) {
        this.timers.push(setTimeout(() => this.stop({ code: 'SCRIPT_TIMEOUT', message: `ran longer than ${timeoutMs} ms` }), timeoutMs));
      }
      let out: unknown;
      try {
        out = await this.bridge.control.apply(undefined, ['run', fn.derefInto()], {
          result: { promise: true },
          ...(timeoutMs > 0 ? { timeout: timeoutMs } : {}),
        });
      } catch (e) {
        return this.result(await this.failureFor(e));
      }
      if (this.stopReason !== null) return this.result(failureOf(this.stopReason));
      return typeof out === 'string' && out.length > 0 ? this.result(failureFromIsolate(out)) : this.result();
    } catch (e) {
      return this.result(await this.failureFor(e));
    } finally {
      signal?.removeEventListener('abort', abort);
      for (const t of this.timers) clearTimeout(t);
      this.ctx.close();
      hostRef.release();
      if (!this.isolate.isDisposed) this.isolate.dispose();
    }
  }

  private config(): string {
    const { maxDepth, maxBytes } = busLimits(this.bus);
    return JSON.stringify({
      script: this.file.name,
      ids: this.bridge.issueIds(),
      batchMax: BATCH_MAX_EVENTS,
      batchBytes: BATCH_MAX_CHARS,
      asyncDepth: ASYNC_BATCH_DEPTH,
      argsMaxBytes: 4 * maxBytes,
      maxDepth,
      maxBytes,
      batching: !this.bus.hasStrictSubscriptions(),
      names: Object.keys(EVENT_API),
      aliases: CAMEL_ALIASES,
      publishKeys: PUBLISH_OPTION_KEYS,
      initKeys: EVENT_INIT_KEYS,
      priorities: PRIORITIES,
      eventTypeRe: EVENT_TYPE_RE.source,
      typeMax: MAX_EVENT_TYPE_LENGTH,
    });
  }

  /**
   * Stops the script. A parked isolate (waiting on the host) has no events
   * left in its batch: its wait is answered with the stop and it is disposed
   * right after; a running one is told at its next host call and disposed
   * after a short grace.
   */
  private stop(reason: WireError): void {
    if (this.stopReason !== null || this.isolate.isDisposed) return;
    this.stopReason = reason;
    this.bridge.stop(reason);
    const dispose = () => {
      if (!this.isolate.isDisposed) this.isolate.dispose();
    };
    if (this.bridge.parked) setImmediate(dispose);
    else this.timers.push(setTimeout(dispose, STOP_GRACE_MS));
  }

  private async failureFor(e: unknown): Promise<ScriptFailure> {
    const kind = classifyRunError(e, this.isolate.isDisposed);
    if (kind === 'cpu-timeout') {
      // the isolate survives a run timeout: keep it alive long enough to hand over its batch
      for (const t of this.timers) clearTimeout(t);
      await this.rescue();
      return this.stopReason !== null ? failureOf(this.stopReason) : { code: 'SCRIPT_TIMEOUT', message: `ran longer than ${this.timeoutMs()} ms` };
    }
    if (this.stopReason !== null) return failureOf(this.stopReason);
    switch (kind) {
      case 'memory':
        return { code: 'SCRIPT_MEMORY', message: `exceeded its memory limit of ${this.memoryLimitMb()} MB` };
      case 'disposed':
        return { code: 'SCRIPT_MEMORY', message: 'the isolate was disposed (out of memory)' };
      default:
        return failureFromRejection(e, this.file.name);
    }
  }

  /** After a run timeout the isolate is still alive: publish what it had batched. */
  private async rescue(): Promise<void> {
    const control = this.bridge.control;
    if (control === null || this.isolate.isDisposed) return;
    try {
      await control.apply(undefined, ['rescue'], { timeout: 1000 });
    } catch {
      // nothing more can be saved
    }
  }
}
