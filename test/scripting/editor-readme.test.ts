/**
 * "Editor support" (docs/scripts.md, linked from the README), done as written in a scratch project whose
 * node_modules/crosstalk is this package: the `sh` lines run through
 * bin/crosstalk.js, the script is checked by the TypeScript compiler as an
 * editor checks it (with its `/// <reference>` line alone, and through the
 * jsconfig.json), then run; the .luarc.json names the folder of the
 * shipped annotations.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { luaAnnotations } from '../../src/scripting/editor-types/lua.js';
import { jsDeclaration } from '../../src/scripting/editor-types/typescript.js';
import { crosstalk, ROOT } from '../setup/cli.js';
import { docSection } from '../setup/docs.js';

const found = docSection('### Editor support').blocks;
const dir = mkdtempSync(path.join(tmpdir(), 'crosstalk-editor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(path.join(dir, 'node_modules'));
mkdirSync(path.join(dir, 'scripts'));
symlinkSync(ROOT, path.join(dir, 'node_modules/crosstalk'));

const js = found.filter((b) => b.lang === 'js');
const json = found.filter((b) => b.lang === 'json');
const sh = found.filter((b) => b.lang === 'sh');
const SCRIPT = /^\/\/ (\S+\.js)\n/.exec(js[0]?.code ?? '')?.[1];

/** `npx crosstalk a b` → [a, b] */
const argsOf = (line: string) => line.replace(/^npx crosstalk /, '').trim().split(/\s+/);

function diagnostics(program: ts.Program): string[] {
  return ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
}

describe('docs: Editor support', () => {
  it('has the blocks it describes', () => {
    expect(js).toHaveLength(1);
    expect(SCRIPT).toBe('scripts/big-orders.js');
    expect(json).toHaveLength(2);
    expect(sh).toHaveLength(2);
    writeFileSync(path.join(dir, SCRIPT!), js[0]!.code);
    writeFileSync(path.join(dir, 'scripts/jsconfig.json'), json.find((b) => b.code.includes('compilerOptions'))!.code);
    writeFileSync(path.join(dir, '.luarc.json'), json.find((b) => b.code.includes('workspace'))!.code);
  });

  it('crosstalk types writes the declarations the package ships', async () => {
    const lines = sh[0]!.code.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      const r = await crosstalk(argsOf(line), { cwd: dir });
      expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    }
    expect(readFileSync(path.join(dir, 'crosstalk-event.d.ts'), 'utf8')).toBe(jsDeclaration());
    expect(readFileSync(path.join(dir, 'crosstalk-event.lua'), 'utf8')).toBe(luaAnnotations());
  });

  it('the script type-checks with its reference line alone, DOM and all (an editor without a jsconfig.json)', () => {
    const file = path.join(dir, SCRIPT!);
    // the scratch project's own type roots (it has no @types), not those of the directory the test runs in
    const options = { allowJs: true, noEmit: true, target: ts.ScriptTarget.ES2022, typeRoots: [path.join(dir, 'node_modules/@types')] };
    expect(diagnostics(ts.createProgram([file], options))).toEqual([]);
    // and the check is real: a wrong option type is found
    const wrong = path.join(dir, 'scripts/wrong-alone.js');
    writeFileSync(wrong, js[0]!.code.replace("max_queue_size: 100", "max_queue_size: '100'"));
    expect(diagnostics(ts.createProgram([wrong], options)).join('\n')).toMatch(/not assignable to type 'number'/);
    rmSync(wrong);
  });

  it('the jsconfig.json checks the folder against the declaration', () => {
    const config = path.join(dir, 'scripts/jsconfig.json');
    const read = ts.readConfigFile(config, ts.sys.readFile);
    expect(read.error).toBeUndefined();
    const parsed = () => ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(config), undefined, config);
    const program = () => {
      const p = parsed();
      expect(p.errors).toEqual([]);
      return ts.createProgram(p.fileNames, { ...p.options, noEmit: true });
    };
    expect(parsed().fileNames.map((f) => path.relative(dir, f)).sort()).toEqual(['node_modules/crosstalk/types/crosstalk-event.d.ts', SCRIPT]);
    expect(diagnostics(program())).toEqual([]);
    writeFileSync(path.join(dir, 'scripts/wrong.js'), "Event.subscribe('a', { backpresure: 'block' });\n");
    expect(diagnostics(program()).join('\n')).toMatch(/backpresure/);
    rmSync(path.join(dir, 'scripts/wrong.js'));
  });

  it('the script runs and prints what the README shows', async () => {
    const [line] = sh[1]!.code.trim().split('\n');
    const r = await crosstalk(argsOf(line!), { cwd: dir });
    const shown = sh[1]!.output;
    expect(shown).not.toBeNull();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(shown);
  });

  it('.luarc.json (and the Neovim setup) name the folder of the shipped LuaLS annotations, for Lua 5.3', () => {
    const luarc = JSON.parse(readFileSync(path.join(dir, '.luarc.json'), 'utf8')) as { runtime: { version: string }; workspace: { library: string[] } };
    expect(luarc.runtime.version).toBe('Lua 5.3'); // fengari's Lua
    for (const lib of luarc.workspace.library) {
      const meta = readFileSync(path.join(dir, lib, 'crosstalk-event.lua'), 'utf8');
      expect(meta.startsWith('---@meta\n')).toBe(true);
      expect(meta).toContain('\nEvent = {}\n');
    }
    const nvim = found.find((b) => b.lang === 'text' && b.code.includes('lua_ls'))!.code;
    for (const lib of luarc.workspace.library) expect(nvim).toContain(`'${lib}'`);
    expect(nvim).toContain(`version = '${luarc.runtime.version}'`);
  });
});
