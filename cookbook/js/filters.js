// Two ways to filter a subscription:
// - a predicate table, checked by the bus before an event is queued;
// - a JS function, called when the script receives.
// Refused events count in the subscription's `filtered` statistic.
//
//   npx crosstalk run cookbook/js/filters.js

const big = Event.subscribe('payment.*', { filter: { 'data.amount': { op: '>=', value: 100 }, 'data.currency': 'EUR' } });
const odd = Event.subscribe('payment.*', { filter: (e) => e.data.amount % 2 === 1 });

const amounts = [5, 120, 99, 250, 101, 7];
for (const amount of amounts) Event.publish('payment.received', { amount, currency: amount > 200 ? 'USD' : 'EUR' });

const take = (sub) => Event.receive_batch(sub, { timeout_ms: 0 }).map((e) => e.data.amount);
console.log('>= 100 EUR:', take(big).join(', '), '| filtered', Event.subscription_stats(big).filtered);
console.log('odd:', take(odd).join(', '), '| filtered', Event.subscription_stats(odd).filtered);
