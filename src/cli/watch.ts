/**
 * `crosstalk run --watch` (docs/scripts.md "Durable subscriptions and `--watch`"): the scripts run as
 * without it; when a script's file changes, only that script is restarted.
 * A new version that does not load leaves the old one running, and the run
 * says why. The run goes on, waiting for changes, until it is interrupted.
 */
import { watch as watchDir, readFileSync, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Bus } from '../core/types.js';
import type { ScriptFile, ScriptResult } from '../scripting/engine.js';
import type { RunScriptsOptions } from '../scripting/host.js';
import { ScriptSupervisor } from '../scripting/supervisor.js';

/** Editors write a file in several steps: changes this close together are one. */
const SETTLE_MS = 100;

export interface WatchEvents {
  /** a script was restarted with its new version */
  restarted(script: string): void;
  /** a changed script did not load (or could not be read): the old version keeps running */
  refused(script: string, why: string): void;
}

/** Runs `files` until `signal` aborts, restarting each one whose file changes; resolves with the last results. */
export async function runWatching(bus: Bus, files: readonly ScriptFile[], options: RunScriptsOptions & { signal: AbortSignal }, events: WatchEvents): Promise<ScriptResult[]> {
  const supervisor = new ScriptSupervisor(bus, files, { ...options, signal: undefined });
  const watchers: FSWatcher[] = [];
  const timers = new Map<number, NodeJS.Timeout>();
  const changed = (index: number) => {
    clearTimeout(timers.get(index));
    timers.set(
      index,
      setTimeout(() => {
        timers.delete(index);
        void reload(index);
      }, SETTLE_MS),
    );
  };
  const reload = async (index: number) => {
    const current = supervisor.files[index]!;
    let source: string;
    try {
      source = readFileSync(current.path!, 'utf8');
    } catch (e) {
      events.refused(current.name, `cannot read ${current.path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
      return;
    }
    const outcome = await supervisor.replace(index, { ...current, source });
    if (outcome.replaced) events.restarted(current.name);
    else if ('failure' in outcome) {
      const f = outcome.failure;
      events.refused(current.name, `${f.line === undefined ? '' : `line ${f.line}: `}${f.code}: ${f.message}`);
    }
  };
  // a directory is watched, not the file: editors often replace the file by renaming another over it
  const byDir = new Map<string, { name: string; index: number }[]>();
  files.forEach((f, index) => {
    const path = resolve(f.path!);
    const dir = dirname(path);
    byDir.set(dir, [...(byDir.get(dir) ?? []), { name: basename(path), index }]);
  });
  for (const [dir, entries] of byDir) {
    watchers.push(
      watchDir(dir, (_kind, name) => {
        for (const e of entries) if (name === null || name === e.name) changed(e.index);
      }),
    );
  }
  await new Promise<void>((done) => {
    if (options.signal.aborted) done();
    else options.signal.addEventListener('abort', () => done(), { once: true });
  });
  for (const w of watchers) w.close();
  for (const t of timers.values()) clearTimeout(t);
  return supervisor.stopAll();
}
