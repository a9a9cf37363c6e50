// Causation in a host application: three handlers react to an order, each
// inside bus.handling(event, …), so every event they publish records the
// event it reacted to (metadata.caused_by) and carries the order's
// correlation id. The events go to a SQLite store; `crosstalk trace` shows
// the chain afterwards.
//
//   node cookbook/observe/checkout.mjs observe.db
//   npx crosstalk trace order-1001 --store sqlite:observe.db
import { createBus, openStore } from 'crosstalk';

const path = process.argv[2] ?? 'observe.db';
const bus = createBus({ component: 'checkout', store: openStore(`sqlite:${path}`), persist: ['order.**', 'payment.**', 'stock.**'] });

/** Runs `handler` for every event matching `pattern`, as the handler of that event. */
function on(pattern, handler) {
  const sub = bus.subscribe(pattern);
  void (async () => {
    for await (const event of sub) await bus.handling(event, () => handler(event));
  })();
  return sub;
}

const handlers = [
  on('order.created', (e) => {
    bus.publish('payment.requested', { order: e.data.order, amount: e.data.amount });
    bus.publish('stock.reserved', { order: e.data.order, items: e.data.items });
  }),
  on('payment.requested', async (e) => {
    await new Promise((r) => setTimeout(r, 20)); // the payment provider answers later: the cause is kept across the await
    bus.publish('payment.done', { order: e.data.order, amount: e.data.amount });
  }),
  on('payment.done', (e) => bus.publish('order.shipped', { order: e.data.order })),
];

const shipped = bus.subscribe('order.shipped');
bus.withCorrelation('order-1001', () => bus.publish('order.created', { order: 1001, amount: 42.5, items: 3 }));
const done = await shipped.receive(5000);
console.log(done ? `order ${done.data.order} shipped; trace it with: crosstalk trace order-1001 --store sqlite:${path}` : 'order not shipped in time');
for (const h of handlers) h.unsubscribe();
await bus.close(); // flushes the store
