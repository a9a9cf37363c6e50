/**
 * Type-checks JS scripts against the shipped declaration
 * (types/crosstalk-event.d.ts) with the TypeScript compiler, as an editor
 * does with the jsconfig.json of docs/scripts.md "Editor support": checkJs, ES2022,
 * no DOM, no Node. Each script is checked as the host runs it — the body of
 * an async function, so top-level `await` and `return` are allowed.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { ROOT } from '../setup/cli.js';

export const DECLARATION = path.join(ROOT, 'types/crosstalk-event.d.ts');

/** Compiler options of the documented jsconfig.json. */
export const EDITOR_OPTIONS: ts.CompilerOptions = {
  allowJs: true,
  checkJs: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2022.d.ts'],
  types: [],
};

/** Where the host's wrapper puts a script's first line. */
const PREFIX = '(async function () {\n';

export interface Script {
  /** shown in problems */
  name: string;
  source: string;
}

/**
 * Every problem the compiler finds, as `name:line: message`; [] when the
 * scripts type-check. `declaration` defaults to the shipped file.
 */
export function checkScripts(scripts: readonly Script[], declaration = DECLARATION, options = EDITOR_OPTIONS): string[] {
  const virtual = new Map<string, Script>();
  scripts.forEach((s, i) => virtual.set(path.join(ROOT, `.typecheck-${i}`, path.basename(s.name).replace(/\.\w+$/, '') + '.js'), s));
  const host = ts.createCompilerHost(options);
  const original = host.getSourceFile.bind(host);
  host.getSourceFile = (file, lang, onError, create) => {
    const s = virtual.get(path.resolve(file));
    if (s !== undefined) return ts.createSourceFile(file, `${PREFIX}${s.source}\n})();\n`, lang);
    return original(file, lang, onError, create);
  };
  const exists = host.fileExists.bind(host);
  host.fileExists = (file) => virtual.has(path.resolve(file)) || exists(file);
  const program = ts.createProgram({ rootNames: [declaration, ...virtual.keys()], options, host });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (d.file === undefined || d.start === undefined) return text;
    const s = virtual.get(path.resolve(d.file.fileName));
    const line = d.file.getLineAndCharacterOfPosition(d.start).line + 1;
    return s === undefined ? `${d.file.fileName}:${line}: ${text}` : `${s.name}:${line - 1}: ${text}`;
  });
}

/** Is this a script (no `import`/`export` statement: a host app's module is not)? */
function isScript(source: string): boolean {
  return !/^\s*(import|export)\s/m.test(source);
}

/** Every JS script under cookbook/ (recipe folders and the older ones alike). */
export function cookbookScripts(dir = path.join(ROOT, 'cookbook')): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) continue;
    if (statSync(full).isDirectory()) out.push(...cookbookScripts(full));
    else if (name.endsWith('.js') && isScript(readFileSync(full, 'utf8'))) out.push(full);
  }
  return out;
}
