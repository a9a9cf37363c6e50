// A publisher in its own process (README "Query, replay and catch-up on
// JetStream"): persistent audit events through NATS, kept in the stream
// after the process is gone.
//
//   node audit-publisher.mjs nats://127.0.0.1:4222 [count]
import { connectNats, createBus } from 'crosstalk';

const [url = 'nats://127.0.0.1:4222', count = '5'] = process.argv.slice(2);
const bus = createBus({ component: 'auditor', transport: await connectNats(url) });
for (let i = 1; i <= Number(count); i++) bus.publish('audit.login', { user: `user-${i}`, ok: i % 2 === 1 }, { persistent: true });
await bus.flush(); // acknowledged by JetStream
console.log(`auditor: stored ${count} audit.login events`);
await bus.close();
