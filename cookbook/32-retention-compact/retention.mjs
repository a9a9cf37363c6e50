// Retention policies (README "Retention and compaction"): ages by type, a
// default, a size cap; the sweeper applies them with expiry, stats say what
// each removed, compact gives the space back.
//
//   node retention.mjs retention.db
import { rmSync } from 'node:fs';
import { createBus, openStore } from 'crosstalk';

const path = process.argv[2] ?? 'retention.db';
for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
const store = openStore(`sqlite:${path}`, {
  retention: { default: '90d', by_type: { 'debug.**': '1s', 'audit.**': '7y' }, max_events: 1000 },
  sweepIntervalMs: 0, // this example sweeps when it wants to
});
const bus = createBus({ store, persist: ['**'] });

for (let i = 0; i < 1500; i++) bus.publish('metric.cpu', { load: i % 100 });
bus.publish('debug.trace', { step: 'parse' });
bus.publish('audit.login', { user: 'ann' });
await bus.flush();
await new Promise((r) => setTimeout(r, 1100)); // debug.** lives a second

const swept = await store.sweepReport();
console.log(`swept ${swept.removed}: ${JSON.stringify(swept.by_policy)}`);
for (const r of (await store.stats()).retention) console.log(`${r.policy} removed ${r.removed} so far`);
const c = await store.compact();
console.log(`compact: ${c.vacuum} vacuum, ${c.pages_freed > 0 ? 'space given back' : 'nothing to give back'}`);
await bus.close();
