// poller.js: the same three subscriptions polled in turn (receive with
// timeout 0), one event from each per round, so no stream starves another.
// It prints once the monitor is done, so the two outputs do not interleave.
const subs = { alerts: Event.subscribe('alert.*'), orders: Event.subscribe('order.*'), control: Event.subscribe('control.*') };
const monitorDone = Event.subscribe('monitor.done');

const lines = [];
let stop = false;
for (;;) {
  let idle = true;
  for (const [name, sub] of Object.entries(subs)) {
    const e = Event.receive(sub, 0);
    if (!e) continue;
    idle = false;
    lines.push(`${name.padEnd(8)} ${e.event_type}`);
    if (e.event_type === 'control.stop') stop = true;
  }
  if (idle && stop) break; // told to stop, and everything before it is handled
  if (idle) Event.sleep(10); // nothing anywhere: wait a little without using CPU
}
if (!Event.receive(monitorDone, 5000)) throw new Error('the monitor did not finish');
console.log('round robin:');
for (const line of lines) console.log(`  ${line}`);
