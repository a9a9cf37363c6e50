/**
 * A Lua script inside its isolate: fengari (Lua 5.3) with the sandboxed
 * libraries, `JSON`, `print` and the `Event` table, running the script's
 * chunk on this isolate's thread. The host starts it with `control('run')`,
 * which returns when the chunk ends: '' or the JSON of a GuestFailure.
 *
 * Stopping: a count hook looks at the stop flag the host shares every
 * HOOK_EVERY instructions; once the script is stopped, every instruction
 * raises the stop error again, so neither pcall nor a loop can outlive it.
 * A stop inside one long library call (a pattern that backtracks) is the
 * host's to enforce: it disposes the isolate.
 */
import { CrosstalkError } from '../../../core/errors.js';
import { CALL_NEXT, type GuestConfig, type GuestFailure } from '../protocol.js';
import { Runtime, type HostReference } from '../runtime.js';
import { isArray } from '../intrinsics.js';
import { callerLine, pushError, pushOutOfMemory, raise, readError } from './errors.js';
import { installEvent } from './event.js';
import { installJson } from './json.js';
import { decodeLenient, encodeUtf8, toJs } from './marshal.js';
import { createSandbox } from './sandbox.js';
import { lauxlib, lua, type LuaHook, type LuaState } from './vm.js';

/** Instructions between two looks at the stop flag: ~30 µs of Lua, a typed-array read each. */
const HOOK_EVERY = 1000;

/** RangeErrors V8 raises when an allocation does not fit the isolate's memory limit. */
const OUT_OF_MEMORY = /Array buffer allocation failed|Invalid string length|Invalid typed array length|Invalid array buffer length/;

/**
 * What a Lua source file means to `lua`: a UTF-8 byte-order mark is skipped,
 * and a first line starting with `#` (a `#!` line) is a comment. The line
 * is emptied, not removed, so line numbers stay true.
 */
export function luaSourceText(source: string): string {
  let s = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  if (s.startsWith('#')) {
    const nl = s.indexOf('\n');
    s = nl < 0 ? '' : s.slice(nl);
  }
  return s;
}

class LuaScript {
  readonly runtime: Runtime;
  private readonly M: LuaState;
  private readonly chunk: string;
  private traceback = '';

  constructor(host: HostReference, private readonly cfg: GuestConfig, shared: SharedArrayBuffer) {
    this.runtime = new Runtime(host, cfg, shared);
    this.chunk = cfg.script;
    const runtime = this.runtime;
    this.M = createSandbox({
      print: (text) => runtime.print('stdout', text),
      maxStringBytes: cfg.memoryBytes,
      isStopped: () => runtime.dead !== null,
      nativeError: (L, e) => this.nativeError(L, e),
      clock: () => runtime.cpuSeconds(),
      heapBytes: () => runtime.heapBytes(),
      sleep: (ms) => void runtime.call('sleep', [ms]),
    });
    installJson(this.M);
    installEvent(this.M, { runtime, enforceStop: (L) => this.enforceStop(L), errorOf: (L, idx) => this.errorOf(L, idx), mainThread: this.M });
    // threads inherit the hook of the thread that creates them: set it first
    lua.lua_sethook(this.M, this.hook, lua.LUA_MASKCOUNT, HOOK_EVERY);
  }

  /** Count hook: the host asked the script to stop (CPU budget, deadline). */
  private readonly hook: LuaHook = (L) => {
    if (this.runtime.dead === null && !this.runtime.stopRequested) return;
    try {
      this.runtime.checkAlive(); // hands over the batch; the host answers with the stop
    } catch {
      // the stop error, now in runtime.dead
    }
    this.enforceStop(L);
    // in a hook, level 0 is the Lua function that was running
    raise(L, this.runtime.dead ?? new CrosstalkError('SCRIPT_ERROR', 'stopped'), callerLine(L, 0));
  };

  /** From now on every instruction of L raises the stop again. */
  enforceStop(L: LuaState): void {
    lua.lua_sethook(L, this.hook, lua.LUA_MASKCOUNT, 1);
  }

  /** A JS exception inside fengari becomes a Lua error; running out of memory stops the script. */
  private nativeError(L: LuaState, e: unknown): void {
    if (e instanceof RangeError && OUT_OF_MEMORY.test(e.message)) {
      // nothing here may allocate much: the memory is gone
      this.runtime.outOfMemory(`ran out of memory (${e.message}); the limit is ${Math.round(this.cfg.memoryBytes / 1048576)} MB`);
      pushOutOfMemory(L);
      this.enforceStop(L);
      return;
    }
    pushError(L, e);
  }

  /** The error a filter function raised, as a JS error for the runtime. */
  private errorOf(L: LuaState, idx: number): Error {
    if (this.runtime.dead !== null) return this.runtime.dead;
    const f = readError(L, idx, this.chunk);
    return new CrosstalkError('SCRIPT_ERROR', f.line === undefined ? `${f.code}: ${f.message}` : `${this.chunk}:${f.line}: ${f.code}: ${f.message}`);
  }

  /** Message handler: keeps the stack as it was where the error was raised. */
  private readonly onError = (L: LuaState): number => {
    const top = lua.lua_gettop(L);
    try {
      lauxlib.luaL_traceback(L, L, null, 1);
      this.traceback = decodeLenient(lua.lua_tostring(L, -1) ?? new Uint8Array())
        .replace(/^stack traceback:\n/, '')
        .replace(/\[JS\]/g, '[C]');
      lua.lua_pop(L, 1);
    } catch {
      // a traceback is a courtesy (and out of memory, it may not fit)
      lua.lua_settop(L, top);
    }
    return 1; // the error value, unchanged
  };

  /** Takes the event loop's tasks until nothing keeps the script alive; a stop ends it. */
  private loop(): GuestFailure | null {
    const loop = this.runtime.loop;
    let outcome = '';
    while (loop.pending > 0 && this.runtime.dead === null) {
      let task: string;
      try {
        task = this.runtime.callHost(CALL_NEXT, [outcome]) as string;
        outcome = loop.run(task);
      } catch (e) {
        const err = this.runtime.dead ?? e;
        return { code: err instanceof CrosstalkError ? err.code : 'SCRIPT_ERROR', message: err instanceof Error ? err.message : String(err) };
      }
    }
    return null;
  }

  /**
   * The command-line arguments, as the standalone `lua` gives them: the
   * global `arg` (`arg[0]` the script, `arg[1]`… the arguments) and the
   * chunk's `...`. Pushes them above the chunk; returns how many.
   */
  private pushArgs(): number {
    const M = this.M;
    const args = isArray(this.cfg.args) ? this.cfg.args : [];
    lua.lua_createtable(M, args.length, 1);
    lua.lua_pushstring(M, encodeUtf8(this.chunk));
    lua.lua_rawseti(M, -2, 0);
    for (let i = 0; i < args.length; i++) {
      lua.lua_pushstring(M, encodeUtf8(String(args[i])));
      lua.lua_rawseti(M, -2, i + 1);
    }
    lua.lua_setglobal(M, 'arg');
    lua.lua_checkstack(M, args.length + 1);
    for (const a of args) lua.lua_pushstring(M, encodeUtf8(String(a)));
    return args.length;
  }

  run(): string {
    const M = this.M;
    const source = encodeUtf8(luaSourceText(this.cfg.source ?? ''));
    lua.lua_pushcfunction(M, this.onError);
    const status = lauxlib.luaL_loadbufferx(M, source, source.length, `@${this.chunk}`, 't');
    let failure: GuestFailure | null = null;
    let answer = '';
    if (status !== lua.LUA_OK) {
      const f = readError(M, -1, this.chunk);
      failure = { code: 'SCRIPT_ERROR', message: f.message, ...(f.line === undefined ? {} : { line: f.line }) };
    } else if (lua.lua_pcall(M, this.pushArgs(), 1, 1) !== lua.LUA_OK) {
      const f = readError(M, -1, this.chunk);
      const line = f.line ?? callerLine(M, 0);
      failure = { code: f.code, message: f.message, ...(line === undefined ? {} : { line }), traceback: this.traceback };
    } else {
      // what the chunk returned is the run's value (docs/scripts.md "Arguments and results")
      try {
        answer = this.runtime.resultValue(toJs(M, -1, 'return value'));
      } catch (e) {
        failure = { code: e instanceof CrosstalkError ? e.code : 'SCRIPT_ERROR', message: e instanceof Error ? e.message : String(e) };
      }
      lua.lua_pop(M, 1);
      // the chunk has ended: its handler subscriptions keep it alive, one event at a time
      failure ??= this.loop();
    }
    const end = this.runtime.finish(failure === null ? null : new CrosstalkError('SCRIPT_ERROR', failure.message));
    if (failure !== null) return JSON.stringify(failure);
    if (end === null) return answer;
    const code = end instanceof CrosstalkError ? end.code : 'SCRIPT_ERROR';
    return JSON.stringify({ code, message: end.message } satisfies GuestFailure);
  }
}

/** Called once by the host with its Reference, the config JSON and the memory it shares. */
export function boot(host: HostReference, cfgJson: string, flags: SharedArrayBuffer): (op: string) => string {
  const script = new LuaScript(host, JSON.parse(cfgJson) as GuestConfig, flags);
  let ran = false;
  return (op) => {
    if (op !== 'run' || ran) throw new Error('unknown control op');
    ran = true;
    return script.run();
  };
}

/**
 * Whether `source` loads (compiles) as a Lua chunk named `chunk`, without
 * running any of it: '' or JSON of a GuestFailure (`crosstalk run --watch`
 * checks a changed file before it replaces the running version).
 */
export function check(source: string, chunk: string): string {
  const L = lauxlib.luaL_newstate();
  const bytes = encodeUtf8(luaSourceText(source));
  if (lauxlib.luaL_loadbufferx(L, bytes, bytes.length, `@${chunk}`, 't') === lua.LUA_OK) return '';
  const f = readError(L, -1, chunk);
  return JSON.stringify({ code: 'SCRIPT_ERROR', message: f.message, ...(f.line === undefined ? {} : { line: f.line }) } satisfies GuestFailure);
}
