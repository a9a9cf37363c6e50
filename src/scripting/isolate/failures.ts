/**
 * How a script's failure crosses from its isolate (JSON of a GuestFailure,
 * or a compile error) into a ScriptFailure, and how a JS script's source is
 * wrapped so that top-level `await` and `return` work.
 */
import { ERROR_CODES } from '../../core/errors.js';
import type { ScriptFailure } from '../engine.js';
import type { GuestFailure } from '../guest/protocol.js';

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);
/** What a script's own error code may look like. */
const SCRIPT_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** A JS script's body as an async function; the prefix shares line 1, so line numbers stay true. */
export function wrapJs(source: string): string {
  const body = source.startsWith('#!') ? `//${source.slice(2)}` : source;
  return `(async function () {${body}\n})`;
}

/** Runtime frames say nothing to the script's author. */
const RUNTIME_FRAME = /^\s+at .*crosstalk:[a-z]+-runtime:\d+:\d+\)?$/;

export function failureFrom(json: string): ScriptFailure {
  let d: Partial<Record<keyof GuestFailure, unknown>>;
  try {
    d = JSON.parse(json) as typeof d;
  } catch {
    return { code: 'SCRIPT_ERROR', message: 'the script failed and its error could not be read' };
  }
  const f: ScriptFailure = {
    // a code of the bus, or one a script raised itself (`error({code = "MY_CODE"})`)
    code: typeof d.code === 'string' && (KNOWN_CODES.has(d.code) || SCRIPT_CODE.test(d.code)) ? d.code : 'SCRIPT_ERROR',
    message: typeof d.message === 'string' ? d.message.slice(0, 10_000) : 'unknown error',
  };
  if (typeof d.line === 'number' && Number.isInteger(d.line) && d.line > 0) f.line = d.line;
  if (typeof d.traceback === 'string' && d.traceback.length > 0) {
    f.traceback = d.traceback
      .split('\n')
      .filter((l) => !RUNTIME_FRAME.test(l))
      .join('\n')
      .slice(0, 10_000);
  }
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
