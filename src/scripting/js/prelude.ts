/**
 * The isolate-side half of the JS binding: the source that runs in every
 * isolate before the script. It builds the `Event` global (SPEC §4 names and
 * camelCase aliases, generated from the host's binding table), subscription
 * handles, `console`, the `CrosstalkError` class, and the publish batch.
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
 */
import { DECODE_SOURCE } from './codec.js';

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
const hasOwn = Object.hasOwn;
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
const EVENT_TYPE_RE = /^[A-Za-z0-9_:-]+(?:\.[A-Za-z0-9_:-]+)*$/;
const TYPE_MAX = 255;
const PUBLISH_KEYS = cfg.publishKeys;
const INIT_KEYS = cfg.initKeys;
const PRIORITIES = cfg.priorities;
// option keys a batched publish may carry; anything else goes to the host at the call
const BATCHABLE = freeze({ priority: 1, metadata: 1, correlation_id: 1, language: 1, event_type: 1, data: 1 });

${DECODE_SOURCE}
// ---- errors -------------------------------------------------------------------

class CrosstalkError extends ErrorCtor {
  constructor(code, message, details) {
    super(message);
    defineProperty(this, 'code', { value: StringCtor(code), enumerable: true });
    if (details) for (const k of ['path', 'pattern', 'subscriptionId', 'option', 'eventType']) {
      if (typeof details[k] === 'string') defineProperty(this, k, { value: details[k], enumerable: true });
    }
  }
  toString() { return this.code + ': ' + this.message; }
}
defineProperty(CrosstalkError.prototype, 'name', { value: 'CrosstalkError' });
const ownErrors = new WeakSetCtor();
function fail(code, message, details) {
  const e = new CrosstalkError(code, message, details);
  weakAdd(ownErrors, e);
  return e;
}

function describeValue(v) {
  if (typeof v === 'string') return jsonStringify(v.length > 60 ? sliceStr(v, 0, 57) + '...' : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return StringCtor(v);
  if (typeof v === 'bigint') return StringCtor(v) + 'n';
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'symbol') return 'a symbol';
  if (isArray(v)) return 'an array of ' + v.length;
  return 'an object';
}

function describeKind(v) {
  let name;
  try { name = v.constructor && v.constructor.name; } catch (e) { name = undefined; }
  return typeof name === 'string' && name ? 'a ' + name : 'an exotic object';
}

// ---- JSON checks (the host's checkJson, so errors name the same path) -----------

/**
 * The size bound the host computes, or -1 when the value is not plain JSON
 * within the depth limit. No paths are built here: this runs on every
 * publish; checkJson below names the culprit once something is wrong.
 */
function jsonSize(v, depth, seen) {
  switch (typeof v) {
    case 'string': return v.length * 6 + 2;
    case 'number': return isFiniteNum(v) ? 24 : -1;
    case 'boolean': return 5;
    case 'object': {
      if (v === null) return 4;
      if (depth >= MAX_DEPTH) return -1;
      for (let i = 0; i < seen.length; i++) if (seen[i] === v) return -1;
      seen[seen.length] = v;
      let size = 2;
      if (isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          const n = jsonSize(v[i], depth + 1, seen);
          if (n < 0) return -1;
          size += n + 1;
        }
      } else {
        const proto = getProto(v);
        if (proto !== ObjectProto && proto !== null) return -1;
        const keys = objectKeys(v);
        for (let i = 0; i < keys.length; i++) {
          const k = keys[i];
          const n = jsonSize(v[k], depth + 1, seen);
          if (n < 0) return -1;
          size += k.length * 6 + 4 + n;
        }
      }
      seen.length--;
      return size;
    }
    default: return -1;
  }
}

/** The host's size bound of plain JSON; throws INVALID_DATA naming the path of the first bad value. */
function checkJson(v, path) {
  const n = jsonSize(v, 0, []);
  if (n >= 0) return n;
  explain(v, path, 0, []);
  // a getter or proxy answered differently the second time
  throw fail('INVALID_DATA', path + ' is not plain JSON', { path });
}

function explain(v, path, depth, seen) {
  switch (typeof v) {
    case 'string': case 'boolean': return;
    case 'number':
      if (!isFiniteNum(v)) throw fail('INVALID_DATA', path + ' is ' + v + '; JSON numbers must be finite', { path });
      return;
    case 'undefined': throw fail('INVALID_DATA', path + ' is undefined; use null', { path });
    case 'object': {
      if (v === null) return;
      if (depth >= MAX_DEPTH) throw fail('INVALID_DATA', path + ' nests deeper than ' + MAX_DEPTH + ' levels', { path });
      for (let i = 0; i < seen.length; i++) {
        if (seen[i] === v) throw fail('INVALID_DATA', path + ' is a cycle (refers to an enclosing value)', { path });
      }
      seen[seen.length] = v;
      if (isArray(v)) {
        for (let i = 0; i < v.length; i++) explain(v[i], path + '[' + i + ']', depth + 1, seen);
      } else {
        const proto = getProto(v);
        if (proto !== ObjectProto && proto !== null) {
          throw fail('INVALID_DATA', path + ' is ' + describeKind(v) + ', not a plain object', { path });
        }
        const keys = objectKeys(v);
        for (let i = 0; i < keys.length; i++) explain(v[keys[i]], path + '.' + keys[i], depth + 1, seen);
      }
      seen.length--;
      return;
    }
    default:
      throw fail('INVALID_DATA', path + ' is ' + describeValue(v) + ', which JSON cannot carry', { path });
  }
}

/** Exact UTF-8 length of a well-formed JSON string (lone surrogates are escaped by JSON). */
function utf8Length(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = charCodeAt(s, i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) { n += 4; i++; }
    else n += 3;
  }
  return n;
}

function checkEventType(t) {
  if (typeof t !== 'string') throw fail('INVALID_EVENT_TYPE', 'event_type must be a string, got ' + describeValue(t));
  if (t.length === 0) throw fail('INVALID_EVENT_TYPE', 'event_type must not be empty', { eventType: t });
  if (t.length > TYPE_MAX) {
    throw fail('INVALID_EVENT_TYPE', 'event_type is ' + t.length + ' characters; the limit is ' + TYPE_MAX, { eventType: sliceStr(t, 0, 64) });
  }
  if (!reTest(EVENT_TYPE_RE, t)) {
    throw fail('INVALID_EVENT_TYPE', 'invalid event_type ' + describeValue(t) +
      ": dot-separated non-empty segments of letters, digits, '_', '-', ':'", { eventType: t });
  }
}

function rejectUnknownKeys(obj, known, what) {
  const keys = objectKeys(obj);
  for (let i = 0; i < keys.length; i++) {
    let ok = false;
    for (let j = 0; j < known.length; j++) if (known[j] === keys[i]) { ok = true; break; }
    if (!ok) {
      throw fail('INVALID_OPTION', 'unknown ' + what + ' option ' + describeValue(keys[i]) + '; known: ' + known.join(', '), { option: keys[i] });
    }
  }
}

/**
 * Values crossing to the host as call arguments: anything structured clone
 * would refuse or the host cannot use (functions, symbols) is refused here,
 * with the call and the place named. Handles become their id.
 */
function checkArg(fn, v, path, depth, budget) {
  if (typeof v === 'function' || typeof v === 'symbol') {
    throw fail('INVALID_OPTION', fn + ': ' + path + ' is ' + describeValue(v) + ', which cannot be passed to the host', { option: path });
  }
  if (typeof v === 'string') { budget.n -= v.length; }
  else if (v !== null && typeof v === 'object') {
    if (depth > MAX_DEPTH) throw fail('INVALID_OPTION', fn + ': ' + path + ' nests deeper than ' + MAX_DEPTH + ' levels', { option: path });
    const keys = objectKeys(v);
    budget.n -= keys.length + 1;
    for (let i = 0; i < keys.length; i++) checkArg(fn, v[keys[i]], path + '.' + keys[i], depth + 1, budget);
  }
  if (budget.n < 0) throw fail('INVALID_OPTION', fn + ': the arguments are too large to pass to the host');
}

// ---- host calls and the publish batch ------------------------------------------

let batching = cfg.batching;
let ids = cfg.ids;
let idPos = 0;
let parts = '';
let nparts = 0;
let pbytes = 0;
let inflight = 0;
let inFilter = false;
let dead = null;
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
  const batch = takeBatch();
  let r;
  try {
    r = hostCall(hostRef, undefined, [name, args, batch, fk], COPY_ARGS);
  } catch (e) {
    if (e instanceof CrosstalkError) throw e;
    throw fail('SCRIPT_ERROR', 'Event.' + name + ': ' + StringCtor(e && e.message));
  }
  inflight = 0; // the host answered, so every earlier batch is published
  batching = charCodeAt(r, 0) === 49; // '1'
  const tag = charCodeAt(r, 1);
  if (tag === 118) return r.length > 2 ? jsonParse(sliceStr(r, 2)) : undefined; // 'v'
  if (tag === 76) return decodeEvents(sliceStr(r, 2)); // 'L': a list of events
  if (tag === 69) return decodeEvents(sliceStr(r, 2))[0]; // 'E': one event
  if (tag === 105) { ids = sliceStr(r, 2); idPos = 0; return undefined; } // 'i'
  const d = jsonParse(sliceStr(r, 2));
  if (tag === 120) dead = d; // 'x': the script is being stopped
  throw fail(d.code, d.message, d);
}

function flush(wantIds) {
  callHost('__flush', [wantIds], -1);
}

function publishBatched(type, data, dataSize, fields) {
  if (idPos >= ids.length) flush(true);
  const id = sliceStr(ids, idPos, idPos + 36);
  idPos += 36;
  let part = '{"event_type":' + jsonStringify(type) + ',"id":"' + id + '","data":' + jsonStringify(data);
  let approx = dataSize;
  if (fields !== undefined) {
    if (fields.metadata !== undefined) { part += ',"metadata":' + jsonStringify(fields.metadata); }
    if (fields.priority !== undefined) part += ',"priority":' + jsonStringify(fields.priority);
    if (fields.correlation_id !== undefined) part += ',"correlation_id":' + jsonStringify(fields.correlation_id);
    if (fields.language !== undefined) part += ',"language":' + jsonStringify(fields.language);
  }
  part += '}';
  if (approx + 512 > MAX_BYTES) {
    // the size bound overestimates: measure, as the host would
    const exact = utf8Length(jsonStringify(data)) + (fields && fields.metadata !== undefined ? utf8Length(jsonStringify(fields.metadata)) : 2) + 512;
    if (exact > MAX_BYTES) {
      idPos -= 36;
      throw fail('PAYLOAD_TOO_LARGE', 'event ' + type + ' is about ' + exact + ' bytes serialized; the limit is ' + MAX_BYTES, { eventType: type });
    }
  }
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
    flush(true);
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

let lastType = null;

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
  }
  if (data === undefined) data = null;
  let size = checkJson(data, 'data');
  if (fields !== undefined && fields.metadata !== undefined && fields.metadata !== null && typeof fields.metadata === 'object') {
    size += checkJson(fields.metadata, 'metadata');
  }
  if (batching && (fields === undefined || batchableFields(fields))) return publishBatched(type, data, size, fields);
  // through the host at the call: it may fail at routing time or wait (block)
  if (size + 512 > MAX_BYTES) {
    const exact = utf8Length(jsonStringify(data)) + (fields && fields.metadata !== undefined ? utf8Length(jsonStringify(fields.metadata)) : 2) + 512;
    if (exact > MAX_BYTES) throw fail('PAYLOAD_TOO_LARGE', 'event ' + type + ' is about ' + exact + ' bytes serialized; the limit is ' + MAX_BYTES, { eventType: type });
  }
  const args = tableForm ? [first] : [type, data];
  if (!tableForm && nargs > 2) args[2] = options;
  checkArg('publish', args, 'arguments', 0, { n: ARGS_MAX_BYTES });
  return callHost('publish', args, -1);
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

// ---- console ----------------------------------------------------------------------

function show(v, depth) {
  if (typeof v === 'string') return depth === 0 ? v : jsonStringify(v);
  if (typeof v === 'function') return '[Function' + (v.name ? ': ' + v.name : '') + ']';
  if (typeof v === 'symbol' || typeof v === 'bigint' || v === undefined || v === null || typeof v !== 'object') {
    return typeof v === 'bigint' ? StringCtor(v) + 'n' : StringCtor(v);
  }
  if (v instanceof ErrorCtor) return typeof v.stack === 'string' ? v.stack : StringCtor(v);
  if (depth > 4) return isArray(v) ? '[Array]' : '[Object]';
  if (isArray(v)) {
    let s = '[';
    for (let i = 0; i < v.length && i < 100; i++) s += (i ? ', ' : ' ') + show(v[i], depth + 1);
    if (v.length > 100) s += ', ... ' + (v.length - 100) + ' more';
    return s + (v.length ? ' ]' : ']');
  }
  const keys = objectKeys(v);
  let s = '{';
  for (let i = 0; i < keys.length && i < 100; i++) s += (i ? ', ' : ' ') + keys[i] + ': ' + show(v[keys[i]], depth + 1);
  if (keys.length > 100) s += ', ... ' + (keys.length - 100) + ' more';
  return s + (keys.length ? ' }' : '}');
}

function format(args) {
  let s = '';
  for (let i = 0; i < args.length; i++) {
    let part;
    try { part = show(args[i], 0); } catch (e) { part = '[unprintable]'; }
    s += (i ? ' ' : '') + part;
  }
  return s;
}

function printer(stream) {
  return function () {
    const text = format(arguments);
    if (inFilter) { (filterOut || (filterOut = []))[filterOut.length] = [stream, text]; return; }
    if (dead !== null) return;
    callHost('__print', [stream, text], -1);
  };
}

const console = freeze({
  log: printer('stdout'), info: printer('stdout'), debug: printer('stdout'),
  error: printer('stderr'), warn: printer('stderr'),
});

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
  if (dead === null && (nparts > 0 || inflight > 0)) {
    try { flush(false); } catch (e) { if (failure === null) failure = describe(e); }
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
