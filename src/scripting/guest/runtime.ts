/**
 * The guest runtime: everything a script's `Event` calls do inside the
 * isolate, the same for Lua and JS. The language adapters (lua/, js/)
 * convert values and errors; this file talks to the host (protocol.ts).
 *
 * - Waiting: a call that has to wait (receive, a held publish, query…)
 *   blocks this isolate's thread in `applySyncPromise` while the host loop
 *   goes on; nothing else in the process waits with it. So a wait works
 *   anywhere in a script: inside a Lua metamethod, a sort comparator, a
 *   filter function.
 * - Publishing: checked at the call (errors are thrown there, with the
 *   host's codes, paths and wording), then batched; the batch rides along
 *   with the next crossing, or goes ahead on its own when full. `publish`
 *   returns at once an id from a pool the host minted; the host gives the
 *   batched events those ids in order. A batched event the host refuses
 *   after all (a reject subscription appeared meanwhile) is reported at the
 *   script's next call that is not a publish, naming its id.
 * - Filter functions run here, at receive time; the events they refuse are
 *   reported to the host (counted in `filtered`) with the next crossing.
 * - Stopping: the host sets FLAG_STOP in memory it shares with the isolate
 *   (CPU budget, deadline) or answers a call with ANSWER_FATAL. The
 *   runtime then hands over its batch and every later call throws the stop
 *   error; adapters make it uncatchable.
 */
import { compilePattern, type CompiledPattern } from '../../core/pattern.js';
import { publishDenied, publishRefusal } from '../../core/permissions.js';
import { assertEventType, checkJson, EVENT_INIT_KEYS, PRIORITIES, PUBLISH_OPTION_KEYS, utf8Length, type UniversalEvent } from '../../core/event.js';
import { CrosstalkError, describeValue, type ErrorCode, ERROR_CODES } from '../../core/errors.js';
import { decodeEvents } from './codec.js';
import { Loop, type Callback } from './loop.js';
import { Outbox } from './outbox.js';
import {
  charCodeAt,
  dateNow,
  indexOfStr,
  isArray,
  jsonParse,
  jsonStringify,
  MapCtor,
  mapDelete,
  mapGet,
  mapSet,
  mapSize,
  mathMax,
  objectKeys,
  sliceStr,
  StringCtor,
  atomicsAdd,
} from './intrinsics.js';
import {
  ANSWER_ERROR,
  ANSWER_EVENT,
  ANSWER_EVENTS,
  ANSWER_FATAL,
  ANSWER_IDS,
  ANSWER_PUBLISHED,
  ANSWER_VALUE,
  CALL_BATCH,
  CALL_CLOCK,
  CALL_IDLE,
  CALL_NEXT,
  CALL_SETTLE,
  CALL_TIMER,
  CALL_FATAL,
  CALL_FLUSH,
  CALL_HEAP,
  CALL_PRINT,
  CTL_INTS,
  CTL_TASKS,
  FLAG_STOP,
  MAX_PRINT_CHARS,
  type GuestConfig,
  type WireError,
  RESULT_VALUE,
} from './protocol.js';

/** The host function as the isolate sees it (an isolated-vm Reference). */
export interface HostReference {
  applySyncPromise(receiver: undefined, args: unknown[], options: object): string;
  applyIgnored(receiver: undefined, args: unknown[], options: object): void;
}

/** A filter function of the script's language, as the runtime calls it. */
export type FilterFunction = (event: UniversalEvent) => boolean;

/** A subscription with a filter function: what it holds back between receives. */
interface Filtered {
  fn: FilterFunction;
  /** events taken from the host but not yet run through the filter */
  held: UniversalEvent[];
  /** the filter's failure, raised at the next receive */
  error: CrosstalkError | null;
}

export interface SubscriptionData {
  id: string;
  patterns: string[];
}

const COPY_ARGS = Object.freeze({ arguments: Object.freeze({ copy: true }) });
/** Option keys a batched publish may carry; any other goes to the host at the call. */
const BATCHABLE: Readonly<Record<string, 1>> = Object.freeze({ priority: 1, metadata: 1, correlation_id: 1, language: 1, event_type: 1, data: 1 });
/** Event types whose batching verdict the runtime remembers at most (a script may publish any number of types). */
const TYPE_VERDICTS_MAX = 4096;
const DEFAULT_RECEIVE_TIMEOUT_MS = 5000;
const DEFAULT_BATCH_TIMEOUT_MS = 1000;
const DEFAULT_BATCH_MAX = 100;
const KNOWN_CODES: readonly string[] = ERROR_CODES;

/** A CrosstalkError from what crossed the boundary (an unknown code becomes SCRIPT_ERROR). */
export function errorFromWire(w: WireError): CrosstalkError {
  const known = KNOWN_CODES.includes(w.code);
  const details: Record<string, string> = {};
  for (const k of ['path', 'pattern', 'subscriptionId', 'option', 'eventType', 'eventId'] as const) {
    const v = w[k];
    if (typeof v === 'string') details[k] = v;
  }
  return new CrosstalkError((known ? w.code : 'SCRIPT_ERROR') as ErrorCode, known ? StringCtor(w.message) : `${w.code}: ${w.message}`, details);
}

export class Runtime {
  /** the error that stops the script; every call throws it from now on */
  dead: CrosstalkError | null = null;
  readonly script: string;
  private readonly maxBytes: number;
  /** the bus's nesting limit for data and metadata (docs/event-api.md "Events") */
  readonly maxDepth: number;

  // batching (see the file comment)
  private batching: boolean;
  private strictVersion = -1;
  private typeBatchable: Map<string, boolean> = new MapCtor();
  private lastVerdict = false;
  private ids: string;
  private idPos = 0;
  private readonly outbox: Outbox;
  /** a refused batched publish, thrown at the next call that is not a publish */
  private deferred: CrosstalkError | null = null;
  private lastType: string | null = null;
  /** the correlation id of the with_correlation scope the script is in, if any */
  private correlation: string | null = null;
  private lastTypeJson = '';
  /** the script's publish permissions (docs/scripts.md "Script permissions"); the host checks again */
  private readonly publishAllow: CompiledPattern[] | null;
  private readonly publishDeny: CompiledPattern[];

  // filter functions and what they refused
  private readonly filters: Map<string, Filtered> = new MapCtor();
  private filteredNotes: Map<string, number> = new MapCtor();

  private readonly flags: Int32Array;
  /** the script's timers and handler subscriptions */
  readonly loop: Loop;

  constructor(
    private readonly host: HostReference,
    cfg: GuestConfig,
    shared: SharedArrayBuffer,
  ) {
    this.flags = new Int32Array(shared, 0, CTL_INTS);
    this.outbox = new Outbox(shared);
    this.loop = new Loop(this);
    this.script = cfg.script;
    this.maxBytes = cfg.maxBytes;
    this.maxDepth = cfg.maxDepth;
    this.batching = cfg.batching;
    this.publishAllow = cfg.publish.allow === null ? null : cfg.publish.allow.map((p) => compilePattern(p));
    this.publishDeny = cfg.publish.deny.map((p) => compilePattern(p));
    this.ids = cfg.ids;
  }

  // ---- crossing ---------------------------------------------------------------

  /** True when the host asked the script to stop (CPU budget, deadline) and it has not yet. */
  get stopRequested(): boolean {
    return this.dead === null && this.flags[FLAG_STOP] !== 0;
  }

  /**
   * The answer for a script that returned `v` (protocol.ts RESULT_VALUE):
   * JSON within the bus's depth and size limits, or INVALID_DATA.
   */
  resultValue(v: unknown): string {
    if (v === undefined) return '';
    checkJson(v, 'return value', this.maxDepth);
    const json = jsonStringify(v);
    if (json.length > this.maxBytes) {
      throw new CrosstalkError('INVALID_DATA', `the script's return value is ${json.length} characters of JSON; at most ${this.maxBytes} are kept`);
    }
    return RESULT_VALUE + json;
  }

  /** An event-loop task begins: the host's CPU watchdog starts a new stretch (protocol.ts CTL_TASKS). */
  taskBegun(): void {
    atomicsAdd(this.flags, CTL_TASKS, 1);
  }

  /** Throws the stop error when the script is stopped or asked to stop (handing over the batch first). */
  checkAlive(): void {
    if (this.dead !== null) throw this.dead;
    if (this.flags[FLAG_STOP] !== 0) this.flush(false); // the host answers with the stop
  }

  private takeNotes(): string {
    if (mapSize(this.filteredNotes) === 0) return '';
    const f: Record<string, number> = {};
    for (const [id, n] of this.filteredNotes) f[id] = n;
    this.filteredNotes = new MapCtor();
    return jsonStringify({ f });
  }

  /** One crossing: the pending batch and notes, then the call. Returns the decoded answer. */
  callHost(name: string, args: unknown[]): unknown {
    if (this.dead !== null) throw this.dead;
    if (!isQuiet(name) && name !== 'publish') this.throwDeferred();
    // the host publishes what the script batched before it answers this call
    this.outbox.handOver();
    const notes = this.takeNotes();
    let r: string;
    try {
      r = this.host.applySyncPromise(undefined, [name, args, notes], COPY_ARGS);
    } catch (e) {
      throw new CrosstalkError('SCRIPT_ERROR', `Event.${name}: ${StringCtor((e as Error | null)?.message)}`);
    }
    let at = 1;
    this.batching = charCodeAt(r, 0) === 49; // '1'
    if (!this.batching) {
      at = indexOfStr(r, ';') + 1; // '0<version>;'
      const version = +sliceStr(r, 1, at - 1);
      if (version !== this.strictVersion) {
        this.strictVersion = version;
        this.typeBatchable = new MapCtor();
      }
    }
    const tag = charCodeAt(r, at);
    at++;
    switch (tag) {
      case ANSWER_VALUE:
        return r.length > at ? jsonParse(sliceStr(r, at)) : undefined;
      case ANSWER_PUBLISHED:
        this.lastVerdict = charCodeAt(r, at) === 98; // 'b'
        return jsonParse(sliceStr(r, at + 1));
      case ANSWER_EVENTS:
        return decodeEvents(sliceStr(r, at));
      case ANSWER_EVENT:
        return decodeEvents(sliceStr(r, at))[0];
      case ANSWER_IDS:
        this.ids = sliceStr(r, at);
        this.idPos = 0;
        return undefined;
      case ANSWER_ERROR:
        throw errorFromWire(jsonParse(sliceStr(r, at)) as WireError);
      case ANSWER_FATAL:
        this.dead = errorFromWire(jsonParse(sliceStr(r, at)) as WireError);
        throw this.dead;
      default:
        throw new CrosstalkError('SCRIPT_ERROR', `Event.${name}: malformed answer from the host`);
    }
  }

  private throwDeferred(): void {
    const e = this.deferred;
    if (e !== null) {
      this.deferred = null;
      throw e;
    }
  }

  /** Hands over what is batched, if anything (a crossing only then). */
  handOver(): void {
    if (this.outbox.pending > 0) this.flush(false);
  }

  /** Hands over the batch (and notes); with `wantIds`, also takes a fresh id pool. */
  flush(wantIds: boolean): void {
    this.callHost(CALL_FLUSH, [wantIds]);
  }

  /**
   * A flush on behalf of a publish: the event being published is in the
   * batch and went out, so the failure of an earlier batched event must not
   * be thrown from this call (the script would take it for its own).
   */
  private flushFromPublish(wantIds: boolean): void {
    try {
      this.flush(wantIds);
    } catch (e) {
      if (this.dead !== null) throw e;
      this.deferred ??= e as CrosstalkError;
    }
  }

  // ---- publish ------------------------------------------------------------------

  /**
   * `publish(type, data, options)` or, with `init`, the table form. Returns
   * the event id. Values must already be plain JS (adapters convert theirs).
   */
  publish(first: unknown, data: unknown, options: unknown, nargs: number): string {
    this.checkAlive();
    let type: unknown;
    let fields: Record<string, unknown> | undefined;
    let tableForm = false;
    if (first !== null && typeof first === 'object' && !isArray(first)) {
      tableForm = true;
      rejectUnknownKeys(first as Record<string, unknown>, EVENT_INIT_KEYS, 'event');
      if (nargs > 1 && (data !== undefined || options !== undefined)) {
        throw new CrosstalkError('INVALID_OPTION', 'the table form of publish takes one argument; put data and options inside it');
      }
      fields = first as Record<string, unknown>;
      type = fields.event_type;
      data = fields.data;
    } else if (typeof first === 'string') {
      type = first;
      if (options !== undefined && options !== null) {
        if (typeof options !== 'object' || isArray(options)) {
          throw new CrosstalkError('INVALID_OPTION', `Expected \`options\` to be an object, got ${describeValue(options)}`, { option: 'options' });
        }
        rejectUnknownKeys(options as Record<string, unknown>, PUBLISH_OPTION_KEYS, 'publish');
        fields = options as Record<string, unknown>;
      }
    } else {
      throw new CrosstalkError('INVALID_EVENT_TYPE', `publish needs an event type string or an event table, got ${describeValue(first)}`);
    }
    if (this.correlation !== null) {
      // inside with_correlation: a publish that names no correlation id takes the scope's
      if (tableForm) {
        if ((first as { correlation_id?: unknown }).correlation_id === undefined) {
          first = { ...(first as object), correlation_id: this.correlation };
          fields = first as Record<string, unknown>;
        }
      } else if (fields?.correlation_id === undefined) {
        fields = { ...fields, correlation_id: this.correlation };
        options = fields;
        if (nargs < 3) nargs = 3;
      }
    }
    if (type !== this.lastType) this.checkType(type);
    const t = type as string;
    if (data === undefined) data = null;
    let size = checkJson(data, 'data', this.maxDepth);
    const meta = fields?.metadata;
    if (meta !== undefined && meta !== null && typeof meta === 'object') size += checkJson(meta, 'metadata', this.maxDepth);
    if ((this.batching || mapGet(this.typeBatchable, t) === true) && (fields === undefined || batchableFields(fields))) {
      return this.publishBatched(t, data, size, fields);
    }
    // through the host at the call: it may fail at routing time or wait (block)
    if (size + 512 > this.maxBytes) this.checkSize(t, stringifyOrFail(data, 'data'), meta === undefined || meta === null ? '{}' : stringifyOrFail(meta, 'metadata'));
    const args: unknown[] = tableForm ? [first] : [t, data];
    if (!tableForm && nargs > 2) args[2] = options;
    const id = this.callHost('publish', args) as string;
    if (!this.batching) {
      if (mapSize(this.typeBatchable) >= TYPE_VERDICTS_MAX) this.typeBatchable = new MapCtor();
      mapSet(this.typeBatchable, t, this.lastVerdict);
    }
    return id;
  }

  /**
   * PAYLOAD_TOO_LARGE as the host would say it. Called only when the size
   * bound says the event may not fit: UTF-16 length is a lower bound of
   * UTF-8 bytes, so the exact count is needed only when that bound fits.
   */
  private checkSize(type: string, dataJson: string, metaJson: string): void {
    let n = dataJson.length + metaJson.length + 512;
    if (n <= this.maxBytes) n = utf8Length(dataJson) + utf8Length(metaJson) + 512;
    if (n > this.maxBytes) {
      throw new CrosstalkError('PAYLOAD_TOO_LARGE', `event ${type} is about ${n} bytes serialized; the limit is ${this.maxBytes}`, { eventType: type });
    }
  }

  /**
   * `publish(type, data)` with `data` already written as JSON by the
   * language adapter (the Lua adapter writes a table in one walk, checking
   * it as it goes: lua/marshal.ts). Returns the id, or null when the event
   * cannot be batched now (the adapter then calls `publish` with the value).
   */
  publishJson(type: string, dataJson: string): string {
    if (type !== this.lastType) this.checkType(type);
    // a bound of its UTF-8 bytes (3 per UTF-16 unit at most), as publish's size bound
    return this.appendBatched(type, undefined, dataJson, dataJson.length * 3, undefined);
  }

  /**
   * Whether `publishJson` may take a publish of this type now (asked before
   * the adapter writes the JSON): not inside with_correlation, batching on
   * for the type, the script alive. The type itself is checked there.
   */
  jsonPublishable(type: string): boolean {
    return this.dead === null && this.correlation === null && this.flags[FLAG_STOP] === 0 && (this.batching || mapGet(this.typeBatchable, type) === true);
  }

  /** The checks of a type the script did not publish last: its grammar and the script's permissions. */
  private checkType(type: unknown): void {
    assertEventType(type);
    const refused = publishRefusal(type, this.publishAllow, this.publishDeny);
    if (refused !== null) throw publishDenied(this.script, type, refused);
    this.lastType = type;
    this.lastTypeJson = jsonStringify(type);
  }

  private publishBatched(type: string, data: unknown, size: number, fields: Record<string, unknown> | undefined): string {
    // serialized now: the script may change its data after publish returns; a
    // value JSON cannot carry after all (a hidden toJSON) fails here, alone
    return this.appendBatched(type, data, stringifyOrFail(data, 'data'), size, fields);
  }

  private appendBatched(type: string, data: unknown, dataJson: string, size: number, fields: Record<string, unknown> | undefined): string {
    const metaJson = fields?.metadata !== undefined ? stringifyOrFail(fields.metadata, 'metadata') : '{}';
    if (size + 512 > this.maxBytes || dataJson.length + metaJson.length + 512 > this.maxBytes) this.checkSize(type, dataJson, metaJson);
    const typeJson = type === this.lastType ? this.lastTypeJson : jsonStringify(type);
    let tail = '}';
    if (fields !== undefined) {
      tail = '';
      if (fields.metadata !== undefined) tail += ',"metadata":' + metaJson;
      if (fields.priority !== undefined) tail += ',"priority":' + jsonStringify(fields.priority);
      if (fields.correlation_id !== undefined) tail += ',"correlation_id":' + jsonStringify(fields.correlation_id);
      if (fields.language !== undefined) tail += ',"language":' + jsonStringify(fields.language);
      tail += '}';
    }
    const chars = 14 + typeJson.length + 8 + dataJson.length + tail.length;
    const box = this.outbox;
    if (!Outbox.fitsRegion(chars)) {
      // larger than a region: it goes to the host on its own, after what is batched
      if (data === undefined) data = jsonParse(dataJson); // written by the adapter
      return this.callHost('publish', fields === undefined ? [type, data] : [type, data, fields]) as string;
    }
    if (this.idPos >= this.ids.length) {
      this.flushFromPublish(true);
      if (this.idPos >= this.ids.length) throw new CrosstalkError('SCRIPT_ERROR', 'Event.publish: the host gave no new event ids');
    }
    if (!box.fits(chars)) {
      // the region is full: hand it over without waiting, and go on in the other one
      if (box.handOver()) this.host.applyIgnored(undefined, [CALL_BATCH, null, ''], COPY_ARGS);
      // ... unless the host has not published that one yet
      if (box.blocked) this.flushFromPublish(false);
    }
    // the host gives the event this same id: the next one of the pool it issued
    const id = sliceStr(this.ids, this.idPos, this.idPos + 36);
    this.idPos += 36;
    box.begin();
    box.put('{"event_type":');
    box.put(typeJson);
    box.put(',"data":');
    box.put(dataJson);
    box.put(tail);
    box.commit();
    return id;
  }

  /** Hands over what is batched without waiting (before something that may run long). */
  sendAhead(): void {
    if (this.dead === null && this.outbox.handOver()) this.host.applyIgnored(undefined, [CALL_BATCH, null, ''], COPY_ARGS);
  }

  // ---- subscriptions --------------------------------------------------------------

  /**
   * `filter` and `handler` are functions of the script's language, kept
   * here; the rest goes to the host. With `handler`, the subscription is a
   * handler subscription: its events come as tasks of the event loop.
   */
  subscribe(args: unknown[], filter: FilterFunction | null, handler: Callback | null = null): SubscriptionData {
    this.checkAlive();
    if (handler !== null) {
      args = [args[0], args[1], true];
      if (args[1] === undefined) args[1] = null;
    }
    const h = this.callHost('subscribe', args) as SubscriptionData;
    if (handler !== null && filter !== null) {
      // a handler is called only for what its filter keeps; a filter that throws fails the event as the handler would
      const inner = handler;
      const keep = filter;
      handler = (...a: unknown[]) => {
        if (!keep(a[0] as UniversalEvent)) {
          this.noteFiltered(h.id);
          return undefined;
        }
        return inner(...a);
      };
    } else if (filter !== null) {
      mapSet(this.filters, h.id, { fn: filter, held: [], error: null });
    }
    if (handler !== null) this.loop.addHandler(h.id, handler);
    return h;
  }

  unsubscribe(args: unknown[]): unknown {
    this.checkAlive();
    const r = this.callHost('unsubscribe', args);
    if (typeof args[0] === 'string') {
      mapDelete(this.filters, args[0]);
      this.loop.removeHandler(args[0]);
    }
    return r;
  }

  private noteFiltered(id: string, n = 1): void {
    mapSet(this.filteredNotes, id, (mapGet(this.filteredNotes, id) ?? 0) + n);
  }

  /**
   * Runs the filter over `events` from `from` on, adding what it keeps to
   * `kept` (at most `max`). Events not reached yet are held for the next
   * receive. When the filter throws, the error is raised now if nothing was
   * kept, else held for the next receive so the events taken are not lost.
   */
  private sift(id: string, st: Filtered, events: UniversalEvent[], kept: UniversalEvent[], max: number): void {
    for (let i = 0; i < events.length; i++) {
      if (kept.length >= max) {
        st.held = events.slice(i).concat(st.held);
        return;
      }
      const e = events[i]!;
      let keep: boolean;
      try {
        keep = st.fn(e) === true;
      } catch (err) {
        if (this.dead !== null) throw err;
        this.noteFiltered(id); // the event it failed on is not delivered
        st.held = events.slice(i + 1).concat(st.held);
        const msg = err instanceof CrosstalkError ? `${err.code}: ${err.message}` : StringCtor((err as Error | null)?.message ?? err);
        const failure = new CrosstalkError('SCRIPT_ERROR', `filter function failed: ${msg}`, { subscriptionId: id });
        if (kept.length === 0) throw failure;
        st.error = failure;
        return;
      }
      if (keep) kept[kept.length] = e;
      else this.noteFiltered(id);
    }
  }

  /** What a filtered subscription held back: a filter's error first, then events not yet sifted. */
  private takeHeld(id: string, st: Filtered, max: number): UniversalEvent[] {
    if (st.error !== null) {
      const e = st.error;
      st.error = null;
      throw e;
    }
    const kept: UniversalEvent[] = [];
    if (st.held.length > 0) {
      const held = st.held;
      st.held = [];
      this.sift(id, st, held, kept, max);
    }
    return kept;
  }

  /** `receive(sub, timeout)`: a filter function of the subscription may refuse events; the wait then goes on. */
  receive(args: unknown[]): UniversalEvent | null | undefined {
    this.checkAlive();
    const id = args[0];
    const st = typeof id === 'string' ? mapGet(this.filters, id) : undefined;
    if (st === undefined) return this.callHost('receive', args) as UniversalEvent | null | undefined;
    const sub = id as string;
    const timeout = args[1];
    const deadline = dateNow() + (typeof timeout === 'number' && timeout > 0 ? timeout : timeout === undefined ? DEFAULT_RECEIVE_TIMEOUT_MS : 0);
    const held = this.takeHeld(sub, st, 1);
    if (held.length > 0) return held[0];
    let ask: unknown[] = args;
    for (;;) {
      const e = this.callHost('receive', ask) as UniversalEvent | null;
      if (e === null || e === undefined) return e;
      const kept: UniversalEvent[] = [];
      this.sift(sub, st, [e], kept, 1);
      if (kept.length > 0) return kept[0];
      ask = [sub, mathMax(0, deadline - dateNow())];
    }
  }

  /** `receive_batch(sub, {max_events, timeout_ms})`, with the subscription's filter function applied. */
  receiveBatch(args: unknown[]): UniversalEvent[] {
    this.checkAlive();
    const id = args[0];
    const st = typeof id === 'string' ? mapGet(this.filters, id) : undefined;
    if (st === undefined) return this.callHost('receive_batch', args) as UniversalEvent[];
    const sub = id as string;
    const opts = (args[1] ?? {}) as { max_events?: unknown; timeout_ms?: unknown };
    const max = typeof opts.max_events === 'number' ? opts.max_events : DEFAULT_BATCH_MAX;
    const timeout = typeof opts.timeout_ms === 'number' ? opts.timeout_ms : DEFAULT_BATCH_TIMEOUT_MS;
    const deadline = dateNow() + timeout;
    const kept = this.takeHeld(sub, st, max);
    if (kept.length > 0) return kept;
    let ask: unknown[] = args; // the first call passes the options as given, so the host checks them
    for (;;) {
      const batch = this.callHost('receive_batch', ask) as UniversalEvent[];
      if (batch.length === 0) return kept;
      this.sift(sub, st, batch, kept, max);
      if (kept.length > 0) return kept;
      ask = [sub, { max_events: max, timeout_ms: mathMax(0, deadline - dateNow()) }];
    }
  }

  /** Any other Event call: through the host. */
  call(name: string, args: unknown[]): unknown {
    this.checkAlive();
    if (name === 'request' && this.correlation !== null) {
      const o = args[2];
      if (o === undefined || o === null) args[2] = { correlation_id: this.correlation };
      else if (typeof o === 'object' && !isArray(o) && (o as { correlation_id?: unknown }).correlation_id === undefined) {
        args[2] = { ...(o as object), correlation_id: this.correlation };
      }
      if (args.length < 3) args.length = 3;
    }
    return this.callHost(name, args);
  }

  /**
   * `receive_any(subs, timeout)`: `{event, subscription: id}` or null. A
   * subscription's filter function may refuse the event; the wait goes on.
   */
  receiveAny(args: unknown[]): { event: UniversalEvent; subscription: string } | null {
    this.checkAlive();
    const timeout = args[1];
    const deadline = dateNow() + (typeof timeout === 'number' && timeout > 0 ? timeout : timeout === undefined ? DEFAULT_RECEIVE_TIMEOUT_MS : 0);
    let ask = args;
    for (;;) {
      const r = this.callHost('receive_any', ask) as { event: UniversalEvent; subscription: string } | null;
      if (r === null || r === undefined) return null;
      const st = mapGet(this.filters, r.subscription);
      if (st === undefined) return r;
      const kept: UniversalEvent[] = [];
      this.sift(r.subscription, st, [r.event], kept, 1);
      if (kept.length > 0) return r;
      ask = [args[0], mathMax(0, deadline - dateNow())];
    }
  }

  /** Runs `fn` with `id` as the correlation id of what it publishes and requests (nested scopes stack). */
  withCorrelation<T>(id: unknown, fn: () => T): T {
    this.checkAlive();
    if (typeof id !== 'string' || id.length === 0 || id.length > 255) {
      throw new CrosstalkError('INVALID_OPTION', `Expected \`correlation_id\` to be a string of 1 to 255 characters, got ${describeValue(id)}`, {
        option: 'correlation_id',
      });
    }
    const outer = this.correlation;
    this.correlation = id;
    try {
      return fn();
    } finally {
      this.correlation = outer;
    }
  }

  // ---- output, memory, the end --------------------------------------------------------

  print(stream: 'stdout' | 'stderr', text: string): void {
    if (this.dead !== null) return;
    const s = text.length > MAX_PRINT_CHARS ? `${sliceStr(text, 0, MAX_PRINT_CHARS)}... (${text.length - MAX_PRINT_CHARS} more characters cut)` : text;
    this.callHost(CALL_PRINT, [stream, s]);
  }

  /** Bytes of heap the isolate uses (Lua's collectgarbage("count")). */
  heapBytes(): number {
    return this.callHost(CALL_HEAP, []) as number;
  }

  /** Seconds of CPU the isolate has used (Lua's os.clock). */
  cpuSeconds(): number {
    return this.callHost(CALL_CLOCK, []) as number;
  }

  /** The isolate ran out of memory in a way the script could catch: stop it with SCRIPT_MEMORY. */
  outOfMemory(message: string): CrosstalkError {
    if (this.dead === null) {
      try {
        this.callHost(CALL_FATAL, ['SCRIPT_MEMORY', message]);
      } catch {
        // the answer is the stop itself
      }
      this.dead ??= new CrosstalkError('SCRIPT_MEMORY', message);
    }
    return this.dead;
  }

  /**
   * The script's last crossing: hands over the batch and hears of any batched
   * publish the host refused. Returns the failure to report, or null.
   */
  finish(failure: CrosstalkError | Error | null): CrosstalkError | Error | null {
    if (this.dead !== null) return failure ?? this.dead;
    const pending = this.deferred;
    this.deferred = null;
    try {
      this.flush(false);
    } catch (e) {
      failure ??= e as CrosstalkError;
    }
    return failure ?? pending;
  }
}

/** Calls that are not Event calls: they never report a refused batched publish. */
function isQuiet(name: string): boolean {
  return (
    name === CALL_FLUSH ||
    name === CALL_PRINT ||
    name === CALL_CLOCK ||
    name === CALL_HEAP ||
    name === CALL_TIMER ||
    name === CALL_NEXT ||
    name === CALL_IDLE ||
    name === CALL_SETTLE
  );
}

/** Only the fields a batch can carry, each with a value the host is sure to accept. */
function batchableFields(f: Record<string, unknown>): boolean {
  const keys = objectKeys(f);
  for (let i = 0; i < keys.length; i++) if (BATCHABLE[keys[i]!] !== 1) return false;
  if (f.priority !== undefined && !(PRIORITIES as readonly unknown[]).includes(f.priority)) return false;
  const m = f.metadata;
  if (m !== undefined && (m === null || typeof m !== 'object' || isArray(m))) return false;
  const c = f.correlation_id;
  if (c !== undefined && (typeof c !== 'string' || c.length === 0 || c.length > 255)) return false;
  const l = f.language;
  if (l !== undefined && (typeof l !== 'string' || l.length === 0 || l.length > 64)) return false;
  return true;
}

/** JSON text of a checked value; a value that still cannot be written (a hidden toJSON) fails here. */
function stringifyOrFail(v: unknown, path: string): string {
  let s: unknown;
  try {
    s = jsonStringify(v);
  } catch (e) {
    throw new CrosstalkError('INVALID_DATA', `${path} cannot be written as JSON: ${StringCtor((e as Error | null)?.message)}`, { path });
  }
  if (typeof s !== 'string') throw new CrosstalkError('INVALID_DATA', `${path} cannot be written as JSON (a toJSON method returned nothing)`, { path });
  return s;
}

function rejectUnknownKeys(obj: Record<string, unknown>, known: readonly string[], what: string): void {
  const keys = objectKeys(obj);
  for (let i = 0; i < keys.length; i++) {
    if (!known.includes(keys[i]!)) {
      throw new CrosstalkError('INVALID_OPTION', `unknown ${what} option ${describeValue(keys[i])}; known: ${known.join(', ')}`, { option: keys[i]! });
    }
  }
}
