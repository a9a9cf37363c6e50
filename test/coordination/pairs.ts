/**
 * The buses the coordination conformance suite runs against, as a publishing
 * bus and a subscribing bus: the same in-process bus twice, one bus joined
 * to a real nats-server, and two buses joined to it (as two processes would
 * be: each has its own connection). `settle()` returns once everything the
 * publishing bus published so far has reached the subscribing bus's queues.
 */
import { createBus, type Bus, type BusOptions, type Subscription } from '../../src/index.js';
import { startNatsServer, type NatsServer } from '../setup/nats.js';
import { joined } from '../transport/helpers.js';

export interface Pair {
  readonly pub: Bus;
  readonly sub: Bus;
  /** pub and sub are different buses (other processes, as far as NATS is concerned) */
  readonly remote: boolean;
  /** after subscribing on `sub`: its server knows the interest */
  ready(): Promise<void>;
  /** everything published on `pub` so far is in `sub`'s queues */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export interface PairKind {
  name: string;
  remote: boolean;
  make(options?: { pub?: BusOptions; sub?: BusOptions }): Promise<Pair>;
}

const MARKER = 'zz.settle';
let server: NatsServer | null = null;
let space = 0;

async function nats(): Promise<NatsServer> {
  server ??= await startNatsServer();
  return server;
}

export async function stopServer(): Promise<void> {
  await server?.stop();
  server = null;
}

function pairOf(pub: Bus, sub: Bus, remote: boolean): Pair {
  let marker: Subscription | null = null;
  let n = 0;
  return {
    pub,
    sub,
    remote,
    ready: async () => {
      marker ??= sub.subscribe(MARKER, { max_queue_size: 1_000_000 });
      if (sub.transport !== null) await sub.flush();
    },
    settle: async () => {
      marker ??= sub.subscribe(MARKER, { max_queue_size: 1_000_000 });
      if (sub.transport !== null) await sub.flush();
      const k = ++n;
      pub.publish(MARKER, k);
      for (;;) {
        const e = await marker.receive(10_000);
        if (e === null) throw new Error(`marker ${k} did not arrive within 10 s`);
        if (e.data === k) return;
      }
    },
    close: async () => {
      await pub.close();
      if (sub !== pub) await sub.close();
    },
  };
}

export const PAIRS: PairKind[] = [
  {
    name: 'in-process bus',
    remote: false,
    make: async (o = {}) => {
      const bus = createBus({ ...o.sub, ...o.pub });
      return pairOf(bus, bus, false);
    },
  },
  {
    name: 'one bus joined to NATS',
    remote: false,
    make: async (o = {}) => {
      const s = await nats();
      const k = ++space;
      const bus = await joined(s.url, { prefix: `c.${k}`, stream: `C_${k}` }, { ...o.sub, ...o.pub });
      return pairOf(bus, bus, false);
    },
  },
  {
    name: 'two buses joined through NATS',
    remote: true,
    make: async (o = {}) => {
      const s = await nats();
      const k = ++space;
      const pub = await joined(s.url, { prefix: `c.${k}`, stream: `C_${k}` }, o.pub ?? {});
      const sub = await joined(s.url, { prefix: `c.${k}`, stream: `C_${k}` }, o.sub ?? {});
      return pairOf(pub, sub, true);
    },
  },
];
