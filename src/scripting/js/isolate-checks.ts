/**
 * Isolate-side source, spliced into the prelude: the script-visible
 * `CrosstalkError` class and the checks a publish or a host call runs at the
 * call site, worded as the host words them (so a batched publish fails with
 * the same code, path and message as one sent to the host).
 *
 * Uses the prelude's captured built-ins (jsonStringify, objectKeys, getProto,
 * ObjectProto, isArray, defineProperty, ErrorCtor, StringCtor, isFiniteNum,
 * sliceStr, charCodeAt, reTest, WeakSetCtor, weakAdd) and its constants
 * (MAX_DEPTH, MAX_BYTES, TYPE_MAX, EVENT_TYPE_RE).
 */
export const CHECKS_SOURCE = String.raw`
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
`;
