// Prometheus metrics in a host application's own HTTP server: the bus's
// metrics live in a prom-client registry beside the application's own.
//
//   node shop.mjs        # scrapes itself once and prints the event counters
import { createServer } from 'node:http';
import { Counter } from 'prom-client';
import { createBus, createMetrics } from 'crosstalk';

const bus = createBus({ component: 'shop' });
const metrics = createMetrics(bus, { defaultMetrics: true });
const checkouts = new Counter({ name: 'shop_checkouts_total', help: 'Checkouts started', registers: [metrics.registry] });

const server = createServer(async (req, res) => {
  if (req.url !== '/metrics') return void res.writeHead(404).end();
  res.setHeader('content-type', metrics.contentType);
  res.end(await metrics.metrics());
});
await new Promise((resolve) => server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', resolve));

const orders = bus.subscribe('order.*', { max_queue_size: 100 });
for (let i = 0; i < 250; i++) {
  bus.publish('order.created', { order: i });
  checkouts.inc();
}
bus.publish('user.login', { user: 'ann' }); // nobody listens: published, not delivered
orders.drain(60); // the rest stay queued, and drop_oldest dropped 150 of them

// what Prometheus would scrape
const { port } = server.address();
const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
for (const line of text.split('\n')) {
  if (/^(crosstalk_events_(published|delivered|dropped)_total|crosstalk_subscription_queue_depth|shop_checkouts_total)/.test(line)) console.log(line);
}
server.close();
metrics.close();
await bus.close();
