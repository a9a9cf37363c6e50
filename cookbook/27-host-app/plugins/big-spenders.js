// A merchant's plugin: customers who spent 100 or more in one currency.
const [day] = args;
const spent = {};
for (const e of Event.query({ event_type: 'order.paid', limit: 1000 })) {
  const key = `${e.data.customer} ${e.data.currency}`;
  spent[key] = (spent[key] ?? 0) + e.data.amount;
}
const big = Object.keys(spent).filter((k) => spent[k] >= 100).sort();
for (const who of big) Event.publish('report.big_spender', { day, who, amount: spent[who] });
return big;
