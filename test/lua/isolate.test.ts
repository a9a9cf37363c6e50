/**
 * What running Lua inside its own isolate adds: integers that leave 32 bits
 * stay exact instead of wrapping, the heap is the script's own, source files
 * start the way `lua` allows, and errors speak Lua.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { luaLines, runLua } from './helpers.js';

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

/** What Lua 5.3 with 64-bit integers gives, exact as long as it fits a double exactly. */
function exact(op: string, a: number, b: number): number | null {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '//':
      return b === 0 ? null : Math.floor(a / b);
    case '%':
      return b === 0 ? null : a - Math.floor(a / b) * b;
    default:
      throw new Error(op);
  }
}

describe('integers past 32 bits', () => {
  it('os.time() * 1000 is the millisecond time, not a wrapped number', async () => {
    const [ms, formatted] = await luaLines('local t = os.time() print(t * 1000) print(string.format("%d", t * 1000))');
    expect(Math.abs(Number(formatted) - Date.now())).toBeLessThan(5000);
    expect(ms).toMatch(/^\d{13}\.0$/); // a float, written as Lua writes floats
  });

  it('arithmetic on integers matches exact arithmetic (property, against JS numbers)', async () => {
    const int = fc.oneof(fc.integer({ min: INT_MIN, max: INT_MAX }), fc.constantFrom(INT_MIN, INT_MAX, -1, 0, 1, 2 ** 16, -(2 ** 16)));
    const cases = fc.sample(fc.tuple(fc.constantFrom('+', '-', '*', '//', '%'), int, int), { numRuns: 400 });
    // -2147483648 written out is minus a float in Lua (2147483648 does not fit 32 bits): name it instead
    const lit = (n: number) => (n === INT_MIN ? 'math.mininteger' : String(n));
    const exprs = cases.map(([op, a, b]) => `(${lit(a)}) ${op} (${lit(b)})`);
    // one script evaluates them all (as expressions the compiler cannot fold, and as constants it folds)
    const src = `local vals = {${cases.map(([, a, b]) => `{${lit(a)}, ${lit(b)}}`).join(',')}}
      local ops = {${cases.map(([op]) => JSON.stringify(op)).join(',')}}
      for i = 1, #vals do
        local a, b, op = vals[i][1], vals[i][2], ops[i]
        local ok, r = pcall(function()
          if op == "+" then return a + b elseif op == "-" then return a - b elseif op == "*" then return a * b
          elseif op == "//" then return a // b else return a % b end
        end)
        print(ok and string.format("%.17g", r) or "error")
      end
      ${exprs.map((e) => `print((pcall(function() return ${e} end)) and string.format("%.17g", ${e}) or "error")`).join('\n')}`;
    const out = await luaLines(src);
    const expected = cases.map(([op, a, b]) => {
      const v = exact(op, a, b);
      return v === null ? 'error' : String(v === 0 ? 0 : v);
    });
    const asNumbers = (xs: string[]) => xs.map((x) => (x === 'error' ? x : String(Number(x))));
    expect(asNumbers(out.slice(0, cases.length))).toEqual(expected);
    expect(asNumbers(out.slice(cases.length))).toEqual(expected);
  });

  it('results that fit stay integers; unary minus, integer division and modulo of the extremes', async () => {
    const out = await luaLines(`
      print(math.type(2147483647 + 0), math.type(2147483647 + 1), math.type(-2147483648 - 1))
      local m = math.mininteger
      print(-m, m // -1, m % -1, 65536 * 65536, 46341 * 46341)
      print(math.type(3 * 4), 3 * 4, 7 // 2, -7 // 2, 7 % -3)`);
    expect(out).toEqual([
      'integer\tfloat\tfloat',
      '2147483648.0\t2147483648.0\t0\t4294967296.0\t2147488281.0',
      'integer\t12\t3\t-4\t-2',
    ]);
  });

  it('arrives in events and JSON exact', async () => {
    const out = await luaLines(`
      local s = Event.subscribe("big")
      Event.publish("big", {ms = 1764950000 * 1000, n = 2^53})
      local e = Event.receive(s, 0)
      print(JSON.encode(e.data), string.format("%d", e.data.ms))`);
    expect(out).toEqual(['{"ms":1764950000000,"n":9007199254740992}\t1764950000000']);
  });
});

describe('the heap is the script’s own', () => {
  it('collectgarbage("count") reports it; collect and step are accepted', async () => {
    const out = await luaLines(`
      local before = collectgarbage("count")
      local t = {}
      for i = 1, 20000 do t[i] = {i} end
      local after = collectgarbage("count")
      print(before > 100, after > before + 500, collectgarbage("collect"), collectgarbage("step"), collectgarbage(), collectgarbage("isrunning"))
      print(pcall(collectgarbage, "nonsense"))`);
    expect(out[0]).toBe('true\ttrue\t0\t0\t0\ttrue');
    expect(out[1]).toMatch(/^false\t.*invalid option 'nonsense'/);
  });

  it('os.clock is the CPU time the script used', async () => {
    const out = await luaLines(`
      local c0 = os.clock()
      local s = Event.subscribe("never")
      Event.receive(s, 300)                       -- waiting costs no CPU
      local c1 = os.clock()
      local x = 0 for i = 1, 3e6 do x = x + i end  -- running does
      local c2 = os.clock()
      print(c1 - c0 < 0.1, c2 - c1 > 0)`);
    expect(out).toEqual(['true\ttrue']);
  });
});

describe('source files and errors, as Lua authors expect them', () => {
  it('a UTF-8 byte-order mark and a #! line are skipped, keeping line numbers', async () => {
    expect(await luaLines('\ufeffprint("bom")')).toEqual(['bom']);
    const r = await runLua('#!/usr/bin/env crosstalk run\nprint("shebang")\nerror("line three")');
    expect(r.out).toEqual(['shebang']);
    expect(r.error).toMatchObject({ code: 'SCRIPT_ERROR', line: 3 });
    expect((await runLua('\ufeff#!/x\nprint(1)')).out).toEqual(['1']);
  });

  it('errors describe values in Lua words, and tracebacks show C functions as [C]', async () => {
    const r = await runLua(`
      local ok, e = pcall(Event.receive, nil)
      print(e.message)
      local ok2, e2 = pcall(Event.publish, "x.y", {}, "opts")
      print(e2.message)
      Event.subscribe({})`);
    expect(r.out[0]).toMatch(/got nil/);
    expect(r.out[1]).toMatch(/to be a table, got/);
    expect(r.out.join('\n')).not.toMatch(/undefined|an object/);
    expect(r.error!.traceback).toMatch(/\[C\]: in /);
    expect(r.error!.traceback).not.toMatch(/\[JS\]/);
  });
});
