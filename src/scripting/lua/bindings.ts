/**
 * The Lua `Event` global: a thin adapter over the language-neutral binding
 * table (scripting/api.ts). Every function of that table appears here under
 * the same name; this file only converts arguments and results, yields the
 * coroutine when a binding returns a Promise, and turns subscriptions into
 * handles (`sub.id`, `sub:unsubscribe()`, `tostring(sub)` → id).
 */
import { CrosstalkError } from '../../core/errors.js';
import { SubscriptionHandle, SYNC_BINDINGS, type Binding, type ScriptContext } from '../api.js';
import type { HostWaits } from './coroutines.js';
import { raise } from './errors.js';
import { decodeLenient, pushJs, tvToJs, type ToJsOptions } from './marshal.js';
import { lua, valueAt, type LuaCFunction, type LuaKFunction, type LuaState, type Table, type TValue } from './vm.js';

/** The outcome of the Promise a binding waited on, read by the continuation. */
export type Settled = { ok: true; value: unknown } | { ok: false; error: unknown };

/** What the bindings need from the running script (engine.ts provides it). */
export interface BindingHost extends HostWaits {
  readonly ctx: ScriptContext;
  /** set by the host before it resumes a thread that waited */
  settled: Settled | null;
  /** the thread that is waiting (for the line a timeout names) */
  waitThread: LuaState | null;
  /** turns a Lua function (a subscription filter) into a host callback */
  callback(L: LuaState, fn: TValue): (...args: unknown[]) => unknown;
}

/** How arguments are named in INVALID_DATA paths; a `fields` table's fields are named on their own. */
interface ArgSpec {
  name: string;
  fields?: boolean;
}
const SUB: ArgSpec = { name: 'subscription' };
const ARGS: Record<string, readonly ArgSpec[]> = {
  publish: [{ name: 'event', fields: true }, { name: 'data' }, { name: 'options', fields: true }],
  subscribe: [{ name: 'patterns' }, { name: 'options', fields: true }],
  receive: [SUB, { name: 'timeout_ms' }],
  receive_batch: [SUB, { name: 'options', fields: true }],
  query: [{ name: 'query', fields: true }],
  replay: [{ name: 'replay', fields: true }],
  subscription_stats: [SUB],
  unsubscribe: [SUB],
  unsubscribe_pattern: [{ name: 'pattern' }],
};

/** Is this call sure not to wait (so it may run where the script cannot yield)? */
function isPoll(name: string, args: unknown[]): boolean {
  if (name === 'publish' || SYNC_BINDINGS.has(name)) return true;
  if (name === 'receive') return args[1] === 0;
  if (name === 'receive_batch') return (args[1] as { timeout_ms?: unknown } | undefined)?.timeout_ms === 0;
  return false;
}

const HANDLE_METATABLE = 'crosstalk.Subscription';

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function';
}

export function installEvent(L: LuaState, host: BindingHost, api: Readonly<Record<string, Binding>>): void {
  // filled in below, once the Event table (whose unsubscribe the handles call) exists
  const conv: ToJsOptions = { handleMetatable: null, callback: (L, fn) => host.callback(L, fn) };

  const pushResult = (L: LuaState, value: unknown): number => {
    if (value instanceof SubscriptionHandle) {
      pushJs(L, { id: value.id, patterns: value.patterns }); // `id` first: marshal.ts reads it from handles
      lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, HANDLE_METATABLE);
      lua.lua_setmetatable(L, -2);
    } else pushJs(L, value);
    return 1;
  };

  // Runs when the host resumes a thread that waited: the Promise has settled.
  const afterWait: LuaKFunction = (L) => {
    const s = host.settled;
    host.settled = null;
    host.waitThread = null;
    host.checkAlive(L);
    if (s === null) return raise(L, new CrosstalkError('SCRIPT_ERROR', 'resumed without a result (internal error)'));
    if (!s.ok) return raise(L, s.error);
    try {
      return pushResult(L, s.value);
    } catch (e) {
      return raise(L, e);
    }
  };

  const bind = (name: string, fn: Binding): LuaCFunction => {
    const specs = ARGS[name] ?? [];
    return (L) => {
      host.checkAlive(L);
      const n = lua.lua_gettop(L);
      const args = new Array<unknown>(n);
      let result: unknown;
      try {
        for (let i = 0; i < n; i++) {
          const spec = specs[i] ?? { name: `argument ${i + 1}`, fields: true };
          const tv = valueAt(L, i + 1)!;
          args[i] = tvToJs(L, tv, spec.name, conv, spec.fields === true);
        }
        if (!(host.canWait && lua.lua_isyieldable(L)) && !isPoll(name, args)) {
          throw new CrosstalkError(
            'SCRIPT_ERROR',
            `Event.${name} cannot wait here (inside a filter, a metamethod or a callback of a library function); use a timeout of 0 to poll`,
          );
        }
        result = fn(host.ctx, args);
      } catch (e) {
        return raise(L, e);
      }
      if (!isThenable(result)) {
        try {
          return pushResult(L, result);
        } catch (e) {
          return raise(L, e);
        }
      }
      if (!(host.canWait && lua.lua_isyieldable(L))) {
        // only a publish into a full `block` queue gets here; it completes or times out on its own
        result.then(undefined, () => undefined);
        return raise(L, new CrosstalkError('BLOCK_TIMEOUT', `Event.${name} would have to wait for room here, where the script cannot yield`));
      }
      host.pending = result;
      host.waitThread = L;
      return lua.lua_yieldk(L, 0, name, afterWait);
    };
  };

  lua.lua_createtable(L, 0, Object.keys(api).length);
  for (const [name, fn] of Object.entries(api)) {
    lua.lua_pushcfunction(L, bind(name, fn));
    lua.lua_setfield(L, -2, name);
  }
  lua.lua_setglobal(L, 'Event');
  conv.handleMetatable = createHandleMetatable(L);
}

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
