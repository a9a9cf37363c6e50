/**
 * Whether a script loads, without running any of it: its source is compiled
 * in a throwaway isolate (never in the host's own heap), so a pathological
 * file costs that isolate only. `crosstalk run --watch` checks a changed
 * file this way before it replaces the running version.
 */
import ivm from 'isolated-vm';
import type { ScriptFailure, ScriptFile, ScriptLanguage } from '../engine.js';
import { failureFrom, failureFromCompile, wrapJs } from './failures.js';
import { compileGuest } from './guest-code.js';

/** Heap of the checking isolate, in MB. */
const CHECK_MEMORY_MB = 64;
/** How long compiling may take. */
const CHECK_TIMEOUT_MS = 5000;

/** Null when `file` loads; else why not (SCRIPT_ERROR with the line). */
export async function checkScript(file: ScriptFile, language: ScriptLanguage): Promise<ScriptFailure | null> {
  const isolate = new ivm.Isolate({ memoryLimit: CHECK_MEMORY_MB });
  try {
    if (language === 'javascript') {
      try {
        await isolate.compileScript(wrapJs(file.source), { filename: file.name });
        return null;
      } catch (e) {
        return failureFromCompile(e, file.name);
      }
    }
    const context = await isolate.createContext();
    const runtime = await compileGuest(isolate, 'lua');
    await runtime.run(context, { timeout: CHECK_TIMEOUT_MS });
    const check = (await context.global.get('__crosstalkGuest', { reference: true })) as ivm.Reference<{ check: unknown }>;
    const fn = (await check.get('check', { reference: true })) as ivm.Reference<(source: string, chunk: string) => string>;
    const out = await fn.apply(undefined, [file.source, file.name], { timeout: CHECK_TIMEOUT_MS, arguments: { copy: true } });
    return typeof out === 'string' && out.length > 0 ? failureFrom(out) : null;
  } catch (e) {
    return { code: 'SCRIPT_ERROR', message: `could not check ${file.name}: ${(e as Error).message}` };
  } finally {
    if (!isolate.isDisposed) isolate.dispose();
  }
}
