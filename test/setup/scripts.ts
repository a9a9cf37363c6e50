/**
 * Runs scripts of either language through the real boundary (each in its
 * own isolate), as `crosstalk run` and `runScripts` do.
 */
import type { Bus } from '../../src/core/types.js';
import type { ScriptServices } from '../../src/scripting/api.js';
import { DEFAULT_SCRIPT_LIMITS, type RunOptions, type ScriptFile, type ScriptLimits, type ScriptResult } from '../../src/scripting/engine.js';
import { languageFor, runScript } from '../../src/scripting/engines.js';

export interface EngineRunOptions extends Omit<RunOptions, 'limits'> {
  limits?: Partial<ScriptLimits>;
}

/** `engine.run(bus, {name, source}, {limits, output, signal})`: the language comes from the name. */
export const engine = {
  run(bus: Bus, file: ScriptFile, options: EngineRunOptions, services: ScriptServices = {}): Promise<ScriptResult> {
    const language = languageFor(file.name);
    if (language === undefined) throw new Error(`no language for ${file.name}`);
    return runScript(bus, file, language, { ...options, limits: { ...DEFAULT_SCRIPT_LIMITS, ...options.limits } }, services);
  },
};
