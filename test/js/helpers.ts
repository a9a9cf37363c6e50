/**
 * Runs JS scripts on a real bus in real isolates, collecting what they print.
 */
import { createBus, type BusImpl } from '../setup/bus.js';
import type { BusOptions } from '../../src/core/options.js';
import { DEFAULT_SCRIPT_LIMITS, type ScriptLimits, type ScriptResult } from '../../src/scripting/engine.js';
import { engine } from '../setup/scripts.js';

export interface Line {
  script: string;
  text: string;
  stream: 'stdout' | 'stderr';
}

export interface Run {
  bus: BusImpl;
  lines: Line[];
  /** stdout lines of one script */
  out(script?: string): string[];
}

export { engine };

export function newRun(options?: BusOptions): Run {
  const bus = createBus(options);
  const lines: Line[] = [];
  return {
    bus,
    lines,
    out: (script) => lines.filter((l) => l.stream === 'stdout' && (script === undefined || l.script === script)).map((l) => l.text),
  };
}

export function runJs(
  run: Run,
  source: string,
  opts: { name?: string; limits?: Partial<ScriptLimits>; signal?: AbortSignal } = {},
): Promise<ScriptResult> {
  const name = opts.name ?? 'test.js';
  return engine.run(
    run.bus,
    { name, source },
    {
      limits: { ...DEFAULT_SCRIPT_LIMITS, ...opts.limits },
      output: (script, text, stream) => run.lines.push({ script, text, stream }),
      ...(opts.signal ? { signal: opts.signal } : {}),
    },
  );
}

/** Runs one script and returns its result and stdout lines. */
export async function runOne(source: string, opts: Parameters<typeof runJs>[2] & { bus?: BusOptions } = {}) {
  const run = newRun(opts.bus);
  const result = await runJs(run, source, opts);
  await run.bus.close();
  return { result, out: run.out(), lines: run.lines };
}

/** Resolves once `n` events matching `pattern` have been published (a host subscription sees them). */
export function js(strings: TemplateStringsArray, ...values: unknown[]): string {
  return String.raw({ raw: strings }, ...values);
}

/** Fails the test with the script's own error when it did not succeed. */
export function expectOk(r: ScriptResult): void {
  if (!r.ok) throw new Error(`${r.script} failed: ${r.error?.code}: ${r.error?.message} (line ${r.error?.line ?? '?'})\n${r.error?.traceback ?? ''}`);
}
