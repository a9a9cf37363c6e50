/**
 * Child of the observe suite: one bus in a fresh process, publish →
 * receiveBatch in rounds that alternate between the bus as it is and the
 * same bus with metrics installed (createMetrics, its own registry) and
 * every batch published under handling() (causation), removed again after
 * the round. One bus, so the JIT sees the shapes of one application, not of
 * six differently configured buses sharing its code. Prints the median and
 * range of the per-round ratios (on ÷ off) as JSON.
 */
import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { createBus, createMetrics } from '../../dist/index.js';

const rounds = Number(process.argv[2] ?? 15);
const bus = createBus();
const handled = { id: randomUUID(), event_type: 'order.paid', source: { component: 'x', instance_id: 'y', language: 'host' } };
const sub = bus.subscribe('bench.small', { max_queue_size: 10_000 });
let n = 0;
const publishBatch = () => {
  for (let k = 0; k < 1000; k++) bus.publish('bench.small', { n: n++ });
};
async function round(on) {
  const m = on ? createMetrics(bus, { registry: new Registry() }) : null;
  try {
    const t0 = performance.now();
    for (let b = 0; b < 300; b++) {
      if (on) bus.handling(handled, publishBatch);
      else publishBatch();
      await sub.receiveBatch({ max_events: 1000, timeout_ms: 0 });
    }
    return 300_000 / ((performance.now() - t0) / 1000);
  } finally {
    m?.close();
  }
}
for (let i = 0; i < 5; i++) await round(i % 2 === 1); // warm-up
const ratios = [];
for (let i = 0; i < rounds; i++) {
  const off = await round(false);
  const on = await round(true);
  ratios.push(on / off);
}
ratios.sort((a, b) => a - b);
process.stdout.write(`${JSON.stringify({ median: ratios[rounds >> 1], min: ratios[0], max: ratios[rounds - 1] })}\n`);
