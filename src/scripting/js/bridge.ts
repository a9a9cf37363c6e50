/**
 * The host-side half of the JS binding: the one function an isolate calls
 * (`hostCall(name, args, batch, fk)` through `applySyncPromise`), which
 * publishes the pending batch, runs the `EVENT_API` binding and answers with
 * a string; and the host functions that stand for the script's filter
 * functions.
 *
 * Wire format of an answer: whether the isolate may batch publishes now,
 * one tag, then the payload. Batching: `1`, any publish may be batched; or
 * `0<version>;`, some `reject`/`block` subscription is on the bus, and only
 * types known not to reach one may be batched (a publish of such a type must
 * fail or wait at its call); what the isolate learnt about types holds while
 * the version (the bus's strictVersion) stays the same. Tags: `v` + JSON of
 * the value (empty for undefined), `P` + `b`/`s` + JSON of the id (a publish
 * sent on its own; `b`: its type reaches no reject/block subscription, so
 * the next ones may be batched; `s`: it does), `E`/`L` + one event / a list
 * of events packed by codec.ts, `i` + a pool of event ids (36 characters
 * each), `e` + JSON of an error, `x` + JSON of the error that stops the
 * script.
 *
 * Ids of batched publishes: the host mints a pool of ids and hands it to the
 * isolate, whose `publish` returns the next one at once. Batched events do
 * not carry their id back; the host gives each the next id of the pool it
 * issued, in order, and refuses a batched event that names an id, so an
 * isolate cannot choose or repeat one, and the bus needs no duplicate check
 * for them. (An id a script chooses goes to the host at the call, as a
 * supplied id.)
 *
 * Everything that arrives here came out of an untrusted isolate as a
 * structured-clone copy or a string; nothing is trusted beyond that.
 */
import type ivm from 'isolated-vm';
import { CrosstalkError } from '../../core/errors.js';
import type { UniversalEvent } from '../../core/event.js';
import type { EventInit } from '../../core/types.js';
import { uuidV4 } from '../../core/uuid.js';
import { EVENT_API, type ScriptContext } from '../api.js';
import type { ScriptOutput } from '../engine.js';
import { encodeEvents } from './codec.js';
import { isolateRunning, isolateWaiting } from './hot-loop.js';

/** Events a batch holds at most. */
export const BATCH_MAX_EVENTS = 512;
/** Full batches that may be on their way to the host while the script runs on. */
export const ASYNC_BATCH_DEPTH = 4;
/** Event ids handed to the isolate at once: enough for the batches in flight and one more. */
export const ID_POOL_SIZE = BATCH_MAX_EVENTS * (ASYNC_BATCH_DEPTH + 1);
/** Bindings whose result is a list of events. */
const EVENT_LIST_RESULTS: ReadonlySet<string> = new Set(['receive_batch', 'query']);
/** A batch is sent when its JSON reaches this many characters. */
export const BATCH_MAX_CHARS = 1 << 20;
/** Longest line a script may print; longer ones are cut. */
export const MAX_PRINT_CHARS = 1 << 20;
/** A filter function gets this long per event before the script is stopped. */
export const FILTER_BUDGET_MS = 500;

/** What a script failure or stop looks like on the wire and in results. */
export interface WireError {
  code: string;
  message: string;
  path?: string;
  pattern?: string;
  subscriptionId?: string;
  option?: string;
  eventType?: string;
}

type Answer = string | Promise<string>;

export function toWireError(e: unknown): WireError {
  if (e instanceof CrosstalkError) {
    const w: WireError = { code: e.code, message: e.message };
    if (e.path !== undefined) w.path = e.path;
    if (e.pattern !== undefined) w.pattern = e.pattern;
    if (e.subscriptionId !== undefined) w.subscriptionId = e.subscriptionId;
    if (e.option !== undefined) w.option = e.option;
    if (e.eventType !== undefined) w.eventType = e.eventType;
    return w;
  }
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'SCRIPT_ERROR', message };
}

export interface BridgeHooks {
  /** the script is stopped for this reason (a filter ran out of time) */
  stop(reason: WireError): void;
}

export class HostBridge {
  /** set when the script must stop: the next call gets it as a fatal error */
  stopping: WireError | null = null;
  /** settles with the fatal answer when the script is stopped, releasing any call that waits */
  private readonly stopped: Promise<string>;
  private release!: (answer: string) => void;
  /** the isolate's control function, once the prelude ran */
  control: ivm.Reference<(op: string, a?: unknown, b?: unknown) => unknown> | null = null;
  private inCall = false;
  private waits = 0;
  /** the last call still pending; later calls queue up behind it */
  private tail: Promise<unknown> | null = null;
  /** the first failure of a batch nobody waited for; reported at the next call */
  private deferred: WireError | null = null;
  /** the id pool the isolate draws from, and how many of it its batches have used */
  private ids: string[] = [];
  private idsUsed = 0;

  constructor(
    private readonly ctx: ScriptContext,
    private readonly script: string,
    private readonly output: ScriptOutput,
    private readonly hooks: BridgeHooks,
  ) {
    this.stopped = new Promise<string>((resolve) => (this.release = resolve));
  }

  /**
   * The script must stop: a call waiting on the host (a receive, a blocked
   * publish) is answered at once with the fatal error, so the isolate can be
   * disposed; later calls get the same answer.
   */
  stop(reason: WireError): void {
    if (this.stopping !== null) return;
    this.stopping = reason;
    this.release(this.fatal());
  }

  /** A fresh pool of ids for the isolate's batched publishes (see the wire format), as one string. */
  issueIds(): string {
    const ids: string[] = new Array(ID_POOL_SIZE);
    for (let i = 0; i < ID_POOL_SIZE; i++) ids[i] = uuidV4();
    this.ids = ids;
    this.idsUsed = 0;
    return ids.join('');
  }

  /** True while the isolate is inside a host call, so it is safe to stop or to call back into. */
  get parked(): boolean {
    return this.inCall || this.waits > 0;
  }

  private batchFlag(): string {
    const bus = this.ctx.bus;
    return bus.hasStrictSubscriptions() ? `0${bus.strictVersion};` : '1';
  }

  private value(v: unknown): string {
    return this.batchFlag() + 'v' + (v === undefined ? '' : JSON.stringify(v));
  }

  private error(e: unknown): string {
    return this.failed(toWireError(e));
  }

  private failed(w: WireError): string {
    return this.batchFlag() + 'e' + JSON.stringify(w);
  }

  private fatal(): string {
    return this.batchFlag() + 'x' + JSON.stringify(this.stopping);
  }

  /**
   * The Reference target: one crossing from the isolate. `__batch` comes
   * through `applyIgnored` (nobody waits for its answer); everything else
   * through `applySyncPromise`. Calls are handled in the order they come:
   * while one is pending (a batch waiting on a `block` queue), the next
   * ones queue up behind it.
   */
  readonly call = (name: unknown, args: unknown, batch: unknown, fk: unknown): Answer => {
    const ignored = name === '__batch';
    if (!ignored) isolateWaiting(this);
    let r: Answer;
    if (this.tail === null) {
      this.inCall = !ignored;
      try {
        r = this.callNow(name, args, batch, fk);
      } finally {
        this.inCall = false;
      }
      if (typeof r === 'string') {
        if (!ignored) isolateRunning(this);
        return r;
      }
    } else {
      r = this.tail.then(() => this.callNow(name, args, batch, fk));
    }
    const p = r;
    this.tail = p;
    void p.finally(() => {
      if (this.tail === p) this.tail = null;
    });
    return ignored ? '' : this.wait(p);
  };

  private callNow(name: unknown, args: unknown, batch: unknown, fk: unknown): Answer {
    try {
      if (typeof batch === 'string' && batch.length > 0) {
        const published = this.publishBatch(batch);
        if (published instanceof Promise) return published.then(() => this.answer(name, args, fk)).catch((e: unknown) => this.error(e));
      }
      return this.answer(name, args, fk);
    } catch (e) {
      return this.error(e);
    }
  }

  private wait(p: Promise<string>): Promise<string> {
    this.waits++;
    return Promise.race([p, this.stopped]).finally(() => {
      this.waits--;
      isolateRunning(this);
    });
  }

  private answer(name: unknown, args: unknown, fk: unknown): Answer {
    if (name === '__batch') return '';
    if (!Array.isArray(args)) return this.error(new CrosstalkError('SCRIPT_ERROR', 'malformed host call'));
    if (name === '__print') {
      // printing is not an Event call: it neither reports a failed batch nor stops
      const [stream, text] = args as [unknown, unknown];
      let s = String(text);
      if (s.length > MAX_PRINT_CHARS) s = `${s.slice(0, MAX_PRINT_CHARS)}... (${s.length - MAX_PRINT_CHARS} more characters cut)`;
      this.output(this.script, s, stream === 'stderr' ? 'stderr' : 'stdout');
      return this.batchFlag() + 'v';
    }
    if (this.stopping !== null) return this.fatal();
    // a refill of ids is never held up by a failure report: the publish that
    // asked for them needs a real id, and the failure goes to the next other call
    if (name === '__flush' && args[0] === true) return this.batchFlag() + 'i' + this.issueIds();
    if (this.deferred !== null) {
      const d = this.deferred;
      this.deferred = null;
      return this.failed(d);
    }
    if (name === '__flush') return this.batchFlag() + 'v';
    if (typeof name !== 'string' || !Object.hasOwn(EVENT_API, name)) {
      return this.error(new CrosstalkError('SCRIPT_ERROR', `Event has no function ${JSON.stringify(String(name))}`));
    }
    if (name === 'subscribe' && typeof fk === 'number' && fk >= 0) {
      const opts = args[1];
      args[1] = { ...(opts !== null && typeof opts === 'object' ? opts : {}), filter: this.filterFunction(fk) };
    }
    const out = EVENT_API[name]!(this.ctx, args);
    if (out instanceof Promise) {
      return this.wait(out.then((v) => this.result(name, v, args), (e) => this.error(e)));
    }
    return this.result(name, out, args);
  }

  /** Events travel packed (codec.ts); other values as JSON. */
  private result(name: string, v: unknown, args: unknown[]): string {
    if (name === 'publish' && typeof v === 'string') {
      // the publish succeeded, so its type is valid: tell the isolate whether the type may be batched
      const first = args[0];
      const type = typeof first === 'string' ? first : (first as { event_type: string }).event_type;
      return this.batchFlag() + 'P' + (this.ctx.bus.reachesStrict(type) ? 's' : 'b') + JSON.stringify(v);
    }
    if (EVENT_LIST_RESULTS.has(name) && Array.isArray(v)) return this.batchFlag() + 'L' + encodeEvents(v as UniversalEvent[]);
    if (name === 'receive' && v !== null && typeof v === 'object') return this.batchFlag() + 'E' + encodeEvents([v as UniversalEvent]);
    return this.value(v);
  }

  /**
   * Publishes a batch of event inits in order. Each was checked in the
   * isolate, so failures are rare: they happen when a `reject`/`block`
   * subscription appeared since the isolate last asked. Every event is
   * still tried; the first failure is reported at the script's next call.
   */
  private publishBatch(batch: string): undefined | Promise<void> {
    let inits: unknown;
    try {
      inits = JSON.parse(batch);
    } catch {
      inits = null;
    }
    if (!Array.isArray(inits)) {
      this.deferred ??= { code: 'SCRIPT_ERROR', message: 'malformed publish batch' };
      return undefined;
    }
    const r = this.publishFrom(inits, 0, null);
    if (r instanceof Promise) {
      return r.then((failed) => {
        this.deferred ??= failed;
      });
    }
    this.deferred ??= r;
    return undefined;
  }

  private publishFrom(inits: unknown[], from: number, failed: WireError | null): null | WireError | Promise<WireError | null> {
    const { bus, identity } = this.ctx;
    const note = (i: number, e: unknown) => {
      if (failed !== null) return;
      const w = toWireError(e);
      const type = (inits[i] as { event_type?: unknown } | null)?.event_type;
      failed = { ...w, message: `batched publish of ${String(type)} failed: ${w.message}` };
    };
    for (let i = from; i < inits.length; i++) {
      // each batched event used the next id of the pool, whether or not it is published
      const id = this.ids[this.idsUsed++];
      const init = inits[i];
      let r: unknown;
      try {
        if (id === undefined) throw new CrosstalkError('SCRIPT_ERROR', 'the isolate batched more events than it was given ids for');
        if (init !== null && typeof init === 'object' && Object.hasOwn(init, 'id')) {
          throw new CrosstalkError('SCRIPT_ERROR', 'a batched event carried an id (batched events take the next issued id)');
        }
        r = bus.publishMinted(identity, init as EventInit, id);
      } catch (e) {
        note(i, e);
        continue;
      }
      if (r instanceof Promise) {
        // a block queue filled up mid-batch: wait, then go on in order
        return r.then(
          () => this.publishFrom(inits, i + 1, failed),
          (e) => {
            note(i, e);
            return this.publishFrom(inits, i + 1, failed);
          },
        );
      }
    }
    return failed;
  }

  /** A filter that printed or threw answers `[keep, [[stream, text], ...], error message or null]`. */
  private filterReport(r: string): boolean {
    let report: unknown;
    try {
      report = JSON.parse(r);
    } catch {
      report = null;
    }
    if (!Array.isArray(report)) throw new CrosstalkError('SCRIPT_ERROR', 'filter function failed: malformed answer');
    const [keep, lines, error] = report as [unknown, unknown, unknown];
    if (Array.isArray(lines)) {
      for (const line of lines) {
        const [stream, text] = Array.isArray(line) ? line : ['stdout', line];
        this.output(this.script, String(text).slice(0, MAX_PRINT_CHARS), stream === 'stderr' ? 'stderr' : 'stdout');
      }
    }
    if (typeof error === 'string') throw new CrosstalkError('SCRIPT_ERROR', `filter function failed: ${error}`);
    return keep === true;
  }

  /** A host predicate standing for the script's filter function number `k`. */
  private filterFunction(k: number): (e: UniversalEvent) => boolean {
    return (event) => {
      const control = this.control;
      // Only a parked isolate can be asked; otherwise (the host or another
      // script draining this subscription while the script runs) the event passes.
      if (control === null || !this.parked || this.stopping !== null) return true;
      let r: unknown;
      try {
        r = control.applySync(undefined, ['filter', k, JSON.stringify(event)], { timeout: FILTER_BUDGET_MS });
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        if (/timed out/i.test(msg)) {
          this.hooks.stop({ code: 'SCRIPT_TIMEOUT', message: `a filter function ran longer than ${FILTER_BUDGET_MS} ms` });
          return false;
        }
        if (/disposed/i.test(msg)) return false;
        throw new CrosstalkError('SCRIPT_ERROR', `filter function failed: ${msg}`, { cause: e });
      }
      if (typeof r === 'string') return this.filterReport(r);
      return r === true;
    };
  }
}
