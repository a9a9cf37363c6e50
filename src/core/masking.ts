/**
 * Masking rules (docs/persistence.md "Masking"): values at a path of `data` or
 * `metadata` (`data.card_number`, `**.email`, `data.users[*].ssn`) are
 * redacted, hashed, partly hidden or dropped before an event is stored, or
 * before it is delivered to named scripts.
 *
 *   { "path": "data.card_number", "action": "partial", "keep_last": 4 }
 *   { "path": "**.email", "action": "hash", "types": "user.**", "on": ["store", "analytics.lua"] }
 *
 * Pure: a rule never changes the event it is given. A masked event is a
 * copy sharing every part the rules did not touch; an event no rule
 * applies to is returned as it is (the same object).
 */
import { createHash, createHmac } from 'node:crypto';
import { checkObject, invalidOption, rejectUnknownKeys } from './check.js';
import { CrosstalkError, describeValue } from './errors.js';
import type { JsonObject, JsonValue, UniversalEvent } from './event.js';
import { compilePattern, type CompiledPattern } from './pattern.js';

export const MASK_ACTIONS = ['redact', 'hash', 'partial', 'email', 'drop'] as const;
export type MaskAction = (typeof MASK_ACTIONS)[number];

/** Where a rule applies: before storage, before delivery to every script, or to the scripts named. */
export const MASK_ON_STORE = 'store';
export const MASK_ON_SCRIPTS = 'scripts';

export interface MaskRule {
  /** `data.x`, `metadata.user.ssn`, `data.items[*].card`, `data.*.email`, `**.email` */
  path: string;
  action: MaskAction;
  /** event-type patterns the rule applies to; default every type */
  types?: string | readonly string[];
  /** "store", "scripts" (every script) and/or script names (`audit.lua`); default ["store", "scripts"] */
  on?: string | readonly string[];
  /** redact: the value put in place; default "[REDACTED]" */
  replacement?: JsonValue;
  /** partial: characters kept at the start; default 0 */
  keep_first?: number;
  /** partial: characters kept at the end; default 4 */
  keep_last?: number;
  /** partial, email: the character hidden ones become; default "*" */
  mask_char?: string;
  /** hash: a secret, making the hash an HMAC-SHA256 (a plain hash of a guessable value, like an email, can be reversed by guessing) */
  key?: string;
}

export const DEFAULT_REPLACEMENT = '[REDACTED]';
export const DEFAULT_KEEP_LAST = 4;
export const MAX_MASK_RULES = 1000;

type Step = { k: 'key'; key: string } | { k: 'index'; n: number } | { k: 'any' } | { k: 'deep' };

interface CompiledRule {
  readonly index: number;
  /** steps under each root the path covers */
  readonly roots: readonly ('data' | 'metadata')[];
  readonly steps: readonly Step[];
  readonly types: readonly CompiledPattern[] | null;
  readonly store: boolean;
  readonly allScripts: boolean;
  readonly scripts: ReadonlySet<string>;
  readonly apply: (v: JsonValue) => JsonValue | typeof DROP;
}

const DROP = Symbol('drop');
const KEY_RE = /^[A-Za-z0-9_:$-]+$/;
const INDEX_RE = /^\[(\d+|\*)\]$/;

/** `data.items[*].card` → roots ['data'] and steps. */
function parseMaskPath(path: unknown, at: string): { roots: ('data' | 'metadata')[]; steps: Step[] } {
  const bad = (why: string) => new CrosstalkError('INVALID_OPTION', `${at}.path ${describeValue(path)}: ${why}`, { option: `${at}.path` });
  if (typeof path !== 'string' || path.length === 0 || path.length > 255) throw invalidOption(`${at}.path`, 'a path like "data.card_number" or "**.email"', path);
  // `a[1][*]` → `a`, `[1]`, `[*]`
  const parts = path.split('.').flatMap((p) => p.split(/(?=\[)/));
  const first = parts[0]!;
  let roots: ('data' | 'metadata')[];
  const steps: Step[] = [];
  if (first === 'data' || first === 'metadata') roots = [first];
  else if (first === '**') {
    roots = ['data', 'metadata'];
    steps.push({ k: 'deep' });
  } else throw bad('a path starts with data, metadata or **');
  for (const p of parts.slice(1)) {
    if (p === '') throw bad('an empty segment');
    if (p === '*') steps.push({ k: 'any' });
    else if (p === '**') {
      if (steps.at(-1)?.k === 'deep') throw bad('** twice in a row');
      steps.push({ k: 'deep' });
    } else if (INDEX_RE.test(p)) {
      const n = p.slice(1, -1);
      steps.push(n === '*' ? { k: 'any' } : { k: 'index', n: Number(n) });
    } else if (KEY_RE.test(p)) steps.push({ k: 'key', key: p });
    else throw bad(`${JSON.stringify(p)} is not a key (letters, digits, _ - : $), *, **, [n] or [*]`);
  }
  if (steps.length === 0) throw bad('name something inside data or metadata (data.x), not all of it');
  if (steps.at(-1)!.k === 'deep') throw bad('a path ends with the value it masks, not **');
  return { roots, steps };
}

function listOf(v: unknown, option: string): string[] {
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.length === 0 || list.some((x) => typeof x !== 'string' || x.length === 0)) {
    throw invalidOption(option, 'a string or a non-empty list of strings', v);
  }
  return list as string[];
}

function intOption(r: Record<string, unknown>, key: string, at: string, def: number): number {
  const v = r[key];
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 1000) throw invalidOption(`${at}.${key}`, 'an integer from 0 to 1000', v);
  return v;
}

const hex = (s: string, key: string | null) => (key === null ? createHash('sha256') : createHmac('sha256', key)).update(s).digest('hex');
const text = (v: JsonValue) => (typeof v === 'string' ? v : JSON.stringify(v));

/** What an action does to a value. */
function actionOf(r: Record<string, unknown>, at: string): (v: JsonValue) => JsonValue | typeof DROP {
  const action = r.action as MaskAction;
  const only = (keys: string[]) => {
    for (const k of ['replacement', 'keep_first', 'keep_last', 'mask_char', 'key']) {
      if (r[k] !== undefined && !keys.includes(k)) {
        throw new CrosstalkError('INVALID_OPTION', `${at}.${k} does not go with action ${JSON.stringify(action)}`, { option: `${at}.${k}` });
      }
    }
  };
  const maskChar = () => {
    const c = r.mask_char ?? '*';
    if (typeof c !== 'string' || [...c].length !== 1) throw invalidOption(`${at}.mask_char`, 'one character', c);
    return c;
  };
  switch (action) {
    case 'redact': {
      only(['replacement']);
      const replacement = r.replacement === undefined ? DEFAULT_REPLACEMENT : (r.replacement as JsonValue);
      return () => replacement;
    }
    case 'drop':
      only([]);
      return () => DROP;
    case 'hash': {
      only(['key']);
      if (r.key !== undefined && (typeof r.key !== 'string' || r.key.length === 0)) throw invalidOption(`${at}.key`, 'a non-empty string', r.key);
      const key = (r.key as string | undefined) ?? null;
      return (v) => `${key === null ? 'sha256' : 'hmac-sha256'}:${hex(text(v), key)}`;
    }
    case 'partial': {
      only(['keep_first', 'keep_last', 'mask_char']);
      const first = intOption(r, 'keep_first', at, 0);
      const last = intOption(r, 'keep_last', at, DEFAULT_KEEP_LAST);
      const c = maskChar();
      return (v) => (typeof v === 'string' || typeof v === 'number' ? partial(String(v), first, last, c) : DEFAULT_REPLACEMENT);
    }
    case 'email': {
      only(['mask_char']);
      const c = maskChar();
      return (v) => {
        if (typeof v !== 'string') return DEFAULT_REPLACEMENT;
        const atSign = v.lastIndexOf('@');
        if (atSign < 1) return partial(v, 0, DEFAULT_KEEP_LAST, c);
        return `${v[0]}${c.repeat(Math.max(atSign - 1, 1))}${v.slice(atSign)}`;
      };
    }
    default:
      throw invalidOption(`${at}.action`, MASK_ACTIONS.join(' | '), action);
  }
}

/** Keeps `first` and `last` characters (code points), hides the rest; a value too short to keep any is hidden whole. */
function partial(s: string, first: number, last: number, c: string): string {
  const chars = [...s];
  if (chars.length <= first + last) return c.repeat(chars.length);
  return chars.slice(0, first).join('') + c.repeat(chars.length - first - last) + chars.slice(chars.length - last).join('');
}

function compileRule(raw: unknown, index: number, where: string): CompiledRule {
  const at = `${where}[${index}]`;
  const r = checkObject(at, raw);
  rejectUnknownKeys(r, ['path', 'action', 'types', 'on', 'replacement', 'keep_first', 'keep_last', 'mask_char', 'key'], at);
  if (r.action === undefined) throw invalidOption(`${at}.action`, MASK_ACTIONS.join(' | '), undefined);
  const { roots, steps } = parseMaskPath(r.path, at);
  const apply = actionOf(r, at);
  let types: CompiledPattern[] | null = null;
  if (r.types !== undefined) {
    types = listOf(r.types, `${at}.types`).map((p, i) => {
      try {
        return compilePattern(p);
      } catch (e) {
        throw new CrosstalkError('INVALID_OPTION', `${at}.types[${i}]: ${(e as Error).message}`, { option: `${at}.types`, cause: e });
      }
    });
  }
  const on = r.on === undefined ? [MASK_ON_STORE, MASK_ON_SCRIPTS] : listOf(r.on, `${at}.on`);
  const scripts = new Set(on.filter((x) => x !== MASK_ON_STORE && x !== MASK_ON_SCRIPTS));
  return { index, roots, steps, types, store: on.includes(MASK_ON_STORE), allScripts: on.includes(MASK_ON_SCRIPTS), scripts, apply };
}

/** Applies `rule` at `steps[i…]` under `v`: the new value, `v` itself when nothing changed, or DROP. */
function walk(v: JsonValue, steps: readonly Step[], i: number, act: CompiledRule['apply']): JsonValue | typeof DROP {
  if (i === steps.length) return act(v);
  const s = steps[i]!;
  if (s.k === 'deep') {
    // zero levels here, then one or more below (with the value as the zero-level step left it)
    const here = walk(v, steps, i + 1, act);
    if (here === DROP || here === null || typeof here !== 'object') return here;
    return children(here, (child) => walk(child, steps, i, act));
  }
  if (v === null || typeof v !== 'object') return v;
  if (s.k === 'any') return children(v, (child) => walk(child, steps, i + 1, act));
  if (s.k === 'index') {
    if (!Array.isArray(v) || s.n >= v.length) return v;
    return replaceAt(v, s.n, walk(v[s.n]!, steps, i + 1, act));
  }
  if (Array.isArray(v) || !Object.hasOwn(v, s.key)) return v;
  return replaceAt(v, s.key, walk((v as JsonObject)[s.key]!, steps, i + 1, act));
}

/** `v` with each child replaced by `f(child)` (copied only when one changed; DROP removes it). */
function children(v: JsonValue[] | JsonObject, f: (child: JsonValue) => JsonValue | typeof DROP): JsonValue {
  if (Array.isArray(v)) {
    let out: JsonValue[] | null = null;
    for (let k = 0; k < v.length; k++) {
      const r = f(v[k]!);
      if (r !== v[k] && out === null) out = v.slice(0, k);
      if (out !== null && r !== DROP) out.push(r as JsonValue);
    }
    return out ?? v;
  }
  let out: JsonObject | null = null;
  for (const k of Object.keys(v)) {
    const r = f(v[k]!);
    if (r !== v[k]) {
      out ??= { ...v };
      if (r === DROP) delete out[k];
      else out[k] = r;
    }
  }
  return out ?? v;
}

function replaceAt(v: JsonValue[] | JsonObject, k: string | number, r: JsonValue | typeof DROP): JsonValue {
  if (Array.isArray(v)) {
    const n = k as number;
    if (r === v[n]) return v;
    const out = v.slice();
    if (r === DROP) out.splice(n, 1);
    else out[n] = r;
    return out;
  }
  if (r === v[k as string]) return v;
  const out = { ...v };
  if (r === DROP) delete out[k as string];
  else out[k as string] = r;
  return out;
}

function applyRules(e: UniversalEvent, rules: readonly CompiledRule[]): UniversalEvent {
  let data = e.data;
  let metadata = e.metadata;
  for (const rule of rules) {
    for (const root of rule.roots) {
      if (root === 'data') {
        const r = walk(data, rule.steps, 0, rule.apply);
        // data itself is never dropped: the path names something inside it
        if (r !== DROP) data = r;
      } else {
        const r = walk(metadata, rule.steps, 0, rule.apply);
        if (r !== DROP && r !== null && typeof r === 'object' && !Array.isArray(r)) metadata = r;
      }
    }
  }
  return data === e.data && metadata === e.metadata ? e : { ...e, data, metadata };
}

/** Masks events by rules; what applies to a type is worked out once per type. */
export interface Masker {
  readonly size: number;
  /** the event as it is to be stored (the same object when no rule applies) */
  forStore(e: UniversalEvent): UniversalEvent;
  /** a function masking events for the script named `script`, or null when no rule concerns it */
  forScript(script: string): ((e: UniversalEvent) => UniversalEvent) | null;
  /** true when some rule applies before storage to events of `type` */
  storesMasked(type: string): boolean;
}

const TYPE_CACHE = 10_000;

/** Validates rules (INVALID_OPTION naming `masking[i].field`) and builds their masker. */
export function createMasker(rules: unknown, where = 'masking'): Masker {
  if (rules === undefined || rules === null) rules = [];
  if (!Array.isArray(rules)) throw invalidOption(where, 'a list of masking rules', rules);
  if (rules.length > MAX_MASK_RULES) throw invalidOption(where, `at most ${MAX_MASK_RULES} rules`, rules);
  const compiled = rules.map((r, i) => compileRule(r, i, where));
  const cached = (select: (r: CompiledRule) => boolean) => {
    const chosen = compiled.filter(select);
    const byType = new Map<string, readonly CompiledRule[]>();
    return (type: string): readonly CompiledRule[] => {
      if (chosen.length === 0) return chosen;
      let hit = byType.get(type);
      if (hit === undefined) {
        hit = chosen.filter((r) => r.types === null || r.types.some((p) => p.test(type)));
        if (byType.size >= TYPE_CACHE) byType.clear();
        byType.set(type, hit);
      }
      return hit;
    };
  };
  const storeRules = cached((r) => r.store);
  const scriptMaskers = new Map<string, ((e: UniversalEvent) => UniversalEvent) | null>();
  return {
    size: compiled.length,
    forStore(e) {
      const rules = storeRules(e.event_type);
      return rules.length === 0 ? e : applyRules(e, rules);
    },
    storesMasked(type) {
      return storeRules(type).length > 0;
    },
    forScript(script) {
      if (!scriptMaskers.has(script)) {
        const mine = compiled.some((r) => r.allScripts || r.scripts.has(script));
        if (!mine) scriptMaskers.set(script, null);
        else {
          const rulesFor = cached((r) => r.allScripts || r.scripts.has(script));
          scriptMaskers.set(script, (e) => {
            const rules = rulesFor(e.event_type);
            return rules.length === 0 ? e : applyRules(e, rules);
          });
        }
      }
      return scriptMaskers.get(script)!;
    },
  };
}

/** Applies rules to one event before storage (a one-off; a bus keeps a Masker). */
export function maskEvent(e: UniversalEvent, rules: readonly MaskRule[]): UniversalEvent {
  return createMasker(rules).forStore(e);
}
