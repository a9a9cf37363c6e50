/**
 * `crosstalk tail <pattern> --bus nats://…`: follow events live as any
 * joined process publishes them, instead of polling a store. `--where`,
 * `--filter`, `--correlation-id` and `--source` become the subscription's
 * filter; the store flags (--store, the time and sequence flags, --last,
 * --interval, --wait) are about stored history and are refused here.
 */
import { createBus } from '../../core/bus.js';
import { CrosstalkError } from '../../core/errors.js';
import type { EventQuery, FilterSpec } from '../../core/types.js';
import type { NatsOptions } from '../../transport/options.js';
import type { EventWriter } from './format.js';

export interface FollowBusArgs {
  bus: string;
  pattern: string;
  filters: FilterSpec | undefined;
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
}

/** Flags about a store or its history, which a live bus does not have. */
export const STORE_FLAGS = ['store', 'since', 'until', 'after', 'last', 'interval', 'wait'] as const;

export function refuseStoreFlags(args: Record<string, unknown>): void {
  for (const f of STORE_FLAGS) {
    const v = args[f];
    if (v === undefined || v === false) continue;
    const why = f === 'store' || f === 'interval' || f === 'wait' ? 'is about a store' : 'reads stored events';
    throw new CrosstalkError('INVALID_OPTION', `--${f} ${why}; with --bus, tail follows live events only`, { option: f });
  }
}

/** The query's conditions that a live subscription can check, as one filter. */
export function liveFilter(q: EventQuery): FilterSpec | undefined {
  const f: FilterSpec = { ...q.filters };
  if (q.correlation_id !== undefined) f['source.correlation_id'] = q.correlation_id;
  if (q.source !== undefined) f['source.component'] = q.source;
  return Object.keys(f).length > 0 ? f : undefined;
}

/**
 * Follows until `max` events, the signal, or the connection is given up
 * (then BUS_UNAVAILABLE, after printing what arrived).
 */
export async function followBus(a: FollowBusArgs): Promise<void> {
  const { connectNats } = await import('../../transport/nats.js');
  const bus = createBus({ transport: await connectNats(a.bus, a.nats) });
  try {
    const sub = bus.subscribe(a.pattern, a.filters ? { filter: a.filters, max_queue_size: 100_000 } : { max_queue_size: 100_000 });
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
    let printed = 0;
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
