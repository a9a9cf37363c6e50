// shipping.js: receives the orders — the queue hands out high priority
// first, then publish order — prints what travelled with each, and answers
// with an object publish that keeps the order's correlation id.

const placed = Event.subscribe('order.placed');

for (let n = 0; n < 4; n++) {
  const e = Event.receive(placed, 5000);
  if (!e) throw new Error('no order within 5 s');
  const { order, sku, qty } = e.data;
  console.log(
    `${order}: ${qty} x ${sku}, priority ${e.priority}, from ${e.source.component} (${e.source.language}),` +
      ` correlation ${e.source.correlation_id}, metadata ${JSON.stringify(e.metadata)}`,
  );
  Event.publish({
    event_type: 'order.shipped',
    data: { order },
    correlation_id: e.source.correlation_id,
    metadata: { carrier: qty > 5 ? 'freight' : 'post' },
  });
}
