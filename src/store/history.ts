/**
 * Which stored events a bus can read back (docs/persistence.md "Query, replay and
 * catch-up on JetStream"): with a NATS transport, the JetStream stream
 * holding every process's persistent events; otherwise its store.
 */
import type { Bus, EventStore } from '../core/types.js';

/** The bus's stream (a transport that keeps events), else its store, else null. */
export function historyOf(bus: Bus): EventStore | null {
  return bus.transport?.history ?? bus.store;
}
