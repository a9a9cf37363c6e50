/**
 * How a JS script's end is reported: the isolate's own description of an
 * uncaught error, or what isolated-vm says when it stops an isolate
 * (timeout, memory limit, dispose), turned into a ScriptFailure.
 */
import { ERROR_CODES } from '../../core/errors.js';
import type { ScriptFailure } from '../engine.js';
import type { WireError } from './bridge.js';

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);
/** The prelude's frames say nothing to the script's author. */
const PRELUDE_FRAME = /^\s+at .*crosstalk:prelude:\d+:\d+\)?$/;

function scriptStack(stack: string): string {
  return stack
    .split('\n')
    .filter((l) => !PRELUDE_FRAME.test(l))
    .join('\n')
    .slice(0, 10_000);
}

/** The isolate's JSON description of an uncaught error (prelude `describe`). */
export function failureFromIsolate(json: string): ScriptFailure {
  let d: { code?: unknown; message?: unknown; line?: unknown; stack?: unknown };
  try {
    d = JSON.parse(json) as typeof d;
  } catch {
    return { code: 'SCRIPT_ERROR', message: 'the script failed and its error could not be read' };
  }
  const f: ScriptFailure = {
    code: typeof d.code === 'string' && KNOWN_CODES.has(d.code) ? d.code : 'SCRIPT_ERROR',
    message: typeof d.message === 'string' ? d.message.slice(0, 10_000) : 'unknown error',
  };
  if (typeof d.line === 'number' && Number.isInteger(d.line) && d.line > 0) f.line = d.line;
  if (typeof d.stack === 'string') f.traceback = scriptStack(d.stack);
  return f;
}

/** A compile error: isolated-vm puts `[file:line:col]` at the end of the message. */
export function failureFromCompile(e: unknown, script: string): ScriptFailure {
  const message = e instanceof Error ? e.message : String(e);
  const f: ScriptFailure = { code: 'SCRIPT_ERROR', message: `${e instanceof Error ? e.name : 'Error'}: ${message}` };
  const at = message.lastIndexOf(`${script}:`);
  if (at >= 0) {
    const line = Number.parseInt(message.slice(at + script.length + 1), 10);
    if (Number.isInteger(line) && line > 0) f.line = line;
  }
  return f;
}

/**
 * An error isolated-vm handed back from the run itself: the script left a
 * promise rejected with nobody to catch it (the run fails with the first one).
 */
export function failureFromRejection(e: unknown, script: string): ScriptFailure {
  const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  const f: ScriptFailure = { code: 'SCRIPT_ERROR', message: `unhandled promise rejection: ${what}` };
  const stack = e instanceof Error && typeof e.stack === 'string' ? e.stack : '';
  const at = stack.indexOf(`${script}:`);
  if (at >= 0) {
    const line = Number.parseInt(stack.slice(at + script.length + 1), 10);
    if (Number.isInteger(line) && line > 0) f.line = line;
  }
  if (stack) f.traceback = scriptStack(stack);
  return f;
}

export type StopKind = 'cpu-timeout' | 'memory' | 'disposed' | 'other';

/** What an isolated-vm rejection of the script run means. */
export function classifyRunError(e: unknown, isolateDisposed: boolean): StopKind {
  const message = e instanceof Error ? e.message : String(e);
  if (/memory limit/i.test(message)) return 'memory';
  if (/Script execution timed out/i.test(message)) return 'cpu-timeout';
  if (/disposed/i.test(message) || isolateDisposed) return 'disposed';
  return 'other';
}

export function failureOf(w: WireError): ScriptFailure {
  return { code: w.code, message: w.message };
}
