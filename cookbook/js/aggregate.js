// Batch consumption: a JS script drains `metric.*` with receive_batch and
// publishes an average per metric every 100 samples. It also plays the
// sensor here (the loop at the top), so it runs on its own:
//
//   npx crosstalk run cookbook/js/aggregate.js

const samples = Event.subscribe('metric.*', { max_queue_size: 10000 });

// the sensor: in a real deployment another script or process publishes these
for (let i = 0; i < 1000; i++) {
  Event.publish(i % 2 ? 'metric.cpu' : 'metric.memory', { value: 50 + 40 * Math.sin(i / 50) });
}

const sums = {};
for (;;) {
  const batch = Event.receiveBatch(samples, { max_events: 250, timeout_ms: 200 });
  if (batch.length === 0) break;
  for (const e of batch) {
    if (e.event_type === 'metric.aggregated') continue; // our own output matches metric.* too
    const name = e.event_type.slice('metric.'.length);
    const s = (sums[name] ??= { n: 0, total: 0 });
    s.n++;
    s.total += e.data.value;
    if (s.n === 100) {
      Event.publish('metric.aggregated', { metric: name, average: s.total / s.n, count: s.n });
      console.log(`${name}: average ${(s.total / s.n).toFixed(1)} over ${s.n} samples`);
      sums[name] = { n: 0, total: 0 };
    }
  }
}
console.log(JSON.stringify(Event.subscriptionStats(samples)));
