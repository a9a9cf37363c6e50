/**
 * `crosstalk tail <pattern> --bus nats://…`: follow events live as any
 * joined process publishes them, instead of polling a store. `--where`,
 * `--filter`, `--correlation-id` and `--source` become the subscription's
 * filter. `--last`, `--since` and `--after` read the history first from
 * the JetStream stream every joined process persists to (a catch-up
 * subscription); the flags about a store (--store, --until, --interval,
 * --wait) are refused here.
 */
import { createBus } from '../../core/bus.js';
import { CrosstalkError } from '../../core/errors.js';
import type { UniversalEvent } from '../../core/event.js';
import { compileExpression } from '../../core/expression.js';
import { compileFilter } from '../../core/filter.js';
import { MAX_QUERY_LIMIT } from '../../core/query.js';
import type { EventQuery, FilterSpec } from '../../core/types.js';
import { historyOf } from '../../store/history.js';
import type { StreamStore } from '../../transport/jetstream-store.js';
import type { NatsOptions } from '../../transport/options.js';
import type { EventWriter } from './format.js';

export interface FollowBusArgs {
  bus: string;
  pattern: string;
  filters: LiveFilter | undefined;
  /** stop after this many events */
  max: number;
  signal: AbortSignal;
  out: EventWriter;
  /** told once the server has this process's interest */
  ready(url: string): void;
  /** told when the connection drops, comes back or is given up */
  status(message: string): void;
  /** connection options (tests shorten the reconnect schedule) */
  nats?: NatsOptions;
  /**
   * History from the JetStream stream first: the last `last` matches of
   * `query` (printed oldest first), or every match after `after_sequence`
   * / from `start_time`; then live events, with no gap or duplicate.
   */
  history?: { query: EventQuery; last: number };
}

export type LiveFilter = FilterSpec | string | ((e: UniversalEvent) => boolean);

/**
 * Flags about a store, which a bus does not have (its history, --since,
 * --after and --last, is read from the stream).
 */
export const STORE_FLAGS = ['store', 'until', 'interval', 'wait'] as const;

export function refuseStoreFlags(args: Record<string, unknown>): void {
  for (const f of STORE_FLAGS) {
    const v = args[f];
    if (v === undefined || v === false) continue;
    const why =
      f === 'until'
        ? 'ends a follow of a store; with --bus, tail follows until --count or Ctrl-C'
        : 'is about a store; with --bus, tail reads the stream of the joined processes (--since, --after, --last) and follows their live events';
    throw new CrosstalkError('INVALID_OPTION', `--${f} ${why}`, { option: f });
  }
}

/**
 * The query's conditions that a live subscription can check, as one filter:
 * the table, the expression, or both as one predicate.
 */
export function liveFilter(q: EventQuery): LiveFilter | undefined {
  const f: FilterSpec = { ...q.filters };
  if (q.correlation_id !== undefined) f['source.correlation_id'] = q.correlation_id;
  if (q.source !== undefined) f['source.component'] = q.source;
  const table = Object.keys(f).length > 0 ? f : undefined;
  if (q.where === undefined) return table;
  if (table === undefined) return q.where;
  const [a, b] = [compileFilter(table), compileExpression(q.where)];
  return (e) => a(e) && b(e);
}

/**
 * Follows until `max` events, the signal, or the connection is given up
 * (then BUS_UNAVAILABLE, after printing what arrived).
 */
export async function followBus(a: FollowBusArgs): Promise<void> {
  const { connectNats } = await import('../../transport/nats.js');
  const bus = createBus({ transport: await connectNats(a.bus, a.nats) });
  try {
    let printed = 0;
    let from: { from_sequence?: number; from_time?: number } = {};
    const h = a.history;
    if (h !== undefined && h.last > 0) {
      const stream = historyOf(bus) as StreamStore;
      const end = await stream.snapshot();
      const filters = { ...(h.query.filters ?? {}), sequence: { op: '<=' as const, value: end } };
      const recent = await stream.query({ ...h.query, filters, limit: Math.min(h.last, a.max, MAX_QUERY_LIMIT), order: 'desc' });
      await a.out.write(recent.reverse());
      printed += recent.length;
      from = { from_sequence: end };
    } else if (h !== undefined) {
      if (h.query.after_sequence !== undefined) from.from_sequence = h.query.after_sequence;
      if (h.query.start_time !== undefined) from.from_time = h.query.start_time;
    }
    const sub = bus.subscribe(a.pattern, { ...(a.filters ? { filter: a.filters } : {}), max_queue_size: 100_000, ...from });
    let lost: string | null = null;
    bus.onStatus((s) => {
      if (s.type !== 'connection') return;
      a.status(s.message);
      if (s.state === 'closed') {
        lost = s.message;
        sub.unsubscribe(); // ends a waiting receive: nothing more can arrive
      }
    });
    if (a.signal.aborted) sub.unsubscribe();
    else a.signal.addEventListener('abort', () => sub.unsubscribe(), { once: true });
    await bus.flush();
    a.ready(bus.transport!.url);
    while (printed < a.max && !sub.closed) {
      const batch = await sub.receiveBatch({ max_events: Math.min(1000, a.max - printed), timeout_ms: 60_000 });
      if (batch.length === 0) continue;
      await a.out.write(batch);
      printed += batch.length;
    }
    if (lost !== null) throw new CrosstalkError('BUS_UNAVAILABLE', lost);
  } finally {
    await bus.close();
  }
}
