// producer.js: 20 events per strategy, as fast as it can, and what each
// strategy costs the producer: nothing, an error to handle, or waiting.
const ready = Event.subscribe('consumer.ready');
if (!Event.receive(ready, 10000)) throw new Error('no consumer');

const ms = (t0) => (Date.now() - t0).toFixed(0);

for (const s of ['drop_oldest', 'drop_newest']) {
  const t0 = Date.now();
  for (let n = 1; n <= 20; n++) Event.publish(`load.${s}`, { n });
  console.log(`~ ${s}: 20 publishes took ${ms(t0)} ms, none waited`);
}

let refused = 0;
const t0 = Date.now();
for (let n = 1; n <= 20; n++) {
  try {
    Event.publish('load.reject', { n });
  } catch (e) {
    if (e.code !== 'QUEUE_FULL') throw e;
    refused++; // the producer decides: retry later, spill to disk, tell the user…
  }
}
console.log(`reject: ${refused} of 20 publishes failed with QUEUE_FULL`);
console.log(`~ reject: 20 publishes took ${ms(t0)} ms`);
Event.publish('load.sent', {});

const t1 = Date.now();
for (let n = 1; n <= 20; n++) Event.publish('load.block', { n }); // waits while the queue is full
console.log(`~ block: 20 publishes took ${ms(t1)} ms, paced by the consumer`);
