/**
 * Isolate-side source, spliced into the prelude: the script's `console`.
 * Values are formatted inside the isolate (never by the host's inspector),
 * and each line goes to the host output with the pending batch ahead of it,
 * so what a script printed never runs ahead of what it published. Inside a
 * filter function lines are held and handed over with the filter's answer.
 *
 * Uses the prelude's captured built-ins and its `callHost`, `inFilter`,
 * `filterOut` and `dead`.
 */
export const CONSOLE_SOURCE = String.raw`
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
`;
