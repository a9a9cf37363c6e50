/**
 * Scripts that can be replaced one at a time while the others keep running
 * (`crosstalk run --watch`, docs/scripts.md "Durable subscriptions and `--watch`"). Each script runs in
 * its own isolate as with runScripts, started together behind one start
 * barrier; `replace` checks that the new version loads before it stops the
 * old one, so a broken edit never takes a working script down.
 */
import { setMaxListeners } from 'node:events';
import type { Bus } from '../core/types.js';
import type { ScriptFailure, ScriptFile, ScriptLanguage, ScriptLimits, ScriptOutput, ScriptResult } from './engine.js';
import { checkScript, runScript } from './engines.js';
import { checkArgs, defaultOutput, languageOf, permissionsFor, resolveLimits, type RunScriptsOptions } from './host.js';
import type { ScriptPermissions } from '../core/permissions.js';
import { StartGate } from './isolate/start-gate.js';

interface Slot {
  file: ScriptFile;
  permissions: ScriptPermissions | undefined;
  language: ScriptLanguage;
  /** stops this version only */
  stop: AbortController;
  /** stops this version once it has finished what it is doing (a replacement) */
  finish: AbortController;
  /** settles when this version has ended */
  running: Promise<ScriptResult>;
  last: ScriptResult | null;
  /** replacements of this script, one at a time */
  queue: Promise<unknown>;
  /** the running version is being replaced: its end is not a result */
  replacing: boolean;
}

export type ReplaceOutcome = { replaced: true } | { replaced: false; failure: ScriptFailure } | { replaced: false; unchanged: true };

export class ScriptSupervisor {
  private readonly slots: Slot[];
  private readonly limits: ScriptLimits;
  private readonly output: ScriptOutput;
  private readonly args: string[];
  private stopped = false;

  /** Starts every script (INVALID_OPTION, before starting any, for a bad file, language or limit). */
  constructor(
    private readonly bus: Bus,
    files: readonly ScriptFile[],
    private readonly options: RunScriptsOptions = {},
  ) {
    const languages = files.map(languageOf);
    this.limits = resolveLimits(options.limits);
    this.args = checkArgs(options.args);
    this.output = options.output ?? defaultOutput;
    const permissions = permissionsFor(options.permissions, files);
    const gate = options.barrier === false || files.length < 2 ? null : new StartGate();
    this.slots = files.map((file, i) => this.start({ file, permissions: permissions[i], language: languages[i]!, stop: new AbortController(), finish: new AbortController(), running: Promise.resolve(null!), last: null, queue: Promise.resolve(), replacing: false }, gate));
    options.signal?.addEventListener('abort', () => void this.stopAll(), { once: true });
  }

  /** The file each slot runs now. */
  get files(): ScriptFile[] {
    return this.slots.map((s) => s.file);
  }

  private start(slot: Slot, gate: StartGate | null): Slot {
    slot.stop = new AbortController();
    slot.finish = new AbortController();
    setMaxListeners(20, slot.stop.signal);
    const signal = slot.stop.signal;
    const drain = slot.finish.signal;
    slot.running = runScript(this.bus, slot.file, slot.language, { limits: this.limits, output: this.output, signal, drain, args: this.args, permissions: slot.permissions }, this.options.services, gate).catch(
      (e: unknown): ScriptResult => ({
        script: slot.file.name,
        ok: false,
        durationMs: 0,
        cpuMs: 0,
        error: { code: 'SCRIPT_ERROR', message: `could not start: ${(e as Error).message}` },
      }),
    );
    void slot.running.then((r) => {
      slot.last = r;
      if (!slot.replacing) this.options.onResult?.(r);
    });
    return slot;
  }

  /**
   * Replaces script `index` with `file` (same name): when it loads, the
   * running version is stopped and the new one started on its own; when it
   * does not, the running version goes on and the failure is returned.
   */
  replace(index: number, file: ScriptFile): Promise<ReplaceOutcome> {
    const slot = this.slots[index];
    if (slot === undefined) throw new RangeError(`no script ${index}`);
    const next = slot.queue.then(async (): Promise<ReplaceOutcome> => {
      if (this.stopped) return { replaced: false, unchanged: true };
      if (file.source === slot.file.source) return { replaced: false, unchanged: true };
      const failure = await checkScript(file, slot.language);
      if (failure !== null) return { replaced: false, failure };
      if (this.stopped) return { replaced: false, unchanged: true };
      slot.replacing = true;
      // the old version finishes the event it is handling: a durable subscription then hands the next one to the new version
      slot.finish.abort();
      await slot.running;
      slot.replacing = false;
      slot.file = file;
      this.start(slot, null);
      return { replaced: true };
    });
    slot.queue = next.catch(() => undefined);
    return next;
  }

  /** Stops every script; resolves with each one's last result, in the order given. */
  async stopAll(): Promise<ScriptResult[]> {
    this.stopped = true;
    await Promise.all(this.slots.map((s) => s.queue));
    for (const s of this.slots) s.stop.abort();
    return Promise.all(this.slots.map((s) => s.running));
  }
}
