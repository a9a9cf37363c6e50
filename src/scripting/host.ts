/**
 * Hosting scripts from an application: picks the language per file and runs
 * the scripts concurrently on a bus, each in its own isolate. `crosstalk
 * run` is built on it too.
 */
import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { PermissionCheck, type ScriptPermissions } from '../core/permissions.js';
import { CrosstalkError, describeValue } from '../core/errors.js';
import type { Bus } from '../core/types.js';
import type { ScriptServices } from './api.js';
import { DEFAULT_SCRIPT_LIMITS, type ScriptFile, type ScriptLanguage, type ScriptLimits, type ScriptOutput, type ScriptResult } from './engine.js';
import { languageFor, runScript, supportedExtensions } from './engines.js';
import { StartGate } from './isolate/start-gate.js';

export interface RunScriptsOptions {
  /**
   * Per-script limits; defaults: 10 s of CPU without waiting, no deadline,
   * 128 MB of heap. `timeoutMs` is accepted as another name of `cpuLimitMs`.
   */
  limits?: Partial<ScriptLimits> & { timeoutMs?: number };
  /** where print/console output goes; default: stdout/stderr prefixed with `[script]` */
  output?: ScriptOutput;
  /** capabilities beyond the bus (replay) */
  services?: ScriptServices;
  /** aborting stops every script */
  signal?: AbortSignal;
  /** called as each script ends, before all have */
  onResult?: (result: ScriptResult) => void;
  /**
   * Start barrier (default true, for two scripts or more): what the scripts
   * publish before their first wait is delivered once every one of them has
   * reached its first wait (or ended), so no publish races another script's
   * subscriptions.
   */
  barrier?: boolean;
  /** command-line arguments every script gets: Lua `arg` and `...`, JS `args` (strings) */
  args?: readonly string[];
  /**
   * What each script may publish and subscribe to (docs/scripts.md "Script
   * permissions"), by script name; `"*"` is for every script without an
   * entry of its own. Without an entry, a script may do anything but
   * publish the host's `crosstalk.*` types.
   */
  permissions?: Readonly<Record<string, ScriptPermissions>>;
}

export const defaultOutput: ScriptOutput = (script, text, stream) => {
  const out = stream === 'stdout' ? process.stdout : process.stderr;
  out.write(`${text.split('\n').map((l) => `[${script}] ${l}`).join('\n')}\n`);
};

/** A script given as a path is read from disk and named by its file name. */
export function scriptFile(script: string | ScriptFile): ScriptFile {
  if (typeof script !== 'string') return script;
  try {
    return { name: basename(script), path: script, source: readFileSync(script, 'utf8') };
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw new CrosstalkError('INVALID_OPTION', `cannot read ${script}: ${why}`, { option: 'scripts' });
  }
}

export function languageOf(file: ScriptFile): ScriptLanguage {
  const language = languageFor(file.path ?? file.name);
  if (language === undefined) {
    throw new CrosstalkError('INVALID_OPTION', `cannot run ${file.name}: unknown extension; crosstalk runs ${supportedExtensions().join(', ')}`, {
      option: 'scripts',
    });
  }
  return language;
}

/** Limits with defaults filled in; INVALID_OPTION naming the limit for a bad value. */
export function resolveLimits(given: RunScriptsOptions['limits'] = {}): ScriptLimits {
  const { timeoutMs, ...rest } = given;
  const limits: ScriptLimits = { ...DEFAULT_SCRIPT_LIMITS, ...(timeoutMs === undefined ? {} : { cpuLimitMs: timeoutMs }), ...rest };
  for (const [k, v] of Object.entries(limits)) {
    if (typeof v !== 'number' || Number.isNaN(v) || v < 0) {
      throw new CrosstalkError('INVALID_OPTION', `Expected limits.${k} to be a number >= 0, got ${describeValue(v)}`, { option: `limits.${k}` });
    }
  }
  return limits;
}

/**
 * Each file's permissions, in order; INVALID_OPTION for a malformed rule, or
 * an entry naming no script of the run (a misspelt name would leave that
 * script unrestricted).
 */
export function permissionsFor(given: unknown, files: readonly ScriptFile[]): (ScriptPermissions | undefined)[] {
  if (given === undefined) return files.map(() => undefined);
  if (given === null || typeof given !== 'object' || Array.isArray(given)) {
    throw new CrosstalkError('INVALID_OPTION', `Expected permissions to be an object of script names, got ${describeValue(given)}`, { option: 'permissions' });
  }
  const table = given as Record<string, unknown>;
  const names = new Set(files.map((f) => f.name));
  for (const [name, rules] of Object.entries(table)) {
    if (name !== '*' && !names.has(name)) {
      throw new CrosstalkError('INVALID_OPTION', `permissions name ${describeValue(name)}, which is not a script of this run (${[...names].join(', ')}); use "*" for every script`, {
        option: 'permissions',
      });
    }
    new PermissionCheck(name, rules, `permissions[${JSON.stringify(name)}]`); // throws for a malformed rule
  }
  return files.map((f) => (Object.hasOwn(table, f.name) ? table[f.name] : table['*']) as ScriptPermissions | undefined);
}

/** Arguments must be strings (as a command line gives them); INVALID_OPTION otherwise. */
export function checkArgs(args: unknown): string[] {
  if (args === undefined) return [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) {
    throw new CrosstalkError('INVALID_OPTION', `Expected args to be a list of strings, got ${describeValue(args)}`, { option: 'args' });
  }
  return [...(args as string[])];
}

/**
 * Runs scripts together on `bus` until every one has ended; resolves with
 * one result per script, in the order given. A script that fails does not
 * stop the others. Throws INVALID_OPTION before starting anything when a
 * file cannot be read, has no language, or a limit is bad.
 */
export async function runScripts(bus: Bus, scripts: readonly (string | ScriptFile)[], options: RunScriptsOptions = {}): Promise<ScriptResult[]> {
  const files = scripts.map(scriptFile);
  const languages = files.map(languageOf);
  const limits = resolveLimits(options.limits);
  const args = checkArgs(options.args);
  const permissions = permissionsFor(options.permissions, files);
  const output = options.output ?? defaultOutput;
  // one script has nobody to wait for
  const gate = options.barrier === false || files.length < 2 ? null : new StartGate();
  // one listener on the caller's signal, however many scripts it stops
  const stop = new AbortController();
  setMaxListeners(files.length + 10, stop.signal);
  const outer = options.signal;
  const relay = () => stop.abort();
  if (outer?.aborted) stop.abort();
  else outer?.addEventListener('abort', relay, { once: true });
  const results = await Promise.all(
    files.map(async (file, i): Promise<ScriptResult> => {
      let r: ScriptResult;
      try {
        r = await runScript(bus, file, languages[i]!, { limits, output, signal: stop.signal, args, permissions: permissions[i] }, options.services, gate);
      } catch (e) {
        r = { script: file.name, ok: false, durationMs: 0, cpuMs: 0, error: { code: 'SCRIPT_ERROR', message: `could not start: ${(e as Error).message}` } };
      }
      options.onResult?.(r);
      return r;
    }),
  );
  outer?.removeEventListener('abort', relay);
  return results;
}
