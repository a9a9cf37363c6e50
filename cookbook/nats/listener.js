// Listens for orders from other processes (README, "Several processes"):
//
//   nats-server -js &
//   npx crosstalk run --bus nats://127.0.0.1:4222 cookbook/nats/listener.js   # terminal 1
//   npx crosstalk run --bus nats://127.0.0.1:4222 cookbook/nats/orders.lua    # terminal 2
//
// Prints each order event as it arrives, and a summary when the publisher
// says `order.batch_done` (or after a minute without orders).
const orders = Event.subscribe('order.*');
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
  console.log(`${e.event_type} ${e.data.id} ${e.data.amount.toFixed(2)} from ${e.source.component} (${e.source.language}, sequence ${e.sequence})`);
}
console.log(`${count} orders, ${total.toFixed(2)} in all`);
