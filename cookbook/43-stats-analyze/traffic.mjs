// An hour of synthetic shop traffic, stored as a bus would have stored it,
// to try `crosstalk stats`, `crosstalk analyze` and `crosstalk dashboard` on:
// orders followed by payments and shipments, HTTP requests with durations,
// a heartbeat every 10 s, and an incident 20 minutes ago (payments failing,
// requests slow) followed by 2 minutes without heartbeats.
//
//   node traffic.mjs traffic.db
import { randomUUID } from 'node:crypto';
import { openStore } from 'crosstalk';

const path = process.argv[2] ?? 'traffic.db';
const store = openStore(`sqlite:${path}`);
let seq = store.lastSequence();
let rand = 42;
const random = () => ((rand = (rand * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const normal = () => Math.sqrt(-2 * Math.log(Math.max(random(), 1e-9))) * Math.cos(2 * Math.PI * random());

const events = [];
function add(ms, event_type, data, component, correlation_id, caused_by) {
  events.push({
    id: randomUUID(),
    event_type,
    timestamp: new Date(ms).toISOString(),
    version: '1.0',
    sequence: 0,
    source: { component, instance_id: 'demo', language: component.endsWith('.lua') ? 'lua' : component.endsWith('.js') ? 'javascript' : 'host', ...(correlation_id ? { correlation_id } : {}) },
    data,
    metadata: caused_by ? { caused_by } : {},
    priority: 'normal',
  });
  return events[events.length - 1].id;
}

const end = Date.now();
const start = end - 3_600_000;
for (let minute = 0; minute < 60; minute++) {
  const t0 = start + minute * 60_000;
  const incident = minute >= 40 && minute < 42;
  for (let k = 0; k < 20; k++) {
    const t = t0 + Math.floor(random() * 57_000);
    const order = `order-${minute}-${k}`;
    const created = add(t, 'order.created', { amount: Math.round(random() * 20000) / 100 }, 'shop', order);
    const requested = add(t + 40 + Math.floor(random() * 30), 'payment.requested', {}, 'pay.lua', order, created);
    const failed = random() < (incident ? 0.7 : 0.03);
    const paid = add(t + 250 + Math.floor(random() * 200), failed ? 'payment.failed' : 'payment.done', {}, 'bank.js', order, requested);
    if (!failed) add(t + 1800 + Math.floor(random() * 400), 'order.shipped', {}, 'shop', order, paid);
  }
  for (let k = 0; k < 120; k++) {
    const ms = Math.exp(Math.log(incident ? 400 : 40) + 0.6 * normal());
    add(t0 + Math.floor(random() * 60_000), 'http.request', { duration_ms: Math.round(ms * 10) / 10 }, 'gateway');
  }
  if (minute < 50 || minute >= 52) for (let s = 0; s < 60; s += 10) add(t0 + s * 1000, 'system.heartbeat', {}, 'monitor');
}
events.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
for (const e of events) {
  e.sequence = ++seq;
  store.append(e);
}
await store.close();
console.log(`${events.length} events from ${new Date(start).toISOString()} to ${new Date(end).toISOString()} in ${path}`);
