// Another process reads what every process persisted (README "Query,
// replay and catch-up on JetStream"): a query in stream order, a replay
// onto its own bus, and a catch-up subscription.
//
//   node jetstream-report.mjs nats://127.0.0.1:4222
import { connectNats, createBus, historyOf, replay } from 'crosstalk';

const url = process.argv[2] ?? 'nats://127.0.0.1:4222';
const bus = createBus({ component: 'report', transport: await connectNats(url) });
const stream = historyOf(bus); // the JetStream stream, read in its order

const failed = await stream.query({ where: "type = 'audit.login' AND data.ok = false", limit: 100, order: 'asc' });
console.log(`failed logins: ${failed.map((e) => e.data.user).join(', ')}`);
const orders = await stream.query({ event_type: 'order.*', limit: 100, order: 'asc' });
console.log(`orders: ${orders.length} from ${[...new Set(orders.map((e) => e.source.component))].join(', ')}`);

const copies = bus.subscribe('order.*', { max_queue_size: 10_000 });
const n = await replay(bus, stream, { event_type: 'order.*', speed: 0 });
console.log(`replayed ${n}; each copy names its original: ${copies.drain().every((e) => e.metadata.replay.original_sequence > 0)}`);

// history first (every process's), then live events
const all = bus.subscribe('audit.*', { from_sequence: 0 });
const first = await all.receive(5000);
console.log(`catch-up starts at stream sequence ${first.sequence}: ${first.event_type} ${first.data.user}`);
await bus.close();
