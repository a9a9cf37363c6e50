// filters.js: three ways to filter in JS. A table or an expression is
// checked by the bus before the event is queued; a function when the
// script receives. Refused events count in the subscription's `filtered`.
const subs = {
  'table {op, value}': Event.subscribe('payment.*', { filter: { 'data.amount': { op: '>=', value: 100 }, 'data.currency': 'EUR' } }),
  expression: Event.subscribe('payment.*', { filter: "data.amount > 100 AND data.currency IN ('USD', 'GBP')" }),
  function: Event.subscribe('payment.*', { filter: (e) => e.data.amount % 2 === 1 }),
};
const done = Event.subscribe('payments.done');
if (!Event.receive(done, 5000)) throw new Error('no payments');

for (const [kind, sub] of Object.entries(subs)) {
  const got = Event.receiveBatch(sub, { timeout_ms: 0 }).map((e) => `${e.data.customer} ${e.data.amount}`);
  console.log(`${kind.padEnd(17)} ${got.join(', ')} | filtered ${Event.subscriptionStats(sub).filtered}`);
}
Event.publish('filters.reported', {});
