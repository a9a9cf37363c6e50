/**
 * The sandbox (docs/scripts.md "Scripts"): each way out of it fails cleanly, the script goes on,
 * and what Lua scripts legitimately use is still there.
 */
import { describe, expect, it } from 'vitest';
import { luaLines, runLua } from './helpers.js';

describe('sandbox', () => {
  it.each([
    ['io', 'io'],
    ['debug', 'debug'],
    ['package', 'package'],
    ['require', 'require'],
    ['dofile', 'dofile'],
    ['loadfile', 'loadfile'],
    ['os.exit', 'os.exit'],
    ['os.getenv', 'os.getenv'],
    ['os.remove', 'os.remove'],
    ['os.rename', 'os.rename'],
    ['os.tmpname', 'os.tmpname'],
    ['os.setlocale', 'os.setlocale'],
    ['string.dump', 'string.dump'],
    ['("").dump', '("").dump'],
  ])('%s is absent', async (_name, expr) => {
    expect(await luaLines(`print(type(${expr}))`)).toEqual(['nil']);
  });

  it('calling a removed function fails as a catchable error and the script goes on', async () => {
    const out = await luaLines(`
      for _, f in ipairs({"os.exit(3)", "require('fs')", "io.open('/etc/passwd')",
                          "dofile('/etc/passwd')", "loadfile('/etc/passwd')", "os.getenv('HOME')", "debug.getinfo(1)"}) do
        local ok, err = pcall(load(f))
        print(ok, (tostring(err):gsub("^.-: ", "")))
      end
      print("still here")`);
    expect(out.slice(0, 7).every((l) => l.startsWith('false\tattempt to call a nil value') || l.startsWith('false\tattempt to index a nil value'))).toBe(true);
    expect(out.at(-1)).toBe('still here');
  });

  it('os.execute runs nothing but "sleep N": any other command is a catchable error', async () => {
    const out = await luaLines(`
      for _, cmd in ipairs({"echo hacked", "sleep 1; rm -rf /", "sleep -1", "sleep x", "/bin/sh"}) do
        local ok, err = pcall(os.execute, cmd)
        print(ok, (tostring(err):gsub("^.-: ", "")))
      end
      print(os.execute("sleep 0.01"))
      print(os.execute())`);
    expect(out.slice(0, 5).every((l) => l.startsWith('false\tos.execute: the sandbox has no shell'))).toBe(true);
    expect(out[5]).toBe('true\texit\t0');
    expect(out[6]).toBe('false');
  });

  it('load refuses binary chunks, even when asked for mode "b"', async () => {
    const out = await luaLines(`
      local f, err = load("\\27Lua\\83\\0", "bin", "b")
      print(f, err)
      local g, err2 = load(function() local s = "\\27Lua" ; load = nil ; return nil end)
      print(type(g))`);
    expect(out[0]).toMatch(/^nil\t.*binary chunk/);
  });

  it('load still runs text chunks, with and without an env', async () => {
    const out = await luaLines(`
      print(load("return 1 + 1")())
      print(load("return x", "chunk", "t", {x = 42})())
      print(load("return y", "chunk", "bt", {y = 7})())
      print(pcall(load("return z", "chunk", "t", nil)))`);
    expect(out.slice(0, 3)).toEqual(['2', '42', '7']);
    // env given as nil: the chunk has no globals at all
    expect(out[3]).toMatch(/^false\t.*attempt to index/);
  });

  it('keeps string, table, math, utf8, coroutine and the clock functions of os', async () => {
    const out = await luaLines(`
      print(string.upper("abc"), ("x"):rep(3), table.concat({1, 2}, ","), math.max(1, 5), utf8.char(233))
      print(type(os.time()), type(os.clock()), os.date("!%Y-%m-%d", 0), os.difftime(10, 4))
      print(coroutine.wrap(function() coroutine.yield(1) end)())
      print(type(setmetatable), type(pcall), type(select), _VERSION)`);
    expect(out).toEqual(['ABC\txxx\t1,2\t5\té', 'number\tnumber\t1970-01-01\t6.0', '1', 'function\tfunction\tfunction\tLua 5.3']);
  });

  it('string.rep refuses to build more than the memory limit', async () => {
    const out = await luaLines(`
      local ok, err = pcall(string.rep, "x", 1e9)
      print(ok, err.code)
      local ok2, err2 = pcall(function() return ("ab"):rep(2^40, ",") end)
      print(ok2, err2.code)
      print(#("ab"):rep(3, ","))`);
    expect(out).toEqual(['false\tSCRIPT_MEMORY', 'false\tSCRIPT_MEMORY', '8']);
  });

  it('scripts do not share globals', async () => {
    const r1 = await luaLines('shared = 1; print(shared)');
    const r2 = await luaLines('print(shared)');
    expect(r1).toEqual(['1']);
    expect(r2).toEqual(['nil']);
  });

  it('a runaway recursion is an ordinary error', async () => {
    const r = await runLua('local function f(n) return 1 + f(n + 1) end\nf(1)');
    expect(r.ok).toBe(false);
    expect(r.error!.code).toBe('SCRIPT_ERROR');
    expect(r.error!.message).toMatch(/stack overflow/);
  });
});
