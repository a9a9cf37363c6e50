/**
 * `crosstalk types --js|--lua [--out FILE]` (docs/scripts.md "Editor support"): prints
 * or writes the generated declarations; a bad invocation exits 2 with one
 * line naming the fix and writes nothing.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { luaAnnotations } from '../../src/scripting/editor-types/lua.js';
import { jsDeclaration } from '../../src/scripting/editor-types/typescript.js';
import { crosstalk } from '../setup/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'crosstalk-types-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('crosstalk types', () => {
  it('prints the TypeScript declaration (--js) and the LuaLS annotations (--lua)', async () => {
    expect(await crosstalk(['types', '--js'])).toEqual({ code: 0, stdout: jsDeclaration(), stderr: '' });
    expect(await crosstalk(['types', '--lua'])).toEqual({ code: 0, stdout: luaAnnotations(), stderr: '' });
  });

  it('--out writes the file, replacing what was there', async () => {
    const out = path.join(dir, 'event.d.ts');
    writeFileSync(out, 'old');
    expect(await crosstalk(['types', '--js', '--out', out], { cwd: dir })).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(readFileSync(out, 'utf8')).toBe(jsDeclaration());
    expect(await crosstalk(['types', '--lua', '-o', 'event.lua'], { cwd: dir })).toMatchObject({ code: 0, stdout: '' });
    expect(readFileSync(path.join(dir, 'event.lua'), 'utf8')).toBe(luaAnnotations());
  });

  it.each([
    [[], /say which: --js .* or --lua/],
    [['--js', '--lua'], /--js and --lua each print a whole file: give one of them/],
    [['--jss', '--out', 'x.d.ts'], /unknown flag --jss; did you mean --js\?/],
    [['--js', '--out'], /--out needs a value/],
    [['--js', '--out', 'x.d.ts', '--out', 'y.d.ts'], /--out was given 2 times/],
    [['--js=maybe', '--out', 'x.d.ts'], /--js takes no value/],
    [['--js', '--out', 'missing/x.d.ts'], /--out missing\/x.d.ts: the directory .* does not exist/],
    [['--js', '--out', '.'], /is a directory; name a file/],
    [['--lua', 'extra', '--out', 'x.lua'], /unexpected argument "extra"/],
  ])('refuses %j: exit 2, one line, nothing written', async (args, message) => {
    const before = readdirSync(dir).sort();
    const r = await crosstalk(['types', ...args], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^crosstalk types: INVALID_OPTION: [^\n]+\n$/);
    expect(r.stderr).toMatch(message);
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(existsSync(path.join(dir, 'x.d.ts'))).toBe(false);
  });
});
