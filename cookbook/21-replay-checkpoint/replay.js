// Replays the stored readings onto this run's bus, four times as fast as
// they were recorded, at most `args[0]` of them, under the checkpoint
// "alarms": a later run goes on after the last reading this one replayed.
const limit = Number(args[0] ?? 100);
const copies = Event.subscribe('sensor.*');

const started = Date.now();
const n = Event.replay({ event_type: 'sensor.boiler', speed: 4, checkpoint: 'alarms', limit });
const took = Date.now() - started;

for (const e of Event.receiveBatch(copies, { max_events: 100, timeout_ms: 0 })) {
  const alarm = e.data.celsius > 75 ? '  ALARM' : '';
  console.log(`reading ${e.data.reading}: ${e.data.celsius.toFixed(1)} °C (stored as #${e.metadata.replay.original_sequence})${alarm}`);
}
console.log(`replayed ${n}`);
if (n > 1) console.log(`~ took ${took} ms; they were recorded over ${(n - 1) * 100} ms`);
