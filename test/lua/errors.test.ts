/**
 * Errors (docs/scripts.md "Scripts" and "Errors"): binding errors are catchable values with `.code` and
 * `tostring` = `CODE: message`; an uncaught error ends the script with its
 * file, line and a traceback.
 */
import { describe, expect, it } from 'vitest';
import { luaLines, runLua } from './helpers.js';

describe('error values', () => {
  it('carry code, message and details, and print as CODE: message', async () => {
    const out = await luaLines(`
      local ok, err = pcall(Event.subscribe, "a.[b")
      print(ok, type(err), err.code, err.pattern)
      print(tostring(err))
      print(err.message == tostring(err):sub(#"INVALID_PATTERN: " + 1))
      local ok2, err2 = pcall(Event.publish, "x", {bad = 0/0})
      print(err2.code, err2.path)`);
    expect(out[0]).toBe('false\ttable\tINVALID_PATTERN\ta.[b');
    expect(out[1]).toMatch(/^INVALID_PATTERN: .+/);
    expect(out[2]).toBe('true');
    expect(out[3]).toBe('INVALID_DATA\tdata.bad');
  });

  it('an uncaught binding error ends the script with its code and line', async () => {
    const r = await runLua('local x = 1\n\nEvent.publish("no..good", {})\nprint("not reached")', { name: 'pay.lua' });
    expect(r.ok).toBe(false);
    expect(r.error).toMatchObject({ code: 'INVALID_EVENT_TYPE', line: 3 });
    expect(r.error!.traceback).toContain('pay.lua:3');
    expect(r.out).toEqual([]);
  });

  it('an uncaught error() names file and line, with a traceback through functions', async () => {
    const r = await runLua('local function inner()\n  error("boom")\nend\nlocal function outer() inner() end\nouter()', { name: 'job.lua' });
    expect(r.error).toMatchObject({ code: 'SCRIPT_ERROR', message: 'boom', line: 2 });
    expect(r.error!.traceback).toMatch(/job\.lua:2: in (upvalue|local) 'inner'/);
    expect(r.error!.traceback).toContain('job.lua:5: in main chunk');
  });

  it('reports error values that are not strings', async () => {
    expect((await runLua('error({1, 2})')).error).toMatchObject({ code: 'SCRIPT_ERROR', message: '(error object is a table value)' });
    expect((await runLua('error()')).error).toMatchObject({ code: 'SCRIPT_ERROR', message: '(error object is a nil value)' });
    expect((await runLua('error({code = "MY_CODE", message = "mine"})')).error).toMatchObject({ code: 'MY_CODE', message: 'mine' });
  });

  it('a syntax error names the line', async () => {
    const r = await runLua('print(1)\nlocal = 2\n');
    expect(r.error).toMatchObject({ code: 'SCRIPT_ERROR', line: 2 });
    expect(r.error!.message).toMatch(/unexpected symbol|expected/);
  });

  it('runtime errors name their line', async () => {
    const r = await runLua('local t = nil\nprint(t.x)');
    expect(r.error).toMatchObject({ code: 'SCRIPT_ERROR', line: 2 });
    expect(r.error!.message).toContain("attempt to index a nil value (local 't')");
  });
});
