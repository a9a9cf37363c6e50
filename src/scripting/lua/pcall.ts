/**
 * `pcall` and `xpcall` as in Lua 5.3's base library, with one difference:
 * they keep the count hook alive after catching an error inside a coroutine
 * (see `keepHooksAcrossPcall` in vm.ts). Without this, `pcall(error)` would
 * switch off the time budget and the time slicing of the script for good.
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

// After the rotate the stack is <f, msgh, true, f, args...>: results skip the first two.
const xpcall: LuaCFunction = (L) => {
  const n = lua.lua_gettop(L);
  if (lua.lua_type(L, 2) !== lua.LUA_TFUNCTION) return lauxlib.luaL_argerror(L, 2, 'function expected');
  lua.lua_pushboolean(L, true);
  lua.lua_pushvalue(L, 1);
  lua.lua_rotate(L, 3, 2);
  keepHooksAcrossPcall(L);
  return finish(L, lua.lua_pcallk(L, n - 2, lua.LUA_MULTRET, 2, 2, finish), 2);
};

export function installPcall(L: LuaState): void {
  lua.lua_pushcfunction(L, pcall);
  lua.lua_setglobal(L, 'pcall');
  lua.lua_pushcfunction(L, xpcall);
  lua.lua_setglobal(L, 'xpcall');
}
