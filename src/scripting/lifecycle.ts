/**
 * Script lifecycle events (docs/scripts.md "Script lifecycle events"): the host
 * announces each script as it starts and as it ends —
 * `crosstalk.script.started`, `crosstalk.script.stopped` (it ended, or the
 * host stopped it) and `crosstalk.script.failed` (an error or a limit).
 *
 * A module that loads late learns who is already there: a new
 * subscription whose patterns match `crosstalk.script.started` first gets
 * the `started` event of every script still running, then live ones.
 */
import type { JsonObject, UniversalEvent } from '../core/event.js';
import type { BusPort } from '../core/port.js';
import type { ScriptLanguage, ScriptResult } from './engine.js';

export const SCRIPT_STARTED = 'crosstalk.script.started';
export const SCRIPT_STOPPED = 'crosstalk.script.stopped';
export const SCRIPT_FAILED = 'crosstalk.script.failed';

/** The `started` events of a bus's running scripts, for late joiners. */
class Running {
  readonly events = new Map<object, UniversalEvent>();

  constructor(port: BusPort) {
    port.addLateJoinerEvents((patterns) => {
      if (this.events.size === 0 || !patterns.some((p) => p.test(SCRIPT_STARTED))) return [];
      return [...this.events.values()];
    });
  }
}

const running = new WeakMap<object, Running>();

function runningOf(port: BusPort): Running {
  let r = running.get(port.bus);
  if (r === undefined) running.set(port.bus, (r = new Running(port)));
  return r;
}

export interface ScriptIdentity {
  script: string;
  language: ScriptLanguage;
  instance_id: string;
}

/** What ended the script, as its lifecycle event says it. */
export interface ScriptEnd {
  result: ScriptResult;
  /** true when the host stopped it (its run was aborted), not a limit or an error */
  stoppedByHost: boolean;
  heapBytes: number;
  eventsIn: number;
  eventsOut: number;
}

/** Announces one script's start and end on its bus. */
export class Lifecycle {
  private readonly key = {};
  private started = false;

  constructor(
    private readonly port: BusPort,
    private readonly who: ScriptIdentity,
  ) {}

  /** The script began to run. */
  start(): void {
    this.started = true;
    const r = runningOf(this.port);
    this.port.announce(SCRIPT_STARTED, { ...this.who }, (e) => r.events.set(this.key, e));
  }

  /** The script ended (however): `stopped` or `failed`. Nothing is said for a script that never started. */
  end(end: ScriptEnd): void {
    runningOf(this.port).events.delete(this.key);
    if (!this.started) return;
    const { result } = end;
    const data: JsonObject = {
      ...this.who,
      duration_ms: Math.round(result.durationMs),
      cpu_ms: Math.round(result.cpuMs * 100) / 100,
      heap_bytes: end.heapBytes,
      events_in: end.eventsIn,
      events_out: end.eventsOut,
    };
    if (result.ok) {
      this.port.announce(SCRIPT_STOPPED, { ...data, reason: 'ended' });
    } else if (end.stoppedByHost) {
      this.port.announce(SCRIPT_STOPPED, { ...data, reason: 'stopped' });
    } else {
      const err = result.error!;
      const failure: JsonObject = { ...data, code: err.code, reason: err.message.length > 2000 ? `${err.message.slice(0, 2000)}...` : err.message };
      if (err.line !== undefined) failure.line = err.line;
      this.port.announce(SCRIPT_FAILED, failure);
    }
  }
}
