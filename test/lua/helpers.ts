/**
 * Shared by the Lua tests: run scripts on a real bus through the real engine,
 * and evaluate snippets in a bare sandboxed state for the marshalling tests.
 */
import { createBus, type BusImpl } from '../setup/bus.js';
import type { ScriptResult } from '../../src/scripting/engine.js';
import { readError } from '../../src/scripting/guest/lua/errors.js';
import { encodeUtf8 } from '../../src/scripting/guest/lua/marshal.js';
import { createSandbox } from '../../src/scripting/guest/lua/sandbox.js';
import { lauxlib, lua, type LuaState } from '../../src/scripting/guest/lua/vm.js';
import { engine } from '../setup/scripts.js';

export interface Ran extends ScriptResult {
  /** what the script printed, line by line */
  out: string[];
  err: string[];
}

export { engine };

/** Runs one script to its end on `bus` (a fresh one by default). */
export async function runLua(
  source: string,
  opts: { bus?: BusImpl; name?: string; cpuLimitMs?: number; deadlineMs?: number; memoryLimitMb?: number; signal?: AbortSignal } = {},
): Promise<Ran> {
  const bus = opts.bus ?? createBus();
  const out: string[] = [];
  const err: string[] = [];
  const r = await engine.run(
    bus,
    { name: opts.name ?? 'test.lua', source },
    {
      limits: { cpuLimitMs: opts.cpuLimitMs ?? 10_000, deadlineMs: opts.deadlineMs ?? 0, memoryLimitMb: opts.memoryLimitMb ?? 128 },
      output: (_s, text, stream) => (stream === 'stdout' ? out : err).push(text),
      ...(opts.signal ? { signal: opts.signal } : {}),
    },
  );
  if (!opts.bus) await bus.close();
  return { ...r, out, err };
}

/** Runs a script that must succeed; returns its printed lines. */
export async function luaLines(source: string, opts: Parameters<typeof runLua>[1] = {}): Promise<string[]> {
  const r = await runLua(source, opts);
  if (!r.ok) throw new Error(`script failed: ${r.error?.code}: ${r.error?.message} (line ${r.error?.line})\n${r.error?.traceback ?? ''}`);
  return r.out;
}

/** A bare sandboxed state (no Event) for converting values. */
export function sandbox(): LuaState {
  return createSandbox({ print: () => {}, maxStringBytes: 1 << 20, clock: () => 0, heapBytes: () => 0, sleep: () => {} });
}

/** Evaluates `return <expr>`-style code on L, leaving its one result on the stack. */
export function evalLua(L: LuaState, code: string): void {
  const b = encodeUtf8(code);
  if (lauxlib.luaL_loadbufferx(L, b, b.length, '=eval', 't') !== lua.LUA_OK || lua.lua_pcall(L, 0, 1, 0) !== lua.LUA_OK) {
    throw new Error(readError(L, -1, 'eval').message);
  }
}

/** Calls the Lua function `fnCode` with the value on top of the stack; returns what it returns as a string. */
export function callWithTop(L: LuaState, fnCode: string): string {
  evalLua(L, fnCode);
  lua.lua_insert(L, -2);
  if (lua.lua_pcall(L, 1, 1, 0) !== lua.LUA_OK) throw new Error(readError(L, -1, 'eval').message);
  const s = lauxlib.luaL_tolstring(L, -1);
  lua.lua_pop(L, 2);
  return new TextDecoder().decode(s);
}
