/**
 * print (standard Lua: tab-separated tostrings, one line) and JSON.encode /
 * JSON.decode (docs/scripts.md "Scripts").
 */
import { describe, expect, it } from 'vitest';
import { luaLines } from './helpers.js';

describe('print', () => {
  it('separates arguments with tabs and formats like Lua', async () => {
    const out = await luaLines('print(1, 2.5, 10 // 3, 2^2, nil, true, "s")\nprint()\nprint(("a"):rep(3), 1e100)');
    expect(out).toEqual(['1\t2.5\t3\t4.0\tnil\ttrue\ts', '', 'aaa\t1e+100']);
  });

  it('keeps UTF-8 text intact, emoji included', async () => {
    const out = await luaLines('print("héllo wörld", "😀🎉", "日本語", "👩‍👩‍👧")\nprint(utf8.char(0x1F600), #"😀")');
    expect(out).toEqual(['héllo wörld\t😀🎉\t日本語\t👩‍👩‍👧', '😀\t4']);
  });

  it('uses __tostring and __name, and replaces bytes that are not UTF-8', async () => {
    const out = await luaLines(`
      print(setmetatable({}, {__tostring = function() return "custom" end}))
      print(setmetatable({}, {__name = "Thing"}) ~= nil)
      print("bad\\xffbyte")
      local sub = Event.subscribe("x")
      print(tostring(sub) == sub.id, "id: " .. sub == "id: " .. sub.id)`);
    expect(out[0]).toBe('custom');
    expect(out[2]).toBe('bad\uFFFDbyte');
    expect(out[3]).toBe('true\ttrue');
  });

  it('keeps embedded newlines in one printed chunk', async () => {
    expect(await luaLines('print("a\\nb")')).toEqual(['a\nb']);
  });
});

describe('JSON', () => {
  it('encodes by the value rules', async () => {
    const out = await luaLines(`
      print(JSON.encode({1, 2, 3}))
      print(JSON.encode({}))
      print(JSON.encode({a = {b = "😀"}, n = 1.5}))
      print(JSON.encode("x"), JSON.encode(nil), JSON.encode(true), JSON.encode(3))`);
    expect(out).toEqual(['[1,2,3]', '{}', '{"a":{"b":"😀"},"n":1.5}', '"x"\tnull\ttrue\t3']);
  });

  it('decodes 1-based, null as nil, integers as integers', async () => {
    const out = await luaLines(`
      local v = JSON.decode('{"list": [10, 20, null, 40], "n": 3, "f": 3.5, "s": "é"}')
      print(v.list[1], v.list[4], v.list[3], math.type(v.n), math.type(v.f), v.s)
      print(JSON.decode("null"), JSON.encode(JSON.decode('{"a":[1,{"b":[]}]}')))`);
    expect(out).toEqual(['10\t40\tnil\tinteger\tfloat\té', 'nil\t{"a":[1,{"b":{}}]}']);
  });

  it('fails with INVALID_DATA on bad input', async () => {
    const out = await luaLines(`
      for _, f in ipairs({function() return JSON.decode("{bad") end, function() return JSON.decode(42) end,
                          function() return JSON.decode() end, function() return JSON.encode({f = print}) end,
                          function() local t = {}; t.t = t; return JSON.encode(t) end, function() return JSON.encode(0/0) end}) do
        local ok, err = pcall(f)
        print(ok, err.code)
      end`);
    expect(out).toEqual(Array(6).fill('false\tINVALID_DATA'));
  });
});
