/**
 * The Lua `Event` global: a thin adapter over the declarations of
 * event-api.ts and the guest runtime. It converts arguments (marshal.ts,
 * with the argument names of the declarations in error paths), calls the
 * runtime, and pushes results back: events as tables, subscriptions as
 * handles (`sub.id`, `sub.patterns`, `sub:unsubscribe()`, `tostring(sub)`).
 *
 * A call that waits blocks the isolate's thread inside the runtime, so it
 * works anywhere: inside pcall, a coroutine, a metamethod, a `string.gsub`
 * callback, a `table.sort` comparator or a filter function.
 */
import { EVENT_FUNCTIONS, type EventFunction } from '../../event-api.js';
import type { FilterFunction, Runtime, SubscriptionData } from '../runtime.js';
import { raise } from './errors.js';
import { decodeLenient, pushJs, tvToJs, type ToJsOptions } from './marshal.js';
import { lauxlib, lua, pushValue, TValueCtor, valueAt, type LuaCFunction, type LuaState, type Table, type TValue } from './vm.js';

const HANDLE_METATABLE = 'crosstalk.Subscription';

/** What the adapter needs from the script's engine (main.ts). */
export interface LuaEventHost {
  readonly runtime: Runtime;
  /** makes a stopped script's every further instruction raise the stop */
  enforceStop(L: LuaState): void;
  /** reads the error a Lua function raised (for filter functions) */
  errorOf(L: LuaState, idx: number): Error;
}

export function installEvent(M: LuaState, host: LuaEventHost): void {
  const { runtime } = host;
  // handleMetatable is filled in below, once the Event table (whose unsubscribe the handles call) exists
  const plain: ToJsOptions = { handleMetatable: null };
  const withFunctions = new Map<EventFunction, ToJsOptions>();
  const convFor = (decl: EventFunction, i: number): ToJsOptions => {
    const keys = decl.args[i]?.functions;
    if (keys === undefined) return plain;
    let c = withFunctions.get(decl);
    if (c === undefined) {
      c = { handleMetatable: plain.handleMetatable ?? null, functionKeys: keys, callback: (L, fn) => filterFunction(L, fn, host) as (...a: unknown[]) => unknown };
      withFunctions.set(decl, c);
    }
    return c;
  };

  const pushResult = (L: LuaState, value: unknown, decl: EventFunction): number => {
    if (decl.result === 'handle') {
      const h = value as SubscriptionData;
      pushJs(L, { id: h.id, patterns: h.patterns }); // `id` first: marshal.ts reads it from handles
      lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, HANDLE_METATABLE);
      lua.lua_setmetatable(L, -2);
    } else pushJs(L, value);
    return 1;
  };

  const call = (decl: EventFunction, args: unknown[]): unknown => {
    switch (decl.name) {
      case 'publish':
        return runtime.publish(args[0], args[1], args[2], args.length);
      case 'subscribe': {
        const opts = args[1];
        let filter: FilterFunction | null = null;
        if (opts !== null && typeof opts === 'object' && typeof (opts as { filter?: unknown }).filter === 'function') {
          const { filter: f, ...rest } = opts as { filter: FilterFunction };
          filter = f;
          args[1] = rest;
        }
        return runtime.subscribe(args, filter);
      }
      case 'unsubscribe':
        return runtime.unsubscribe(args);
      case 'receive':
        return runtime.receive(args);
      case 'receive_batch':
        return runtime.receiveBatch(args);
      default:
        return runtime.call(decl.name, args);
    }
  };

  const bind = (decl: EventFunction): LuaCFunction => {
    const specs = decl.args;
    return (L) => {
      const n = lua.lua_gettop(L);
      const args = new Array<unknown>(n);
      const outer = current.thread;
      current.thread = L;
      try {
        for (let i = 0; i < n; i++) {
          const spec = specs[i] ?? { name: `argument ${i + 1}`, fields: true };
          args[i] = tvToJs(L, valueAt(L, i + 1)!, spec.name, convFor(decl, i), spec.fields === true);
        }
        // trailing nils are absent arguments, as Lua's own functions see them
        while (args.length > 0 && args[args.length - 1] === undefined) args.length--;
        return pushResult(L, call(decl, args), decl);
      } catch (e) {
        if (runtime.dead !== null) host.enforceStop(L);
        return raise(L, e);
      } finally {
        current.thread = outer;
      }
    };
  };

  lua.lua_createtable(M, 0, EVENT_FUNCTIONS.length);
  for (const decl of EVENT_FUNCTIONS) {
    lua.lua_pushcfunction(M, bind(decl));
    lua.lua_setfield(M, -2, decl.name);
  }
  lua.lua_setglobal(M, 'Event');
  plain.handleMetatable = createHandleMetatable(M);
}

/**
 * A Lua filter function as the runtime calls it, at receive time, on the
 * thread that is receiving (a C function may call Lua on its own thread).
 */
function filterFunction(L0: LuaState, fn: TValue, host: LuaEventHost): FilterFunction {
  lua.lua_checkstack(L0, 1);
  pushValue(L0, new TValueCtor(fn.type, fn.value));
  const ref = lauxlib.luaL_ref(L0, lua.LUA_REGISTRYINDEX);
  return (event) => {
    const L = current.thread ?? L0;
    const top = lua.lua_gettop(L);
    lua.lua_checkstack(L, 2);
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, ref);
    pushJs(L, event);
    try {
      if (lua.lua_pcall(L, 1, 1, 0) !== lua.LUA_OK) throw host.errorOf(L, -1);
      return lua.lua_toboolean(L, -1);
    } finally {
      lua.lua_settop(L, top);
    }
  };
}

/** The thread of the Event call now running: filter functions run on it. */
const current: { thread: LuaState | null } = { thread: null };

/** Handle methods and conversions: `sub:unsubscribe()`, `tostring(sub)`, `sub == other`, `"x" .. sub`. */
function createHandleMetatable(L: LuaState): Table {
  const idOf = (L: LuaState, i: number): string | null => {
    const t = lua.lua_type(L, i);
    if (t === lua.LUA_TSTRING) return decodeLenient(lua.lua_tostring(L, i)!);
    if (t !== lua.LUA_TTABLE) return null;
    lua.lua_getfield(L, i, 'id');
    const id = lua.lua_type(L, -1) === lua.LUA_TSTRING ? decodeLenient(lua.lua_tostring(L, -1)!) : null;
    lua.lua_pop(L, 1);
    return id;
  };

  lua.lua_createtable(L, 0, 6);
  const mt = lua.lua_topointer(L, -1) as Table;

  lua.lua_createtable(L, 0, 1);
  lua.lua_getglobal(L, 'Event');
  lua.lua_getfield(L, -1, 'unsubscribe');
  lua.lua_remove(L, -2);
  lua.lua_setfield(L, -2, 'unsubscribe');
  lua.lua_setfield(L, -2, '__index');

  lua.lua_pushcfunction(L, (L) => {
    lua.lua_pushstring(L, idOf(L, 1) ?? '');
    return 1;
  });
  lua.lua_setfield(L, -2, '__tostring');

  lua.lua_pushcfunction(L, (L) => {
    const a = idOf(L, 1);
    lua.lua_pushboolean(L, a !== null && a === idOf(L, 2));
    return 1;
  });
  lua.lua_setfield(L, -2, '__eq');

  lua.lua_pushcfunction(L, (L) => {
    for (const i of [1, 2]) {
      if (lua.lua_type(L, i) === lua.LUA_TTABLE) {
        lua.lua_pushstring(L, idOf(L, i) ?? '');
        lua.lua_replace(L, i);
      }
    }
    lua.lua_concat(L, 2);
    return 1;
  });
  lua.lua_setfield(L, -2, '__concat');

  lua.lua_pushliteral(L, 'Subscription');
  lua.lua_setfield(L, -2, '__name');
  lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, HANDLE_METATABLE);
  return mt;
}
