/**
 * The host's half of a script's event loop (guest/loop.ts; tasks are listed
 * in guest/protocol.ts): its timers, and the events its handler
 * subscriptions get, queued as tasks and handed to the script one at a
 * time.
 *
 * A JS script gets each task pushed (`control('task', json)` through
 * isolated-vm's async apply, which runs only while the isolate is idle, never
 * inside one of its calls). A Lua script pulls them (CALL_NEXT) once its
 * chunk has ended. A handler's event settles when the script answers its
 * task, so the bus's retries and circuit breaker (core/handler.ts) see what
 * the script's function did.
 */
import type { UniversalEvent } from '../../core/event.js';
import type { EventHandler } from '../../core/types.js';
import { TASK_PENDING } from '../guest/protocol.js';
import { encodeEvents } from './codec.js';

interface Queued {
  json: string;
  /** a handler task: settled with the script's answer ('' or JSON of its error) */
  settle?: (outcome: string) => void;
  seq?: number;
  /** a handler task's event: what the handler publishes records it as its cause */
  event?: UniversalEvent;
}

/** What a handler's failed task rejects with: the script's own error, code and message. */
export class HandlerFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class Tasks {
  private readonly queue: Queued[] = [];
  private readonly timers = new Map<number, NodeJS.Timeout>();
  /** the task the script is running now (pushed, or pulled and not yet answered) */
  private current: Queued | null = null;
  /** a Lua script waiting for its next task */
  private puller: ((json: string) => void) | null = null;
  private closed = false;
  private nextSeq = 1;
  /** handler tasks whose handler returned a promise: settled by CALL_SETTLE */
  private readonly unsettled = new Map<number, (outcome: string) => void>();
  /** what the script's first timer firing tells (a JS body that awaits a timer has waited) */
  onTimer: (() => void) | null = null;
  /** the masking rules for events delivered to this script (docs/persistence.md "Masking"), or null */
  mask: ((e: UniversalEvent) => UniversalEvent) | null = null;
  /** a task is handed to the script: the event it handles, or null for a timer */
  onDispatch: ((event: UniversalEvent | null) => void) | null = null;

  /**
   * `push`: hands a task to a JS isolate and resolves with its answer; null
   * for a Lua script, which pulls.
   */
  constructor(private readonly push: ((json: string) => Promise<string>) | null) {}

  /** No task is running or waiting to run. */
  get idle(): boolean {
    return this.current === null && this.queue.length === 0;
  }

  /** CALL_TIMER: starts (or, with ms < 0, clears) the script's timer `id`. */
  timer(id: number, ms: number, repeat: boolean): void {
    const old = this.timers.get(id);
    if (old !== undefined) {
      clearTimeout(old);
      clearInterval(old);
      this.timers.delete(id);
    }
    if (ms < 0 || this.closed) return;
    const fire = () => {
      if (!repeat) this.timers.delete(id);
      this.onTimer?.();
      this.add({ json: `["t",${id}]` });
    };
    this.timers.set(id, repeat ? setInterval(fire, ms) : setTimeout(fire, ms));
  }

  /** The bus's handler for the script's handler subscription whose id `subscription()` gives. */
  handlerFor(subscription: () => string): EventHandler {
    return (event: UniversalEvent, info: { attempt: number }) =>
      new Promise<void>((resolve, reject) => {
        if (this.closed) {
          reject(new HandlerFailure('SCRIPT_ERROR', 'the script has ended'));
          return;
        }
        const seq = this.nextSeq++;
        const json = JSON.stringify(['h', subscription(), encodeEvents([this.mask === null ? event : this.mask(event)]), info.attempt, seq]);
        this.add({
          json,
          seq,
          event,
          settle: (outcome) => {
            if (outcome === '') return resolve();
            let e: { code?: unknown; message?: unknown } = {};
            try {
              e = JSON.parse(outcome) as typeof e;
            } catch {
              // an answer that is not JSON is still a failure
            }
            reject(new HandlerFailure(typeof e.code === 'string' ? e.code : 'SCRIPT_ERROR', typeof e.message === 'string' ? e.message : outcome));
          },
        });
      });
  }

  /** The script's handler subscription was closed (by the script, the host or the bus). */
  subscriptionClosed(subscription: string): void {
    this.add({ json: JSON.stringify(['c', subscription]) });
  }

  private add(task: Queued): void {
    if (this.closed) {
      task.settle?.(JSON.stringify({ code: 'SCRIPT_ERROR', message: 'the script has ended' }));
      return;
    }
    this.queue.push(task);
    this.pump();
  }

  private pump(): void {
    if (this.current !== null || this.queue.length === 0) return;
    if (this.push === null) {
      if (this.puller === null) return;
      const take = this.puller;
      this.puller = null;
      this.current = this.queue.shift()!;
      this.onDispatch?.(this.current.event ?? null);
      take(this.current.json);
      return;
    }
    const task = (this.current = this.queue.shift()!);
    this.onDispatch?.(task.event ?? null);
    this.push(task.json).then(
      (outcome) => this.answered(task, typeof outcome === 'string' ? outcome : ''),
      (e: unknown) => this.answered(task, JSON.stringify({ code: 'SCRIPT_ERROR', message: e instanceof Error ? e.message : String(e) })),
    );
  }

  private answered(task: Queued, outcome: string): void {
    if (this.current === task) this.current = null;
    if (outcome === TASK_PENDING && task.settle !== undefined && task.seq !== undefined) {
      this.unsettled.set(task.seq, task.settle);
    } else {
      task.settle?.(outcome);
    }
    this.pump();
  }

  /** CALL_SETTLE (JS): an async handler's promise settled. */
  settle(seq: number, outcome: string): void {
    const settle = this.unsettled.get(seq);
    if (settle === undefined) return;
    this.unsettled.delete(seq);
    settle(outcome);
  }

  /** CALL_NEXT (Lua): answers the task before with `outcome`, then resolves with the next one. */
  next(outcome: string): Promise<string> {
    const done = this.current;
    if (done !== null) this.answered(done, outcome);
    return new Promise<string>((resolve) => {
      this.puller = resolve;
      this.pump();
    });
  }

  /** The script ended: its timers stop, and what waits for it fails. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers.values()) {
      clearTimeout(t);
      clearInterval(t);
    }
    this.timers.clear();
    const ended = JSON.stringify({ code: 'SCRIPT_ERROR', message: 'the script has ended' });
    const current = this.current;
    this.current = null;
    current?.settle?.(ended);
    for (const t of this.queue.splice(0)) t.settle?.(ended);
    for (const settle of this.unsettled.values()) settle(ended);
    this.unsettled.clear();
  }
}
