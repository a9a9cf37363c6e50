// A host application embedding crosstalk: it owns the bus and a store, hosts
// the cookbook's Lua payer and auditor, and consumes their events itself.
//
//   node cookbook/host/app.mjs
//
// (Hosting .js scripts as well needs `node --no-node-snapshot` on Node 20,
// for isolated-vm; Lua scripts alone do not.)
import { fileURLToPath } from 'node:url';
import { createBus, createMemoryStore, normalizeQuery, runScripts } from 'crosstalk';

const bus = createBus({ store: createMemoryStore(), persist: ['order.**'] });
const orders = bus.subscribe('order.*', { filter: { 'data.currency': 'EUR' } });

const lua = (name) => fileURLToPath(new URL(`../35-quick-start/${name}`, import.meta.url));
const results = await runScripts(bus, [lua('pay.lua'), lua('audit.lua')], {
  limits: { timeoutMs: 10_000 },
  output: (script, text) => console.log(`${script} says: ${text}`),
});
for (const r of results.filter((r) => !r.ok)) {
  console.error(`${r.script} failed: ${r.error.code}: ${r.error.message}`);
  process.exitCode = 1;
}

let total = 0;
for (const e of orders.drain()) {
  total += e.data.amount;
  console.log(`host got ${e.event_type} #${e.sequence} for ${e.data.customer}: ${e.data.amount} ${e.data.currency}`);
}
console.log(`EUR total ${total.toFixed(2)}; filtered out ${bus.subscriptionStats(orders).filtered} in other currencies`);

// everything matching `order.**` was persisted by the bus's persist rule
const stored = await bus.store.query(normalizeQuery({ event_type: 'order.**', correlation_id: 'A-1002' }));
console.log(`stored events for order A-1002: ${stored.map((e) => e.event_type).join(', ')}`);
await bus.close();
