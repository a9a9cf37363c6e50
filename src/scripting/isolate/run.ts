/**
 * One script, Lua or JS, in its own isolated-vm isolate, from start to end.
 *
 * The isolate loads the guest runtime of its language (guest-code.ts), is
 * booted with the host's call Reference (bridge.ts), a config and a small
 * shared memory for the stop flag, then runs the script on its own thread.
 * No script code runs on the host thread.
 *
 * Limits (engine.ts ScriptLimits):
 * - memory: the isolate's heap limit; over it, isolated-vm ends the isolate
 *   (or the runtime catches the failed allocation) → SCRIPT_MEMORY;
 * - CPU: the watchdog measures the isolate's CPU time since it last made a
 *   call that may wait → SCRIPT_TIMEOUT;
 * - deadline: a wall-clock timer → SCRIPT_TIMEOUT.
 * A stop sets the shared flag: the script hands over its publish batch at
 * its next look at the flag (Lua: every 1000 instructions; JS: its next
 * Event call), and every later call raises the stop. An isolate still
 * running STOP_GRACE_MS later (inside one long library call, or a JS loop
 * that never calls Event) is disposed; only then can events it batched but
 * had not handed over be lost. Either way the bus, the store and the other
 * scripts go on.
 */
import ivm from 'isolated-vm';
import type { ScriptStats } from '../../core/observer.js';
import { portOf, type BusPort } from '../../core/port.js';
import type { JsonValue } from '../../core/event.js';
import type { Bus } from '../../core/types.js';
import { PermissionCheck } from '../../core/permissions.js';
import { createScriptContext, type ScriptContext, type ScriptServices } from '../api.js';
import {
  DEFAULT_SCRIPT_LIMITS,
  MIN_MEMORY_LIMIT_MB,
  type RunOptions,
  type ScriptFailure,
  type ScriptFile,
  type ScriptLanguage,
  type ScriptResult,
} from '../engine.js';
import { CTL_TASKS, FLAG_STOP, RESULT_VALUE, type GuestConfig, type WireError } from '../guest/protocol.js';
import { HostBridge } from './bridge.js';
import { compileGuest } from './guest-code.js';
import { OutboxReader } from './outbox.js';
import { Tasks } from './tasks.js';
import { Lifecycle } from '../lifecycle.js';
import type { StartGate } from './start-gate.js';
import { unwatch, watch, type Watched } from './watchdog.js';
import { failureFrom, failureFromCompile, wrapJs } from './failures.js';
import { createIsolate } from './young-generation.js';

/** How long a script asked to stop at its next wait (`RunOptions.drain`) may go on without waiting. */
const DRAIN_GRACE_MS = 2000;
/** How long a stopped script that is still running gets before its isolate is disposed. */
export const STOP_GRACE_MS = 500;
/** Timers cannot wait longer. */
const MAX_TIMER_MS = 2 ** 31 - 1;
export class ScriptRun implements Watched {
  private readonly port: BusPort;
  private readonly ctx: ScriptContext;
  private readonly isolate: ivm.Isolate;
  private readonly bridge: HostBridge;
  private readonly outbox = new OutboxReader();
  /** timers and handler tasks; JS gets them pushed through `control('task')` once it runs */
  private readonly tasks: Tasks;
  private pushTask: ((json: string) => Promise<string>) | null = null;
  private readonly started = performance.now();
  private readonly memoryMb: number;
  private readonly cpuLimitMs: number;
  private readonly deadlineMs: number;
  private stopReason: WireError | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  /** CPU ms of the isolate when its current stretch without waiting began */
  private stretchStart = 0;
  private stretchReset = false;
  /** the isolate's task count (protocol.ts CTL_TASKS) when the watchdog last looked */
  private tasksSeen = 0;
  private cpuMs = 0;
  private heapBytes = 0;
  private state: ScriptStats['state'] = 'starting';
  private readonly unregisterStats: () => void;
  private readonly lifecycle: Lifecycle;
  /** the host stopped the run (its signal), as opposed to a limit or an error */
  private stoppedByHost = false;

  constructor(
    bus: Bus,
    private readonly file: ScriptFile,
    private readonly language: ScriptLanguage,
    private readonly options: RunOptions,
    services: ScriptServices,
    private readonly gate: StartGate | null = null,
  ) {
    this.port = portOf(bus);
    const limits = options.limits;
    this.memoryMb = Number.isFinite(limits.memoryLimitMb) ? Math.max(MIN_MEMORY_LIMIT_MB, Math.ceil(limits.memoryLimitMb)) : DEFAULT_SCRIPT_LIMITS.memoryLimitMb;
    this.cpuLimitMs = Number.isFinite(limits.cpuLimitMs) && limits.cpuLimitMs > 0 ? limits.cpuLimitMs : 0;
    this.deadlineMs = Number.isFinite(limits.deadlineMs) && limits.deadlineMs > 0 && limits.deadlineMs <= MAX_TIMER_MS ? Math.ceil(limits.deadlineMs) : 0;
    this.ctx = createScriptContext(this.port, { component: file.name, language }, services, new PermissionCheck(file.name, options.permissions));
    this.lifecycle = new Lifecycle(this.port, { script: file.name, language, instance_id: this.ctx.identity.instance_id });
    this.tasks = new Tasks(language === 'javascript' ? (json) => this.pushTask?.(json) ?? Promise.resolve('') : null);
    this.tasks.mask = this.port.maskerFor(file.name);
    this.isolate = createIsolate({
      memoryLimit: this.memoryMb,
      onCatastrophicError: (message) => this.stop({ code: 'SCRIPT_ERROR', message: `the isolate failed: ${message}` }),
    });
    this.bridge = new HostBridge(this.ctx, this.outbox, file.name, options.output, {
      fatal: (reason) => this.stop(reason),
      waited: () => (this.stretchReset = true),
      heapBytes: () => {
        const h = this.isolate.getHeapStatisticsSync();
        return h.used_heap_size + h.externally_allocated_size;
      },
      cpuSeconds: () => Number(this.isolate.cpuTime) / 1e9,
      tasks: this.tasks,
    }, gate);
    this.ctx.loop = this.tasks;
    // a JS body that awaits a timer has waited (it makes no call to say so)
    this.tasks.onTimer = () => this.gate?.arrive(this.bridge);
    // what a handler publishes records the event it handles as its cause, as after a receive
    this.tasks.onDispatch = (event) => this.bridge.handle(event);
    gate?.join(this.bridge);
    // metrics and the dashboard read the script's numbers while it runs
    this.unregisterStats = this.port.addScriptStats({ scriptStats: () => [this.stats()] });
  }

  /** The script's numbers now (core/observer.ts ScriptStats). */
  stats(): ScriptStats {
    let heap = this.heapBytes;
    if (!this.isolate.isDisposed && this.state === 'running') {
      try {
        const h = this.isolate.getHeapStatisticsSync();
        heap = this.heapBytes = h.used_heap_size + h.externally_allocated_size;
      } catch {
        // disposed meanwhile
      }
    }
    return {
      script: this.file.name,
      instance_id: this.ctx.identity.instance_id,
      language: this.language,
      state: this.state,
      cpu_ms: this.cpuUsedMs(),
      heap_bytes: heap,
      heap_limit_bytes: this.memoryMb * 1048576,
      events_in: this.bridge.eventsIn,
      events_out: this.bridge.eventsOut,
    };
  }

  get parked(): boolean {
    return this.bridge.parked;
  }

  /** Watchdog tick: the CPU the isolate used since its last call that may wait. */
  checkCpu(): void {
    if (this.cpuLimitMs === 0 || this.stopReason !== null || this.isolate.isDisposed) return;
    const cpu = Number(this.isolate.cpuTime) / 1e6;
    const tasks = Atomics.load(this.outbox.ctl, CTL_TASKS);
    if (tasks !== this.tasksSeen) {
      // an event-loop task began, so the isolate was idle before it (only the guest runtime holds the shared memory, never script code)
      this.tasksSeen = tasks;
      this.stretchReset = true;
    }
    if (this.stretchReset) {
      this.stretchReset = false;
      this.stretchStart = cpu;
      return;
    }
    if (cpu - this.stretchStart > this.cpuLimitMs) {
      this.stop({
        code: 'SCRIPT_TIMEOUT',
        message: `${this.file.name} ran ${Math.round(cpu - this.stretchStart)} ms of CPU without waiting; its CPU limit is ${this.cpuLimitMs} ms`,
      });
    }
  }

  private result(error?: ScriptFailure): ScriptResult {
    const r: ScriptResult = { script: this.file.name, ok: error === undefined, durationMs: performance.now() - this.started, cpuMs: this.cpuUsedMs() };
    if (error !== undefined) r.error = error;
    return r;
  }

  /** CPU the isolate used so far (or when it was disposed). */
  private cpuUsedMs(): number {
    if (!this.isolate.isDisposed) {
      try {
        this.cpuMs = Number(this.isolate.cpuTime) / 1e6;
      } catch {
        // disposed meanwhile
      }
    }
    return this.cpuMs;
  }

  private config(): string {
    const cfg: GuestConfig = {
      script: this.file.name,
      ids: this.bridge.issueIds(),
      batching: !this.port.hasStrictSubscriptions(),
      maxDepth: this.port.limits.max_depth,
      maxBytes: this.port.limits.max_event_bytes,
      memoryBytes: this.memoryMb * 1024 * 1024,
      args: [...(this.options.args ?? [])],
      publish: this.ctx.permissions.publishRules,
    };
    if (this.language === 'lua') cfg.source = this.file.source;
    return JSON.stringify(cfg);
  }

  async run(): Promise<ScriptResult> {
    const result = await this.runToEnd();
    this.tasks.close();
    // whatever ended the script, what it published is delivered
    const rescued = this.bridge.rescue();
    this.gate?.arrive(this.bridge);
    const lost = await rescued;
    // what the start gate holds of this script is delivered before its end is told
    if (this.gate !== null) await this.gate.delivered;
    if (lost !== null && result.ok) {
      result.ok = false;
      result.error = { code: lost.code, message: lost.message };
    }
    this.state = result.ok ? 'ended' : this.stopReason !== null ? 'stopped' : 'failed';
    this.ctx.close(this.state !== 'ended');
    this.unregisterStats();
    this.lifecycle.end({
      result,
      stoppedByHost: this.stoppedByHost,
      heapBytes: this.heapBytes,
      eventsIn: this.bridge.eventsIn,
      eventsOut: this.bridge.eventsOut,
    });
    return result;
  }

  private async runToEnd(): Promise<ScriptResult> {
    const hostRef = new ivm.Reference(this.bridge.call);
    const abort = () => {
      if (this.stopReason === null) this.stoppedByHost = true;
      this.stop({ code: 'SCRIPT_ERROR', message: 'stopped' });
    };
    const signal = this.options.signal;
    const drain = this.options.drain;
    const finish = () => this.stopAtNextWait(DRAIN_GRACE_MS);
    try {
      if (signal?.aborted || drain?.aborted) return this.result({ code: 'SCRIPT_ERROR', message: 'stopped before it started' });
      signal?.addEventListener('abort', abort, { once: true });
      drain?.addEventListener('abort', finish, { once: true });
      const context = await this.isolate.createContext();
      const runtime = await compileGuest(this.isolate, this.language);
      await runtime.run(context);
      const boot = (await context.global.get('__crosstalkGuest', { reference: true })) as ivm.Reference<{ boot: unknown }>;
      const bootFn = (await boot.get('boot', { reference: true })) as ivm.Reference<(...a: unknown[]) => unknown>;
      const shared = new ivm.ExternalCopy(this.outbox.shared).copyInto({ release: true });
      const control = (await bootFn.apply(undefined, [hostRef, this.config(), shared], {
        result: { reference: true },
      })) as ivm.Reference<(op: string, fn?: unknown) => unknown>;
      boot.release();
      bootFn.release();

      if (this.language === 'javascript') {
        // runs while the isolate is idle: isolated-vm holds async calls while the script is inside one
        this.pushTask = (json) => control.apply(undefined, ['task', json]) as Promise<string>;
      }
      let fnArg: ivm.Dereference<unknown> | undefined;
      if (this.language === 'javascript') {
        let fn: ivm.Reference<unknown>;
        try {
          const script = await this.isolate.compileScript(wrapJs(this.file.source), { filename: this.file.name });
          fn = (await script.run(context, { reference: true })) as ivm.Reference<unknown>;
        } catch (e) {
          return this.result(failureFromCompile(e, this.file.name));
        }
        fnArg = fn.derefInto();
      }
      // the CPU limit counts the script's own running: the guest runtime's boot above is not its
      this.stretchStart = Number(this.isolate.cpuTime) / 1e6;
      watch(this);
      this.state = 'running';
      this.lifecycle.start();
      this.gate?.started(this.bridge);
      if (this.deadlineMs > 0) {
        this.timers.push(
          setTimeout(() => this.stop({ code: 'SCRIPT_TIMEOUT', message: `${this.file.name} ran past its deadline of ${this.deadlineMs} ms` }), this.deadlineMs),
        );
      }
      // a Lua run returns its answer; a JS run, a promise of it
      const out = fnArg === undefined ? await control.apply(undefined, ['run']) : await control.apply(undefined, ['run', fnArg], { result: { promise: true } });
      let value: JsonValue | undefined;
      let failure: ScriptFailure | undefined;
      if (typeof out === 'string' && out.startsWith(RESULT_VALUE)) {
        try {
          value = JSON.parse(out.slice(RESULT_VALUE.length)) as JsonValue;
        } catch {
          failure = { code: 'SCRIPT_ERROR', message: 'the script returned a value that could not be read' };
        }
      } else if (typeof out === 'string' && out.length > 0) failure = failureFrom(out);
      if (this.stopReason !== null) {
        // the script's own account of the stop says where it was (line, traceback)
        const stop = this.stopFailure();
        return this.result(failure?.code === stop.code ? { ...failure, message: stop.message } : stop);
      }
      const r = this.result(failure);
      if (value !== undefined && r.ok) r.value = value;
      return r;
    } catch (e) {
      return this.result(this.failureFor(e));
    } finally {
      unwatch(this);
      signal?.removeEventListener('abort', abort);
      drain?.removeEventListener('abort', finish);
      for (const t of this.timers) clearTimeout(t);
      hostRef.release();
      if (!this.isolate.isDisposed) {
        try {
          const h = this.isolate.getHeapStatisticsSync();
          this.heapBytes = h.used_heap_size + h.externally_allocated_size;
        } catch {
          // disposed meanwhile
        }
        this.isolate.dispose();
      }
    }
  }

  /**
   * Stops the script once it has finished what it is doing: at once when it
   * waits (in a call, or a JS script between tasks), else at its next call
   * that may wait, or `graceMs` from now whatever it does.
   */
  stopAtNextWait(graceMs: number): void {
    if (this.stopReason !== null || this.isolate.isDisposed) return;
    this.stoppedByHost = true;
    const reason = { code: 'SCRIPT_ERROR', message: 'stopped' } as const;
    const waiting = () => this.bridge.parked || (this.language === 'javascript' && this.bridge.bodyDone && this.tasks.idle);
    if (waiting()) return this.stop(reason);
    this.bridge.stopAtNextWait(reason);
    const started = Date.now();
    // a JS script going idle between tasks makes no call to meet the stop at
    const poll = setInterval(() => {
      if (this.stopReason !== null || this.isolate.isDisposed) clearInterval(poll);
      else if (waiting() || Date.now() - started >= graceMs) {
        clearInterval(poll);
        this.stop(reason);
      }
    }, 10);
    this.timers.push(poll);
  }

  /**
   * Stops the script: a call it waits in is answered with the stop at once;
   * a running script sees the flag soon; one that does not is disposed after
   * STOP_GRACE_MS.
   */
  stop(reason: WireError): void {
    if (this.stopReason !== null || this.isolate.isDisposed) return;
    this.stopReason = reason;
    Atomics.store(this.outbox.ctl, FLAG_STOP, 1);
    this.bridge.stop(reason);
    this.timers.push(
      setTimeout(() => {
        if (this.isolate.isDisposed) return;
        this.cpuUsedMs();
        this.isolate.dispose();
      }, STOP_GRACE_MS),
    );
  }

  private stopFailure(): ScriptFailure {
    const r = this.stopReason!;
    return { code: r.code, message: r.message };
  }

  private failureFor(e: unknown): ScriptFailure {
    const message = e instanceof Error ? e.message : String(e);
    if (/memory limit/i.test(message)) {
      return { code: 'SCRIPT_MEMORY', message: `${this.file.name} exceeded its memory limit of ${this.memoryMb} MB` };
    }
    if (this.stopReason !== null) return this.stopFailure();
    if (/disposed/i.test(message)) return { code: 'SCRIPT_MEMORY', message: `${this.file.name}: the isolate was disposed (out of memory)` };
    // a JS script left a promise rejected with nobody to catch it
    const f: ScriptFailure = { code: 'SCRIPT_ERROR', message: `unhandled promise rejection: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}` };
    const stack = e instanceof Error && typeof e.stack === 'string' ? e.stack : '';
    const at = stack.indexOf(`${this.file.name}:`);
    if (at >= 0) {
      const line = Number.parseInt(stack.slice(at + this.file.name.length + 1), 10);
      if (Number.isInteger(line) && line > 0) f.line = line;
    }
    return f;
  }
}
