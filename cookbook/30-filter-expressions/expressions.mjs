// Filter expressions (README "Filter expressions"): one language for queries
// and subscription filters, the same answers from SQLite and from memory.
//
//   node expressions.mjs
import { createBus, openStore } from 'crosstalk';

const store = openStore('memory');
const bus = createBus({ store, persist: ['pipeline.**', 'hook.**'] });
// a live subscriber filtered by the same language
const slow = bus.subscribe('pipeline.**', { filter: 'data.duration > 1000' });

bus.publish('pipeline.stage.completed', { stage: 'extract', duration: 1250, message: 'ok' });
bus.publish('pipeline.stage.failed', { stage: 'load', duration: 30, message: 'upstream timeout' });
bus.publish('pipeline.stage.failed', { stage: 'index', duration: 4000, message: 'timeout after 3 tries' });
bus.publish({ event_type: 'hook.executed', data: { duration: 5 }, source: { component: 'critical' } });

const where = "type LIKE 'pipeline.**' AND (data.duration > 1000 OR source = 'critical') AND data.message CONTAINS 'timeout'";
for (const e of await store.query({ where, limit: 100, order: 'asc' })) console.log(`query: ${e.event_type} ${e.data.stage}`);
for (const e of slow.drain()) console.log(`filter: ${e.event_type} ${e.data.stage} (${e.data.duration} ms)`);

try {
  await store.query({ where: 'data.duration >> 1000', limit: 10, order: 'asc' });
} catch (e) {
  console.log(`${e.code} at column ${e.column}`);
}
await bus.close();
