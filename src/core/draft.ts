/**
 * Turns the two publish forms — `(event_type, data, options)` and the
 * table/object form — into a validated draft. Everything a publisher can get
 * wrong is caught here, before the event exists, so a bad publish has no effect.
 */
import { CrosstalkError, describeValue } from './errors.js';
import {
  assertEventType,
  checkJson,
  EVENT_INIT_KEYS,
  jsonByteLength,
  PRIORITIES,
  PUBLISH_OPTION_KEYS,
  SOURCE_KEYS,
  type EventSource,
  type JsonObject,
  type JsonValue,
  type Priority,
  type UniversalEvent,
} from './event.js';
import { validate as uuidValidate } from 'uuid';
import type { Cause } from './context.js';
import { invalidOption, rejectUnknownKeys, type ResolvedBusOptions } from './options.js';
import type { Router } from './router.js';
import type { EventInit, PublisherIdentity, PublishOptions } from './types.js';

export interface Draft {
  type: string;
  data: JsonValue;
  id: string | undefined;
  /** `id` was minted by this process, not chosen by the publisher (no duplicate check) */
  minted?: boolean;
  source: EventSource;
  metadata: JsonObject;
  priority: Priority;
  /** undefined: decided by the bus's persist patterns */
  persistent: boolean | undefined;
  /** keep as its type's retained event (null data clears it) */
  retain: boolean;
  /** an upper bound of data + metadata serialized, in bytes (interceptors that add to them add to it) */
  size: number;
  ttl_seconds: number | undefined;
  /** set when a block-strategy publish starts waiting */
  deadline?: number;
  /** the clock (Date.now) as read for the interceptor chain; the event's timestamp reuses it (0: not read) */
  at: number;
  /** the router's cached answer for `type`, found while validating; dispatch uses it once */
  targets: readonly unknown[] | undefined;
  /** told the event as delivered (the bus's own announcements keep theirs for late joiners) */
  keep?: (e: UniversalEvent) => void;
}


/** Frozen so that the one shared empty object cannot be changed by a receiver. */
export const EMPTY_METADATA: JsonObject = Object.freeze({}) as JsonObject;
/** A publisher's source without correlation id is the same object for each of its events. */
const sourceCache = new WeakMap<PublisherIdentity, EventSource>();
const MAX_TTL_SECONDS = 100 * 365 * 24 * 3600;

export function identitySource(who: PublisherIdentity): EventSource {
  let s = sourceCache.get(who);
  if (!s) {
    s = Object.freeze({ component: who.component, instance_id: who.instance_id, language: who.language });
    sourceCache.set(who, s);
  }
  return s;
}

function nonEmptyString(option: string, v: unknown, max = 255): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw invalidOption(option, `a string of 1 to ${max} characters`, v);
  return v;
}

interface Fields {
  persistent?: unknown;
  ttl_seconds?: unknown;
  correlation_id?: unknown;
  priority?: unknown;
  metadata?: unknown;
  language?: unknown;
  id?: unknown;
  source?: unknown;
  retain?: unknown;
}

export function prepareDraft(
  who: PublisherIdentity,
  typeOrInit: string | EventInit,
  data: JsonValue | undefined,
  options: PublishOptions | undefined,
  limits: ResolvedBusOptions,
  router: Router<unknown>,
  cause?: Cause,
): Draft {
  let type: unknown;
  let fields: Fields | undefined;
  if (typeof typeOrInit === 'string') {
    type = typeOrInit;
    if (options !== undefined && options !== null) {
      if (typeof options !== 'object' || Array.isArray(options)) throw invalidOption('options', 'an object', options);
      rejectUnknownKeys(options, PUBLISH_OPTION_KEYS, 'publish');
      fields = options;
    }
  } else if (typeOrInit !== null && typeof typeOrInit === 'object' && !Array.isArray(typeOrInit)) {
    rejectUnknownKeys(typeOrInit, EVENT_INIT_KEYS, 'event');
    if (data !== undefined || options !== undefined) {
      throw new CrosstalkError('INVALID_OPTION', 'the table form of publish takes one argument; put data and options inside it');
    }
    type = typeOrInit.event_type;
    data = typeOrInit.data;
    fields = typeOrInit;
  } else {
    throw new CrosstalkError('INVALID_EVENT_TYPE', `publish needs an event type string or an event table, got ${describeValue(typeOrInit)}`);
  }

  // a type the router has answered for before is known to be valid, and its
  // answer goes with the draft so publish looks the type up once
  const targets = typeof type === 'string' ? router.cached(type) : undefined;
  if (targets === undefined) assertEventType(type);

  if (data === undefined) data = null;
  let size = checkJson(data, 'data', limits.max_depth);

  const d = plainDraft(who, type as string, data, 0, targets);
  if (fields !== undefined) size += applyFields(d, fields, who, limits);
  if (cause !== undefined) {
    // the publish's own correlation id and caused_by win over the context's
    d.source = cause.sourceFor(d.source);
    d.metadata = cause.metadataFor(d.metadata, EMPTY_METADATA);
    size += 2 * 6 * 255 + 40; // the bound: a correlation id and caused_by, 6 bytes a character at worst
  }
  d.size = size;
  checkSize(d, limits.max_event_bytes);
  return d;
}

/**
 * Checks a publish of `type` with `data` and nothing else as prepareDraft
 * does, without making the draft: returns the size bound that plainDraft
 * takes (a batch publisher keeps only the type, the data and this number
 * until it publishes, see batch.ts).
 */
export function checkPlain(type: unknown, data: JsonValue | undefined, limits: ResolvedBusOptions, router: Router<unknown>): number {
  if (typeof type !== 'string' || router.cached(type) === undefined) assertEventType(type);
  const value = data === undefined ? null : data;
  const size = checkJson(value, 'data', limits.max_depth);
  checkSize({ type, data: value, metadata: EMPTY_METADATA, size }, limits.max_event_bytes);
  return size;
}

/** The draft of a publish of `type` with `data` and no options (checked already: `size` is its bound). */
export function plainDraft(who: PublisherIdentity, type: string, data: JsonValue, size: number, targets: readonly unknown[] | undefined): Draft {
  return {
    type,
    data,
    id: undefined,
    source: identitySource(who),
    metadata: EMPTY_METADATA,
    priority: 'normal',
    persistent: undefined,
    ttl_seconds: undefined,
    retain: false,
    size,
    at: 0,
    targets,
  };
}

/** PAYLOAD_TOO_LARGE when the draft would serialize past `max` bytes. */
export function checkSize(d: Pick<Draft, 'type' | 'data' | 'metadata' | 'size'>, max: number): void {
  // the bound overestimates; only near the limit is the exact size worth computing
  if (d.size + 512 > max) {
    const exact = jsonByteLength(d.data) + jsonByteLength(d.metadata) + 512;
    if (exact > max) {
      throw new CrosstalkError('PAYLOAD_TOO_LARGE', `event ${d.type} is about ${exact} bytes serialized; the limit is ${max}`, {
        eventType: d.type,
      });
    }
  }
}

function applyFields(d: Draft, f: Fields, who: PublisherIdentity, limits: ResolvedBusOptions): number {
  let size = 0;
  if (f.persistent !== undefined) {
    if (typeof f.persistent !== 'boolean') throw invalidOption('persistent', 'a boolean', f.persistent);
    d.persistent = f.persistent;
  }
  if (f.ttl_seconds !== undefined) {
    const t = f.ttl_seconds;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > MAX_TTL_SECONDS) {
      throw invalidOption('ttl_seconds', `an integer from 1 to ${MAX_TTL_SECONDS}`, t);
    }
    d.ttl_seconds = t;
    d.persistent ??= true; // a ttl only means something on a stored event
  }
  if (f.retain !== undefined) {
    if (typeof f.retain !== 'boolean') throw invalidOption('retain', 'a boolean', f.retain);
    d.retain = f.retain;
  }
  if (f.priority !== undefined) {
    if (!PRIORITIES.includes(f.priority as Priority)) throw invalidOption('priority', PRIORITIES.join(' | '), f.priority);
    d.priority = f.priority as Priority;
  }
  if (f.metadata !== undefined) {
    const m = f.metadata;
    if (m === null || typeof m !== 'object' || Array.isArray(m)) throw invalidOption('metadata', 'an object', m);
    size += checkJson(m, 'metadata', limits.max_depth);
    d.metadata = m as JsonObject;
  }
  if (f.id !== undefined) {
    // the version digit is checked directly: uuid's version() would validate again
    if (typeof f.id !== 'string' || !uuidValidate(f.id) || f.id[14] !== '4') {
      throw invalidOption('id', 'a UUID v4 string', f.id);
    }
    d.id = f.id.toLowerCase();
  }
  let correlation: string | undefined;
  let language: string | undefined;
  let component: string | undefined;
  let instance: string | undefined;
  if (f.source !== undefined) {
    const s = f.source;
    if (s === null || typeof s !== 'object' || Array.isArray(s)) throw invalidOption('source', 'an object', s);
    rejectUnknownKeys(s, SOURCE_KEYS, 'source');
    const src = s as Record<string, unknown>;
    if (src.component !== undefined) component = nonEmptyString('source.component', src.component);
    if (src.instance_id !== undefined) instance = nonEmptyString('source.instance_id', src.instance_id);
    if (src.correlation_id !== undefined) correlation = nonEmptyString('source.correlation_id', src.correlation_id);
    if (src.language !== undefined) language = nonEmptyString('source.language', src.language, 64);
  }
  if (f.correlation_id !== undefined) correlation = nonEmptyString('correlation_id', f.correlation_id);
  if (f.language !== undefined) language = nonEmptyString('language', f.language, 64);
  if (correlation !== undefined || language !== undefined || component !== undefined || instance !== undefined) {
    d.source = {
      component: component ?? who.component,
      instance_id: instance ?? who.instance_id,
      ...(correlation !== undefined ? { correlation_id: correlation } : {}),
      language: language ?? who.language,
    };
  }
  return size;
}
