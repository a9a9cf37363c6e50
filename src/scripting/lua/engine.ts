/**
 * LuaEngine: runs one `.lua` file on a bus as a coroutine of the host's event
 * loop (SPEC §4).
 *
 * The host resumes the script; it runs until it ends, fails, waits (a binding
 * returned a Promise: the host resumes it when that settles) or uses up its
 * time slice (the count hook yields it, so a busy script never starves other
 * scripts or the host). The same hook enforces the wall-clock budget while
 * the script runs; a timer enforces it while it waits. A stopped script
 * cannot catch its stop: once stopped, every instruction raises it again.
 */
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import type { BusImpl } from '../../core/bus.js';
import { CrosstalkError } from '../../core/errors.js';
import type { Bus } from '../../core/types.js';
import { createScriptContext, EVENT_API, type ScriptContext, type ScriptServices } from '../api.js';
import type { RunOptions, ScriptEngine, ScriptFailure, ScriptFile, ScriptResult } from '../engine.js';
import { installEvent, type BindingHost, type Settled } from './bindings.js';
import { installCoroutines } from './coroutines.js';
import { callerLine, raise, readError, toCrosstalkError } from './errors.js';
import { installJson } from './json.js';
import { decodeLenient, encodeUtf8, pushJs } from './marshal.js';
import { createSandbox } from './sandbox.js';
import { lauxlib, lua, pushValue, TValueCtor, type LuaHook, type LuaState, type TValue } from './vm.js';

/** Instructions between hook calls: rare enough to cost ~nothing, often enough (~30 µs) to stop a loop promptly. */
const HOOK_EVERY = 1000;
/** A running script yields to the host after this long, so others get their turn. */
const SLICE_MS = 20;
const MAX_TIMER_MS = 2 ** 31 - 1;
/** A filter may receive through another filtered subscription, up to this deep. */
const MAX_FILTER_DEPTH = 16;

/** `pending` value of a time-slice yield: resume on the next turn of the loop. */
const PREEMPTED = Symbol('preempted');

export interface LuaEngineOptions {
  /** capabilities outside core (replay) handed to each script's context */
  services?: ScriptServices;
  /**
   * Turn off V8's allocation-site pretenuring for this process (default true).
   * fengari allocates many small objects in bursts (a 1000-event batch is
   * ~60k objects); when a scavenge lands mid-burst V8 decides those sites are
   * long-lived and allocates them in old space from then on, and GC time
   * grows ~5x for the rest of the run. Measured: receive_batch of 1000 went
   * from 35–400k events/s (bimodal) to a steady 200–400k.
   */
  tuneGc?: boolean;
}

let gcTuned = false;

export class LuaEngine implements ScriptEngine {
  readonly extensions = ['.lua'] as const;
  readonly language = 'lua' as const;

  constructor(private readonly options: LuaEngineOptions = {}) {
    if (options.tuneGc !== false && !gcTuned) {
      gcTuned = true;
      v8.setFlagsFromString('--no-allocation-site-pretenuring');
    }
  }

  run(bus: Bus, file: ScriptFile, options: RunOptions): Promise<ScriptResult> {
    return new LuaRun(bus as BusImpl, file, options, this.options.services ?? {}).start();
  }
}

class LuaRun implements BindingHost {
  readonly ctx: ScriptContext;
  pending: unknown = null;
  canWait = false;
  settled: Settled | null = null;
  waitThread: LuaState | null = null;

  private readonly M: LuaState;
  private thread: LuaState | null = null;
  private readonly filterThreads: LuaState[] = [];
  private filterDepth = 0;
  private readonly started = performance.now();
  private readonly deadline: number;
  private sliceEnd = 0;
  private running = false;
  private done = false;
  private stopped: CrosstalkError | null = null;
  private stopLine: number | undefined;
  /** where the script was when it last used up its slice */
  private preemptedAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private resolve!: (r: ScriptResult) => void;
  private readonly chunk: string;
  private readonly onAbort = () => this.stop(new CrosstalkError('SCRIPT_ERROR', 'stopped'));

  constructor(
    bus: BusImpl,
    private readonly file: ScriptFile,
    private readonly options: RunOptions,
    services: ScriptServices,
  ) {
    this.chunk = file.name;
    this.ctx = createScriptContext(bus, { component: file.name, language: 'lua' }, services);
    const { timeoutMs, memoryLimitMb } = options.limits;
    this.deadline = timeoutMs > 0 ? this.started + timeoutMs : Infinity;
    this.M = createSandbox({
      print: (text) => options.output(file.name, text, 'stdout'),
      maxStringBytes: Math.max(1, memoryLimitMb) * 1024 * 1024,
      isStopped: () => this.stopped !== null,
    });
    installJson(this.M);
    installEvent(this.M, this, EVENT_API);
    installCoroutines(this.M, this);
  }

  start(): Promise<ScriptResult> {
    const result = new Promise<ScriptResult>((resolve) => (this.resolve = resolve));
    const M = this.M;
    const source = encodeUtf8(this.file.source);
    const status = lauxlib.luaL_loadbufferx(M, source, source.length, `@${this.chunk}`, 't');
    if (status !== lua.LUA_OK) {
      const f = readError(M, -1, this.chunk);
      this.finish({ code: 'SCRIPT_ERROR', message: f.message, ...(f.line === undefined ? {} : { line: f.line }) });
      return result;
    }
    // Threads inherit the hook of the thread that creates them, so set it first.
    lua.lua_sethook(M, this.hook, lua.LUA_MASKCOUNT, HOOK_EVERY);
    const T = lua.lua_newthread(M);
    lua.lua_pushvalue(M, -2);
    lua.lua_xmove(M, T, 1);
    this.thread = T;
    lua.lua_settop(M, 0);

    // (timers cannot wait past 2^31-1 ms; the hook still enforces longer budgets while the script runs)
    if (this.deadline - this.started <= MAX_TIMER_MS) {
      this.timer = setTimeout(() => this.stop(this.timeoutError()), this.deadline - performance.now());
    }
    if (this.options.signal) {
      if (this.options.signal.aborted) this.onAbort();
      else this.options.signal.addEventListener('abort', this.onAbort, { once: true });
    }
    if (this.stopped === null) this.step();
    return result;
  }

  // ---- the host loop ------------------------------------------------------------

  private readonly step = (): void => {
    if (this.done || this.stopped !== null) return; // a stopped script is finished by finishStopped
    const T = this.thread!;
    this.running = true;
    this.canWait = true;
    this.sliceEnd = performance.now() + SLICE_MS;
    let status: number;
    try {
      status = lua.lua_resume(T, null, 0);
    } catch (e) {
      // fengari itself failed (should not happen): end this script, keep the host
      this.running = false;
      this.finish({ code: 'SCRIPT_ERROR', message: `internal error: ${(e as Error)?.message ?? e}` });
      return;
    }
    this.running = false;
    this.canWait = false;
    if (this.stopped !== null) return this.finishStopped();
    if (status === lua.LUA_YIELD) {
      const wait = this.pending;
      this.pending = null;
      if (wait === null || wait === PREEMPTED) {
        lua.lua_settop(T, 0); // a bare coroutine.yield() at top level: values are dropped
        setImmediate(this.step);
      } else {
        (wait as PromiseLike<unknown>).then(
          (value) => this.wake({ ok: true, value }),
          (error: unknown) => this.wake({ ok: false, error }),
        );
      }
      return;
    }
    if (status === lua.LUA_OK) return this.finish(null);
    const f = readError(T, -1, this.chunk);
    const line = f.line ?? callerLine(T, 0);
    this.finish({ code: f.code, message: f.message, ...(line === undefined ? {} : { line }), traceback: this.traceback() });
  };

  private wake(s: Settled): void {
    if (this.done || this.stopped !== null) return;
    this.settled = s;
    this.step();
  }

  /** Count hook: enforces the budget and hands the turn back to the host when the slice is used. */
  private readonly hook: LuaHook = (L) => {
    if (this.stopped === null && performance.now() >= this.deadline) this.stop(this.timeoutError(), L);
    if (this.stopped !== null) this.checkAlive(L);
    if (this.canWait && this.pending === null && performance.now() >= this.sliceEnd && lua.lua_isyieldable(L)) {
      this.pending = PREEMPTED;
      this.preemptedAt = callerLine(L, 0); // a yielded thread no longer reports its line reliably
      lua.lua_yield(L, 0);
    }
  };

  // ---- stopping -------------------------------------------------------------------

  private timeoutError(): CrosstalkError {
    return new CrosstalkError('SCRIPT_TIMEOUT', `${this.chunk} ran past its time budget of ${this.options.limits.timeoutMs} ms`, {
      script: this.chunk,
    });
  }

  /** Stops the script: at once when it is waiting, at its next instruction when it runs. */
  private stop(err: CrosstalkError, where?: LuaState): void {
    if (this.done || this.stopped !== null) return;
    this.stopped = err;
    this.stopLine = where ? callerLine(where, 0) : this.waitThread ? callerLine(this.waitThread, 0) : this.preemptedAt;
    if (!this.running) queueMicrotask(() => this.finishStopped());
  }

  /** Raises the stop error in L, and makes every further instruction of L raise it too. */
  checkAlive(L: LuaState): void {
    if (this.stopped === null) return;
    lua.lua_sethook(L, this.hook, lua.LUA_MASKCOUNT, 1);
    raise(L, this.stopped);
  }

  private finishStopped(): void {
    if (this.done) return;
    const err = this.stopped!;
    const line = this.stopLine;
    this.finish({ code: err.code, message: err.message, ...(line === undefined ? {} : { line }), traceback: this.traceback() });
  }

  /**
   * The stack of the waiting (or failed) thread, innermost first, then the
   * main one when they differ. Written onto the thread itself: Lua 5.3's
   * luaL_traceback misreads a suspended thread when asked from another one.
   */
  private traceback(): string {
    const threads = [this.waitThread, this.thread].filter((t, i, all): t is LuaState => t !== null && all.indexOf(t) === i);
    const parts: string[] = [];
    for (const t of threads) {
      try {
        const top = lua.lua_gettop(t);
        lauxlib.luaL_traceback(t, t, null, 0);
        parts.push(decodeLenient(lua.lua_tostring(t, -1) ?? new Uint8Array()).replace(/^stack traceback:\n/, ''));
        lua.lua_settop(t, top);
      } catch {
        // a traceback is a courtesy; never let it fail the host
      }
    }
    return parts.join('\n');
  }

  private finish(error: ScriptFailure | null): void {
    if (this.done) return;
    this.done = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.ctx.close();
    const durationMs = performance.now() - this.started;
    this.resolve(error === null ? { script: this.file.name, ok: true, durationMs } : { script: this.file.name, ok: false, durationMs, error });
  }

  // ---- filter functions -------------------------------------------------------------

  /**
   * A Lua filter function as the host callback the bus calls at receive time.
   * It runs on its own thread (it may be called while the script waits), where
   * it cannot wait itself; its errors reach the receiving script as errors.
   */
  callback(L: LuaState, fn: TValue): (...args: unknown[]) => unknown {
    lua.lua_checkstack(L, 1);
    pushValue(L, new TValueCtor(fn.type, fn.value));
    const ref = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    return (event: unknown) => {
      if (this.done || this.stopped !== null) return false;
      if (this.filterDepth >= MAX_FILTER_DEPTH) {
        throw new CrosstalkError('SCRIPT_ERROR', `filter functions nested ${MAX_FILTER_DEPTH} deep (a filter receiving through filters)`);
      }
      const F = this.filterThreadAt(this.filterDepth++);
      try {
        lua.lua_rawgeti(F, lua.LUA_REGISTRYINDEX, ref);
        pushJs(F, event);
        if (lua.lua_pcall(F, 1, 1, 0) !== lua.LUA_OK) {
          const f = readError(F, -1, this.chunk);
          const err = toCrosstalkError({ ...f, message: `filter function failed: ${f.message}` }, this.chunk);
          // while the script waits, the bus swallows the error: say it here
          if (!this.running) this.options.output(this.chunk, `${this.chunk}:${f.line ?? '?'}: ${err.code}: ${err.message}`, 'stderr');
          throw err;
        }
        return lua.lua_toboolean(F, -1);
      } finally {
        lua.lua_settop(F, 0);
        this.filterDepth--;
      }
    };
  }

  /** A thread per nesting level: a filter may receive on a subscription that has a filter too. */
  private filterThreadAt(depth: number): LuaState {
    let F = this.filterThreads[depth];
    if (F === undefined) {
      F = lua.lua_newthread(this.M); // inherits the hook from M
      lua.lua_settop(this.M, 0);
      this.filterThreads[depth] = F;
    }
    return F;
  }
}
