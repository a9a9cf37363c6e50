/**
 * Which language runs which file, by extension. Every script, Lua or JS,
 * runs in its own isolate (isolate/run.ts); isolated-vm is loaded with the
 * first script, so a host application that runs none never loads it.
 */
import { extname } from 'node:path';
import type { Bus } from '../core/types.js';
import type { ScriptServices } from './api.js';
import type { RunOptions, ScriptFailure, ScriptFile, ScriptLanguage, ScriptResult } from './engine.js';
import type { StartGate } from './isolate/start-gate.js';

export const EXTENSIONS: Readonly<Record<string, ScriptLanguage>> = Object.freeze({ '.lua': 'lua', '.js': 'javascript' });

/** The language of a file name, or undefined when crosstalk runs no such file. */
export function languageFor(file: string): ScriptLanguage | undefined {
  const ext = extname(file).toLowerCase();
  return Object.hasOwn(EXTENSIONS, ext) ? EXTENSIONS[ext] : undefined;
}

export function supportedExtensions(): string[] {
  return Object.keys(EXTENSIONS);
}

/** Runs one script in its own isolate until it ends; never throws (a failure is in the result). */
export async function runScript(
  bus: Bus,
  file: ScriptFile,
  language: ScriptLanguage,
  options: RunOptions,
  services: ScriptServices = {},
  gate: StartGate | null = null,
): Promise<ScriptResult> {
  const { ScriptRun } = await import('./isolate/run.js');
  return new ScriptRun(bus, file, language, options, services, gate).run();
}

/** Null when the script loads (compiles), else why not; nothing of it runs (isolate/check.ts). */
export async function checkScript(file: ScriptFile, language: ScriptLanguage): Promise<ScriptFailure | null> {
  const { checkScript: check } = await import('./isolate/check.js');
  return check(file, language);
}
