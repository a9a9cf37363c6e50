/**
 * What `crosstalk run` (and a host embedding scripts) needs from the script
 * engine: run one script file on a bus until it ends, fails or runs out of
 * budget. Lua and JS scripts run the same way, each in its own isolate.
 */
import type { JsonValue } from '../core/event.js';
import type { ScriptPermissions } from '../core/permissions.js';
import type { Bus } from '../core/types.js';

export type ScriptLanguage = 'lua' | 'javascript';

export interface ScriptFile {
  /** shown in errors and used as `source.component`, e.g. `pay.lua` */
  name: string;
  /** where it was read from (for messages only; scripts never see it) */
  path?: string;
  source: string;
}

export interface ScriptLimits {
  /**
   * CPU time (ms) a script may run without waiting: every call that may wait
   * (receive, receive_batch, a held publish, query, replay) starts a fresh
   * allowance, so a listener idle for hours is fine while a loop that never
   * waits is stopped with SCRIPT_TIMEOUT. 0 = no limit.
   */
  cpuLimitMs: number;
  /** wall-clock life of the script in ms (SCRIPT_TIMEOUT when it is up); 0 = none */
  deadlineMs: number;
  /** heap of the script's isolate in MB (SCRIPT_MEMORY when it is exceeded) */
  memoryLimitMb: number;
}

export const DEFAULT_SCRIPT_LIMITS: ScriptLimits = Object.freeze({ cpuLimitMs: 10_000, deadlineMs: 0, memoryLimitMb: 128 });

/** isolated-vm refuses isolates with a smaller heap. */
export const MIN_MEMORY_LIMIT_MB = 8;

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
  /** CPU time the script's isolate used, in ms */
  cpuMs: number;
  error?: ScriptFailure;
  /** what a script that succeeded returned (Lua: its chunk's first return value; JS: its top-level `return`) */
  value?: JsonValue;
}

export interface RunOptions {
  limits: ScriptLimits;
  output: ScriptOutput;
  /** aborting stops the script (SCRIPT_ERROR "stopped") */
  signal?: AbortSignal;
  /**
   * aborting stops the script once it has finished what it is doing: at its
   * next call that may wait (or at once when it waits), at most 2 s later
   */
  drain?: AbortSignal;
  /** command-line arguments: Lua `arg` and `...`, JS `args` */
  args?: readonly string[];
  /** what the script may publish and subscribe to (docs/scripts.md "Script permissions"); checked before it starts */
  permissions?: ScriptPermissions;
}

export interface ScriptEngine {
  run(bus: Bus, file: ScriptFile, options: RunOptions): Promise<ScriptResult>;
}
