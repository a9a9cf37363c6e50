// Watches for slow stages: the filter is an expression, checked before an
// event is queued, so the script only ever sees what it asked for.
const slow = Event.subscribe('pipeline.**', { filter: "data.duration > 10000 OR type = 'pipeline.finished'" });
for (;;) {
  const e = Event.receive(slow, 30000);
  if (e === null || e.event_type === 'pipeline.finished') break;
  console.log(`slow: ${e.data.stage} took ${e.data.duration / 1000} s`);
}
console.log(`filtered out: ${Event.subscriptionStats(slow).filtered}`);
