// modern-consumer.js: a new service that only knows the modern events, and
// an operator's view of the dead letters.
const sub = Event.subscribe(['modern.**', 'transform.*']);
for (;;) {
  const e = Event.receive(sub, 60000);
  if (e === null) throw new Error('the transformer went quiet');
  const d = e.data;
  switch (e.event_type) {
    case 'modern.user.created':
      console.log(`user ${d.user_id} ${d.name} signed up ${d.signed_up}  (from ${e.metadata.transformed_from})`);
      break;
    case 'modern.user.deleted':
      console.log(`user ${d.user_id} deleted: ${d.reason}  (from ${e.metadata.transformed_from})`);
      break;
    case 'modern.order.placed':
      console.log(`order ${d.order_id} by user ${d.user_id}: ${d.total.amount.toFixed(2)} ${d.total.currency}  (from ${e.metadata.transformed_from})`);
      break;
    case 'transform.failed':
      console.log(`dead letter: ${d.from} failed: ${d.error}`);
      break;
    case 'transform.unsupported':
      console.log(`dead letter: ${d.from} has no transformation ${JSON.stringify(d.record)}`);
      break;
    case 'transform.done':
      console.log(`done: ${d.transformed} transformed, ${d.failed} failed, ${d.unsupported} unsupported; correlation ${e.source.correlation_id}`);
      break;
    default:
      console.log(`unexpected ${e.event_type}`);
  }
  if (e.event_type === 'transform.done') break;
}
