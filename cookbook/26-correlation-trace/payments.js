// Payments: asks the bank for an order's money, and reports the bank's
// answer. What a script publishes after `receive` handed it an event
// records that event as its cause (metadata.caused_by) and carries its
// correlation id: no code of the script's does it.
const orders = Event.subscribe('order.created');
const answers = Event.subscribe('bank.answered');

const order = Event.receive(orders, 30000);
Event.publish('payment.requested', { order: order.data.order, amount: order.data.amount });

const answer = Event.receive(answers, 30000);
Event.publish(answer.data.ok ? 'payment.done' : 'payment.failed', { order: answer.data.order });
