// report.js: the revenue since the last report, rebuilt by replaying the
// recorded order events. The checkpoint `revenue-report` remembers how far
// the last report got, so each run replays only what is new.
const orders = Event.subscribe('order.*', { max_queue_size: 100_000 });
const replayed = Event.replay({ event_type: 'order.*', speed: 0, checkpoint: 'revenue-report' });

const days = new Set();
let paid = 0;
let refunded = 0;
let revenue = 0;
for (let i = 0; i < replayed; i++) {
  const e = Event.receive(orders, 5000);
  if (e === null) throw new Error(`only ${i} of ${replayed} replayed events arrived`);
  days.add(e.data.day);
  if (e.event_type === 'order.paid') (paid++, (revenue += e.data.amount));
  if (e.event_type === 'order.refunded') (refunded++, (revenue -= e.data.amount));
}

const all = Event.query({ event_type: 'order.**', limit: 10_000 });
console.log(`report on ${[...days].join(', ') || 'nothing new'}: ${replayed} events replayed, ` +
  `${paid} paid, ${refunded} refunded, revenue ${revenue.toFixed(2)} (${all.length} order events in the store)`);
