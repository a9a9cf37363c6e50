// A third-party analytics script: it may read payments (not refunds) and
// publish its own stats, and it sees payments through the masking rules.
const payments = Event.subscribe('payment.*');
for (let e; (e = Event.receive(payments, 30000)) && e.event_type !== 'payment.done'; ) {
  console.log(`${e.event_type}: card ${e.data.card_number}, ${e.data.customer.email}, address ${e.data.address ?? '(dropped)'}`);
}
/** @type {Array<[string, () => unknown]>} (what, call) pairs: an editor then knows each call is a function */
const attempts = [
  ['publish payment.captured', () => Event.publish('payment.captured', {})],
  ['subscribe admin.**', () => Event.subscribe('admin.**')],
  ['subscribe payment.refunded', () => Event.subscribe('payment.refunded')],
];
for (const [what, call] of attempts) {
  try {
    call();
    console.log(`${what}: allowed`);
  } catch (e) {
    console.log(`${what}: ${e.code}`);
  }
}
Event.publish('stats.payments', { seen: 1 });
