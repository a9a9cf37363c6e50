/**
 * The interceptor chain (docs/coordination.md "Interceptors"): an ordered list of rules,
 * each matched by a pattern, that every publish of this bus passes before it
 * is routed. A rule lets the event through, blocks it, modifies its data,
 * metadata or priority, renames its type, or refuses it for its rate.
 *
 * Rules are plain JSON (`crosstalk run --config`, createBus({interceptors}))
 * except `function`, the host's own code. Which rules apply to a type is
 * cached per type, so a publish pays for the rules that match it, not for
 * testing every pattern.
 */
import { CrosstalkError, describeValue } from './errors.js';
import { checkInt, checkNumber, checkObject, checkString, invalidOption, rejectUnknownKeys } from './check.js';
import { assertEventType, checkJson, PRIORITIES, type EventSource, type JsonObject, type JsonValue, type Priority } from './event.js';
import { compilePattern, type CompiledPattern } from './pattern.js';
import { KeyedBuckets, TokenBucket } from './rate-limit.js';

/** What a rule's list or rate is kept by: `source.component`, `metadata.session_id`, `source.correlation_id`. */
export type InterceptKey = 'component' | 'session' | 'correlation';
const KEYS: readonly InterceptKey[] = ['component', 'session', 'correlation'];
export type RatePer = 'pattern' | 'type' | 'component';
const RATE_PER: readonly RatePer[] = ['pattern', 'type', 'component'];

/** The event as an interceptor function sees it (before it has a sequence). */
export interface InterceptedEvent {
  readonly event_type: string;
  readonly data: JsonValue;
  readonly metadata: JsonObject;
  readonly priority: Priority;
  readonly source: EventSource;
  /** the id the publisher supplied, or null (the bus assigns one after the chain) */
  readonly id: string | null;
}

/**
 * An interceptor function's answer: nothing, true or 'allow' lets the event
 * on; false or 'block' drops it; an object changes the fields it names and
 * lets it on. Throwing a CrosstalkError refuses the publish with that error.
 */
export type InterceptorVerdict =
  | undefined
  | boolean
  | 'allow'
  | 'block'
  | { event_type?: string; data?: JsonValue; metadata?: JsonObject; priority?: Priority };

interface Common {
  /** which event types the rule applies to; @default '**' */
  pattern?: string;
  /** shown in stats and errors; @default the rule's type and position */
  name?: string;
}

export type InterceptorSpec =
  | (Common & { type: 'block' })
  | (Common & { type: 'allow_list' | 'block_list'; by: InterceptKey; values: string[] })
  | (Common & { type: 'rate_limit'; rate: number; burst?: number; per?: RatePer })
  | (Common & { type: 'modify'; data?: JsonObject; metadata?: JsonObject; priority?: Priority })
  | (Common & { type: 'transform'; event_type: string })
  | (Common & { type: 'function'; fn: (event: InterceptedEvent) => InterceptorVerdict });

export type InterceptorType = InterceptorSpec['type'];
const TYPES: readonly InterceptorType[] = ['block', 'allow_list', 'block_list', 'rate_limit', 'modify', 'transform', 'function'];

export interface InterceptorStats {
  /** publishes whose type the pattern matched */
  matched: number;
  blocked: number;
  modified: number;
  transformed: number;
  rate_limited: number;
  /** function rules that threw or answered something invalid */
  errors: number;
}

export interface InterceptorInfo {
  id: string;
  name: string;
  type: InterceptorType;
  pattern: string;
  stats: InterceptorStats;
}

/** The part of a publish the chain may read and change. */
export interface Interceptable {
  type: string;
  data: JsonValue;
  metadata: JsonObject;
  priority: Priority;
  source: EventSource;
  id: string | undefined;
  /** an upper bound of data + metadata in serialized bytes */
  size: number;
}

// rule kinds, as small integers so that apply() switches on a number
const BLOCK = 0;
const ALLOW_LIST = 1;
const BLOCK_LIST = 2;
const RATE_LIMIT = 3;
const MODIFY = 4;
const TRANSFORM = 5;
const FUNCTION = 6;
const KIND: Record<InterceptorType, number> = {
  block: BLOCK,
  allow_list: ALLOW_LIST,
  block_list: BLOCK_LIST,
  rate_limit: RATE_LIMIT,
  modify: MODIFY,
  transform: TRANSFORM,
  function: FUNCTION,
};

/** What compileInterceptor worked out of a rule, kept in fields of one shape (publish reads them per event). */
interface Compiled {
  values: ReadonlySet<string> | null;
  bucket: TokenBucket | null;
  keyed: KeyedBuckets | null;
  rate: number;
  burst: number;
  /** modify: entries merged into data / metadata, and their size bound */
  dataAdd: readonly (readonly [string, JsonValue])[] | null;
  metaAdd: readonly (readonly [string, JsonValue])[] | null;
  addedSize: number;
}

export class Interceptor {
  readonly stats: InterceptorStats = { matched: 0, blocked: 0, modified: 0, transformed: 0, rate_limited: 0, errors: 0 };
  readonly compiled: CompiledPattern;
  private readonly kind: number;
  private readonly by: InterceptKey;
  private readonly per: RatePer;
  private readonly priority: Priority | null;
  private readonly renameTo: string | null;
  private readonly fn: ((e: InterceptedEvent) => InterceptorVerdict) | null;

  constructor(
    readonly id: string,
    readonly name: string,
    readonly spec: Readonly<InterceptorSpec>,
    private readonly c: Compiled,
  ) {
    this.compiled = compilePattern(spec.pattern ?? '**');
    this.kind = KIND[spec.type];
    const f = spec as Partial<Record<string, unknown>>;
    this.by = (f.by as InterceptKey | undefined) ?? 'component';
    this.per = (f.per as RatePer | undefined) ?? 'pattern';
    this.priority = spec.type === 'modify' ? (spec.priority ?? null) : null;
    this.renameTo = spec.type === 'transform' ? spec.event_type : null;
    this.fn = spec.type === 'function' ? spec.fn : null;
  }

  info(): InterceptorInfo {
    return { id: this.id, name: this.name, type: this.spec.type, pattern: this.compiled.source, stats: { ...this.stats } };
  }

  /** A rate limit or a function can refuse a publish (RATE_LIMITED, INTERCEPTOR_FAILED). */
  get mayRefuse(): boolean {
    return this.kind === RATE_LIMIT || this.kind === FUNCTION;
  }

  /** Applies the rule to `d` (whose type it matches): true when it blocks; throws RATE_LIMITED or the function's error. */
  apply(d: Interceptable, maxDepth: number, now: number): boolean {
    this.stats.matched++;
    switch (this.kind) {
      case BLOCK:
        this.stats.blocked++;
        return true;
      case ALLOW_LIST:
      case BLOCK_LIST: {
        const key = keyOf(d, this.by);
        const listed = key !== undefined && this.c.values!.has(key);
        if (listed === (this.kind === ALLOW_LIST)) return false;
        this.stats.blocked++;
        return true;
      }
      case RATE_LIMIT:
        this.limit(d, now);
        return false;
      case MODIFY: {
        const c = this.c;
        if (c.dataAdd !== null && d.data !== null && typeof d.data === 'object' && !Array.isArray(d.data)) d.data = merged(d.data, c.dataAdd);
        if (c.metaAdd !== null) d.metadata = merged(d.metadata, c.metaAdd);
        if (this.priority !== null) d.priority = this.priority;
        d.size += c.addedSize;
        this.stats.modified++;
        return false;
      }
      case TRANSFORM:
        d.type = this.renameTo!;
        this.stats.transformed++;
        return false;
      default:
        return this.call(d, this.fn!, maxDepth);
    }
  }

  private limit(d: Interceptable, now: number): void {
    const c = this.c;
    const b = c.bucket ?? c.keyed!.bucket(this.per === 'type' ? d.type : d.source.component, now);
    if (b.take(now)) return;
    this.stats.rate_limited++;
    throw new CrosstalkError(
      'RATE_LIMITED',
      `${d.type}: over the rate limit of interceptor ${describeValue(this.name)} (${c.rate}/s, burst ${c.burst}${
        this.per !== 'pattern' ? ` per ${this.per}` : ''
      }); the next event is allowed in ${b.waitMs(now)} ms`,
      { eventType: d.type },
    );
  }

  private call(d: Interceptable, fn: (e: InterceptedEvent) => InterceptorVerdict, maxDepth: number): boolean {
    let v: InterceptorVerdict;
    try {
      v = fn({ event_type: d.type, data: d.data, metadata: d.metadata, priority: d.priority, source: d.source, id: d.id ?? null });
    } catch (e) {
      this.stats.errors++;
      if (e instanceof CrosstalkError) throw e;
      throw this.failure(`threw ${e instanceof Error ? e.message : describeValue(e)}`, d.type, e);
    }
    if (v === undefined || v === true || v === 'allow') return false;
    if (v === false || v === 'block') {
      this.stats.blocked++;
      return true;
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      this.stats.errors++;
      throw this.failure(`answered ${describeValue(v)}; expected nothing, true/false, 'allow', 'block' or an object of changes`, d.type);
    }
    try {
      rejectUnknownKeys(v, ['event_type', 'data', 'metadata', 'priority'], 'interceptor verdict');
      if (v.event_type !== undefined) assertEventType(v.event_type);
      if (v.priority !== undefined && !PRIORITIES.includes(v.priority)) throw invalidOption('priority', PRIORITIES.join(' | '), v.priority);
      if (v.metadata !== undefined) checkObject('metadata', v.metadata);
      const data = v.data !== undefined ? v.data : d.data;
      const metadata = v.metadata ?? d.metadata;
      d.size = checkJson(data, 'data', maxDepth) + checkJson(metadata, 'metadata', maxDepth);
      if (v.event_type !== undefined && v.event_type !== d.type) {
        d.type = v.event_type;
        this.stats.transformed++;
      }
      if (v.data !== undefined || v.metadata !== undefined || v.priority !== undefined) this.stats.modified++;
      d.data = data;
      d.metadata = metadata;
      if (v.priority !== undefined) d.priority = v.priority;
    } catch (e) {
      this.stats.errors++;
      throw this.failure(`answered an invalid change: ${(e as Error).message}`, d.type, e);
    }
    return false;
  }

  private failure(why: string, type: string, cause?: unknown): CrosstalkError {
    return new CrosstalkError('INTERCEPTOR_FAILED', `interceptor ${describeValue(this.name)} ${why} (publishing ${type}); nothing was published`, {
      eventType: type,
      cause,
    });
  }
}

/** A new object: `base`'s entries, then `add`'s (the publisher's object is never changed). */
function merged(base: JsonObject, add: readonly (readonly [string, JsonValue])[]): JsonObject {
  const out: JsonObject = {};
  for (const k in base) out[k] = base[k]!;
  for (let i = 0; i < add.length; i++) out[add[i]![0]] = add[i]![1];
  return out;
}

function keyOf(d: Interceptable, by: InterceptKey): string | undefined {
  if (by === 'component') return d.source.component;
  if (by === 'correlation') return d.source.correlation_id;
  const s = d.metadata.session_id;
  return typeof s === 'string' ? s : undefined;
}

/**
 * Validates one rule and builds it. `where` names the rule in messages
 * (`interceptors[2]`), so a config file's bad field is named by its path.
 */
export function compileInterceptor(spec: unknown, id: string, where: string, position: number): Interceptor {
  const s = checkObject(where, spec);
  const type = s.type as InterceptorType;
  if (!TYPES.includes(type)) throw invalidOption(`${where}.type`, TYPES.join(' | '), s.type);
  const at = (k: string) => `${where}.${k}`;
  const extra: Record<InterceptorType, string[]> = {
    block: [],
    allow_list: ['by', 'values'],
    block_list: ['by', 'values'],
    rate_limit: ['rate', 'burst', 'per'],
    modify: ['data', 'metadata', 'priority'],
    transform: ['event_type'],
    function: ['fn'],
  };
  try {
    rejectUnknownKeys(s, ['type', 'pattern', 'name', ...extra[type]], `${where} (${type})`);
  } catch (e) {
    throw new CrosstalkError('INVALID_OPTION', (e as Error).message, { option: at((e as CrosstalkError).option ?? '') });
  }
  if (s.pattern !== undefined) {
    if (typeof s.pattern !== 'string') throw invalidOption(at('pattern'), 'a pattern string', s.pattern);
    try {
      compilePattern(s.pattern);
    } catch (e) {
      throw new CrosstalkError('INVALID_OPTION', `${at('pattern')}: ${(e as Error).message}`, { option: at('pattern'), cause: e });
    }
  }
  const name = s.name === undefined ? `${type}#${position}` : checkString(at('name'), s.name, 64);
  const c: Compiled = { values: null, bucket: null, keyed: null, rate: 0, burst: 0, dataAdd: null, metaAdd: null, addedSize: 0 };
  switch (type) {
    case 'allow_list':
    case 'block_list': {
      if (!KEYS.includes(s.by as InterceptKey)) throw invalidOption(at('by'), KEYS.join(' | '), s.by);
      if (!Array.isArray(s.values)) throw invalidOption(at('values'), 'a list of strings', s.values);
      s.values.forEach((v, i) => checkString(`${at('values')}[${i}]`, v, 255));
      c.values = new Set(s.values as string[]);
      break;
    }
    case 'rate_limit': {
      const rate = checkNumber(at('rate'), s.rate, 0.001, 1e9);
      const burst = s.burst === undefined ? Math.max(1, rate) : checkInt(at('burst'), s.burst, 1, 1e9);
      const per = (s.per ?? 'pattern') as RatePer;
      if (!RATE_PER.includes(per)) throw invalidOption(at('per'), RATE_PER.join(' | '), s.per);
      c.rate = rate;
      c.burst = burst;
      if (per === 'pattern') c.bucket = new TokenBucket(rate, burst, Date.now());
      else c.keyed = new KeyedBuckets(rate, burst);
      break;
    }
    case 'modify': {
      if (s.data === undefined && s.metadata === undefined && s.priority === undefined) {
        throw new CrosstalkError('INVALID_OPTION', `${where}: a modify rule changes data, metadata or priority; it names none`, { option: where });
      }
      for (const k of ['data', 'metadata'] as const) {
        if (s[k] === undefined) continue;
        checkObject(at(k), s[k]);
        try {
          c.addedSize += checkJson(s[k], at(k));
        } catch (e) {
          throw new CrosstalkError('INVALID_OPTION', (e as Error).message, { option: at(k), cause: e });
        }
        const entries = Object.entries(s[k] as JsonObject);
        if (k === 'data') c.dataAdd = entries;
        else c.metaAdd = entries;
      }
      if (s.priority !== undefined && !PRIORITIES.includes(s.priority as Priority)) throw invalidOption(at('priority'), PRIORITIES.join(' | '), s.priority);
      break;
    }
    case 'transform':
      try {
        assertEventType(s.event_type);
      } catch (e) {
        throw new CrosstalkError('INVALID_OPTION', `${at('event_type')}: ${(e as Error).message}`, { option: at('event_type'), cause: e });
      }
      break;
    case 'function':
      if (typeof s.fn !== 'function') throw invalidOption(at('fn'), 'a function (event) => verdict', s.fn);
      break;
    case 'block':
      break;
  }
  return new Interceptor(id, name, s as unknown as InterceptorSpec, c);
}

/** The ordered rules of one bus, with the rules that apply to each type cached. */
export class InterceptorChain {
  private list: Interceptor[] = [];
  private readonly byType = new Map<string, readonly Interceptor[]>();
  private nextId = 1;
  /** publishes blocked, modified, transformed or refused for their rate, bus-wide */
  readonly totals = { blocked: 0, rate_limited: 0, modified: 0, transformed: 0 };

  constructor(private readonly maxDepth: number) {}

  get size(): number {
    return this.list.length;
  }

  add(spec: unknown, where = 'interceptor'): string {
    const id = `i${this.nextId}`;
    const rule = compileInterceptor(spec, id, where, this.nextId);
    this.nextId++;
    this.list = [...this.list, rule];
    this.byType.clear();
    return id;
  }

  remove(id: string): boolean {
    const before = this.list.length;
    this.list = this.list.filter((r) => r.id !== id);
    this.byType.clear();
    return this.list.length < before;
  }

  infos(): InterceptorInfo[] {
    return this.list.map((r) => r.info());
  }

  /**
   * Runs the rules matching `d.type` in order: true when one blocks the
   * event. Throws RATE_LIMITED / INTERCEPTOR_FAILED. `now` is Date.now().
   */
  run(d: Interceptable, now: number): boolean {
    let rules = this.rulesFor(d.type);
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i]!;
      const { type, data, metadata, priority } = d;
      let blocked: boolean;
      try {
        blocked = r.apply(d, this.maxDepth, now);
      } catch (e) {
        if (e instanceof CrosstalkError && e.code === 'RATE_LIMITED') this.totals.rate_limited++;
        throw e;
      }
      if (blocked) {
        this.totals.blocked++;
        return true;
      }
      if (d.data !== data || d.metadata !== metadata || d.priority !== priority) this.totals.modified++;
      if (d.type !== type) {
        this.totals.transformed++;
        // the rest of the chain is the rules after this one that match the new type
        const at = this.list.indexOf(r);
        rules = this.list.slice(at + 1).filter((x) => x.compiled.test(d.type));
        i = -1;
      }
    }
    return false;
  }

  /** Some rule could refuse a publish of some type. */
  get mayRefuseAny(): boolean {
    return this.list.some((r) => r.mayRefuse);
  }

  /**
   * A rule could refuse a publish of `type` (or of what a transform makes of
   * it: any refusing rule after a transform counts).
   */
  mayRefuse(type: string): boolean {
    const rules = this.rulesFor(type);
    for (const r of rules) {
      if (r.mayRefuse) return true;
      if (r.spec.type === 'transform' || r.spec.type === 'function') return this.mayRefuseAny;
    }
    return false;
  }

  private rulesFor(type: string): readonly Interceptor[] {
    let rules = this.byType.get(type);
    if (rules === undefined) {
      rules = this.list.filter((r) => r.compiled.test(type));
      if (this.byType.size >= 10_000) this.byType.clear();
      this.byType.set(type, rules);
    }
    return rules;
  }
}
