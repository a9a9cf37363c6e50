/**
 * The isolate-side half of the JS binding: the source that runs in every
 * isolate before the script. It builds the `Event` global (SPEC §4 names and
 * camelCase aliases, generated from the host's binding table), subscription
 * handles, `console`, the `CrosstalkError` class, and the publish batch.
 * The call-site checks (isolate-checks.ts), the console (isolate-console.ts)
 * and the event decoder (codec.ts) are spliced in as source.
 *
 * It is evaluated as a closure with two arguments, `$0` the host call
 * Reference (see bridge.ts for the wire format) and `$1` the config JSON, and
 * returns the control function the host drives the script with:
 * `control('run', fn)`, `control('filter', k, eventJson)`, `control('rescue')`.
 *
 * Invariants:
 * - Nothing of the host enters the isolate except strings and numbers; the
 *   host call Reference stays in this closure.
 * - Everything the prelude needs from the global object is captured here,
 *   before the script runs, so a script that replaces `JSON` or
 *   `Array.prototype.push` only breaks itself.
 * - Per-publisher order: the pending batch rides along with every host call,
 *   and the host publishes it before doing the call. A full batch may also
 *   go ahead on its own (`applyIgnored`, so the isolate keeps running while
 *   the host publishes); isolated-vm delivers calls from one isolate in
 *   order, and at most ASYNC_DEPTH such batches are in flight before a call
 *   that waits for the host.
 * - A batched event is serialized when `publish` is called, so the script may
 *   mutate its data afterwards.
 * - A batched publish the host refuses (a `reject` subscription appeared
 *   meanwhile) is reported at the script's next Event call that is not a
 *   publish, or fails the script at its end; never from a later publish,
 *   whose own event did go out.
 */
import { DECODE_SOURCE } from './codec.js';
import { CHECKS_SOURCE } from './isolate-checks.js';
import { CONSOLE_SOURCE } from './isolate-console.js';

export const PRELUDE_SOURCE = String.raw`
'use strict';
const hostRef = $0;
const cfg = JSON.parse($1);
const G = globalThis;
const jsonParse = JSON.parse;
const jsonStringify = JSON.stringify;
const objectKeys = Object.keys;
const getProto = Object.getPrototypeOf;
const ObjectProto = Object.prototype;
const isArray = Array.isArray;
const freeze = Object.freeze;
const defineProperty = Object.defineProperty;
const ErrorCtor = Error;
const StringCtor = String;
const isFiniteNum = Number.isFinite;
const reflectApply = Reflect.apply;
const uncurry = (f) => Function.prototype.call.bind(f);
const sliceStr = uncurry(String.prototype.slice);
const indexOfStr = uncurry(String.prototype.indexOf);
const charCodeAt = uncurry(String.prototype.charCodeAt);
const reTest = uncurry(RegExp.prototype.test);
const WeakSetCtor = WeakSet;
const weakHas = uncurry(WeakSet.prototype.has);
const weakAdd = uncurry(WeakSet.prototype.add);
const MapCtor = Map;
const mapGet = uncurry(Map.prototype.get);
const mapSet = uncurry(Map.prototype.set);
const mapDelete = uncurry(Map.prototype.delete);
const mapSize = uncurry(Object.getOwnPropertyDescriptor(Map.prototype, 'size').get);
const hostCall = uncurry(hostRef.applySyncPromise);
const hostSend = uncurry(hostRef.applyIgnored);
const COPY_ARGS = freeze({ arguments: freeze({ copy: true }) });

const SCRIPT = cfg.script;
const MAX_DEPTH = cfg.maxDepth;
const MAX_BYTES = cfg.maxBytes;
const BATCH_MAX = cfg.batchMax;
const BATCH_BYTES = cfg.batchBytes;
const ASYNC_DEPTH = cfg.asyncDepth;
const ARGS_MAX_BYTES = cfg.argsMaxBytes;
// the host's own rule (core/event.ts), so the isolate checks exactly what the bus checks
const EVENT_TYPE_RE = new RegExp(cfg.eventTypeRe);
const TYPE_MAX = cfg.typeMax;
const PUBLISH_KEYS = cfg.publishKeys;
const INIT_KEYS = cfg.initKeys;
const PRIORITIES = cfg.priorities;
// option keys a batched publish may carry; anything else goes to the host at the call
const BATCHABLE = freeze({ priority: 1, metadata: 1, correlation_id: 1, language: 1, event_type: 1, data: 1 });

${DECODE_SOURCE}
${CHECKS_SOURCE}

// ---- host calls and the publish batch ------------------------------------------

// may every publish be batched (no reject/block subscription on the bus)?
let batching = cfg.batching;
// otherwise: the bus's strictVersion, and what is known of types under it
// (true: reaches no reject/block subscription, may be batched)
let strictVersion = -1;
let typeBatchable = new MapCtor();
// the verdict of the last publish sent on its own (tag 'P')
let lastVerdict = false;
// types remembered at most (a script may publish any number of them)
const TYPE_VERDICTS_MAX = 4096;
let ids = cfg.ids;
let idPos = 0;
let parts = '';
let nparts = 0;
let pbytes = 0;
let inflight = 0;
let inFilter = false;
let dead = null;
// a batched publish the host refused, reported at the next call that is not a publish
let deferred = null;
let filterOut = null;

function takeBatch() {
  if (nparts === 0) return '';
  const b = '[' + parts + ']';
  parts = '';
  nparts = 0;
  pbytes = 0;
  return b;
}

function guard(name) {
  if (dead !== null) throw fail(dead.code, dead.message);
  if (inFilter) throw fail('SCRIPT_ERROR', 'Event.' + name + ' cannot be called inside a filter function');
}

/** One crossing: the pending batch, then the call. Returns the decoded result. */
function callHost(name, args, fk) {
  if (name !== '__flush' && name !== '__print') throwDeferred();
  const batch = takeBatch();
  let r;
  try {
    r = hostCall(hostRef, undefined, [name, args, batch, fk], COPY_ARGS);
  } catch (e) {
    if (e instanceof CrosstalkError) throw e;
    throw fail('SCRIPT_ERROR', 'Event.' + name + ': ' + StringCtor(e && e.message));
  }
  inflight = 0; // the host answered, so every earlier batch is published
  let at = 1;
  batching = charCodeAt(r, 0) === 49; // '1'
  if (!batching) {
    // '0<version>;'
    at = indexOfStr(r, ';') + 1;
    const version = +sliceStr(r, 1, at - 1);
    if (version !== strictVersion) {
      strictVersion = version;
      typeBatchable = new MapCtor();
    }
  }
  const tag = charCodeAt(r, at);
  at++;
  if (tag === 118) return r.length > at ? jsonParse(sliceStr(r, at)) : undefined; // 'v'
  if (tag === 80) { lastVerdict = charCodeAt(r, at) === 98; return jsonParse(sliceStr(r, at + 1)); } // 'P' + 'b'/'s'
  if (tag === 76) return decodeEvents(sliceStr(r, at)); // 'L': a list of events
  if (tag === 69) return decodeEvents(sliceStr(r, at))[0]; // 'E': one event
  if (tag === 105) { ids = sliceStr(r, at); idPos = 0; return undefined; } // 'i'
  const d = jsonParse(sliceStr(r, at));
  if (tag === 120) dead = d; // 'x': the script is being stopped
  throw fail(d.code, d.message, d);
}

function flush(wantIds) {
  callHost('__flush', [wantIds], -1);
}

/**
 * A flush on behalf of a publish: the event being published is in the batch
 * and was published, so a failure of an earlier batched event must not be
 * thrown from this call (the script would take it for its own and retry).
 */
function flushFromPublish(wantIds) {
  try {
    flush(wantIds);
  } catch (e) {
    if (dead !== null) throw e;
    if (deferred === null) deferred = e;
  }
}

function throwDeferred() {
  if (deferred !== null) {
    const e = deferred;
    deferred = null;
    throw e;
  }
}

/**
 * PAYLOAD_TOO_LARGE as the host would say it. Called only when the size bound
 * says the event may not fit: UTF-16 length is a lower bound of UTF-8 bytes,
 * so the exact count is needed only when that bound still fits.
 */
function checkSize(type, dataJson, metaJson) {
  let n = dataJson.length + metaJson.length + 512;
  if (n <= MAX_BYTES) n = utf8Length(dataJson) + utf8Length(metaJson) + 512;
  if (n > MAX_BYTES) {
    throw fail('PAYLOAD_TOO_LARGE', 'event ' + type + ' is about ' + n + ' bytes serialized; the limit is ' + MAX_BYTES, { eventType: type });
  }
}

function publishBatched(type, data, size, fields) {
  const dataJson = jsonStringify(data);
  const metaJson = fields !== undefined && fields.metadata !== undefined ? jsonStringify(fields.metadata) : '{}';
  if (size + 512 > MAX_BYTES) checkSize(type, dataJson, metaJson);
  if (idPos >= ids.length) {
    flushFromPublish(true);
    if (idPos >= ids.length) throw fail('SCRIPT_ERROR', 'Event.publish: the host gave no new event ids');
  }
  const id = sliceStr(ids, idPos, idPos + 36);
  idPos += 36;
  // the host gives the event this same id: the next one of the pool it issued
  let part = '{"event_type":' + (type === lastType ? lastTypeJson : jsonStringify(type)) + ',"data":' + dataJson;
  if (fields !== undefined) {
    if (fields.metadata !== undefined) part += ',"metadata":' + metaJson;
    if (fields.priority !== undefined) part += ',"priority":' + jsonStringify(fields.priority);
    if (fields.correlation_id !== undefined) part += ',"correlation_id":' + jsonStringify(fields.correlation_id);
    if (fields.language !== undefined) part += ',"language":' + jsonStringify(fields.language);
  }
  part += '}';
  parts = nparts === 0 ? part : parts + ',' + part;
  nparts++;
  pbytes += part.length;
  if (nparts >= BATCH_MAX || pbytes >= BATCH_BYTES) batchFull();
  return id;
}

/** A full batch goes ahead without waiting, unless too many are in flight or ids run low. */
function batchFull() {
  if (inflight < ASYNC_DEPTH && ids.length - idPos >= BATCH_MAX * 36) {
    hostSend(hostRef, undefined, ['__batch', null, takeBatch(), -1], COPY_ARGS);
    inflight++;
  } else {
    flushFromPublish(true);
  }
}

/** Only the fields a batch can carry, each with a value the host is sure to accept. */
function batchableFields(f) {
  const keys = objectKeys(f);
  for (let i = 0; i < keys.length; i++) if (BATCHABLE[keys[i]] !== 1) return false;
  if (f.priority !== undefined) {
    let ok = false;
    for (let j = 0; j < PRIORITIES.length; j++) if (PRIORITIES[j] === f.priority) ok = true;
    if (!ok) return false;
  }
  if (f.metadata !== undefined && (f.metadata === null || typeof f.metadata !== 'object' || isArray(f.metadata))) return false;
  if (f.correlation_id !== undefined && (typeof f.correlation_id !== 'string' || f.correlation_id.length === 0 || f.correlation_id.length > 255)) return false;
  if (f.language !== undefined && (typeof f.language !== 'string' || f.language.length === 0 || f.language.length > 64)) return false;
  return true;
}

// the last event type that passed the check, and its JSON
let lastType = null;
let lastTypeJson = '';

function publish(first, data, options) {
  guard('publish');
  const nargs = arguments.length;
  let type, fields, tableForm = false;
  if (first !== null && typeof first === 'object' && !isArray(first)) {
    tableForm = true;
    rejectUnknownKeys(first, INIT_KEYS, 'event');
    if (nargs > 1 && (data !== undefined || options !== undefined)) {
      throw fail('INVALID_OPTION', 'the table form of publish takes one argument; put data and options inside it');
    }
    type = first.event_type;
    data = first.data;
    fields = first;
  } else if (typeof first === 'string') {
    type = first;
    if (options !== undefined && options !== null) {
      if (typeof options !== 'object' || isArray(options)) {
        throw fail('INVALID_OPTION', 'Expected ' + '\u0060options\u0060 to be an object, got ' + describeValue(options), { option: 'options' });
      }
      rejectUnknownKeys(options, PUBLISH_KEYS, 'publish');
      fields = options;
    }
  } else {
    throw fail('INVALID_EVENT_TYPE', 'publish needs an event type string or an event table, got ' + describeValue(first));
  }
  if (type !== lastType) {
    checkEventType(type);
    lastType = type;
    lastTypeJson = jsonStringify(type);
  }
  if (data === undefined) data = null;
  let size = checkJson(data, 'data');
  if (fields !== undefined && fields.metadata !== undefined && fields.metadata !== null && typeof fields.metadata === 'object') {
    size += checkJson(fields.metadata, 'metadata');
  }
  if ((batching || mapGet(typeBatchable, type) === true) && (fields === undefined || batchableFields(fields))) {
    return publishBatched(type, data, size, fields);
  }
  // through the host at the call: it may fail at routing time or wait (block)
  if (size + 512 > MAX_BYTES) {
    const meta = fields !== undefined && fields.metadata !== null && typeof fields.metadata === 'object' ? jsonStringify(fields.metadata) : '{}';
    checkSize(type, jsonStringify(data), meta);
  }
  const args = tableForm ? [first] : [type, data];
  if (!tableForm && nargs > 2) args[2] = options;
  checkArg('publish', args, 'arguments', 0, { n: ARGS_MAX_BYTES });
  const id = callHost('publish', args, -1);
  if (!batching) {
    if (mapSize(typeBatchable) >= TYPE_VERDICTS_MAX) typeBatchable = new MapCtor();
    mapSet(typeBatchable, type, lastVerdict);
  }
  return id;
}

// ---- subscriptions --------------------------------------------------------------

const handles = new WeakSetCtor();
const filters = [];
const filterOf = new MapCtor();

/** A handle, a {id} object or an id string, as the host wants it. */
function subArg(v) {
  if (v !== null && typeof v === 'object' && weakHas(handles, v)) return v.id;
  return v;
}

function makeHandle(h) {
  const id = h.id;
  const handle = freeze({
    id,
    patterns: freeze(h.patterns),
    unsubscribe() { return Event.unsubscribe(id); },
    toString() { return id; },
  });
  weakAdd(handles, handle);
  return handle;
}

function subscribe(patterns, options) {
  guard('subscribe');
  const args = arguments.length > 1 ? [patterns, options] : [patterns];
  let fk = -1;
  if (options !== null && typeof options === 'object' && !isArray(options) && typeof options.filter === 'function') {
    fk = filters.length;
    filters[fk] = options.filter;
    const copy = {};
    const keys = objectKeys(options);
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 'filter') copy[keys[i]] = options[keys[i]];
    args[1] = copy;
  }
  checkArg('subscribe', args, 'arguments', 0, { n: ARGS_MAX_BYTES });
  let h;
  try {
    h = callHost('subscribe', args, fk);
  } catch (e) {
    if (fk >= 0) filters[fk] = undefined;
    throw e;
  }
  if (fk >= 0) mapSet(filterOf, h.id, fk);
  return makeHandle(h);
}

function unsubscribe(sub) {
  guard('unsubscribe');
  const args = arguments.length > 0 ? [subArg(sub)] : [];
  checkArg('unsubscribe', args, 'arguments', 0, { n: ARGS_MAX_BYTES });
  const r = callHost('unsubscribe', args, -1);
  const fk = typeof args[0] === 'string' ? mapGet(filterOf, args[0]) : undefined;
  if (fk !== undefined) { filters[fk] = undefined; mapDelete(filterOf, args[0]); }
  return r;
}

// calls whose first argument names a subscription
const SUB_FIRST = freeze({ receive: 1, receive_batch: 1, subscription_stats: 1 });

function generic(name) {
  const f = {
    [name]: function () {
      guard(name);
      const args = [];
      for (let i = 0; i < arguments.length; i++) args[i] = arguments[i];
      if (SUB_FIRST[name] === 1 && args.length > 0) args[0] = subArg(args[0]);
      checkArg(name, args, 'arguments', 0, { n: ARGS_MAX_BYTES });
      return callHost(name, args, -1);
    },
  };
  return f[name];
}

const SPECIAL = freeze({ publish, subscribe, unsubscribe });
const api = {};
for (const name of cfg.names) api[name] = SPECIAL[name] || generic(name);
for (const camel of objectKeys(cfg.aliases)) {
  const target = api[cfg.aliases[camel]];
  if (target !== undefined) api[camel] = target;
}
const Event = freeze(api);

${CONSOLE_SOURCE}

// ---- the global object ---------------------------------------------------------------

for (const name of ['SharedArrayBuffer', 'Atomics', 'WebAssembly']) delete G[name];
defineProperty(G, 'Event', { value: Event, writable: true, configurable: true });
defineProperty(G, 'console', { value: console, writable: true, configurable: true });
defineProperty(G, 'CrosstalkError', { value: CrosstalkError, writable: true, configurable: true });

// ---- control (called by the host) ------------------------------------------------------

function lineOf(e) {
  let stack;
  try { stack = e.stack; } catch (x) { return undefined; }
  if (typeof stack !== 'string') return undefined;
  const at = indexOfStr(stack, SCRIPT + ':');
  if (at < 0) return undefined;
  let n = 0, i = at + SCRIPT.length + 1, digits = 0;
  for (; i < stack.length; i++) {
    const c = charCodeAt(stack, i);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
    digits++;
  }
  return digits > 0 ? n : undefined;
}

function describe(e) {
  try {
    if (e !== null && typeof e === 'object' && weakHas(ownErrors, e)) {
      return { code: e.code, message: e.message, line: lineOf(e), stack: e.stack };
    }
    if (e instanceof ErrorCtor) {
      let stack;
      try { stack = typeof e.stack === 'string' ? e.stack : undefined; } catch (x) { stack = undefined; }
      return { code: 'SCRIPT_ERROR', message: StringCtor(e.name) + ': ' + StringCtor(e.message), line: lineOf(e), stack };
    }
    return { code: 'SCRIPT_ERROR', message: 'uncaught ' + format([e]) };
  } catch (x) {
    return { code: 'SCRIPT_ERROR', message: 'uncaught exception (it could not be described)' };
  }
}

async function run(fn) {
  let failure = null;
  try {
    await reflectApply(fn, G, []);
  } catch (e) {
    failure = describe(e);
  }
  if (dead === null) {
    const pending = deferred;
    deferred = null;
    // always one last call: it hands over the batch and hears of any batch the host refused
    try { flush(false); } catch (e) { if (failure === null) failure = describe(e); }
    if (pending !== null && failure === null) failure = describe(pending);
  }
  return failure === null ? '' : jsonStringify(failure);
}

/** true/false, or (when it printed or threw) JSON [keep, [[stream, text]...], error message or null]. */
function filter(k, eventJson) {
  const f = filters[k];
  if (typeof f !== 'function') return true;
  inFilter = true;
  let keep = false;
  let error = null;
  try {
    keep = !!reflectApply(f, undefined, [jsonParse(eventJson)]);
  } catch (e) {
    const d = describe(e);
    error = d.message;
  } finally {
    inFilter = false;
  }
  if (filterOut === null && error === null) return keep;
  const out = filterOut || [];
  filterOut = null;
  return jsonStringify([keep, out, error]);
}

return function control(op, a, b) {
  if (op === 'run') return run(a);
  if (op === 'filter') return filter(a, b);
  if (op === 'rescue') { if (dead === null && (nparts > 0 || inflight > 0)) flush(false); return true; }
  throw new ErrorCtor('unknown control op');
};
`;
