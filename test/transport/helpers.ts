/** Shared pieces of the NATS transport tests: buses joined to a real server, raw clients. */
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { expect } from 'vitest';
import { connectNats, createBus, type BusOptions, type NatsOptions, type Subscription, type UniversalEvent } from '../../src/index.js';
import type { Bus } from '../../src/index.js';

export type JoinedBus = Bus;

/** A bus joined to `url`; closed by the caller. */
export async function joined(url: string, nats: NatsOptions = {}, bus: Omit<BusOptions, 'transport'> = {}): Promise<JoinedBus> {
  return createBus({ ...bus, transport: await connectNats(url, nats) });
}

/** Receives exactly `n` events (each within `timeoutMs`), failing on a gap. */
export async function take(sub: Subscription, n: number, timeoutMs = 5000): Promise<UniversalEvent[]> {
  const out: UniversalEvent[] = [];
  while (out.length < n) {
    const batch = await sub.receiveBatch({ max_events: n - out.length, timeout_ms: timeoutMs });
    expect(batch.length, `received ${out.length} of ${n} events, then nothing for ${timeoutMs} ms`).toBeGreaterThan(0);
    out.push(...batch);
  }
  return out;
}

/** A plain NATS client, for what no bus would send (garbage) and to look into JetStream. */
export async function raw(url: string): Promise<{ nc: NatsConnection; jsm: JetStreamManager }> {
  const nc = await connect({ servers: url });
  return { nc, jsm: await jetstreamManager(nc) };
}
