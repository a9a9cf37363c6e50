/**
 * The guest code each isolate runs before its script (dist/guest/<lang>.js,
 * built by scripts/build-guest.mjs from src/scripting/guest/). Read once per
 * process; every isolate after the first compiles it with V8's code cache
 * from the first, which saves most of the parsing.
 */
import { readFileSync } from 'node:fs';
import ivm from 'isolated-vm';
import { CrosstalkError } from '../../core/errors.js';
import type { ScriptLanguage } from '../engine.js';

interface Guest {
  code: string;
  cache: ivm.ExternalCopy<ArrayBuffer> | null;
}

const guests = new Map<ScriptLanguage, Guest>();
const FILE: Record<ScriptLanguage, string> = { lua: 'lua.js', javascript: 'js.js' };

function guest(language: ScriptLanguage): Guest {
  let g = guests.get(language);
  if (g === undefined) {
    // the same path from src/scripting/isolate/ (tests) and dist/scripting/isolate/
    const url = new URL(`../../../dist/guest/${FILE[language]}`, import.meta.url);
    let code: string;
    try {
      code = readFileSync(url, 'utf8');
    } catch (e) {
      throw new CrosstalkError('SCRIPT_ERROR', `the ${language} script runtime is missing (${url.pathname}: ${(e as Error).message}); run \`npm run build\``);
    }
    g = { code, cache: null };
    guests.set(language, g);
  }
  return g;
}

/** The guest script of `language`, compiled for `isolate`. */
export async function compileGuest(isolate: ivm.Isolate, language: ScriptLanguage): Promise<ivm.Script> {
  const g = guest(language);
  const filename = `crosstalk:${language}-runtime`;
  if (g.cache === null) {
    // isolated-vm sets `cachedData` on the script it returns (its typings leave it out)
    const script = (await isolate.compileScript(g.code, { filename, produceCachedData: true })) as ivm.Script & {
      cachedData?: ivm.ExternalCopy<ArrayBuffer>;
    };
    if (script.cachedData !== undefined) g.cache = script.cachedData;
    return script;
  }
  return isolate.compileScript(g.code, { filename, cachedData: g.cache });
}
