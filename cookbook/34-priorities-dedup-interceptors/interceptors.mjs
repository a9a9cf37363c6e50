// The interceptor chain (README "Interceptors"): rules that every publish
// passes, in order, before it is routed.
//
//   node interceptors.mjs
import { createBus } from 'crosstalk';

const bus = createBus({
  interceptors: [
    // sessions an operator shut out
    { type: 'block_list', by: 'session', values: ['s-banned'] },
    // only the billing service may publish billing events
    { type: 'allow_list', pattern: 'billing.**', by: 'component', values: ['billing'] },
    // legacy producers still publish `order_created`
    { type: 'transform', pattern: 'order_created', event_type: 'order.created' },
    // every order event is tagged with the region of this process
    { type: 'modify', pattern: 'order.*', metadata: { region: 'eu-1' } },
    // at most 2 order events at once, refilling at 1 per second
    { type: 'rate_limit', name: 'orders', pattern: 'order.*', rate: 1, burst: 2 },
  ],
});
// and the host's own rule: refunds over 1000 become high priority
bus.addInterceptor({
  type: 'function',
  pattern: 'billing.refund',
  fn: (e) => (e.data.amount > 1000 ? { priority: 'high' } : undefined),
});

const seen = bus.subscribe('**');
bus.publish('user.login', { user: 'ann' }, { metadata: { session_id: 's-banned' } }); // blocked
bus.publish('billing.refund', { amount: 5000 }); // blocked: component 'host'
bus.publish({ event_type: 'billing.refund', data: { amount: 5000 }, source: { component: 'billing' } });
bus.publish('order_created', { order: 1 });
bus.publish('order.paid', { order: 1 });
try {
  bus.publish('order.shipped', { order: 1 });
} catch (e) {
  console.log(e.code);
  console.log(`~ ${e.message}`); // says when the next order event is allowed: a measured time
}

for (const e of seen.drain()) console.log(`${e.event_type} ${JSON.stringify(e.data)} priority=${e.priority} metadata=${JSON.stringify(e.metadata)}`);
console.log(bus.stats().intercepted);
await bus.close();
