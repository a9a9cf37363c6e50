/**
 * The host's half of the script boundary (the isolate's half is
 * guest/runtime.ts; the wire format is guest/protocol.ts): the one function
 * an isolate calls, which publishes what the isolate handed over in its
 * outbox (outbox.ts), applies the notes, runs the `Event` implementation
 * (api.ts) and answers with a string.
 *
 * Ids of batched publishes: the host mints a pool of ids and hands it to the
 * isolate, whose `publish` returns the next one at once. Batched events do
 * not carry their id back; the host gives each the next id of the pool it
 * issued, in order, and refuses a batched event that names an id, so an
 * isolate cannot choose or repeat one. A batched event the bus refuses is
 * reported at the script's next call, naming its id.
 *
 * Everything that arrives here came out of an untrusted isolate as a
 * structured-clone copy or a string; nothing is trusted beyond that.
 */
import { CrosstalkError } from '../../core/errors.js';
import type { JsonValue, UniversalEvent } from '../../core/event.js';
import type { EventInit, PublishOptions } from '../../core/types.js';
import { uuidV4 } from '../../core/uuid.js';
import { causeOf } from '../../core/context.js';
import { beganReceive, checkMayPublish, EVENT_IMPLEMENTATIONS, type ScriptContext } from '../api.js';
import type { ScriptOutput } from '../engine.js';
import { eventFunction, type EventFunction } from '../event-api.js';
import {
  CALL_BATCH,
  CALL_CLOCK,
  CALL_FATAL,
  CALL_FLUSH,
  CALL_HEAP,
  CALL_IDLE,
  CALL_NEXT,
  CALL_SETTLE,
  CALL_PRINT,
  CALL_TIMER,
  ID_POOL_SIZE,
  MAX_PRINT_CHARS,
  type WireError,
} from '../guest/protocol.js';
import { encodeEvents } from './codec.js';
import { isolateRunning, isolateWaiting } from './hot-loop.js';
import type { OutboxReader } from './outbox.js';
import type { Tasks } from './tasks.js';
import type { StartGate } from './start-gate.js';
import { wake } from './watchdog.js';

type Answer = string | Promise<string>;

/** What the start gate holds of one script at most before the script waits for the gate. */
export const HOLD_MAX_EVENTS = 4096;
export const HOLD_MAX_CHARS = 8 << 20;

export function toWireError(e: unknown): WireError {
  if (e instanceof CrosstalkError) {
    const w: WireError = { code: e.code, message: e.message };
    if (e.path !== undefined) w.path = e.path;
    if (e.pattern !== undefined) w.pattern = e.pattern;
    if (e.subscriptionId !== undefined) w.subscriptionId = e.subscriptionId;
    if (e.option !== undefined) w.option = e.option;
    if (e.eventType !== undefined) w.eventType = e.eventType;
    if (e.eventId !== undefined) w.eventId = e.eventId;
    return w;
  }
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'SCRIPT_ERROR', message };
}

/** What the bridge needs from the script's run (run.ts). */
export interface BridgeHooks {
  /** the isolate found it must stop (out of memory) */
  fatal(reason: WireError): void;
  /** the script made a call that may wait: its CPU allowance starts afresh */
  waited(): void;
  /** bytes of heap the isolate uses */
  heapBytes(): number;
  /** seconds of CPU the isolate has used */
  cpuSeconds(): number;
  /** the script's event loop (tasks.ts) */
  readonly tasks: Tasks;
}

/**
 * Is this call one that may wait, given its arguments? Its declaration says
 * so (a publish or a reply waits only on a full `block` queue: not a wait
 * of the script's own), and a receive with timeout 0 only polls.
 */
function mayWait(decl: EventFunction, args: unknown[]): boolean {
  if (!decl.mayWait || decl.name === 'publish' || decl.name === 'reply') return false;
  if (decl.name === 'receive' || decl.name === 'receive_any') return args[1] !== 0;
  if (decl.name === 'receive_batch') {
    const o = args[1];
    return !(o !== null && typeof o === 'object' && (o as { timeout_ms?: unknown }).timeout_ms === 0);
  }
  return true;
}

export class HostBridge {
  /** set when the script must stop: the next call gets it as a fatal error */
  stopping: WireError | null = null;
  /** set by stopAtNextWait: the script's next call that may wait ends it instead */
  private stopAtWait: WireError | null = null;
  /** a JS script's body has ended (CALL_IDLE): between tasks it is idle */
  bodyDone = false;
  /**
   * The calls that wait, each released by its answer or, when the script is
   * stopped, by the fatal answer. Not a race against one long-lived "stopped"
   * promise: every race would leave a reaction on it for the script's whole
   * life (≈ 700 B per call that ever waited).
   */
  private readonly waiting = new Set<(answer: string) => void>();
  private released: string | null = null;
  private inCall = false;
  /** the last call still pending; later calls queue up behind it */
  private tail: Promise<unknown> | null = null;
  /** the first failure of a batch nobody waited for; reported at the next call */
  private deferred: WireError | null = null;
  /** events the script received, and published (accepted by the bus) */
  eventsIn = 0;
  eventsOut = 0;
  /** publishes (and about how many characters of them) held at the start gate */
  private held = 0;
  private heldChars = 0;
  /** the id pool the isolate draws from, and how many of it its batches have used */
  private ids: string[] = [];
  private idsUsed = 0;

  constructor(
    private readonly ctx: ScriptContext,
    private readonly outbox: OutboxReader,
    private readonly script: string,
    private readonly output: ScriptOutput,
    private readonly hooks: BridgeHooks,
    /** the start barrier of the group the script started with, if any */
    private readonly gate: StartGate | null = null,
  ) {
    this.mask = ctx.port.maskerFor(script);
  }

  /** the masking rules for events delivered to this script (docs/persistence.md "Masking"), or null */
  private readonly mask: ((e: UniversalEvent) => UniversalEvent) | null;

  /**
   * The script must stop: a call waiting on the host (a receive, a blocked
   * publish) is answered at once with the fatal error; later calls get the
   * same answer.
   */
  stop(reason: WireError): void {
    if (this.stopping !== null) return;
    this.stopping = reason;
    const fatal = (this.released = this.fatal());
    for (const release of [...this.waiting]) release(fatal);
  }

  /**
   * The script is to stop at its next call that may wait, having finished
   * what it was doing (a replaced script under `run --watch`): what it
   * received last counts as processed when it asks for more.
   */
  stopAtNextWait(reason: WireError): void {
    this.stopAtWait ??= reason;
  }

  /** The stop a waiting call meets instead of waiting, or null. */
  private stopInsteadOfWait(name: string, args: unknown[]): string | null {
    if (this.stopAtWait === null) return null;
    beganReceive(this.ctx, name, args);
    this.hooks.fatal(this.stopAtWait);
    return this.fatal();
  }

  /** A fresh pool of ids for the isolate's batched publishes, as one string. */
  issueIds(): string {
    const ids: string[] = new Array(ID_POOL_SIZE);
    for (let i = 0; i < ID_POOL_SIZE; i++) ids[i] = uuidV4();
    this.ids = ids;
    this.idsUsed = 0;
    return ids.join('');
  }

  /** True while the isolate is inside a host call (waiting for its answer). */
  get parked(): boolean {
    return this.inCall || this.waiting.size > 0;
  }

  private batchFlag(): string {
    const port = this.ctx.port;
    return port.hasStrictSubscriptions() ? `0${port.strictVersion};` : '1';
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
   * The Reference target: one crossing from the isolate. CALL_BATCH comes
   * through `applyIgnored` (nobody waits for its answer); everything else
   * through `applySyncPromise`. Calls are handled in the order they come:
   * while one is pending (a batch waiting on a `block` queue), the next
   * ones queue up behind it.
   */
  readonly call = (name: unknown, args: unknown, notes: unknown): Answer => {
    const ignored = name === CALL_BATCH;
    if (!ignored) isolateWaiting(this);
    let r: Answer;
    if (this.tail === null) {
      this.inCall = !ignored;
      try {
        r = this.callNow(name, args, notes);
      } finally {
        this.inCall = false;
      }
      if (typeof r === 'string') {
        if (!ignored) this.resumed();
        return r;
      }
    } else {
      r = this.tail.then(() => this.callNow(name, args, notes));
    }
    const p = r;
    this.tail = p;
    void p.finally(() => {
      if (this.tail === p) this.tail = null;
    });
    return ignored ? '' : this.wait(p);
  };

  private callNow(name: unknown, args: unknown, notes: unknown): Answer {
    try {
      if (typeof notes === 'string' && notes.length > 0) this.applyNotes(notes);
      const published = this.drainOutbox(false);
      if (published instanceof Promise) return published.then(() => this.answer(name, args)).catch((e: unknown) => this.error(e));
      return this.answer(name, args);
    } catch (e) {
      return this.error(e);
    }
  }

  /**
   * Publishes the regions the isolate handed over, in order, freeing each
   * once published. `final` (the isolate is gone): also what it committed
   * and never handed over.
   */
  private drainOutbox(final: boolean): undefined | Promise<void> {
    for (;;) {
      const region = this.outbox.next() ?? (final ? this.outbox.leftover() : null);
      if (region === null) return undefined;
      const published = this.publishBatch(region.json);
      if (published instanceof Promise) {
        return published.then(() => {
          region.release();
          return this.drainOutbox(final);
        });
      }
      region.release();
    }
  }

  /**
   * The isolate has ended, however it ended: every publish it was given an
   * id for is published now, after any call still pending. Resolves with the
   * failure of one of them, if any (nobody is left to hear it otherwise).
   */
  async rescue(): Promise<WireError | null> {
    while (this.tail !== null) await this.tail.catch(() => undefined);
    await this.drainOutbox(true);
    const d = this.deferred;
    this.deferred = null;
    return d;
  }

  private wait(p: Promise<string>): Promise<string> {
    if (this.released !== null) return Promise.resolve(this.released);
    return new Promise<string>((resolve, reject) => {
      const release = (answer: string) => {
        if (!this.waiting.delete(release)) return; // answered and stopped: the first wins
        this.resumed();
        resolve(answer);
      };
      this.waiting.add(release);
      p.then(release, (e: unknown) => {
        if (!this.waiting.delete(release)) return;
        this.resumed();
        reject(e);
      });
    });
  }

  /** The isolate got its answer and runs again. */
  private resumed(): void {
    isolateRunning(this);
    wake();
  }

  /** `{"f": {subscriptionId: n}}`: events the script's filter functions refused. */
  private applyNotes(notes: string): void {
    let n: unknown;
    try {
      n = JSON.parse(notes);
    } catch {
      return;
    }
    const f = (n as { f?: unknown } | null)?.f;
    if (f === null || typeof f !== 'object') return;
    for (const [id, count] of Object.entries(f as Record<string, unknown>)) {
      if (typeof count !== 'number' || !(count > 0)) continue;
      try {
        this.ctx.own(id).noteFiltered(count);
      } catch {
        // not the script's: ignored
      }
    }
  }

  private answer(name: unknown, args: unknown): Answer {
    if (name === CALL_BATCH) return '';
    if (!Array.isArray(args)) return this.error(new CrosstalkError('SCRIPT_ERROR', 'malformed host call'));
    // calls that are not Event calls: they neither report a refused batch nor wait
    switch (name) {
      case CALL_PRINT: {
        const [stream, text] = args as [unknown, unknown];
        let s = String(text);
        if (s.length > MAX_PRINT_CHARS) s = `${s.slice(0, MAX_PRINT_CHARS)}... (${s.length - MAX_PRINT_CHARS} more characters cut)`;
        this.output(this.script, s, stream === 'stderr' ? 'stderr' : 'stdout');
        return this.batchFlag() + 'v';
      }
      case CALL_HEAP:
        return this.value(this.hooks.heapBytes());
      case CALL_CLOCK:
        return this.value(this.hooks.cpuSeconds());
      case CALL_TIMER: {
        const [id, ms, repeat] = args as [unknown, unknown, unknown];
        if (typeof id === 'number' && typeof ms === 'number' && Number.isFinite(ms)) this.hooks.tasks.timer(id, ms, repeat === true);
        return this.batchFlag() + 'v';
      }
      case CALL_IDLE:
        // a JS script's body ended; its event loop goes on: that is a wait
        this.bodyDone = true;
        this.hooks.waited();
        this.gate?.arrive(this);
        return this.batchFlag() + 'v';
      case CALL_SETTLE: {
        const [seq, outcome] = args as [unknown, unknown];
        if (typeof seq === 'number') this.hooks.tasks.settle(seq, typeof outcome === 'string' ? outcome : '');
        return this.batchFlag() + 'v';
      }
      case CALL_NEXT: {
        const stop = this.stopInsteadOfWait(name, args);
        if (stop !== null) return stop;
        // a Lua script whose chunk has ended waits for its next task: that is a wait, and its first one
        this.hooks.waited();
        this.gate?.arrive(this);
        const outcome = typeof args[0] === 'string' ? args[0] : '';
        return this.wait(this.hooks.tasks.next(outcome).then((task) => this.batchFlag() + 'v' + JSON.stringify(task)));
      }
      case CALL_FATAL: {
        const [code, message] = args as [unknown, unknown];
        this.hooks.fatal({ code: code === 'SCRIPT_MEMORY' ? 'SCRIPT_MEMORY' : 'SCRIPT_ERROR', message: String(message).slice(0, 1000) });
        return this.fatal();
      }
    }
    if (this.stopping !== null) return this.fatal();
    // a refill of ids is never held up by a failure report: the publish that
    // asked for them needs a real id, and the failure goes to the next other call
    if (name === CALL_FLUSH && args[0] === true) return this.batchFlag() + 'i' + this.issueIds();
    // a failed earlier publish is reported at the next call that is not a publish:
    // a later publish went out, and the script must not take the failure for its own
    if (this.deferred !== null && name !== 'publish') {
      const d = this.deferred;
      this.deferred = null;
      return this.failed(d);
    }
    if (name === CALL_FLUSH) return this.batchFlag() + 'v';
    const decl = typeof name === 'string' ? eventFunction(name) : undefined;
    if (decl === undefined) return this.error(new CrosstalkError('SCRIPT_ERROR', `Event has no function ${JSON.stringify(String(name))}`));
    if (mayWait(decl, args)) {
      const stop = this.stopInsteadOfWait(decl.name, args);
      if (stop !== null) return stop;
      this.hooks.waited();
      if (this.gate?.holdsWaits === true) {
        // the script's first wait: it begins once every script of its group got here
        this.gate.arrive(this);
        return this.wait(this.gate.opened.then(() => this.answer(name, args)).catch((e: unknown) => this.error(e)));
      }
    }
    if (decl.name === 'publish' && this.gate?.closed === true && this.holdingFull()) {
      return this.wait(this.awaitGate().then(() => this.answer(name, args)).catch((e: unknown) => this.error(e)));
    }
    if (decl.name === 'publish' && this.gate?.closed === true) {
      const first = args[0];
      const type = typeof first === 'string' ? first : String((first as { event_type?: unknown } | null)?.event_type);
      const id = this.holdPublish(args);
      return this.batchFlag() + 'P' + (this.ctx.port.reachesStrict(type) ? 's' : 'b') + JSON.stringify(id);
    }
    const out = EVENT_IMPLEMENTATIONS[decl.name]!(this.ctx, args);
    if (out instanceof Promise) {
      this.hooks.waited();
      return this.wait(out.then((v) => this.result(decl.name, v, args), (e) => this.error(e)));
    }
    return this.result(decl.name, out, args);
  }

  /** Events travel packed (codec.ts); other values as JSON. */
  private result(name: string, v: unknown, args: unknown[]): string {
    if (name === 'receive') this.handle(v === null || typeof v !== 'object' ? null : (v as UniversalEvent));
    else if (name === 'receive_any') this.handle(v === null || typeof v !== 'object' ? null : ((v as { event: UniversalEvent }).event ?? null));
    else if (name === 'receive_batch') this.handle(null);
    if (name === 'publish' && typeof v === 'string') {
      this.eventsOut++;
      // the publish succeeded, so its type is valid: tell the isolate whether the type may be batched
      const first = args[0];
      const type = typeof first === 'string' ? first : (first as { event_type: string }).event_type;
      return this.batchFlag() + 'P' + (this.ctx.port.reachesStrict(type) ? 's' : 'b') + JSON.stringify(v);
    }
    const kind = eventFunction(name)?.result;
    const mask = this.mask;
    if (kind === 'events' && Array.isArray(v)) {
      if (name === 'receive_batch') this.eventsIn += v.length;
      return this.batchFlag() + 'L' + encodeEvents(mask === null ? (v as UniversalEvent[]) : (v as UniversalEvent[]).map(mask));
    }
    if (kind === 'event' && v !== null && typeof v === 'object') {
      this.eventsIn++;
      return this.batchFlag() + 'E' + encodeEvents([mask === null ? (v as UniversalEvent) : mask(v as UniversalEvent)]);
    }
    if (name === 'receive_any' && mask !== null && v !== null && typeof v === 'object') {
      const any = v as { event: UniversalEvent; subscription: unknown };
      return this.value({ ...any, event: mask(any.event) });
    }
    return this.value(v);
  }

  /**
   * Causation without user code (docs/observability.md "Seeing the stream"): after
   * `receive` hands the script an event, what it publishes until its next
   * receive records that event as its cause (`metadata.caused_by`) and
   * carries its correlation id. Batched publishes are published at the
   * script's next crossing, before any later receive is answered, so they
   * go out under the cause they were made under.
   */
  handle(event: UniversalEvent | null): void {
    if (event === null) {
      this.ctx.cause = undefined;
      return;
    }
    try {
      this.ctx.cause = this.ctx.port.cause(causeOf(event));
    } catch {
      this.ctx.cause = undefined; // an event without a usable id causes nothing
    }
  }

  /**
   * Publishes a region's event inits in order. Each was checked in the
   * isolate, so failures are rare: they happen when a `reject`/`block`
   * subscription appeared since the isolate last asked. Every event is
   * still tried; the first failure is reported at the script's next call.
   * While the start gate is closed, the events are held instead.
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
    if (this.gate?.closed === true) this.heldChars += batch.length;
    return this.publishFrom(inits, 0);
  }

  /**
   * True when the start gate holds as much of this script's publishes as it
   * may: the script then waits at its publish until the gate opens (which
   * counts as reaching its first wait), so holding never grows without bound.
   */
  private holdingFull(): boolean {
    return this.held >= HOLD_MAX_EVENTS || this.heldChars >= HOLD_MAX_CHARS;
  }

  /** Waits for the start gate to open and deliver what it held, as the script's first wait. */
  private awaitGate(): Promise<void> {
    this.gate!.arrive(this);
    return this.gate!.delivered;
  }

  private publishFrom(inits: unknown[], from: number): undefined | Promise<void> {
    for (let i = from; i < inits.length; i++) {
      // each batched event used the next id of the pool, whether or not it is published
      const id = this.ids[this.idsUsed++];
      const init = inits[i];
      if (this.gate?.closed === true) {
        if (this.holdingFull()) {
          this.idsUsed--; // the event takes its id when it is published, after the gate opens
          return this.awaitGate().then(() => this.publishFrom(inits, i));
        }
        this.holdBatched(init, id);
        continue;
      }
      const r = this.publishOne(init, id);
      // a block queue filled up mid-batch: wait, then go on in order
      if (r instanceof Promise) return r.then(() => this.publishFrom(inits, i + 1));
    }
    return undefined;
  }

  /** The checks every batched event passes before the bus sees it. */
  private checkBatched(init: unknown, id: string | undefined): asserts id is string {
    if (id === undefined) throw new CrosstalkError('SCRIPT_ERROR', 'the isolate batched more events than it was given ids for');
    if (init === null || typeof init !== 'object' || Array.isArray(init)) throw new CrosstalkError('INVALID_EVENT_TYPE', 'a batched event is not an event table');
    if (Object.hasOwn(init, 'id')) throw new CrosstalkError('SCRIPT_ERROR', 'a batched event carried an id (batched events take the next issued id)');
    // the isolate checked this at the call; the host is the authority
    checkMayPublish(this.ctx, init);
  }

  /** A batched event made before the start gate opened: checked now, delivered when it opens. */
  private holdBatched(init: unknown, id: string | undefined): void {
    let deliver: () => string | Promise<string>;
    try {
      this.checkBatched(init, id);
      const prepared = this.ctx.port.prepare(this.ctx.identity, init as EventInit, undefined, undefined, id, this.ctx.cause);
      deliver = () => this.ctx.port.publishPrepared(prepared);
    } catch (e) {
      this.publishFailed('batched publish', init, id, e);
      return;
    }
    this.held++;
    this.gate!.hold(() => this.deliverHeld('batched publish', init, id, deliver));
  }

  private deliverHeld(what: string, init: unknown, id: string | undefined, deliver: () => string | Promise<string>): unknown {
    try {
      const r = deliver();
      if (r instanceof Promise) {
        return r.then(
          () => void this.eventsOut++,
          (e: unknown) => this.publishFailed(what, init, id, e),
        );
      }
      this.eventsOut++;
      return r;
    } catch (e) {
      this.publishFailed(what, init, id, e);
      return undefined;
    }
  }

  /** One batched event under its pool id; a failure is kept for the script's next call. */
  private publishOne(init: unknown, id: string | undefined): unknown {
    try {
      this.checkBatched(init, id);
      const r = this.ctx.port.publishMinted(this.ctx.identity, init as EventInit, id, this.ctx.cause);
      if (r instanceof Promise) {
        return r.then(
          () => void this.eventsOut++,
          (e: unknown) => this.publishFailed('batched publish', init, id, e),
        );
      }
      this.eventsOut++;
      return r;
    } catch (e) {
      this.publishFailed('batched publish', init, id, e);
      return undefined;
    }
  }

  /**
   * A publish made before the start gate opened: checked now (its errors
   * are thrown at the call, as without the gate), delivered when the gate
   * opens; the script gets its id at once.
   */
  private holdPublish(args: unknown[]): string {
    const [first, data, options] = args;
    if (first !== null && typeof first === 'object' && (data !== undefined || options !== undefined)) {
      throw new CrosstalkError('INVALID_OPTION', 'the table form of publish takes one argument; put data and options inside it');
    }
    checkMayPublish(this.ctx, first);
    const supplied = first !== null && typeof first === 'object' ? (first as { id?: unknown }).id : undefined;
    const id = typeof supplied === 'string' ? supplied : uuidV4();
    const prepared = this.ctx.port.prepare(this.ctx.identity, first as string | EventInit, data as JsonValue, options as PublishOptions | undefined, id, this.ctx.cause);
    const deliver = () => this.ctx.port.publishPrepared(prepared);
    this.held++;
    this.heldChars += 512;
    this.gate!.hold(() => this.deliverHeld('publish', first, id, deliver));
    return id;
  }

  private publishFailed(what: string, init: unknown, id: string | undefined, e: unknown): void {
    if (this.deferred !== null) return;
    const w = toWireError(e);
    const type = (init as { event_type?: unknown } | null)?.event_type;
    this.deferred = { ...w, message: `${what} of ${String(type)}${id === undefined ? '' : ` (id ${id})`} failed: ${w.message}` };
    if (id !== undefined) this.deferred.eventId = id;
  }
}
