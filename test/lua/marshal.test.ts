/**
 * Lua ⇄ JS values (docs/scripts.md "Scripts"): the rules one by one, then property tests in
 * both directions over arbitrary JSON.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CrosstalkError } from '../../src/core/errors.js';
import { luaJson, pushJs, toJs, tvToJs } from '../../src/scripting/guest/lua/marshal.js';
import { lua, valueAt, type TValue } from '../../src/scripting/guest/lua/vm.js';
import { callWithTop, evalLua, sandbox } from './helpers.js';

const L = sandbox();

/** Evaluates `expr` in Lua and converts the result as publish converts `data`. */
function fromLua(expr: string, root = 'data'): unknown {
  evalLua(L, `return ${expr}`);
  try {
    return toJs(L, -1, root);
  } finally {
    lua.lua_settop(L, 0);
  }
}

function conversionError(expr: string): CrosstalkError {
  try {
    fromLua(expr);
  } catch (e) {
    if (e instanceof CrosstalkError) return e;
    throw e;
  }
  throw new Error(`${expr} converted without error`);
}

/** Pushes a JS value and runs `fn(value)` in Lua, returning tostring of its result. */
function inLua(value: unknown, fn: string): string {
  pushJs(L, value);
  return callWithTop(L, fn);
}

describe('Lua → JS', () => {
  it('turns a table with keys exactly 1..n into an array', () => {
    expect(fromLua('{10, 20, 30}')).toEqual([10, 20, 30]);
    expect(fromLua('{[1] = "a", [2] = "b"}')).toEqual(['a', 'b']);
    expect(fromLua('{[2] = "b", [1] = "a"}')).toEqual(['a', 'b']);
  });

  it('turns other tables into objects with string keys', () => {
    expect(fromLua('{[1] = "a", [3] = "c"}')).toEqual({ '1': 'a', '3': 'c' });
    expect(fromLua('{[0] = "z", [1] = "a"}')).toEqual({ '0': 'z', '1': 'a' });
    expect(fromLua('{1, 2, x = 3}')).toEqual({ '1': 1, '2': 2, x: 3 });
    expect(fromLua('{[-1] = true}')).toEqual({ '-1': true });
    expect(fromLua('{[1.5] = "half"}')).toEqual({ '1.5': 'half' });
  });

  it('turns an empty table into an empty object', () => {
    expect(fromLua('{}')).toEqual({});
    expect(fromLua('{items = {}}')).toEqual({ items: {} });
  });

  it('keeps integers and floats, nested', () => {
    expect(fromLua('{a = 1, b = 1.5, c = -7, d = 2^53, e = {f = {g = 0.1}}}')).toEqual({ a: 1, b: 1.5, c: -7, d: 2 ** 53, e: { f: { g: 0.1 } } });
  });

  it('keeps UTF-8 text, emoji included, and the __proto__ key as data', () => {
    expect(fromLua('{name = "Zoë 😀 ✓"}')).toEqual({ name: 'Zoë 😀 ✓' });
    const o = fromLua('{__proto__ = 1}') as Record<string, unknown>;
    expect(Object.keys(o)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
  });

  it('names the path of a function, 1-based like Lua', () => {
    const e = conversionError('{items = {1, 2, {fn = function() end}}}');
    expect(e.code).toBe('INVALID_DATA');
    expect(e.path).toBe('data.items[3].fn');
    expect(e.message).toBe('data.items[3].fn is a function, which JSON cannot carry');
  });

  it.each([
    ['{x = 0/0}', 'data.x', 'NaN'],
    ['{x = math.huge}', 'data.x', 'inf'],
    ['{x = -math.huge}', 'data.x', '-inf'],
    ['{co = coroutine.create(function() end)}', 'data.co', 'coroutine'],
    ['{["a b"] = {print}}', 'data["a b"][1]', 'function'],
    ['{s = "\\xff\\xfe"}', 'data.s', 'UTF-8'],
    ['{[true] = 1}', 'data', 'boolean key'],
  ])('rejects %s at %s', (expr, path, word) => {
    const e = conversionError(expr);
    expect(e.code).toBe('INVALID_DATA');
    expect(e.path).toBe(path);
    expect(e.message).toContain(word);
  });

  it('rejects cycles, naming where the cycle closes', () => {
    evalLua(L, 'local t = {a = {b = {}}}; t.a.b.back = t; return t');
    try {
      toJs(L, -1, 'data');
      throw new Error('no error');
    } catch (e) {
      expect((e as CrosstalkError).code).toBe('INVALID_DATA');
      expect((e as CrosstalkError).path).toBe('data.a.b.back');
      expect((e as CrosstalkError).message).toContain('cycle');
    } finally {
      lua.lua_settop(L, 0);
    }
  });

  it('accepts a table shared twice without a cycle', () => {
    expect(fromLua('(function() local s = {1} return {a = s, b = s} end)()')).toEqual({ a: [1], b: [1] });
  });

  it('rejects nesting past 64 levels but takes 64', () => {
    const nest = (n: number) => '{'.repeat(n) + '}'.repeat(n);
    expect(() => fromLua(nest(64))).not.toThrow();
    const e = conversionError(nest(65));
    expect(e.code).toBe('INVALID_DATA');
    expect(e.message).toContain('deeper than 64');
  });

  it('names fields of an options table on their own', () => {
    evalLua(L, 'return {metadata = {user = {f = print}}}');
    try {
      toJs(L, -1, 'options', {}, true);
      throw new Error('no error');
    } catch (e) {
      expect((e as CrosstalkError).path).toBe('metadata.user.f');
    } finally {
      lua.lua_settop(L, 0);
    }
  });
});

describe('JS → Lua', () => {
  it('arrives 1-based', () => {
    expect(inLua(['a', 'b', 'c'], 'return function(t) return #t .. t[1] .. t[3] end')).toBe('3ac');
  });

  it('makes null nil', () => {
    expect(inLua({ a: null, b: 1 }, 'return function(t) return tostring(t.a) .. t.b end')).toBe('nil1');
    expect(inLua(null, 'return function(v) return type(v) end')).toBe('nil');
  });

  it('makes integer-valued numbers integers, others floats', () => {
    const mathType = (n: number) => inLua(n, 'return function(v) return math.type(v) end');
    expect(mathType(3)).toBe('integer');
    expect(mathType(-2147483648)).toBe('integer');
    expect(mathType(3.5)).toBe('float');
    // fengari's integers are 32-bit: larger whole numbers stay exact as floats
    expect(mathType(2 ** 40)).toBe('float');
    expect(inLua(2 ** 40, 'return function(v) return string.format("%.0f", v) end')).toBe(String(2 ** 40));
  });

  it('gives an empty array and an empty object the same empty table', () => {
    expect(inLua([], 'return function(t) return type(t) .. #t .. tostring(next(t)) end')).toBe('table0nil');
    expect(inLua({}, 'return function(t) return type(t) .. #t .. tostring(next(t)) end')).toBe('table0nil');
  });

  it('keeps UTF-8 text intact', () => {
    expect(inLua('😀 ü', 'return function(s) return #s end')).toBe(String(Buffer.byteLength('😀 ü')));
  });
});

// ---- properties -------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** What a JSON value looks like after a trip through Lua (undefined = nil). */
function viaLua(v: Json): unknown {
  if (v === null) return undefined;
  if (typeof v === 'number') return Object.is(v, -0) ? 0 : v;
  if (typeof v !== 'object') return v;
  const entries: [string | number, unknown][] = [];
  if (Array.isArray(v)) v.forEach((x, i) => entries.push([i + 1, viaLua(x)]));
  else for (const [k, x] of Object.entries(v)) entries.push([k, viaLua(x)]);
  const kept = entries.filter(([, x]) => x !== undefined);
  const ints = kept.every(([k]) => typeof k === 'number');
  if (kept.length > 0 && ints && Math.max(...kept.map(([k]) => k as number)) === kept.length) return kept.map(([, x]) => x);
  const o: Record<string, unknown> = {};
  for (const [k, x] of kept) Object.defineProperty(o, String(k), { value: x, enumerable: true, writable: true, configurable: true });
  return o;
}

/** Lua source for a JSON value, written with escapes so any text survives. */
function luaLiteral(v: Json): string {
  if (v === null) return 'nil';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') {
    if (Number.isInteger(v) && Math.abs(v) <= 2 ** 31 - 1) return String(Object.is(v, -0) ? 0 : v);
    const text = String(v);
    return /[.e]/.test(text) ? text : `${text}.0`; // a float literal either way
  }
  if (typeof v === 'string') return luaString(v);
  if (Array.isArray(v)) return `{${v.map((x, i) => `[${i + 1}] = ${luaLiteral(x)}`).join(', ')}}`;
  return `{${Object.entries(v)
    .map(([k, x]) => `[${luaString(k)}] = ${luaLiteral(x)}`)
    .join(', ')}}`;
}

function luaString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0x20 && cp < 0x7f && ch !== '"' && ch !== '\\') out += ch;
    else out += `\\u{${cp.toString(16)}}`;
  }
  return `${out}"`;
}

const json = fc.jsonValue({ maxDepth: 6, stringUnit: 'grapheme' }) as fc.Arbitrary<Json>;

describe('properties', () => {
  it('JSON → Lua → JSON keeps every value, with Lua’s rules for nil and arrays', () => {
    fc.assert(
      fc.property(json, (v) => {
        pushJs(L, v);
        const back = toJs(L, -1, 'data');
        lua.lua_settop(L, 0);
        expect(back).toEqual(viaLua(v));
        expect(JSON.stringify(back ?? null)).toBe(JSON.stringify(viaLua(v) ?? null));
      }),
      { numRuns: 300 },
    );
  });

  it('a Lua table written as source converts by the same rules', () => {
    fc.assert(
      fc.property(json, (v) => {
        expect(fromLua(luaLiteral(v))).toEqual(viaLua(v));
      }),
      { numRuns: 300 },
    );
  });

  it('the one-walk JSON of publish writes what the general path writes, or leaves it to that path', () => {
    const both = (tv: TValue) => {
      const fast = luaJson(tv, 64);
      let slow: string | null;
      try {
        slow = JSON.stringify(tvToJs(L, tv, 'data') ?? null);
      } catch {
        slow = null;
      }
      if (fast !== null) expect(fast).toBe(slow);
      return fast;
    };
    fc.assert(
      fc.property(json, (v) => {
        pushJs(L, v);
        both(valueAt(L, -1)!);
        lua.lua_settop(L, 0);
        evalLua(L, `return ${luaLiteral(v)}`);
        both(valueAt(L, -1)!);
        lua.lua_settop(L, 0);
      }),
      { numRuns: 300 },
    );
    // what scripts publish most takes the one walk
    const shapes = ['{order_id = 7, amount = 10.5, currency = "USD"}', '{items = {1, 2, {x = "é"}}, ok = true, n = -0.0}', '{}', '{"a", "b"}', '{[2] = "b", [1] = "a"}'];
    for (const code of shapes) {
      evalLua(L, `return ${code}`);
      expect(both(valueAt(L, -1)!), code).not.toBeNull();
      lua.lua_settop(L, 0);
    }
    // and what it cannot be sure of does not
    const others = ['{[1] = "a", [3] = "c"}', '{1, 2, x = 3}', '{["1"] = "x"}', '{__proto__ = 1}', '{f = print}', '{x = 0/0}', 'setmetatable({}, {})', '{s = "\\255"}'];
    for (const code of others) {
      evalLua(L, `return ${code}`);
      expect(luaJson(valueAt(L, -1)!, 64), code).toBeNull();
      lua.lua_settop(L, 0);
    }
    // nesting past the limit
    evalLua(L, 'return {a = {b = {c = {}}}}');
    expect(luaJson(valueAt(L, -1)!, 3)).toBeNull();
    expect(luaJson(valueAt(L, -1)!, 4)).toBe('{"a":{"b":{"c":{}}}}');
    lua.lua_settop(L, 0);
  });

  it('numbers keep their kind both ways', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.double({ noNaN: true, noDefaultInfinity: true })), (n) => {
        const kind = inLua(n, 'return function(v) return math.type(v) end');
        expect(kind).toBe(Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 ? 'integer' : 'float');
        pushJs(L, n);
        expect(toJs(L, -1, 'data')).toBe(Object.is(n, -0) ? 0 : n);
        lua.lua_settop(L, 0);
      }),
      { numRuns: 300 },
    );
  });
});
