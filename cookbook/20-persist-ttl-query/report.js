// A report over what the shop stored, run later in another process: a
// query by type and payload, one by correlation id, and paging.
const big = Event.query({ event_type: 'order.placed', filters: { 'data.amount': ['>=', 100] } });
console.log(`orders of 100 or more: ${big.map((e) => `${e.data.id} ${e.data.customer} ${e.data.amount.toFixed(2)} ${e.data.currency}`).join(', ')}`);

const eur = Event.query({ event_type: 'order.placed', where: "data.currency = 'EUR' AND data.customer = 'ann'" });
console.log(`ann paid in EUR: ${eur.reduce((sum, e) => sum + e.data.amount, 0).toFixed(2)}`);

const history = Event.query({ correlation_id: 'A-1001' });
console.log(`order A-1001: ${history.map((e) => e.event_type).join(' -> ')}`);

// page through every order event, two at a time
let after = 0;
let page = 1;
for (;;) {
  const events = Event.query({ event_type: 'order.**', limit: 2, after_sequence: after });
  if (events.length === 0) break;
  console.log(`page ${page++}: ${events.map((e) => `${e.event_type} ${e.data.id}`).join(', ')}`);
  after = events[events.length - 1].sequence;
}
