// Priorities, deduplication and batch publishing (README "Priorities",
// "Deduplication", "Batch publishing").
//
//   node priorities.mjs
import { randomUUID } from 'node:crypto';
import { createBatchPublisher, createBus } from 'crosstalk';

const bus = createBus();
const ops = bus.subscribe('alert.*', { max_queue_size: 3 });

// a slow consumer's queue fills; the critical alert still gets in and is read first
bus.publish('alert.disk', 'disk 80%', { priority: 'low' });
bus.publish('alert.cpu', 'cpu 90%');
bus.publish('alert.disk', 'disk 85%', { priority: 'low' });
bus.publish('alert.fire', 'fire in rack 4', { priority: 'critical' }); // evicts the oldest low alert
bus.publish('alert.mem', 'memory 95%', { priority: 'high' }); // evicts the other
console.log(ops.drain().map((e) => `${e.priority}: ${e.data}`));
console.log(`dropped: ${ops.stats().dropped}`);

// a publisher retrying with the same id is delivered once
const payments = bus.subscribe('payment.*');
const id = randomUUID();
for (let attempt = 1; attempt <= 3; attempt++) bus.publish({ event_type: 'payment.captured', id, data: { amount: 42, attempt } });
console.log(`payments delivered: ${payments.drain().length}, duplicates: ${bus.stats().duplicates}`);

// a batch publisher sends metrics 100 at a time, or every 20 ms
const metrics = bus.subscribe('metric.*', { max_queue_size: 1000 });
const batch = createBatchPublisher(bus, { max_events: 100, max_wait_ms: 20 });
for (let i = 0; i < 250; i++) batch.publish('metric.latency', { ms: i % 50 });
await batch.close();
const { published, batches, flushed_by_size, flushed_by_call } = batch.stats();
console.log({ received: metrics.drain().length, published, batches, flushed_by_size, flushed_by_call });
await bus.close();
