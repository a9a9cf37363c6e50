// The audit trail for the payment script (README quick start):
//
//   crosstalk run pay.lua audit.js
//
// Subscribes to every order event, prints one audit line per event, and ends
// with a summary when the payer says `order.batch_done` (or after two quiet
// seconds).

const orders = Event.subscribe('order.*');

const totals = {};
let count = 0;
let done = false;
while (!done) {
  const batch = Event.receive_batch(orders, { max_events: 100, timeout_ms: 2000 });
  if (batch.length === 0) break; // two quiet seconds: the payment run is over
  for (const e of batch) {
    if (e.event_type === 'order.batch_done') done = true;
    count++;
    totals[e.event_type] = (totals[e.event_type] || 0) + 1;
    const amount = e.data && typeof e.data.amount === 'number' ? ` ${e.data.amount}` : '';
    console.log(`${e.timestamp} #${e.sequence} ${e.event_type}${amount} from ${e.source.component} (${e.source.language})`);
  }
}

const stats = Event.subscription_stats(orders);
console.log(`audited ${count} order events: ${JSON.stringify(totals)}; dropped ${stats.dropped}`);
Event.publish('audit.summary', { count, totals });
orders.unsubscribe();
