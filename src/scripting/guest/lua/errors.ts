/**
 * Errors as Lua sees them (docs/scripts.md "Scripts" and "Errors"): a binding's CrosstalkError becomes a
 * table `{code, message, ...details}` whose `tostring` is `CODE: message`, so
 * `pcall` hands scripts something they can branch on (`err.code`) and print.
 * Also the reverse: reading whatever a script raised into code/message/line.
 */
import { CrosstalkError, ERROR_CODES, isCrosstalkError, type ErrorCode } from '../../../core/errors.js';
import { decodeLenient, encodeUtf8, pushJs } from './marshal.js';
import { lauxlib, lua, valueAt, T, type LuaState, type Table, type TString } from './vm.js';

const METATABLE_KEY = 'crosstalk.Error';

/** Lines where binding errors were raised, keyed by the error table (never shown to scripts). */
const raisedAt = new WeakMap<Table, number>();

function tostringError(L: LuaState): number {
  lua.lua_getfield(L, 1, 'code');
  lua.lua_getfield(L, 1, 'message');
  const code = lua.lua_tostring(L, -2);
  const msg = lua.lua_tostring(L, -1);
  const text = `${code ? decodeLenient(code) : 'ERROR'}: ${msg ? decodeLenient(msg) : ''}`;
  lua.lua_pushstring(L, encodeUtf8(text));
  return 1;
}

/** Creates the shared metatable; call once per Lua state. */
export function installErrorMetatable(L: LuaState): void {
  lua.lua_createtable(L, 0, 2);
  lua.lua_pushcfunction(L, tostringError);
  lua.lua_setfield(L, -2, '__tostring');
  lua.lua_pushliteral(L, METATABLE_KEY);
  lua.lua_setfield(L, -2, '__name');
  lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, METATABLE_KEY);
  // made now: when the script is out of memory, raising it must not need any
  pushError(L, new CrosstalkError('SCRIPT_MEMORY', 'out of memory'));
  lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, OUT_OF_MEMORY_KEY);
}

const OUT_OF_MEMORY_KEY = 'crosstalk.OutOfMemory';

/** Pushes the SCRIPT_MEMORY error made in advance (allocates nothing). */
export function pushOutOfMemory(L: LuaState): void {
  lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, OUT_OF_MEMORY_KEY);
}

/**
 * Messages worded for a Lua author: the host and the runtime describe values
 * in JS terms (`got undefined`, `an object`), which a Lua script calls nil
 * and a table.
 */
export function luaWords(message: string): string {
  return message
    .replace(/\b(got|is|was) (undefined|null)\b/g, '$1 nil')
    .replace(/\b(got|is) an array of (\d+)/g, '$1 a table (a list of $2)')
    .replace(/\b(got|is) an object\b/g, '$1 a table')
    .replace(/\bto be an object\b/g, 'to be a table')
    .replace(/\bto be an array\b/g, 'to be a list (a table)')
    .replace(/\bundefined; use null\b/g, 'nil');
}

/** Plain fields of an error, as the table shows them. */
function errorFields(err: unknown): Record<string, unknown> {
  if (isCrosstalkError(err)) {
    return {
      code: err.code,
      message: luaWords(err.message),
      pattern: err.pattern,
      event_type: err.eventType,
      event_id: err.eventId,
      subscription_id: err.subscriptionId,
      option: err.option,
      path: err.path,
    };
  }
  if (err instanceof RangeError && /call stack/i.test(err.message)) {
    return { code: 'SCRIPT_ERROR', message: 'stack overflow (recursion too deep)' };
  }
  return { code: 'SCRIPT_ERROR', message: err instanceof Error ? err.message : String(err) };
}

export function pushError(L: LuaState, err: unknown): void {
  pushJs(L, errorFields(err));
  lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, METATABLE_KEY);
  lua.lua_setmetatable(L, -2);
}

/**
 * Raises `err` in Lua as an error table, remembering the script line it was
 * raised at: the caller's (from a C function), or `line` (from a hook).
 */
export function raise(L: LuaState, err: unknown, line: number | undefined = callerLine(L, 1)): never {
  pushError(L, err);
  if (line !== undefined) raisedAt.set(lua.lua_topointer(L, -1) as Table, line);
  return lua.lua_error(L);
}

/** Current line of the Lua function `level` frames up, if that frame is Lua. */
export function callerLine(L: LuaState, level: number): number | undefined {
  const ar = new lua.lua_Debug();
  for (let l = level; lua.lua_getstack(L, l, ar); l++) {
    lua.lua_getinfo(L, 'l', ar);
    if (ar.currentline > 0) return ar.currentline;
  }
  return undefined;
}

export interface LuaFailure {
  code: string;
  message: string;
  line?: number;
}

/**
 * Reads an error value at `idx`: an error table gives its code and message;
 * a string `name:12: text` (Lua's position prefix) gives line 12 and `text`.
 */
export function readError(L: LuaState, idx: number, chunk: string): LuaFailure {
  const tv = valueAt(L, idx);
  if (tv?.type === T.TABLE) {
    const t = tv.value as Table;
    let code: string | undefined;
    let message: string | undefined;
    for (let e = t.f; e; e = e.n) {
      if (e.key.type !== T.LNGSTR || e.value.type !== T.LNGSTR) continue;
      const k = decodeLenient((e.key.value as TString).realstring);
      if (k === 'code') code = decodeLenient((e.value.value as TString).realstring);
      else if (k === 'message') message = decodeLenient((e.value.value as TString).realstring);
    }
    if (code !== undefined) {
      const line = raisedAt.get(t);
      return line === undefined ? { code, message: message ?? '' } : { code, message: message ?? '', line };
    }
  }
  if (tv?.type === T.LNGSTR || tv?.type === T.NUMINT || tv?.type === T.NUMFLT) {
    const text = decodeLenient(lua.lua_tostring(L, idx)!);
    const prefix = `${chunk}:`;
    if (text.startsWith(prefix)) {
      const m = /^(\d+): ?/.exec(text.slice(prefix.length));
      if (m) return { code: 'SCRIPT_ERROR', message: text.slice(prefix.length + m[0].length), line: Number(m[1]) };
    }
    return { code: 'SCRIPT_ERROR', message: text };
  }
  return { code: 'SCRIPT_ERROR', message: `(error object is a ${decodeLenient(lauxlib.luaL_typename(L, idx))} value)` };
}

/** The CrosstalkError a host callback (a filter) throws for a Lua error value. */
export function toCrosstalkError(f: LuaFailure, script: string): CrosstalkError {
  const known = (ERROR_CODES as readonly string[]).includes(f.code);
  const code: ErrorCode = known ? (f.code as ErrorCode) : 'SCRIPT_ERROR';
  return new CrosstalkError(code, known ? f.message : `${f.code}: ${f.message}`, f.line === undefined ? { script } : { script, line: f.line });
}
