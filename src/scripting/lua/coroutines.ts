/**
 * Host waits through coroutines the script makes itself.
 *
 * A script runs as a coroutine the host resumes. A binding that has to wait
 * (receive, a blocked publish) records the wait in `HostWaits.pending` and
 * yields its thread. If that thread is the script's main coroutine the yield
 * reaches the host directly. If it is a coroutine the script created, the
 * yield would land in the script's own `coroutine.resume` — so resume and
 * wrap are replaced by versions that see the pending wait, yield their own
 * thread in turn (with a continuation, so it works under pcall too), and when
 * the host resumes them, resume the inner coroutine to finish the wait.
 * Everything else behaves as Lua 5.3's coroutine library.
 */
import { lauxlib, lua, type LuaCFunction, type LuaKFunction, type LuaState } from './vm.js';

/** What a script's threads share with the host loop. */
export interface HostWaits {
  /** set (non-null) by a binding or the hook when the script must yield to the host */
  pending: unknown;
  /** true while every thread between the running one and the host can yield */
  canWait: boolean;
  /** raises the stop error in `L` when the script was stopped (timeout, abort) */
  checkAlive(L: LuaState): void;
}

export function installCoroutines(L: LuaState, host: HostWaits): void {
  /**
   * Resumes `co` with `narg` values already moved onto it. Returns the count
   * of results now on L's stack, or -1 with an error value on top.
   */
  function drive(L: LuaState, co: LuaState, narg: number, k: LuaKFunction, kctx: string): number {
    for (;;) {
      const outer = host.canWait;
      host.canWait = outer && lua.lua_isyieldable(L);
      const status = lua.lua_resume(co, L, narg);
      host.canWait = outer;
      if (status === lua.LUA_YIELD && host.pending !== null) {
        if (outer && lua.lua_isyieldable(L)) return lua.lua_yieldk(L, 0, kctx, k); // pass the wait outward
        // only a time-slice yield can get here (bindings check canWait first): keep running
        host.pending = null;
        narg = 0;
        continue;
      }
      host.checkAlive(L);
      if (status === lua.LUA_OK || status === lua.LUA_YIELD) {
        const nres = lua.lua_gettop(co);
        if (!lua.lua_checkstack(L, nres + 1)) {
          lua.lua_pop(co, nres);
          lua.lua_pushliteral(L, 'too many results to resume');
          return -1;
        }
        lua.lua_xmove(co, L, nres);
        return nres;
      }
      lua.lua_xmove(co, L, 1);
      return -1;
    }
  }

  function start(L: LuaState, co: LuaState, narg: number, k: LuaKFunction, kctx: string): number {
    if (!lua.lua_checkstack(co, narg)) {
      lua.lua_pushliteral(L, 'too many arguments to resume');
      return -1;
    }
    if (lua.lua_status(co) === lua.LUA_OK && lua.lua_gettop(co) === 0) {
      lua.lua_pushliteral(L, 'cannot resume dead coroutine');
      return -1;
    }
    lua.lua_xmove(L, co, narg);
    return drive(L, co, narg, k, kctx);
  }

  const resumeResults = (L: LuaState, r: number): number => {
    if (r < 0) {
      lua.lua_pushboolean(L, false);
      lua.lua_insert(L, -2);
      return 2;
    }
    lua.lua_pushboolean(L, true);
    lua.lua_insert(L, -(r + 1));
    return r + 1;
  };

  const wrapResults = (L: LuaState, r: number): number => {
    if (r < 0) {
      if (lua.lua_type(L, -1) === lua.LUA_TSTRING) {
        lauxlib.luaL_where(L, 1); // same position prefix as Lua's wrap
        lua.lua_insert(L, -2);
        lua.lua_concat(L, 2);
      }
      return lua.lua_error(L);
    }
    return r;
  };

  // The continuations run when the host resumes this thread after the wait.
  const resumeK: LuaKFunction = (L) => resumeResults(L, drive(L, lua.lua_tothread(L, 1)!, 0, resumeK, 'resume'));
  const wrapK: LuaKFunction = (L) =>
    wrapResults(L, drive(L, lua.lua_tothread(L, lua.lua_upvalueindex(1))!, 0, wrapK, 'wrap'));

  const resume: LuaCFunction = (L) => {
    const co = lua.lua_tothread(L, 1);
    if (co === null) return lauxlib.luaL_argerror(L, 1, 'coroutine expected');
    return resumeResults(L, start(L, co, lua.lua_gettop(L) - 1, resumeK, 'resume'));
  };

  const auxwrap: LuaCFunction = (L) => {
    const co = lua.lua_tothread(L, lua.lua_upvalueindex(1))!;
    return wrapResults(L, start(L, co, lua.lua_gettop(L), wrapK, 'wrap'));
  };

  const wrap: LuaCFunction = (L) => {
    if (lua.lua_type(L, 1) !== lua.LUA_TFUNCTION) return lauxlib.luaL_argerror(L, 1, 'function expected');
    const co = lua.lua_newthread(L);
    lua.lua_pushvalue(L, 1);
    lua.lua_xmove(L, co, 1);
    lua.lua_pushcclosure(L, auxwrap, 1);
    return 1;
  };

  lua.lua_getglobal(L, 'coroutine');
  lua.lua_pushcfunction(L, resume);
  lua.lua_setfield(L, -2, 'resume');
  lua.lua_pushcfunction(L, wrap);
  lua.lua_setfield(L, -2, 'wrap');
  lua.lua_pop(L, 1);
}
