// What is left in a store, and what each retention policy removed: the
// numbers `crosstalk stats --store PATH` prints, read by an application.
//
//   node report.mjs app.db
import { openStore } from 'crosstalk';

const store = openStore(`sqlite:${process.argv[2] ?? 'app.db'}`, { readonly: true });
const stats = await store.stats();
console.log(`${stats.count} events left: ${stats.by_type.map((t) => `${t.event_type} ${t.count}`).join(', ')}`);
for (const r of stats.retention) console.log(`${r.policy} removed ${r.removed}`);
await store.close();
