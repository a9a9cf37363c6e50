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
import type { Callback } from '../loop.js';
import type { FilterFunction, Runtime, SubscriptionData } from '../runtime.js';
import { CrosstalkError } from '../../../core/errors.js';
import { raise } from './errors.js';
import { DEFAULT_MAX_DEPTH } from '../../../core/event.js';
import { decodeLenient, luaJson, pushJs, tstringTextOrNull, tvToJs, type ToJsOptions } from './marshal.js';
import { lauxlib, lua, pushValue, T, TValueCtor, valueAt, type LuaCFunction, type LuaState, type Table, type TString, type TValue } from './vm.js';

const HANDLE_METATABLE = 'crosstalk.Subscription';

/** What the adapter needs from the script's engine (main.ts). */
export interface LuaEventHost {
  readonly runtime: Runtime;
  /** makes a stopped script's every further instruction raise the stop */
  enforceStop(L: LuaState): void;
  /** reads the error a Lua function raised (for filter functions) */
  errorOf(L: LuaState, idx: number): Error;
  /** the script's main thread, where handler functions run */
  readonly mainThread: LuaState;
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

  // the general path converts with the default nesting limit, then the runtime checks the bus's
  const jsonDepth = Math.min(runtime.maxDepth, DEFAULT_MAX_DEPTH);

  /** patterns of the script's live subscriptions, so receive_any can hand back a handle */
  const patternsOf = new Map<string, string[]>();

  const pushHandle = (L: LuaState, h: SubscriptionData): void => {
    pushJs(L, { id: h.id, patterns: h.patterns }); // `id` first: marshal.ts reads it from handles
    lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, HANDLE_METATABLE);
    lua.lua_setmetatable(L, -2);
  };

  const pushResult = (L: LuaState, value: unknown, decl: EventFunction): number => {
    if (decl.result === 'handle') {
      const h = value as SubscriptionData;
      patternsOf.set(h.id, h.patterns);
      pushHandle(L, h);
    } else if (decl.result === 'any' && value !== null && typeof value === 'object') {
      const r = value as { event: unknown; subscription: string };
      lua.lua_createtable(L, 0, 2);
      pushJs(L, r.event);
      lua.lua_setfield(L, -2, 'event');
      pushHandle(L, { id: r.subscription, patterns: patternsOf.get(r.subscription) ?? [] });
      lua.lua_setfield(L, -2, 'subscription');
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
        if (typeof args[0] === 'string') patternsOf.delete(args[0]);
        return runtime.unsubscribe(args);
      case 'receive_any':
        return runtime.receiveAny(args);
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
    const fastPublish = decl.name === 'publish';
    return (L) => {
      const outer = current.thread;
      current.thread = L;
      try {
        // subscribe(patterns, fn, options): a handler subscription; fn is kept here
        let handler: Callback | null = null;
        if (decl.name === 'subscribe' && lua.lua_type(L, 2) === lua.LUA_TFUNCTION) {
          handler = handlerFunction(L, 2, host);
          lua.lua_remove(L, 2);
        }
        const n = lua.lua_gettop(L);
        if (fastPublish && n === 2) {
          // publish(type, table): the data goes to JSON text in one walk (marshal.ts luaJson)
          const t = valueAt(L, 1)!;
          const d = valueAt(L, 2)!;
          const type = t.type === T.LNGSTR && d.type === T.TABLE ? tstringTextOrNull(t.value as TString) : null;
          const json = type !== null && runtime.jsonPublishable(type) ? luaJson(d, jsonDepth) : null;
          if (json !== null) {
            pushJs(L, runtime.publishJson(type!, json));
            return 1;
          }
        }
        const args = new Array<unknown>(n);
        for (let i = 0; i < n; i++) {
          const spec = specs[i] ?? { name: `argument ${i + 1}`, fields: true };
          args[i] = tvToJs(L, valueAt(L, i + 1)!, spec.name, convFor(decl, i), spec.fields === true);
        }
        // trailing nils are absent arguments, as Lua's own functions see them
        while (args.length > 0 && args[args.length - 1] === undefined) args.length--;
        if (handler !== null) {
          const h = runtime.subscribe(args, null, handler);
          patternsOf.set(h.id, h.patterns);
          pushHandle(L, h);
          return 1;
        }
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
    lua.lua_pushcfunction(M, decl.name === 'with_correlation' ? withCorrelation(runtime, host) : bind(decl));
    lua.lua_setfield(M, -2, decl.name);
  }
  lua.lua_setglobal(M, 'Event');
  plain.handleMetatable = createHandleMetatable(M);
}

/**
 * `Event.with_correlation(id, fn)`: calls `fn` (with the arguments after
 * it) so that what it publishes and requests carries `id` as correlation
 * id; returns what `fn` returns. Errors of `fn` pass through unchanged.
 */
function withCorrelation(runtime: Runtime, host: LuaEventHost): LuaCFunction {
  return (L) => {
    if (lua.lua_type(L, 2) !== lua.LUA_TFUNCTION) {
      return raise(L, new CrosstalkError('INVALID_OPTION', `with_correlation needs a function to run, got ${luaTypeName(L, 2)}`, { option: 'fn' }));
    }
    const t = lua.lua_type(L, 1);
    const id: unknown =
      t === lua.LUA_TSTRING ? decodeLenient(lua.lua_tostring(L, 1)!) : t === lua.LUA_TNUMBER ? lua.lua_tonumber(L, 1) : t <= lua.LUA_TNIL ? undefined : {};
    lua.lua_remove(L, 1); // fn and its arguments are left
    let results = 0;
    try {
      runtime.withCorrelation(id, () => {
        lua.lua_call(L, lua.lua_gettop(L) - 1, lua.LUA_MULTRET);
        results = lua.lua_gettop(L);
      });
    } catch (e) {
      // a Lua error of fn travels on as it is; only a bad id is ours to raise
      if (e instanceof CrosstalkError) {
        if (runtime.dead !== null) host.enforceStop(L);
        return raise(L, e);
      }
      throw e;
    }
    return results;
  };
}

function luaTypeName(L: LuaState, i: number): string {
  return decodeLenient(lauxlib.luaL_typename(L, i));
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

/**
 * A Lua function handling a subscription's events, as the event loop calls
 * it: `fn(event, {attempt = n})`, run on the main thread once the chunk has
 * ended. Its error reaches the bus as the handler's failure.
 */
function handlerFunction(L0: LuaState, idx: number, host: LuaEventHost): Callback {
  lua.lua_pushvalue(L0, idx);
  const ref = lauxlib.luaL_ref(L0, lua.LUA_REGISTRYINDEX);
  return (event, info) => {
    const L = host.mainThread;
    const top = lua.lua_gettop(L);
    lua.lua_checkstack(L, 3);
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, ref);
    pushJs(L, event);
    pushJs(L, info);
    try {
      if (lua.lua_pcall(L, 2, 0, 0) !== lua.LUA_OK) throw host.errorOf(L, -1);
    } finally {
      lua.lua_settop(L, top);
    }
  };
}

/** The thread of the Event call now running: filter functions run on it. */
const current: { thread: LuaState | null } = { thread: null };

/** A method that calls an Event function without the handle it was called on (`sub:ack(e)` is `Event.ack(e)`). */
const dropSelf: LuaCFunction = (L) => {
  lua.lua_remove(L, 1);
  lua.lua_pushvalue(L, lua.lua_upvalueindex(1));
  lua.lua_insert(L, 1);
  lua.lua_call(L, lua.lua_gettop(L) - 1, lua.LUA_MULTRET);
  return lua.lua_gettop(L);
};

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

  // methods: sub:unsubscribe(), sub:ack(e), sub:nak(e, opts), sub:reset_stats()
  lua.lua_createtable(L, 0, 4);
  for (const [method, fn, keepSelf] of [
    ['unsubscribe', 'unsubscribe', true],
    ['ack', 'ack', false],
    ['nak', 'nak', false],
    ['reset_stats', 'reset_stats', true],
  ] as const) {
    lua.lua_getglobal(L, 'Event');
    lua.lua_getfield(L, -1, fn);
    lua.lua_remove(L, -2);
    if (!keepSelf) lua.lua_pushcclosure(L, dropSelf, 1);
    lua.lua_setfield(L, -2, method);
  }
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
