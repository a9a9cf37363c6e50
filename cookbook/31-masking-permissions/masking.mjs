// Masking rules (README "Masking"): the stored copy of an event is masked;
// host subscribers get the event as published.
//
//   node masking.mjs
import { readFileSync } from 'node:fs';
import { createBus, openStore, parseConfig } from 'crosstalk';

const config = parseConfig(JSON.parse(readFileSync(new URL('./store.json', import.meta.url), 'utf8')));
const store = openStore('memory', { retention: config.retention });
const bus = createBus({ ...config.bus, store });
const live = bus.subscribe('payment.*');

bus.publish('payment.captured', { card_number: '4111111111111111', customer: { email: 'ann@example.com' }, notes: 'VIP' }, { persistent: true });

const [stored] = await store.query({ limit: 1, order: 'asc' });
console.log(`live:   ${live.poll().data.card_number}`);
console.log(`stored: ${stored.data.card_number} ${stored.data.customer.email.slice(0, 15)}…`);
await bus.close();
