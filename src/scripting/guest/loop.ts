/**
 * A script's event loop, the same for Lua and JS: its timers (JS
 * setTimeout/setInterval) and its handler subscriptions (`subscribe(p, fn)`).
 * The script stays alive while it has some, as a Node program does.
 *
 * The host decides when a task runs (guest/protocol.ts Task): never while
 * the script is inside a call, so callbacks never interleave with the
 * script's own code. A JS script gets tasks pushed whenever it is idle
 * (awaiting, or its body has ended); a Lua script, whose body cannot pause,
 * takes them once its chunk has ended.
 */
import { CrosstalkError, describeValue } from '../../core/errors.js';
import type { UniversalEvent } from '../../core/event.js';
import { decodeEvents } from './codec.js';
import { isFiniteNum, jsonParse, jsonStringify, MapCtor, mapDelete, mapGet, mapSet, mapSize, StringCtor } from './intrinsics.js';
import { CALL_SETTLE, CALL_TIMER, TASK_PENDING, type Task } from './protocol.js';
import type { Runtime } from './runtime.js';

/** A callback of the script, as the loop calls it (the adapter wraps the script's function). */
export type Callback = (...args: unknown[]) => unknown;

/** Longest timer delay: what the host's timers can wait. */
const MAX_DELAY_MS = 2 ** 31 - 1;

interface Timer {
  fn: Callback;
  args: unknown[];
  repeat: boolean;
}

function isThenable(v: unknown): v is { then(ok: () => void, fail: (e: unknown) => void): unknown } {
  return v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function';
}

export class Loop {
  private readonly timers: Map<number, Timer> = new MapCtor();
  private readonly handlers: Map<string, Callback> = new MapCtor();
  private nextTimer = 1;
  /** a timer callback's uncaught error: it ends the script, as in Node */
  failure: unknown = null;
  private onIdle: (() => void) | null = null;

  constructor(private readonly runtime: Runtime) {}

  /** Timers and handler subscriptions that keep the script alive. */
  get pending(): number {
    return mapSize(this.timers) + mapSize(this.handlers);
  }

  /** Resolves when nothing keeps the script alive any more, or a timer failed. */
  idle(): Promise<void> {
    if (this.pending === 0 || this.failure !== null) return Promise.resolve();
    return new Promise((resolve) => (this.onIdle = resolve));
  }

  private checkIdle(): void {
    if ((this.pending === 0 || this.failure !== null) && this.onIdle !== null) {
      const f = this.onIdle;
      this.onIdle = null;
      f();
    }
  }

  setTimer(fn: unknown, ms: unknown, repeat: boolean, args: unknown[]): number {
    this.runtime.checkAlive();
    if (typeof fn !== 'function') {
      throw new CrosstalkError('INVALID_OPTION', `${repeat ? 'setInterval' : 'setTimeout'} needs a function, got ${describeValue(fn)}`, { option: 'callback' });
    }
    let delay = ms === undefined ? 0 : +(ms as number);
    if (!isFiniteNum(delay) || delay < 0) delay = 0; // as browsers and Node do
    if (delay > MAX_DELAY_MS) {
      throw new CrosstalkError('INVALID_OPTION', `a timer cannot wait longer than ${MAX_DELAY_MS} ms, got ${describeValue(ms)}`, { option: 'delay' });
    }
    if (repeat && delay < 1) delay = 1;
    const id = this.nextTimer++;
    mapSet(this.timers, id, { fn: fn as Callback, args, repeat });
    this.runtime.callHost(CALL_TIMER, [id, delay, repeat]);
    return id;
  }

  clearTimer(id: unknown): void {
    if (typeof id !== 'number' || !mapDelete(this.timers, id)) return;
    this.runtime.callHost(CALL_TIMER, [id, -1, false]);
    this.checkIdle();
  }

  addHandler(subscription: string, fn: Callback): void {
    mapSet(this.handlers, subscription, fn);
  }

  removeHandler(subscription: string): void {
    mapDelete(this.handlers, subscription);
    this.checkIdle();
  }

  /** A handler's error as its task's answer. */
  private outcome(e: unknown): string {
    const code = e instanceof CrosstalkError ? e.code : 'SCRIPT_ERROR';
    const message = e instanceof Error ? StringCtor(e.message) : describeValue(e);
    return jsonStringify({ code, message });
  }

  private settle(seq: number, outcome: string): void {
    if (this.runtime.dead !== null) return;
    this.runtime.callHost(CALL_SETTLE, [seq, outcome]);
  }

  /** Runs one task; answers '' or, for a handler that threw, JSON of its error. */
  run(taskJson: string): string {
    const task = jsonParse(taskJson) as Task;
    this.runtime.taskBegun();
    switch (task[0]) {
      case 't': {
        const t = mapGet(this.timers, task[1]);
        if (t === undefined) return ''; // cleared meanwhile
        if (!t.repeat) mapDelete(this.timers, task[1]);
        try {
          t.fn(...t.args);
          // what it batched goes out now, not at the script's next call (which may never come)
          this.runtime.handOver();
        } catch (e) {
          if (this.runtime.dead === null) this.failure ??= e;
        }
        this.checkIdle();
        return '';
      }
      case 'h': {
        const fn = mapGet(this.handlers, task[1]);
        if (fn === undefined) return jsonStringify({ code: 'UNKNOWN_SUBSCRIPTION', message: 'the handler is gone' });
        const event = decodeEvents(task[2])[0] as UniversalEvent;
        try {
          const r = fn(event, { attempt: task[3] });
          // what it batched goes out now, under this event as its cause, before the next task
          this.runtime.handOver();
          if (isThenable(r)) {
            // an async handler: its event settles when the promise does, while other tasks run
            const seq = task[4];
            r.then(
              () => this.settle(seq, ''),
              (e: unknown) => this.settle(seq, this.outcome(e)),
            );
            return TASK_PENDING;
          }
          return '';
        } catch (e) {
          if (this.runtime.dead !== null) throw e;
          return this.outcome(e);
        }
      }
      case 'c':
        this.removeHandler(task[1]);
        return '';
      default:
        return '';
    }
  }
}
