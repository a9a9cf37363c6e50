// Billing starts late: a catch-up subscription (from_sequence: 0) hands it
// every stored order first, then the live ones, with no gap between the two
// and nothing twice.
const orders = Event.subscribe('order.*', { from_sequence: 0 });
let total = 0;
for (;;) {
  const e = Event.receive(orders, 30000);
  if (e === null || e.event_type === 'order.day_closed') break;
  total += e.data.amount;
  console.log(`billed ${e.data.id} ${e.data.amount} (#${e.sequence} from ${e.source.component})`);
}
console.log(`day total: ${total}`);
