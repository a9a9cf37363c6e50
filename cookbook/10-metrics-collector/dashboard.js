// dashboard.js: shows each aggregate as it comes, and the totals at the end.
const sub = Event.subscribe(['metric.aggregated', 'collector.stopped']);
const readings = {};
for (;;) {
  const e = Event.receive(sub, 10000);
  if (e === null) throw new Error('the collector went quiet');
  if (e.event_type === 'collector.stopped') {
    console.log(`${e.data.windows} windows; readings: ${JSON.stringify(readings)}`);
    break;
  }
  const { type, average, min, max, count } = e.data;
  readings[type] = (readings[type] ?? 0) + count;
  console.log(`${type.padEnd(6)} avg ${average.toFixed(1).padStart(5)}  min ${min}  max ${max}  (${count} reading${count === 1 ? '' : 's'})`);
}
