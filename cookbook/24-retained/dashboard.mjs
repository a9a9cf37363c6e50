// Retained events (README "Retained events"): the last `device.*.status`
// event of each device is kept, so a dashboard that starts late sees every
// device's state at once, then live changes. An empty publish clears one.
//
//   node dashboard.mjs
import { createBus } from 'crosstalk';

const bus = createBus();
bus.publish('device.pump.status', { state: 'running' }, { retain: true });
bus.publish('device.fan.status', { state: 'off' }, { retain: true });
bus.publish('device.pump.status', { state: 'stopped' }, { retain: true }); // replaces 'running'
bus.publish('device.valve.status', { state: 'open' }, { retain: true });
bus.publish('device.valve.status', null, { retain: true }); // the valve is gone: cleared

// a dashboard joins late
const dashboard = bus.subscribe('device.*.status');
bus.publish('device.fan.status', { state: 'on' }, { retain: true });

for (const e of dashboard.drain()) {
  const when = e.metadata.retained ? 'retained' : 'live';
  console.log(`${when.padEnd(8)} ${e.event_type.split('.')[1]}: ${e.data.state}`);
}
console.log(`retained now: ${bus.retained('device.**').map((e) => `${e.event_type}=${e.data.state}`).join(', ')}`);
await bus.close();
