// aggregate.js: consumes readings in batches with receive_batch and
// publishes an average per metric every 100 samples.

const samples = Event.subscribe(['metric.*', 'sensor.done'], { max_queue_size: 10000 });

const sums = {};
let done = false;
while (!done) {
  // waits for the first event (at most 2 s), then takes what is already queued, up to 250
  const batch = Event.receiveBatch(samples, { max_events: 250, timeout_ms: 2000 });
  if (batch.length === 0) throw new Error('the sensor went quiet without saying done');
  console.log(`batch of ${batch.length}`);
  for (const e of batch) {
    if (e.event_type === 'sensor.done') {
      done = true;
      continue;
    }
    const name = e.event_type.slice('metric.'.length);
    const s = (sums[name] ??= { n: 0, total: 0 });
    s.n++;
    s.total += e.data.value;
    if (s.n === 100) {
      const average = s.total / s.n;
      Event.publish('report.average', { metric: name, average, count: s.n });
      console.log(`  ${name}: average ${average.toFixed(1)} over ${s.n} samples`);
      sums[name] = { n: 0, total: 0 };
    }
  }
}
const { total_received, delivered, dropped, high_water } = Event.subscriptionStats(samples);
console.log(`received ${total_received}, delivered ${delivered}, dropped ${dropped}, at most ${high_water} queued`);
