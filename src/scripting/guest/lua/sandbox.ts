/**
 * The restricted Lua state every script gets (see the docs/scripts.md "Sandbox and
 * limits"): base without dofile/loadfile/require, `load` for text chunks
 * only, string (without dump), table, math, utf8, coroutine, and
 * os.time/clock/date/difftime. No io, no debug, no package, no
 * os.exit/getenv/remove/rename.
 *
 * `print` writes tab-separated `tostring`s as one line to the host's output;
 * `string.rep` refuses results past the memory limit at once, rather than
 * after allocating them; `os.clock` is the CPU time of this script (its
 * isolate); `collectgarbage("count")` is the script's heap in KB.
 */
import { CrosstalkError } from '../../../core/errors.js';
import { installErrorMetatable, pushError, raise } from './errors.js';
import { decodeLenient } from './marshal.js';
import { installPcall } from './pcall.js';
import { lauxlib, lua, lualib, type LuaCFunction, type LuaState } from './vm.js';

export interface SandboxOptions {
  /** receives each printed line (without the newline) */
  print(text: string): void;
  /** the longest string `string.rep` may build, in bytes */
  maxStringBytes: number;
  /** true once the script is stopped (xpcall then skips the script's message handler) */
  isStopped?: () => boolean;
  /** a JS exception inside fengari (out of memory, a stack overflow): the Lua error value to raise */
  nativeError?: (L: LuaState, e: unknown) => void;
  /** seconds of CPU the script has used (os.clock) */
  clock(): number;
  /** bytes of heap the script uses (collectgarbage("count")) */
  heapBytes(): number;
  /** waits, as Event.sleep (os.execute("sleep N")) */
  sleep(ms: number): void;
}

const OS_KEPT = ['time', 'clock', 'date', 'difftime'] as const;
const BASE_REMOVED = ['dofile', 'loadfile', 'require'] as const;

export function createSandbox(options: SandboxOptions): LuaState {
  const L = lauxlib.luaL_newstate();
  installErrorMetatable(L);
  // A JS exception inside fengari (a bug, or V8's own stack overflow) would
  // otherwise leave no error value; make it an ordinary SCRIPT_ERROR.
  lua.lua_atnativeerror(L, (L) => {
    const e = lua.lua_touserdata(L, -1);
    if (options.nativeError) options.nativeError(L, e);
    else pushError(L, e);
    return 1;
  });

  const libs: [string, LuaCFunction][] = [
    ['_G', lualib.luaopen_base],
    ['string', lualib.luaopen_string],
    ['table', lualib.luaopen_table],
    ['math', lualib.luaopen_math],
    ['utf8', lualib.luaopen_utf8],
    ['coroutine', lualib.luaopen_coroutine],
  ];
  for (const [name, open] of libs) {
    lauxlib.luaL_requiref(L, name, open, 1);
    lua.lua_pop(L, 1);
  }
  installPcall(L, options.isStopped ?? (() => false));
  for (const name of BASE_REMOVED) {
    lua.lua_pushnil(L);
    lua.lua_setglobal(L, name);
  }

  // os: a fresh table with only the clock functions
  lauxlib.luaL_requiref(L, 'os', lualib.luaopen_os, 0);
  lua.lua_createtable(L, 0, OS_KEPT.length);
  for (const name of OS_KEPT) {
    lua.lua_getfield(L, -2, name);
    lua.lua_setfield(L, -2, name);
  }
  lua.lua_getfield(L, -1, 'date');
  lua.lua_pushcclosure(L, utcAwareDate, 1);
  lua.lua_setfield(L, -2, 'date');
  lua.lua_pushcfunction(L, (L) => {
    lua.lua_pushnumber(L, options.clock());
    return 1;
  });
  lua.lua_setfield(L, -2, 'clock');
  lua.lua_pushcfunction(L, execute(options.sleep));
  lua.lua_setfield(L, -2, 'execute');
  lua.lua_setglobal(L, 'os');
  lua.lua_pop(L, 1);

  lua.lua_getglobal(L, 'load');
  lua.lua_pushcclosure(L, textOnlyLoad, 1);
  lua.lua_setglobal(L, 'load');

  lua.lua_getglobal(L, 'string');
  lua.lua_pushnil(L);
  lua.lua_setfield(L, -2, 'dump');
  lua.lua_getfield(L, -1, 'rep');
  lua.lua_pushcclosure(L, boundedRep(options.maxStringBytes), 1);
  lua.lua_setfield(L, -2, 'rep');
  lua.lua_pop(L, 1);

  lua.lua_pushcfunction(L, printer(options.print));
  lua.lua_setglobal(L, 'print');
  lua.lua_pushcfunction(L, collectGarbage(options.heapBytes));
  lua.lua_setglobal(L, 'collectgarbage');
  return L;
}

/** `sleep N` (seconds, decimals allowed), the one command `os.execute` runs. */
const SLEEP_COMMAND = /^\s*sleep\s+(\d+(?:\.\d*)?|\.\d+)\s*$/;

/**
 * `os.execute(cmd)`: there is no shell in the sandbox. `sleep N` is read as
 * a sleep of N seconds (the Rust original's scripts use it) and answers as
 * Lua does for a command that succeeded (`true, "exit", 0`); `os.execute()`
 * says no shell is available (`false`); any other command is an error.
 */
function execute(sleep: (ms: number) => void): LuaCFunction {
  return (L) => {
    if (lua.lua_type(L, 1) <= 0) {
      lua.lua_pushboolean(L, false);
      return 1;
    }
    const cmd = lua.lua_type(L, 1) === lua.LUA_TSTRING ? decodeLenient(lua.lua_tostring(L, 1)!) : '';
    const m = SLEEP_COMMAND.exec(cmd);
    if (m === null) {
      return raise(
        L,
        new CrosstalkError('SCRIPT_ERROR', `os.execute: the sandbox has no shell; only "sleep N" (seconds) is accepted, got ${JSON.stringify(cmd.slice(0, 60))}`),
      );
    }
    try {
      sleep(Math.round(Number(m[1]) * 1000));
    } catch (e) {
      return raise(L, e);
    }
    lua.lua_pushboolean(L, true);
    lua.lua_pushliteral(L, 'exit');
    lua.lua_pushinteger(L, 0);
    return 3;
  };
}

const GC_OPTIONS = ['collect', 'stop', 'restart', 'count', 'step', 'setpause', 'setstepmul', 'isrunning'];

/**
 * `collectgarbage(opt)`: V8 manages the isolate's heap, so only "count"
 * (the heap in KB, as a float, and its remainder in bytes) and "isrunning"
 * say something; the other options of Lua 5.3 are accepted and do nothing.
 */
function collectGarbage(heapBytes: () => number): LuaCFunction {
  return (L) => {
    const opt = lua.lua_type(L, 1) <= 0 ? 'collect' : decodeLenient(lauxlib.luaL_tolstring(L, 1));
    if (!GC_OPTIONS.includes(opt)) return lauxlib.luaL_argerror(L, 1, `invalid option '${opt}'`);
    if (opt === 'count') {
      const bytes = heapBytes();
      lua.lua_pushnumber(L, bytes / 1024);
      lua.lua_pushinteger(L, bytes % 1024);
      return 2;
    }
    if (opt === 'isrunning') {
      lua.lua_pushboolean(L, true);
      return 1;
    }
    lua.lua_pushinteger(L, 0);
    return 1;
  };
}

/** `load(chunk, name, mode, env)` with mode forced to "t": binary chunks never load. */
const textOnlyLoad: LuaCFunction = (L) => {
  const n = lua.lua_gettop(L);
  // env given (even as nil) must stay given; absent must stay absent
  lua.lua_settop(L, n >= 4 ? 4 : 3);
  lua.lua_pushliteral(L, 't');
  lua.lua_replace(L, 3);
  lua.lua_pushvalue(L, lua.lua_upvalueindex(1));
  lua.lua_insert(L, 1);
  lua.lua_call(L, lua.lua_gettop(L) - 1, lua.LUA_MULTRET);
  return lua.lua_gettop(L);
};

/**
 * fengari's os.date ignores the `!` (UTC) prefix for formats other than
 * `*t` and prints it; formatting the time shifted by the local offset, with
 * the `!` removed, gives what Lua prints.
 */
const utcAwareDate: LuaCFunction = (L) => {
  const fmt = lua.lua_type(L, 1) === lua.LUA_TSTRING ? lua.lua_tostring(L, 1)! : null;
  if (fmt !== null && fmt[0] === 0x21 /* ! */ && !(fmt[1] === 0x2a /* * */ && fmt[2] === 0x74) /* t */) {
    const t = lua.lua_type(L, 2) === lua.LUA_TNUMBER ? lua.lua_tonumber(L, 2) : Math.floor(Date.now() / 1000);
    const shift = new Date(t * 1000).getTimezoneOffset() * 60;
    lua.lua_settop(L, 0);
    lua.lua_pushstring(L, fmt.subarray(1));
    lua.lua_pushnumber(L, Math.floor(t + shift));
  }
  lua.lua_pushvalue(L, lua.lua_upvalueindex(1));
  lua.lua_insert(L, 1);
  lua.lua_call(L, lua.lua_gettop(L) - 1, 1);
  return 1;
};

function boundedRep(maxBytes: number): LuaCFunction {
  return (L) => {
    const t = lua.lua_type(L, 1);
    const len = t === lua.LUA_TSTRING || t === lua.LUA_TNUMBER ? lua.lua_rawlen(L, 1) || lua.lua_tostring(L, 1)!.length : 0;
    const sepLen = lua.lua_type(L, 3) === lua.LUA_TSTRING ? lua.lua_rawlen(L, 3) : 0;
    const n = lua.lua_tonumber(L, 2);
    if (n > 0 && len * n + sepLen * (n - 1) > maxBytes) {
      raise(L, new CrosstalkError('SCRIPT_MEMORY', `string.rep would build ${Math.round(len * n + sepLen * (n - 1))} bytes; the limit is ${maxBytes}`));
    }
    lua.lua_pushvalue(L, lua.lua_upvalueindex(1));
    lua.lua_insert(L, 1);
    lua.lua_call(L, lua.lua_gettop(L) - 1, 1);
    return 1;
  };
}

/** Standard Lua print: `tostring` of each argument, tab-separated, one line. */
function printer(write: (text: string) => void): LuaCFunction {
  return (L) => {
    const n = lua.lua_gettop(L);
    const parts = new Array<string>(n);
    for (let i = 1; i <= n; i++) {
      parts[i - 1] = decodeLenient(lauxlib.luaL_tolstring(L, i));
      lua.lua_pop(L, 1);
    }
    write(parts.join('\t'));
    return 0;
  };
}
