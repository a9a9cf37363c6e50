// Causation in a host application: three handlers react to an order, each
// inside bus.handling(event, …), so every event they publish records the
// event it reacted to (metadata.caused_by) and carries the order's
// correlation id. The events go to a SQLite store, where the chain is read
// back as `crosstalk trace order-1001 --store observe.db` reads it.
//
//   node checkout.mjs observe.db
import { createBus, openStore } from 'crosstalk';
import { traceEvents } from 'crosstalk/internal';

const path = process.argv[2] ?? 'observe.db';
const store = openStore(`sqlite:${path}`);
const bus = createBus({ component: 'checkout', store, persist: ['order.**', 'payment.**', 'stock.**'] });

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
const done = await shipped.receive(30000);
console.log(done ? `order ${done.data.order} shipped` : 'order not shipped in time');
for (const h of handlers) h.unsubscribe();
await bus.flush(); // every event is in the store

// the chain, each event under the one that caused it
const trace = await traceEvents(store, 'order-1001');
for (const e of trace.events) console.log(`${'  '.repeat(e.depth)}${e.event_type} (caused by ${e.caused_by === null ? 'nothing' : trace.events.find((c) => c.id === e.caused_by).event_type})`);
console.log(`trace it yourself: crosstalk trace order-1001 --store ${path}`);
await bus.close();
