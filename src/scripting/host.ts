/**
 * Hosting scripts from an application: the one place that picks an engine
 * per file, loads each engine once (lazily: fengari and isolated-vm are only
 * loaded when a script needs them) and runs the scripts concurrently on a
 * bus. `crosstalk run` is built on it too.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { CrosstalkError } from '../core/errors.js';
import type { Bus } from '../core/types.js';
import type { ScriptServices } from './api.js';
import { DEFAULT_SCRIPT_LIMITS, type ScriptEngine, type ScriptFile, type ScriptLimits, type ScriptOutput, type ScriptResult } from './engine.js';
import { engineFor, supportedExtensions, type EngineEntry } from './engines.js';

export interface RunScriptsOptions {
  /** per-script budget; defaults: 30 s wall clock, 128 MB JS heap */
  limits?: Partial<ScriptLimits>;
  /** where print/console output goes; default: stdout/stderr prefixed with `[script]` */
  output?: ScriptOutput;
  /** capabilities beyond the bus (replay) */
  services?: ScriptServices;
  /** aborting stops every script */
  signal?: AbortSignal;
  /** called as each script ends, before all have */
  onResult?: (result: ScriptResult) => void;
}

const defaultOutput: ScriptOutput = (script, text, stream) => {
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

function entryFor(file: ScriptFile): EngineEntry {
  const entry = engineFor(file.path ?? file.name);
  if (!entry) {
    throw new CrosstalkError('INVALID_OPTION', `cannot run ${file.name}: unknown extension; crosstalk runs ${supportedExtensions().join(', ')}`, {
      option: 'scripts',
    });
  }
  return entry;
}

/**
 * Runs scripts together on `bus` until every one has ended; resolves with
 * one result per script, in the order given. A script that fails does not
 * stop the others. Throws INVALID_OPTION before starting anything when a
 * file cannot be read or has no engine.
 */
export async function runScripts(bus: Bus, scripts: readonly (string | ScriptFile)[], options: RunScriptsOptions = {}): Promise<ScriptResult[]> {
  const files = scripts.map(scriptFile);
  const entries = files.map(entryFor);
  const limits: ScriptLimits = { ...DEFAULT_SCRIPT_LIMITS, ...options.limits };
  const output = options.output ?? defaultOutput;
  // Engines load first, so scripts start in the order given whatever their language.
  const engines = new Map<EngineEntry, ScriptEngine | Error>();
  for (const entry of entries) {
    if (engines.has(entry)) continue;
    try {
      engines.set(entry, await entry.load({ services: options.services }));
    } catch (e) {
      engines.set(entry, e instanceof Error ? e : new Error(String(e)));
    }
  }
  return Promise.all(
    files.map(async (file, i): Promise<ScriptResult> => {
      const engine = engines.get(entries[i]!)!;
      let r: ScriptResult;
      try {
        if (engine instanceof Error) throw engine;
        r = await engine.run(bus, file, { limits, output, ...(options.signal ? { signal: options.signal } : {}) });
      } catch (e) {
        r = { script: file.name, ok: false, durationMs: 0, error: { code: 'SCRIPT_ERROR', message: `could not start: ${(e as Error).message}` } };
      }
      options.onResult?.(r);
      return r;
    }),
  );
}
