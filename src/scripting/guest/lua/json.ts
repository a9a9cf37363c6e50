/**
 * The `JSON` global for Lua (docs/scripts.md "Scripts"): `JSON.encode(value)` → text and
 * `JSON.decode(text)` → value, with the same rules as event data (marshal.ts):
 * so `JSON.decode(JSON.encode(t))` is what a subscriber would receive.
 */
import { CrosstalkError } from '../../../core/errors.js';
import { DEFAULT_MAX_DEPTH } from '../../../core/event.js';
import { raise } from './errors.js';
import { decodeLenient, decodeStrict, encodeUtf8, pushJs, toJs } from './marshal.js';
import { lauxlib, lua, type LuaCFunction, type LuaState } from './vm.js';

const encode: LuaCFunction = (L) => {
  let value: unknown;
  try {
    value = toJs(L, 1, 'value');
  } catch (e) {
    return raise(L, e);
  }
  lua.lua_pushstring(L, encodeUtf8(value === undefined ? 'null' : JSON.stringify(value)));
  return 1;
};

const decode: LuaCFunction = (L) => {
  if (lua.lua_type(L, 1) !== lua.LUA_TSTRING) {
    return raise(L, new CrosstalkError('INVALID_DATA', `JSON.decode expects a string, got ${decodeLenient(lauxlib.luaL_typename(L, 1))}`));
  }
  let text: string;
  try {
    text = decodeStrict(lua.lua_tostring(L, 1)!);
  } catch {
    return raise(L, new CrosstalkError('INVALID_DATA', 'JSON.decode: the text is not valid UTF-8'));
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return raise(L, new CrosstalkError('INVALID_DATA', `JSON.decode: ${(e as Error).message}`));
  }
  try {
    pushJs(L, value, DEFAULT_MAX_DEPTH); // the same limit as event data, so what decodes can be published
  } catch (e) {
    return raise(L, e);
  }
  return 1;
};

export function installJson(L: LuaState): void {
  lua.lua_createtable(L, 0, 2);
  lua.lua_pushcfunction(L, encode);
  lua.lua_setfield(L, -2, 'encode');
  lua.lua_pushcfunction(L, decode);
  lua.lua_setfield(L, -2, 'decode');
  lua.lua_setglobal(L, 'JSON');
}
