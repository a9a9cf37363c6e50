/**
 * Which engine runs which file: one entry per language, chosen by file
 * extension. Engines load lazily, so `crosstalk run pay.lua` never loads
 * isolated-vm and `run audit.js` never loads fengari.
 */
import { extname } from 'node:path';
import type { ScriptServices } from './api.js';
import type { ScriptEngine } from './engine.js';

export interface EngineOptions {
  /** capabilities from outside core (replay) for the scripts' contexts */
  services?: ScriptServices;
}

export interface EngineEntry {
  readonly language: 'lua' | 'javascript';
  /** with the dot, lower case: ['.lua'] */
  readonly extensions: readonly string[];
  load(options: EngineOptions): Promise<ScriptEngine>;
}

export const ENGINES: readonly EngineEntry[] = [
  {
    language: 'lua',
    extensions: ['.lua'],
    load: async (options) => new (await import('./lua/engine.js')).LuaEngine(options),
  },
  {
    language: 'javascript',
    extensions: ['.js'],
    load: async (options) => new (await import('./js/engine.js')).JsEngine(options),
  },
];

/** The entry for a file name, or undefined when no engine runs its extension. */
export function engineFor(file: string): EngineEntry | undefined {
  const ext = extname(file).toLowerCase();
  return ENGINES.find((e) => e.extensions.includes(ext));
}

export function supportedExtensions(): string[] {
  return ENGINES.flatMap((e) => e.extensions);
}
