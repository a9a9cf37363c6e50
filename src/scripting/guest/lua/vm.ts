/**
 * The one place that touches fengari. fengari ships no types, so this file
 * declares the slice of its API crosstalk uses, plus the few internals the
 * value converter walks directly.
 *
 * Why internals: converting values through the public C API costs a string
 * copy and a fresh key hash per field (`lua_setfield` re-hashes the key bytes
 * every time); building tables from TValues directly is ~5x faster and is
 * what lets receive_batch deliver 200k+ events/s. fengari 0.1.x is frozen
 * (last release 2019), and `assertInternals` checks the shapes at load, so a
 * different fengari fails loudly here rather than subtly later.
 */
import fengariCore from 'fengari/src/fengaricore.js';
import lauxlibModule from 'fengari/src/lauxlib.js';
import lbaselib from 'fengari/src/lbaselib.js';
import lcorolib from 'fengari/src/lcorolib.js';
import lmathlib from 'fengari/src/lmathlib.js';
import lobjectModule from 'fengari/src/lobject.js';
import loslib from 'fengari/src/loslib.js';
import lstringModule from 'fengari/src/lstring.js';
import lstrlib from 'fengari/src/lstrlib.js';
import ltablib from 'fengari/src/ltablib.js';
import ltableModule from 'fengari/src/ltable.js';
import luaModule from 'fengari/src/lua.js';
import lutf8lib from 'fengari/src/lutf8lib.js';

/** A fengari `lua_State` (a thread). Opaque outside marshal.ts. */
export interface LuaState {
  readonly __luaState: unique symbol;
}

/** A JS function Lua can call (`lua_CFunction`): returns how many results it pushed. */
export type LuaCFunction = (L: LuaState) => number;
/** A continuation (`lua_KFunction`) for calls resumed after a yield. */
export type LuaKFunction = (L: LuaState, status: number, ctx: unknown) => number;
export type LuaHook = (L: LuaState, ar: LuaDebug) => void;

export interface LuaDebug {
  currentline: number;
  short_src: Uint8Array | null;
  source: Uint8Array | null;
  what: Uint8Array | null;
}

type Idx = number;

export interface LuaApi {
  LUA_OK: number;
  LUA_YIELD: number;
  LUA_ERRRUN: number;
  LUA_ERRSYNTAX: number;
  LUA_ERRMEM: number;
  LUA_ERRERR: number;
  LUA_MULTRET: number;
  LUA_REGISTRYINDEX: number;
  LUA_MASKCOUNT: number;
  LUA_TNONE: number;
  LUA_TNIL: number;
  LUA_TBOOLEAN: number;
  LUA_TLIGHTUSERDATA: number;
  LUA_TNUMBER: number;
  LUA_TSTRING: number;
  LUA_TTABLE: number;
  LUA_TFUNCTION: number;
  LUA_TUSERDATA: number;
  LUA_TTHREAD: number;
  lua_upvalueindex(i: number): Idx;
  lua_absindex(L: LuaState, i: Idx): Idx;
  lua_gettop(L: LuaState): number;
  lua_settop(L: LuaState, i: Idx): void;
  lua_pop(L: LuaState, n: number): void;
  lua_pushvalue(L: LuaState, i: Idx): void;
  lua_insert(L: LuaState, i: Idx): void;
  lua_remove(L: LuaState, i: Idx): void;
  lua_replace(L: LuaState, i: Idx): void;
  lua_checkstack(L: LuaState, n: number): boolean;
  lua_xmove(from: LuaState, to: LuaState, n: number): void;
  lua_type(L: LuaState, i: Idx): number;
  lua_toboolean(L: LuaState, i: Idx): boolean;
  lua_tonumber(L: LuaState, i: Idx): number;
  lua_tointeger(L: LuaState, i: Idx): number;
  lua_isinteger(L: LuaState, i: Idx): boolean;
  lua_tostring(L: LuaState, i: Idx): Uint8Array | null;
  lua_tothread(L: LuaState, i: Idx): LuaState | null;
  lua_topointer(L: LuaState, i: Idx): unknown;
  lua_touserdata(L: LuaState, i: Idx): unknown;
  lua_rawequal(L: LuaState, a: Idx, b: Idx): boolean;
  lua_rawlen(L: LuaState, i: Idx): number;
  lua_next(L: LuaState, i: Idx): boolean;
  lua_concat(L: LuaState, n: number): void;
  lua_pushnil(L: LuaState): void;
  lua_pushboolean(L: LuaState, b: boolean): void;
  lua_pushinteger(L: LuaState, n: number): void;
  lua_pushnumber(L: LuaState, n: number): void;
  lua_pushstring(L: LuaState, s: Uint8Array | string): void;
  lua_pushliteral(L: LuaState, s: string): void;
  lua_pushcfunction(L: LuaState, f: LuaCFunction): void;
  lua_pushcclosure(L: LuaState, f: LuaCFunction, n: number): void;
  lua_pushlightuserdata(L: LuaState, p: unknown): void;
  lua_createtable(L: LuaState, narr: number, nrec: number): void;
  lua_getfield(L: LuaState, i: Idx, k: string): number;
  lua_setfield(L: LuaState, i: Idx, k: string): void;
  lua_getglobal(L: LuaState, k: string): number;
  lua_setglobal(L: LuaState, k: string): void;
  lua_rawget(L: LuaState, i: Idx): number;
  lua_rawgeti(L: LuaState, i: Idx, n: number): number;
  lua_rawset(L: LuaState, i: Idx): void;
  lua_rawseti(L: LuaState, i: Idx, n: number): void;
  lua_getmetatable(L: LuaState, i: Idx): boolean;
  lua_setmetatable(L: LuaState, i: Idx): void;
  lua_newthread(L: LuaState): LuaState;
  lua_status(L: LuaState): number;
  lua_resume(L: LuaState, from: LuaState | null, nargs: number): number;
  lua_yield(L: LuaState, n: number): number;
  lua_yieldk(L: LuaState, n: number, ctx: unknown, k: LuaKFunction | null): number;
  lua_isyieldable(L: LuaState): boolean;
  lua_callk(L: LuaState, nargs: number, nres: number, ctx: unknown, k: LuaKFunction | null): void;
  lua_pcallk(L: LuaState, nargs: number, nres: number, msgh: Idx, ctx: unknown, k: LuaKFunction | null): number;
  lua_rotate(L: LuaState, i: Idx, n: number): void;
  lua_call(L: LuaState, nargs: number, nres: number): void;
  lua_pcall(L: LuaState, nargs: number, nres: number, msgh: Idx): number;
  lua_error(L: LuaState): never;
  lua_sethook(L: LuaState, f: LuaHook | null, mask: number, count: number): void;
  lua_getstack(L: LuaState, level: number, ar: LuaDebug): boolean;
  lua_getinfo(L: LuaState, what: string, ar: LuaDebug): boolean;
  lua_atnativeerror(L: LuaState, f: LuaCFunction): void;
  lua_Debug: new () => LuaDebug;
}

export interface LauxApi {
  luaL_newstate(): LuaState;
  luaL_requiref(L: LuaState, name: string, open: LuaCFunction, global: boolean | number): void;
  luaL_loadbufferx(L: LuaState, buf: Uint8Array, size: number, name: Uint8Array | string, mode: string | null): number;
  luaL_traceback(L: LuaState, L1: LuaState, msg: Uint8Array | string | null, level: number): void;
  luaL_tolstring(L: LuaState, i: Idx): Uint8Array;
  luaL_ref(L: LuaState, t: Idx): number;
  luaL_unref(L: LuaState, t: Idx, ref: number): void;
  luaL_checkstack(L: LuaState, n: number, msg: string | null): void;
  luaL_typename(L: LuaState, i: Idx): Uint8Array;
  luaL_argerror(L: LuaState, arg: number, msg: string): never;
  luaL_where(L: LuaState, level: number): void;
}

export interface LualibApi {
  luaopen_base: LuaCFunction;
  luaopen_string: LuaCFunction;
  luaopen_table: LuaCFunction;
  luaopen_math: LuaCFunction;
  luaopen_utf8: LuaCFunction;
  luaopen_coroutine: LuaCFunction;
  luaopen_os: LuaCFunction;
}

export const lua = luaModule as LuaApi;
export const lauxlib = lauxlibModule as LauxApi;
/** The libraries a script gets (sandbox.ts trims them further). */
export const lualib: LualibApi = {
  luaopen_base: (lbaselib as { luaopen_base: LuaCFunction }).luaopen_base,
  luaopen_string: (lstrlib as { luaopen_string: LuaCFunction }).luaopen_string,
  luaopen_table: (ltablib as { luaopen_table: LuaCFunction }).luaopen_table,
  luaopen_math: (lmathlib as { luaopen_math: LuaCFunction }).luaopen_math,
  luaopen_utf8: (lutf8lib as { luaopen_utf8: LuaCFunction }).luaopen_utf8,
  luaopen_coroutine: (lcorolib as { luaopen_coroutine: LuaCFunction }).luaopen_coroutine,
  luaopen_os: (loslib as { luaopen_os: LuaCFunction }).luaopen_os,
};
export const toLuaString = (fengariCore as { to_luastring(s: string, cache?: boolean): Uint8Array }).to_luastring;

// ---- internals (see the file comment) -------------------------------------

/** fengari's tagged value: `type` is a variant tag (below), `value` the payload. */
export interface TValue {
  type: number;
  value: unknown;
}
export interface TString {
  realstring: Uint8Array;
}
export interface TableEntry {
  key: TValue;
  value: TValue;
  p: TableEntry | undefined;
  n: TableEntry | undefined;
}
/**
 * A Lua table: a Map from key hash to entry, whose entries also form a linked
 * list in insertion order (`f` first, `l` last, `n`/`p` links).
 */
export interface Table {
  f: TableEntry | undefined;
  l: TableEntry | undefined;
  strong: Map<unknown, TableEntry>;
  metatable: Table | null;
}
interface CallInfo {
  funcOff: number;
  callstatus: number;
}
interface StateInternals {
  stack: TValue[];
  top: number;
  ci: CallInfo;
  allowhook: number;
}

/** lstate.CIST_OAH: the call info bit that remembers whether hooks were allowed. */
const CIST_OAH = 1 << 0;

/**
 * Works around a fengari bug: `lua_pcallk` inside a coroutine saves "hooks
 * allowed" with `callstatus &= ~OAH | allowhook`, which can clear the bit but
 * never set it, so the first error a yieldable pcall catches switches the
 * thread's hooks off for good (and with them the time budget). Call this in
 * the C function that calls lua_pcallk, just before it.
 */
export function keepHooksAcrossPcall(L: LuaState): void {
  const s = L as unknown as StateInternals;
  if (s.allowhook) s.ci.callstatus |= CIST_OAH;
}

/** Variant tags of TValue.type (lobject/defs): what `lua_type` hides. */
export const T = {
  NIL: 0,
  BOOLEAN: 1,
  LIGHTUSERDATA: 2,
  NUMFLT: 3,
  NUMINT: 3 | (1 << 4),
  STRING: 4, // fengari makes every string a long string (20); 4 is never produced
  LNGSTR: 4 | (1 << 4),
  TABLE: 5,
  LCL: 6,
  LCF: 6 | (1 << 4),
  CCL: 6 | (2 << 4),
  USERDATA: 7,
  THREAD: 8,
} as const;

const lobject = lobjectModule as { TValue: new (type: number, value: unknown) => TValue };
const ltable = ltableModule as { luaH_new(L: LuaState): Table };
const lstring = lstringModule as {
  luaS_bless(L: LuaState, bytes: Uint8Array): TString;
  luaS_hashlongstr(ts: TString): string;
};

export const TValueCtor = lobject.TValue;
export const luaH_new = ltable.luaH_new;
export const luaS_bless = lstring.luaS_bless;

/**
 * True in the fengari build scripts run (scripts/build-guest.mjs patches its
 * tables): a deleted entry gets a new dead key instead of changing its key in
 * place, so tables may share key values. A table made there has no map of
 * deleted keys until it needs one, which is how this is recognised. The
 * unpatched fengari the unit tests load shares nothing.
 */
export const SHARED_KEYS_SAFE = (luaH_new(lauxlib.luaL_newstate()) as unknown as { dead_strong?: unknown }).dead_strong === undefined;

/**
 * Appends a key the new table `t` does not have yet: what fengari's
 * `luaH_setfrom` does for a fresh key, minus its defensive copies and its
 * dead-key bookkeeping (a table under construction has no dead keys).
 * `key` is a string TValue or an integer TValue; `value` must not be nil.
 */
export function tableAppend(t: Table, key: TValue, value: TValue): void {
  const hash = key.type === T.LNGSTR ? lstring.luaS_hashlongstr(key.value as TString) : key.value;
  const prev = t.l;
  const entry: TableEntry = { key, value, p: prev, n: undefined };
  if (prev === undefined) t.f = entry;
  else prev.n = entry;
  t.strong.set(hash, entry);
  t.l = entry;
}

/** The TValue at a (non-pseudo) stack index, or undefined past the top. */
export function valueAt(L: LuaState, idx: number): TValue | undefined {
  const s = L as unknown as StateInternals;
  const o = idx > 0 ? s.ci.funcOff + idx : s.top + idx;
  return o < s.top ? s.stack[o] : undefined;
}

/** Pushes a TValue built by marshal.ts (the caller made room with lua_checkstack). */
export function pushValue(L: LuaState, v: TValue): void {
  const s = L as unknown as StateInternals;
  s.stack[s.top++] = v;
}

/** Checks, with the public API, that tables read and built through the internals are what Lua sees. */
function assertInternals(): void {
  const L = lauxlib.luaL_newstate();
  lua.lua_createtable(L, 0, 0);
  lua.lua_pushinteger(L, 7);
  lua.lua_setfield(L, -2, 'k');
  const tv = valueAt(L, -1);
  const t = lua.lua_topointer(L, -1) as Table;
  const e = t?.f;
  const read =
    tv !== undefined &&
    tv.type === T.TABLE &&
    tv.value === t &&
    e !== undefined &&
    e.key.type === T.LNGSTR &&
    (e.key.value as TString).realstring instanceof Uint8Array &&
    e.value.type === T.NUMINT &&
    e.value.value === 7 &&
    typeof (L as unknown as StateInternals).allowhook === 'number' &&
    typeof (L as unknown as StateInternals).ci.callstatus === 'number';

  const built = luaH_new(L);
  tableAppend(built, new TValueCtor(T.LNGSTR, luaS_bless(L, new Uint8Array([0x6b]))), new TValueCtor(T.NUMINT, 8));
  tableAppend(built, new TValueCtor(T.NUMINT, 1), new TValueCtor(T.BOOLEAN, true));
  lua.lua_checkstack(L, 1);
  pushValue(L, new TValueCtor(T.TABLE, built));
  lua.lua_getfield(L, -1, 'k');
  lua.lua_rawgeti(L, -2, 1);
  let n = 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, -4)) {
    n++;
    lua.lua_pop(L, 1);
  }
  const wrote = lua.lua_tointeger(L, -2) === 8 && lua.lua_toboolean(L, -1) && lua.lua_rawlen(L, -3) === 1 && n === 2;
  if (!read || !wrote) throw new Error('crosstalk: this fengari version has unexpected internals; crosstalk needs fengari 0.1.x');
}
assertInternals();
