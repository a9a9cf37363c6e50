// app.mjs: a host application publishing through a batch publisher, which
// collects events and publishes them together — by size, by time, or on flush().
import { createBatchPublisher, createBus } from 'crosstalk';

const bus = createBus();
const metrics = bus.subscribe('metric.*', { max_queue_size: 1_000_000 });

// 1. by size: 250 events with max_events 100 go out as 100 + 100, then close() sends the last 50
const batch = createBatchPublisher(bus, { max_events: 100, max_wait_ms: 20 });
for (let i = 0; i < 250; i++) batch.publish('metric.latency', { ms: i % 50 });
console.log(`delivered during the loop: ${metrics.stats().queue_size}`); // batches go out after the caller's code yields
await batch.close();
const s = batch.stats();
console.log(`published ${s.published} in ${s.batches} batches: ${s.flushed_by_size} by size, ${s.flushed_by_call} by close`);
console.log(`the subscriber has ${metrics.drain(1000).length}`);

// 2. by time: a few events are sent max_wait_ms after the first of them
const trickle = createBatchPublisher(bus, { max_events: 100, max_wait_ms: 20 });
const id = trickle.publish('metric.cpu', { load: 0.4 }); // checked now; this is the id it will have
trickle.publish('metric.cpu', { load: 0.5 });
const first = await metrics.receive(1000); // resolves when the timer flushes
console.log(`by time: first event has the promised id: ${first.id === id}, flushed_by_time ${trickle.stats().flushed_by_time}`);
metrics.drain();

// 3. failures: a bad event throws at publish(); a refusal at flush time loses that event only
try {
  trickle.publish('not a type!', {});
} catch (e) {
  console.log(`at publish: ${e.code}`);
}
bus.subscribe('job.*', { backpressure: 'reject', max_queue_size: 2 });
const jobs = createBatchPublisher(bus, {
  on_error: (error, { event_type }) => console.log(`on_error: ${event_type} ${error.code}`),
});
for (let n = 1; n <= 3; n++) jobs.publish('job.run', { n });
const { published, failed } = await jobs.flush();
console.log(`flush: published ${published}, failed ${failed.length} (${failed.map((f) => f.error.code).join()})`);
await jobs.close();
await trickle.close();

// 4. what it costs: the same events one publish at a time, and batched
// (three alternating rounds each, the fastest kept: the machine may be busy)
const N = 100_000;
const sink = bus.subscribe('load.*', { max_queue_size: 1000 }); // drop_oldest: keeps up with any rate
const best = { single: Infinity, loop: Infinity, batched: Infinity };
for (let round = 0; round < 3; round++) {
  let t0 = performance.now();
  for (let i = 0; i < N; i++) bus.publish('load.single', { i });
  best.single = Math.min(best.single, performance.now() - t0);
  const fast = createBatchPublisher(bus, { max_events: 1000, max_wait_ms: 50 });
  t0 = performance.now();
  for (let i = 0; i < N; i++) fast.publish('load.batched', { i });
  best.loop = Math.min(best.loop, performance.now() - t0); // checked and collected, not yet delivered
  await fast.close();
  best.batched = Math.min(best.batched, performance.now() - t0);
}
const ms = (x) => x.toFixed(0);
console.log(`~ ${N} events: publish() one at a time ${ms(best.single)} ms; batched ${ms(best.batched)} ms in all (${(best.single / best.batched).toFixed(2)}x), of which the producer's loop ${ms(best.loop)} ms`);
sink.unsubscribe();
await bus.close();
