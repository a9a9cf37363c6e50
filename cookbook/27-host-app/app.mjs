// A shop's back end that embeds crosstalk: it owns the bus and a store,
// records the day's orders, then runs the report plugins its merchants
// uploaded (Lua and JS scripts in plugins/) with a CPU and memory budget
// each. It hands them the day as an argument, listens to what they
// publish, and reads what each returned. A plugin that misbehaves is
// stopped alone: the shop and the other plugins go on.
//
//   node --no-node-snapshot app.mjs
//
// (--no-node-snapshot is isolated-vm's requirement on Node 20, for the
// script isolates; the `crosstalk` command adds it itself.)
import { readdirSync } from 'node:fs';
import { createBus, createMemoryStore, runScripts } from 'crosstalk';

const bus = createBus({ component: 'shop', store: createMemoryStore(), persist: ['order.**'] });

// the day's orders, stored by the persist rule
const orders = [
  ['A-1001', 'ada', 42.5, 'EUR'],
  ['A-1002', 'grace', 180, 'EUR'],
  ['A-1003', 'linus', 9.99, 'USD'],
  ['A-1004', 'ada', 120, 'USD'],
  ['A-1005', 'grace', 35, 'EUR'],
];
for (const [id, customer, amount, currency] of orders) {
  bus.publish('order.paid', { id, customer, amount, currency }, { correlation_id: id });
}

// what the plugins publish comes to the shop
const reports = bus.subscribe('report.**');

const plugins = readdirSync(new URL('./plugins', import.meta.url))
  .filter((f) => /\.(lua|js)$/.test(f))
  .sort()
  .map((f) => new URL(`./plugins/${f}`, import.meta.url).pathname);

const results = await runScripts(bus, plugins, {
  limits: { cpuLimitMs: 2000, memoryLimitMb: 32 },
  args: ['2026-12-05'],
  output: (script, text) => console.log(`[${script}] ${text}`),
});

for (const r of results) {
  const name = r.script.split('/').pop();
  if (r.ok) console.log(`${name}: ok, returned ${JSON.stringify(r.value)}`);
  else console.log(`${name}: stopped: ${r.error.code}`);
}
// plugins run at once, so their reports arrive in any order: the shop lists them by plugin
const got = reports.drain().map((e) => `shop got ${e.event_type} from ${e.source.component}: ${JSON.stringify(e.data)}`);
for (const line of got.sort()) console.log(line);
await bus.close();
