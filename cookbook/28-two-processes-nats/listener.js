// Listens for orders from every process joined to the NATS server
// (README "Several processes: NATS JetStream"):
//
//   nats-server -js &
//   crosstalk run --bus nats://127.0.0.1:4222 listener.js   # terminal 1
//   crosstalk run --bus nats://127.0.0.1:4222 orders.lua    # terminal 2
//
// A catch-up subscription (from_sequence: 0) reads the JetStream stream
// first, then live events: whichever process starts first, no persistent
// order is missed and none comes twice. Prints each order, and a summary
// when the publisher says `order.batch_done` (or after a minute without
// orders).
const orders = Event.subscribe('order.*', { from_sequence: 0 });
console.log('listening for order.* on the bus');

let total = 0;
let count = 0;
for (;;) {
  const e = Event.receive(orders, 60000);
  if (e === null) {
    console.log('no orders for a minute; stopping');
    break;
  }
  if (e.event_type === 'order.batch_done') break;
  count++;
  total += e.data.amount;
  console.log(`${e.event_type} ${e.data.id} ${e.data.amount.toFixed(2)} from ${e.source.component} (${e.source.language})`);
}
console.log(`${count} orders, ${total.toFixed(2)} in all`);
