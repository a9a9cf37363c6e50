/**
 * Lua ⇄ JS values (docs/scripts.md "Scripts"), the only conversion the Lua adapter uses.
 *
 * Lua → JS: a table whose keys are exactly 1..n (n ≥ 1) is an array; any
 * other table is an object with string keys (number keys become strings); an
 * empty table is an empty object. Functions, userdata, threads, cycles, NaN,
 * ±inf, non-UTF-8 strings and nesting past the depth limit are INVALID_DATA
 * naming the path in Lua terms (`data.items[3].fn`, 1-based).
 *
 * JS → Lua: arrays arrive 1-based, null is nil, integer-valued numbers in the
 * Lua integer range (fengari's integers are 32-bit) become integers, other
 * numbers floats.
 *
 * Both directions walk fengari's tables directly (see vm.ts for why).
 */
import { CrosstalkError } from '../../../core/errors.js';
import { DEFAULT_MAX_DEPTH } from '../../../core/event.js';
import { decodeUtf8, encodeUtf8Text } from '../utf8.js';
import {
  lua,
  luaH_new,
  luaS_bless,
  pushValue,
  SHARED_KEYS_SAFE,
  T,
  tableAppend,
  TValueCtor,
  valueAt,
  type LuaState,
  type Table,
  type TString,
  type TValue,
} from './vm.js';

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

// ---- strings ------------------------------------------------------------------

/** Lua string bytes → JS string; throws Utf8Error on bytes that are not UTF-8. */
export function decodeStrict(b: Uint8Array): string {
  const n = b.length;
  if (n <= 32) {
    // short ASCII (keys, types, currencies) is most strings: skip the decoder call
    let s = '';
    for (let i = 0; i < n; i++) {
      const c = b[i]!;
      if (c >= 0x80) return decodeUtf8(b, true);
      s += String.fromCharCode(c);
    }
    return s;
  }
  return decodeUtf8(b, true);
}

// Most strings a script hands over are constants of its code (keys, types,
// enum values): the same TString object every time. Decoding them once pays.
const decoded = new WeakMap<TString, string>();
const MAX_DECODE_CACHED = 32;

/** A TString's text, cached for short strings; throws Utf8Error when not UTF-8. */
export function tstringText(ts: TString): string {
  const b = ts.realstring;
  if (b.length > MAX_DECODE_CACHED) return decodeStrict(b);
  let s = decoded.get(ts);
  if (s === undefined) {
    s = decodeStrict(b);
    decoded.set(ts, s);
  }
  return s;
}

/** A TString's text, or null when it is not UTF-8. */
export function tstringTextOrNull(ts: TString): string | null {
  try {
    return tstringText(ts);
  } catch {
    return null;
  }
}

/** For text meant for people (print, messages): bad bytes become U+FFFD. */
export function decodeLenient(b: Uint8Array): string {
  return decodeUtf8(b, false);
}

export function encodeUtf8(s: string): Uint8Array {
  const n = s.length;
  if (n <= 64) {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return encodeUtf8Text(s);
      out[i] = c;
    }
    return out;
  }
  return encodeUtf8Text(s);
}

// Short strings repeat (field names, event types, timestamps within a ms), and
// a reused TString keeps the hash fengari computes for table keys. Strings are
// immutable and carry no per-state data, so one cache serves every script.
// UUIDs (event ids) never repeat: caching them would only evict the rest.
const MAX_CACHED_LENGTH = 64;
const MAX_CACHE_ENTRIES = 8192;
/** A map that starts over when full: the caches below hold what repeats, and forget the rest at once. */
class Bounded<V> {
  private m = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(k: string): V | undefined {
    return this.m.get(k);
  }
  set(k: string, v: V): void {
    if (this.m.size >= this.max) this.m = new Map();
    this.m.set(k, v);
  }
}

const tstrings = new Bounded<TString>(MAX_CACHE_ENTRIES);

const isUuidShaped = (s: string) => s.length === 36 && s.charCodeAt(8) === 45 && s.charCodeAt(13) === 45 && s.charCodeAt(23) === 45;

// In the fengari build scripts run, a table key's TValue is never changed in
// place (a deleted entry gets a new dead key: vm.ts SHARED_KEYS_SAFE), so the
// tables built here share one per field name, bounded like the strings: an
// event handed to Lua carries fifteen keys.
const keyValues = new Bounded<TValue>(MAX_CACHE_ENTRIES);

function keyTValue(L: LuaState, k: string): TValue {
  let kv = keyValues.get(k);
  if (kv === undefined) {
    kv = new TValueCtor(T.LNGSTR, tstring(L, k));
    if (SHARED_KEYS_SAFE && k.length <= MAX_CACHED_LENGTH) keyValues.set(k, kv);
  }
  return kv;
}

// An event's source.instance_id is a UUID like its id, but one publisher's
// events all carry the same: kept apart from the short-string cache, which
// ids would only churn.
const MAX_INSTANCES = 1024;
const instances = new Bounded<TString>(MAX_INSTANCES);

function instanceTString(L: LuaState, s: string): TString {
  let t = instances.get(s);
  if (t === undefined) {
    t = luaS_bless(L, encodeUtf8(s));
    instances.set(s, t);
  }
  return t;
}

function tstring(L: LuaState, s: string): TString {
  if (s.length > MAX_CACHED_LENGTH || isUuidShaped(s)) return luaS_bless(L, encodeUtf8(s));
  let t = tstrings.get(s);
  if (t === undefined) {
    t = luaS_bless(L, encodeUtf8(s));
    tstrings.set(s, t);
  }
  return t;
}

// ---- Lua → JS -------------------------------------------------------------------

export interface ToJsOptions {
  /** nesting limit (docs/event-api.md "Events"); default 64 */
  maxDepth?: number;
  /**
   * Turns a Lua function found directly in an options table (`filter = function`)
   * into a host callback. Without it, functions are INVALID_DATA.
   */
  callback?: (L: LuaState, fn: TValue) => (...args: unknown[]) => unknown;
  /** the fields of the top-level table that may hold a function (`filter`); others refuse one */
  functionKeys?: readonly string[];
  /** tables with this metatable (subscription handles) convert to their `id` */
  handleMetatable?: Table | null;
}

/** A bad value deep inside a table; each level prepends its key on the way out. */
class BadValue {
  readonly segs: string[] = [];
  constructor(readonly why: string) {}
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function keySegment(k: TValue): string {
  if (k.type === T.LNGSTR) {
    const s = decodeLenient((k.value as TString).realstring);
    return IDENT.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`;
  }
  return `[${numberKey(k.value as number)}]`;
}

/** Number keys become strings as Lua prints whole numbers (`3`, not `3.0`). */
function numberKey(n: number): string {
  return String(n);
}

function invalid(root: string, bad: BadValue, fieldsAreRoots: boolean): CrosstalkError {
  let path: string;
  const [first, ...rest] = bad.segs;
  if (fieldsAreRoots && first !== undefined && first.startsWith('.')) path = first.slice(1) + rest.join('');
  else path = root + bad.segs.join('');
  return new CrosstalkError('INVALID_DATA', `${path} ${bad.why}`, { path });
}

/**
 * Converts the value at stack index `idx`. `root` names it in errors
 * (`data`); with `fieldsAreRoots` a table's fields are named on their own
 * (`metadata.user`, not `options.metadata.user`) and a function field may
 * become a callback. Returns undefined for nil / none.
 */
export function toJs(L: LuaState, idx: number, root: string, options: ToJsOptions = {}, fieldsAreRoots = false): unknown {
  const tv = valueAt(L, idx);
  if (tv === undefined) return undefined;
  return tvToJs(L, tv, root, options, fieldsAreRoots);
}

export function tvToJs(L: LuaState, tv: TValue, root: string, options: ToJsOptions = {}, fieldsAreRoots = false): unknown {
  if (tv.type === T.NIL) return undefined;
  if (tv.type === T.TABLE && options.handleMetatable && (tv.value as Table).metatable === options.handleMetatable) {
    const id = (tv.value as Table).f; // handles are built with `id` first
    if (id !== undefined && id.value.type === T.LNGSTR) return decodeLenient((id.value.value as TString).realstring);
  }
  try {
    return convert(L, tv, 0, options.maxDepth ?? DEFAULT_MAX_DEPTH, [], fieldsAreRoots ? options : null);
  } catch (e) {
    if (e instanceof BadValue) throw invalid(root, e, fieldsAreRoots);
    throw e;
  }
}

function convert(L: LuaState, tv: TValue, depth: number, maxDepth: number, seen: Table[], top: ToJsOptions | null): unknown {
  switch (tv.type) {
    case T.LNGSTR:
    case T.STRING:
      try {
        return tstringText(tv.value as TString);
      } catch {
        throw new BadValue('is not valid UTF-8 text; JSON carries text only (encode binary data, e.g. as hex)');
      }
    case T.NUMINT:
      return tv.value;
    case T.NUMFLT: {
      const n = tv.value as number;
      if (n - n !== 0) throw new BadValue(`is ${n !== n ? 'NaN' : n > 0 ? 'inf' : '-inf'}; numbers must be finite`);
      return n;
    }
    case T.BOOLEAN:
      return tv.value;
    case T.TABLE:
      return convertTable(L, tv.value as Table, depth, maxDepth, seen, top);
    case T.LCL:
    case T.LCF:
    case T.CCL:
      if (top?.callback) return top.callback(L, tv);
      throw new BadValue('is a function, which JSON cannot carry');
    case T.USERDATA:
    case T.LIGHTUSERDATA:
      throw new BadValue('is a userdata, which JSON cannot carry');
    case T.THREAD:
      throw new BadValue('is a coroutine, which JSON cannot carry');
    default:
      throw new BadValue('is not a JSON value');
  }
}

function convertTable(L: LuaState, t: Table, depth: number, maxDepth: number, seen: Table[], top: ToJsOptions | null): unknown {
  if (depth >= maxDepth) throw new BadValue(`nests deeper than ${maxDepth} levels`);
  if (seen.includes(t)) throw new BadValue('is a cycle (a table that contains itself)');
  // Array iff every key is a positive integer and the largest equals the count.
  let count = 0;
  let max = 0;
  let ints = true;
  for (let e = t.f; e !== undefined; e = e.n) {
    count++;
    const k = e.key;
    if (k.type === T.NUMINT && (k.value as number) >= 1) {
      if ((k.value as number) > max) max = k.value as number;
    } else {
      ints = false;
      if (k.type !== T.LNGSTR && k.type !== T.NUMINT && k.type !== T.NUMFLT) {
        throw new BadValue(`has a ${k.type === T.BOOLEAN ? 'boolean' : 'non-string'} key, which JSON objects cannot have`);
      }
    }
  }
  const childTop = depth === 0 ? top : null;
  seen.push(t);
  let e = t.f;
  try {
    if (count > 0 && ints && max === count) {
      const arr = new Array<unknown>(count);
      for (; e !== undefined; e = e.n) arr[(e.key.value as number) - 1] = convert(L, e.value, depth + 1, maxDepth, seen, null);
      return arr;
    }
    const obj: Record<string, unknown> = {};
    for (; e !== undefined; e = e.n) {
      const k = e.key;
      const key = k.type === T.LNGSTR ? decodeKey(k.value as TString) : numberKey(k.value as number);
      const v = convert(L, e.value, depth + 1, maxDepth, seen, childTop !== null && childTop.functionKeys?.includes(key) === true ? childTop : null);
      if (key === '__proto__') Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
      else obj[key] = v;
    }
    return obj;
  } catch (err) {
    if (err instanceof BadValue && e !== undefined) err.segs.unshift(keySegment(e.key));
    throw err;
  } finally {
    seen.pop();
  }
}

function decodeKey(ts: TString): string {
  try {
    return tstringText(ts);
  } catch {
    throw new BadValue('has a key that is not valid UTF-8 text');
  }
}

// ---- Lua → JSON text --------------------------------------------------------------

// A publish's data goes straight from the Lua table to the JSON text the bus
// reads, in one walk, instead of a JS object that is then checked and
// stringified. It writes exactly what JSON.stringify(toJs(...)) would, and
// gives up (null) on anything where that is not obvious: a bad value, a
// metatable, a key JS would reorder, an array out of order. The caller then
// takes the general path, which also names the problem in its error.

// the JSON text of a string constant of the script, and of a key with its colon
const quoted = new WeakMap<TString, string>();
const quotedKeys = new WeakMap<TString, string>();
/** Keys a JS object would move to the front (array indices), or that it treats specially. */
const REORDERED_KEY = /^(?:0|[1-9][0-9]*)$|^__proto__$/;

function jsonString(ts: TString): string | null {
  let q = quoted.get(ts);
  if (q === undefined) {
    const text = tstringTextOrNull(ts);
    if (text === null) return null;
    q = JSON.stringify(text);
    if (ts.realstring.length <= MAX_DECODE_CACHED) quoted.set(ts, q);
  }
  return q;
}

function jsonKey(ts: TString): string | null {
  let q = quotedKeys.get(ts);
  if (q === undefined) {
    const text = jsonString(ts);
    if (text === null || REORDERED_KEY.test(text.slice(1, -1))) return null;
    q = text + ':';
    if (ts.realstring.length <= MAX_DECODE_CACHED) quotedKeys.set(ts, q);
  }
  return q;
}

/** The JSON text of a Lua value as publish would write it, or null to take the general path. */
export function luaJson(tv: TValue, maxDepth: number): string | null {
  return valueJson(tv, 0, maxDepth);
}

function valueJson(tv: TValue, depth: number, maxDepth: number): string | null {
  switch (tv.type) {
    case T.LNGSTR:
      return jsonString(tv.value as TString);
    case T.NUMINT:
      return String(tv.value);
    case T.NUMFLT: {
      const n = tv.value as number;
      return n - n === 0 ? String(n) : null;
    }
    case T.BOOLEAN:
      return tv.value ? 'true' : 'false';
    case T.TABLE:
      return depth >= maxDepth ? null : tableJson(tv.value as Table, depth, maxDepth);
    default:
      return null;
  }
}

function tableJson(t: Table, depth: number, maxDepth: number): string | null {
  if (t.metatable !== null) return null;
  let e = t.f;
  if (e === undefined) return '{}';
  if (e.key.type === T.NUMINT) {
    // an array: keys exactly 1..n, in any order (a constructor inserts them
    // last to first); a cycle runs into the depth limit
    let n = 0;
    for (; e !== undefined; e = e.n, n++) if (e.key.type !== T.NUMINT || (e.key.value as number) < 1) return null;
    let out = '[';
    for (let i = 1; i <= n; i++) {
      const entry = t.strong.get(i);
      if (entry === undefined) return null;
      const v = valueJson(entry.value, depth + 1, maxDepth);
      if (v === null) return null;
      out += i === 1 ? v : ',' + v;
    }
    return out + ']';
  }
  let out = '{';
  for (let first = true; e !== undefined; e = e.n, first = false) {
    if (e.key.type !== T.LNGSTR) return null;
    const k = jsonKey(e.key.value as TString);
    if (k === null) return null;
    const v = valueJson(e.value, depth + 1, maxDepth);
    if (v === null) return null;
    out += first ? k + v : ',' + k + v;
  }
  return out + '}';
}

// ---- JS → Lua -------------------------------------------------------------------

/**
 * Values the bus hands over were checked when published; the default limit
 * only guards the recursion, with room for the event and list around data.
 */
const PUSH_MAX_DEPTH = 256;

/** Pushes a JSON value (undefined/null push nil). INVALID_DATA past the depth limit. */
export function pushJs(L: LuaState, v: unknown, maxDepth = PUSH_MAX_DEPTH): void {
  lua.lua_checkstack(L, 1);
  pushValue(L, toTValue(L, v, 0, maxDepth));
}

export function stringTValue(L: LuaState, s: string): TValue {
  return new TValueCtor(T.LNGSTR, tstring(L, s));
}

const NIL_TV = (): TValue => new TValueCtor(T.NIL, null);
const intTValue = (i: number): TValue => new TValueCtor(T.NUMINT, i);

export function toTValue(L: LuaState, v: unknown, depth: number, maxDepth: number): TValue {
  switch (typeof v) {
    case 'string':
      return new TValueCtor(T.LNGSTR, tstring(L, v));
    case 'number':
      return Number.isInteger(v) && v >= INT_MIN && v <= INT_MAX ? new TValueCtor(T.NUMINT, v | 0) : new TValueCtor(T.NUMFLT, v);
    case 'boolean':
      return new TValueCtor(T.BOOLEAN, v);
    case 'bigint':
      return new TValueCtor(T.NUMFLT, Number(v));
    case 'object': {
      if (v === null) return NIL_TV();
      if (depth >= maxDepth) {
        throw new CrosstalkError('INVALID_DATA', `value nests deeper than ${maxDepth} levels`);
      }
      const t = luaH_new(L);
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          const x = v[i];
          if (x !== null && x !== undefined) tableAppend(t, intTValue(i + 1), toTValue(L, x, depth + 1, maxDepth));
        }
      } else if (Object.isFrozen(v)) {
        appendFrozen(L, t, v as Record<string, unknown>, depth, maxDepth);
      } else {
        const o = v as Record<string, unknown>;
        for (const k in o) {
          const x = o[k];
          if (x !== null && x !== undefined && typeof x !== 'function') {
            const tv = k === 'instance_id' && typeof x === 'string' ? new TValueCtor(T.LNGSTR, instanceTString(L, x)) : toTValue(L, x, depth + 1, maxDepth);
            tableAppend(t, keyTValue(L, k), tv);
          }
        }
      }
      return new TValueCtor(T.TABLE, t);
    }
    default:
      return NIL_TV();
  }
}

// A frozen object cannot change, so its encoded keys and string values can be
// kept: the bus shares one frozen `source` per publisher across all its
// events, and its instance_id is too long for the short-string cache.
const frozenStrings = new WeakMap<object, (TValue | TString | null)[]>();

function appendFrozen(L: LuaState, t: Table, o: Record<string, unknown>, depth: number, maxDepth: number): void {
  let cached = frozenStrings.get(o);
  if (cached === undefined) {
    cached = [];
    for (const k in o) {
      const x = o[k];
      cached.push(SHARED_KEYS_SAFE ? keyTValue(L, k) : luaS_bless(L, encodeUtf8(k)), typeof x === 'string' ? luaS_bless(L, encodeUtf8(x)) : null);
    }
    frozenStrings.set(o, cached);
  }
  let i = 0;
  for (const k in o) {
    const x = o[k];
    const key = cached[i++]!;
    const vs = cached[i++] as TString | null;
    if (x === null || x === undefined || typeof x === 'function') continue;
    tableAppend(t, key instanceof TValueCtor ? key : new TValueCtor(T.LNGSTR, key as TString), vs !== null ? new TValueCtor(T.LNGSTR, vs) : toTValue(L, x, depth + 1, maxDepth));
  }
}
