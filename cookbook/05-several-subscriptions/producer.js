// producer.js: orders and alerts, interleaved, then a stop signal.
Event.publish('order.placed', { order: 'A-1' });
Event.publish('alert.disk', { free_gb: 3 });
Event.publish('order.placed', { order: 'A-2' });
Event.publish('alert.cpu', { load: 0.97 });
Event.publish('order.paid', { order: 'A-1' });
Event.publish('control.stop', { reason: 'end of shift' });
