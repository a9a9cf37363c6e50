/**
 * `pcall` and `xpcall` as in Lua 5.3's base library, with two differences
 * that keep a stopped script stopped:
 * - they keep the count hook alive after catching an error inside a
 *   coroutine (see `keepHooksAcrossPcall` in vm.ts); without this,
 *   `pcall(error)` would switch off the time budget for good;
 * - xpcall's message handler is skipped once the script is stopped: the stop
 *   is raised from the count hook, where hooks are off, so a looping handler
 *   would otherwise run forever.
 */
import { keepHooksAcrossPcall, lauxlib, lua, type LuaCFunction, type LuaKFunction, type LuaState } from './vm.js';

const finish: LuaKFunction = (L, status, extra) => {
  if (status !== lua.LUA_OK && status !== lua.LUA_YIELD) {
    lua.lua_pushboolean(L, false);
    lua.lua_pushvalue(L, -2);
    return 2;
  }
  return lua.lua_gettop(L) - (extra as number);
};

const pcall: LuaCFunction = (L) => {
  if (lua.lua_type(L, 1) === lua.LUA_TNONE) return lauxlib.luaL_argerror(L, 1, 'value expected');
  lua.lua_pushboolean(L, true); // first result if no errors
  lua.lua_insert(L, 1);
  keepHooksAcrossPcall(L);
  return finish(L, lua.lua_pcallk(L, lua.lua_gettop(L) - 2, lua.LUA_MULTRET, 0, 0, finish), 0);
};

export function installPcall(L: LuaState, isStopped: () => boolean): void {
  /** The script's message handler (upvalue 1), unless the script is stopped. */
  const guarded: LuaCFunction = (L) => {
    if (isStopped()) {
      lua.lua_settop(L, 1); // the stop error, unchanged
      return 1;
    }
    lua.lua_pushvalue(L, lua.lua_upvalueindex(1));
    lua.lua_insert(L, 1);
    lua.lua_call(L, lua.lua_gettop(L) - 1, 1);
    return 1;
  };

  // After the rotate the stack is <f, msgh, true, f, args...>: results skip the first two.
  const xpcall: LuaCFunction = (L) => {
    const n = lua.lua_gettop(L);
    if (lua.lua_type(L, 2) !== lua.LUA_TFUNCTION) return lauxlib.luaL_argerror(L, 2, 'function expected');
    lua.lua_pushvalue(L, 2);
    lua.lua_pushcclosure(L, guarded, 1);
    lua.lua_replace(L, 2);
    lua.lua_pushboolean(L, true);
    lua.lua_pushvalue(L, 1);
    lua.lua_rotate(L, 3, 2);
    keepHooksAcrossPcall(L);
    return finish(L, lua.lua_pcallk(L, n - 2, lua.LUA_MULTRET, 2, 2, finish), 2);
  };

  lua.lua_pushcfunction(L, pcall);
  lua.lua_setglobal(L, 'pcall');
  lua.lua_pushcfunction(L, xpcall);
  lua.lua_setglobal(L, 'xpcall');
}
