/**
 * What `crosstalk run` (and a host embedding scripts) needs from a language:
 * an engine that runs one script file on a bus until it ends, fails or runs
 * out of budget. Lua (fengari) and JS (isolated-vm) each provide one.
 */
import type { Bus } from '../core/types.js';

export interface ScriptFile {
  /** shown in errors and used as `source.component`, e.g. `pay.lua` */
  name: string;
  /** where it was read from (for messages only; scripts never see it) */
  path?: string;
  source: string;
}

export interface ScriptLimits {
  /** wall-clock budget in ms; 0 = no limit. Busy loops are stopped at it too. */
  timeoutMs: number;
  /** JS isolate heap limit in MB (Lua ignores it) */
  memoryLimitMb: number;
}

export const DEFAULT_SCRIPT_LIMITS: ScriptLimits = { timeoutMs: 30_000, memoryLimitMb: 128 };

/** A line a script printed; `stream` is stdout for print/console.log. */
export type ScriptOutput = (script: string, text: string, stream: 'stdout' | 'stderr') => void;

export interface ScriptFailure {
  code: string; // SCRIPT_ERROR, SCRIPT_TIMEOUT, SCRIPT_MEMORY, or a bus code left uncaught
  message: string;
  line?: number;
  traceback?: string;
}

export interface ScriptResult {
  script: string;
  ok: boolean;
  durationMs: number;
  error?: ScriptFailure;
}

export interface RunOptions {
  limits: ScriptLimits;
  output: ScriptOutput;
  /** aborting stops the script (SCRIPT_ERROR "stopped") */
  signal?: AbortSignal;
}

export interface ScriptEngine {
  /** file extensions this engine runs, with the dot: ['.lua'] */
  readonly extensions: readonly string[];
  readonly language: 'lua' | 'javascript';
  run(bus: Bus, file: ScriptFile, options: RunOptions): Promise<ScriptResult>;
}
