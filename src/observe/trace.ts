/**
 * `crosstalk trace`: a causal chain read back from a store (docs/observability.md "Seeing
 * the stream"). Given a correlation id, or the id of an event, it finds
 * every stored event of that correlation (an index seek), links each to the
 * event it names in `metadata.caused_by`, and lays them out as a tree in
 * time order: who published what, from which script or component and
 * language, and how long after its cause.
 *
 * Look-ups: a correlation id is one index seek; the root of a chain (the
 * event whose id became the correlation id) is found walking back by
 * sequence from its first effect; an event id alone is found by a scan of
 * the ids unless the store has `createIndex('id')`.
 */
import { CrosstalkError, describeValue } from '../core/errors.js';
import type { UniversalEvent } from '../core/event.js';
import { MAX_QUERY_LIMIT } from '../core/query.js';
import type { EventQuery, EventStore } from '../core/types.js';
import { CAUSED_BY } from '../core/context.js';

export const DEFAULT_TRACE_LIMIT = 10_000;
export const MAX_TRACE_LIMIT = 1_000_000;
/** how far up `caused_by` links are followed from an event without a correlation id */
const MAX_ANCESTORS = 100;

export interface TraceStep {
  id: string;
  sequence: number;
  event_type: string;
  timestamp: string;
  component: string;
  language: string;
  instance_id: string;
  correlation_id: string | null;
  /** `metadata.caused_by`, when the event has one (it may name an event outside the trace) */
  caused_by: string | null;
  /** the id of the step this one hangs under in the tree (its cause, when that is in the trace) */
  parent: string | null;
  depth: number;
  /** ms since the first event of the trace */
  offset_ms: number;
  /** ms since its cause, or for a root since the previous root; null for the first */
  gap_ms: number | null;
}

export interface Trace {
  /** what was asked for */
  query: string;
  /** the correlation id the events share, when they do */
  correlation_id: string | null;
  /** the event asked for, when the query was an event id */
  focus: string | null;
  events: TraceStep[];
  /** more events matched than `limit` */
  truncated: boolean;
  span_ms: number;
  roots: number;
  sources: number;
}

export interface TraceOptions {
  /** most events read; @default 10,000 */
  limit?: number;
}

function badQuery(why: string): CrosstalkError {
  return new CrosstalkError('INVALID_QUERY', why, { option: 'id' });
}

function causedBy(e: UniversalEvent): string | null {
  const c = (e.metadata as Record<string, unknown> | undefined)?.[CAUSED_BY];
  return typeof c === 'string' ? c : null;
}

async function one(store: EventStore, q: Omit<EventQuery, 'limit' | 'order'>, order: 'asc' | 'desc' = 'asc'): Promise<UniversalEvent | null> {
  return (await store.query({ ...q, limit: 1, order }))[0] ?? null;
}

/** Every stored event of a correlation, in sequence order, at most `limit` (+1 to tell truncation). */
async function correlated(store: EventStore, correlation: string, limit: number): Promise<UniversalEvent[]> {
  const out: UniversalEvent[] = [];
  let after: number | undefined;
  for (;;) {
    const want = Math.min(MAX_QUERY_LIMIT, limit + 1 - out.length);
    const page = await store.query({ correlation_id: correlation, limit: want, order: 'asc', ...(after !== undefined ? { after_sequence: after } : {}) });
    out.push(...page);
    if (page.length < want || out.length > limit) return out;
    after = page[page.length - 1]!.sequence;
  }
}

/**
 * The chain `id` names: a correlation id, or an event id. NOT_FOUND when
 * no stored event has that correlation id or id.
 */
export async function traceEvents(store: EventStore, id: string, options: TraceOptions = {}): Promise<Trace> {
  if (typeof id !== 'string' || id.length === 0 || id.length > 255) {
    throw badQuery(`trace needs a correlation id or event id of 1 to 255 characters, got ${describeValue(id)}`);
  }
  const limit = options.limit ?? DEFAULT_TRACE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TRACE_LIMIT) {
    throw new CrosstalkError('INVALID_OPTION', `Expected \`limit\` to be an integer from 1 to ${MAX_TRACE_LIMIT}, got ${describeValue(limit)}`, {
      option: 'limit',
    });
  }
  let focus: string | null = null;
  let correlation: string | null = id;
  let events = await correlated(store, id, limit);
  if (events.length === 0) {
    const asked = await one(store, { filters: { id } });
    if (asked === null) {
      throw new CrosstalkError('NOT_FOUND', `no stored event has the id or correlation id ${JSON.stringify(id)}`, { option: 'id' });
    }
    focus = asked.id;
    correlation = asked.source.correlation_id ?? null;
    events = correlation !== null ? await correlated(store, correlation, limit) : await ancestors(store, asked);
  }
  const truncated = events.length > limit;
  if (truncated) events.length = limit;
  if (correlation !== null && events.length > 0 && !events.some((e) => e.id === correlation)) {
    // the root: the event whose id became the correlation id, published before its first effect
    const firstEffect = events.find((e) => causedBy(e) === correlation);
    if (firstEffect !== undefined) {
      const root = await one(store, { filters: { id: correlation, sequence: { op: '<', value: firstEffect.sequence } } }, 'desc');
      if (root !== null) events.unshift(root);
    }
  }
  return layout(id, correlation, focus, events, truncated);
}

/** An event without a correlation id and the chain of causes above it (each found by id). */
async function ancestors(store: EventStore, e: UniversalEvent): Promise<UniversalEvent[]> {
  const chain = [e];
  const seen = new Set([e.id]);
  let cause = causedBy(e);
  while (cause !== null && !seen.has(cause) && chain.length <= MAX_ANCESTORS) {
    seen.add(cause);
    const up = await one(store, { filters: { id: cause } });
    if (up === null) break;
    chain.unshift(up);
    cause = causedBy(up);
  }
  return chain;
}

/** Links events to their causes and orders them as a tree, each level in sequence order. */
export function layout(query: string, correlation: string | null, focus: string | null, events: UniversalEvent[], truncated = false): Trace {
  const sorted = [...events].sort((a, b) => a.sequence - b.sequence);
  const byId = new Map(sorted.map((e) => [e.id, e]));
  const children = new Map<string, UniversalEvent[]>();
  const roots: UniversalEvent[] = [];
  for (const e of sorted) {
    const c = causedBy(e);
    if (c !== null && c !== e.id && byId.has(c)) {
      let list = children.get(c);
      if (list === undefined) children.set(c, (list = []));
      list.push(e);
    } else roots.push(e);
  }
  const ts = new Map(sorted.map((e) => [e.id, Date.parse(e.timestamp)]));
  let t0 = Infinity;
  for (const t of ts.values()) if (t < t0) t0 = t;
  const steps: TraceStep[] = [];
  const placed = new Set<string>();
  let lastRoot: number | null = null;
  const walk = (root: UniversalEvent) => {
    // depth-first with an explicit stack: chains may be thousands deep
    const stack: [UniversalEvent, number, string | null][] = [[root, 0, null]];
    while (stack.length > 0) {
      const [e, depth, parent] = stack.pop()!;
      if (placed.has(e.id)) continue;
      placed.add(e.id);
      const t = ts.get(e.id)!;
      let gap: number | null;
      if (parent !== null) gap = t - ts.get(parent)!;
      else {
        gap = lastRoot === null ? null : t - lastRoot;
        lastRoot = t;
      }
      steps.push({
        id: e.id,
        sequence: e.sequence,
        event_type: e.event_type,
        timestamp: e.timestamp,
        component: e.source.component,
        language: e.source.language,
        instance_id: e.source.instance_id,
        correlation_id: e.source.correlation_id ?? null,
        caused_by: causedBy(e),
        parent,
        depth,
        offset_ms: t - t0,
        gap_ms: gap,
      });
      const kids = children.get(e.id);
      if (kids !== undefined) for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i]!, depth + 1, e.id]);
    }
  };
  for (const r of roots) walk(r);
  // events caught in a cycle of caused_by links have no root: each starts its own
  for (const e of sorted) if (!placed.has(e.id)) walk(e);
  return {
    query,
    correlation_id: correlation,
    focus,
    events: steps,
    truncated,
    span_ms: steps.reduce((m, s) => Math.max(m, s.offset_ms), 0),
    roots: steps.filter((s) => s.parent === null).length,
    sources: new Set(steps.map((s) => `${s.component}\u0000${s.language}`)).size,
  };
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(3)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${((ms - m * 60_000) / 1000).toFixed(1)} s`;
}

/** Indentation stops growing here; deeper steps show their depth instead. */
const MAX_INDENT = 16;

/** The indented timeline `crosstalk trace` prints. */
export function renderTrace(t: Trace): string {
  const head =
    `${t.correlation_id !== null ? `correlation ${t.correlation_id}` : `event ${t.query}`}: ` +
    `${t.events.length} event${t.events.length === 1 ? '' : 's'} from ${t.sources} source${t.sources === 1 ? '' : 's'} ` +
    `over ${formatMs(t.span_ms)}` +
    (t.events.length > 0 ? `, from ${t.events.reduce((a, s) => (s.offset_ms === 0 ? s : a)).timestamp}` : '') +
    (t.truncated ? ` (first ${t.events.length} only: --limit)` : '');
  const rows = t.events.map((s) => {
    const indent = s.depth === 0 ? '' : `${'  '.repeat(Math.min(s.depth, MAX_INDENT) - 1)}└ ${s.depth > MAX_INDENT ? `[${s.depth}] ` : ''}`;
    const external = s.parent === null && s.caused_by !== null ? `  (caused by ${s.caused_by}, not stored here)` : '';
    return {
      at: `+${formatMs(s.offset_ms)}`,
      gap: s.gap_ms === null ? '' : `${s.parent !== null ? '↳' : '·'} ${formatMs(s.gap_ms)}`,
      what: `${indent}${s.event_type}`,
      who: `${s.component} (${s.language})`,
      tail: `#${s.sequence} ${s.id}${s.id === t.focus ? '  ◀' : ''}${external}`,
    };
  });
  const w = (k: 'at' | 'gap' | 'what' | 'who') => Math.min(k === 'what' ? 72 : 40, Math.max(0, ...rows.map((r) => r[k].length)));
  const [wa, wg, ww, wo] = [w('at'), w('gap'), w('what'), w('who')];
  const lines = [head, ...rows.map((r) => `  ${r.at.padStart(wa)}  ${r.gap.padStart(wg)}  ${r.what.padEnd(ww)}  ${r.who.padEnd(wo)}  ${r.tail}`)];
  return `${lines.join('\n')}\n`;
}
