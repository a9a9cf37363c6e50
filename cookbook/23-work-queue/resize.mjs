// A work queue with acknowledgements (README "Work queues"): three workers
// share the `image.uploaded` jobs. Worker w1 takes its share and stops
// without acknowledging anything: those jobs go to w2 and w3. One job always
// fails; after 3 deliveries it is published as crosstalk.dead_letter.resizers.
//
//   node resize.mjs
import { createBus } from 'crosstalk';

const bus = createBus();
const dead = bus.subscribe('crosstalk.dead_letter.resizers');
const member = () => bus.subscribe('image.uploaded', { group: 'resizers', ack: true, ack_wait_ms: 5000, max_deliver: 3 });
const [w1, w2, w3] = [member(), member(), member()];

for (let i = 1; i <= 30; i++) bus.publish('image.uploaded', { file: `img${i}.png` });

const held = w1.drain();
w1.unsubscribe(); // a crash: its unacknowledged jobs are handed to the others
console.log(`w1 stopped holding ${held.length} jobs`);

const resized = new Map();
async function work(name, sub) {
  for (;;) {
    const job = await sub.receive(100);
    if (job === null) return;
    if (job.data.file === 'img7.png') {
      sub.nak(job); // cannot be resized: give it back
      continue;
    }
    resized.set(job.data.file, (resized.get(job.data.file) ?? 0) + 1);
    sub.ack(job);
  }
}
await Promise.all([work('w2', w2), work('w3', w3)]);

const letter = dead.poll();
console.log(`resized ${resized.size} images, each once: ${[...resized.values()].every((n) => n === 1)}`);
console.log(`dead letter: ${letter.data.event.data.file} after ${letter.data.deliveries} deliveries`);
const { delivered, acked, redelivered, naks, dead_lettered, pending } = bus.groupStats('resizers');
console.log({ delivered, acked, redelivered, naks, dead_lettered, pending });
await bus.close();
