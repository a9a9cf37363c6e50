/**
 * Child of the observe suite: publish → receiveBatch through a plain bus in
 * a fresh process, where an AsyncLocalStorage has (argv[2] = 1) or has not
 * (0) been used. Node installs promise hooks for the first one, which every
 * promise of the process then pays; only separate processes can compare
 * that. Prints events/s of the best of a few passes.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createBus } from '../../dist/index.js';

if (process.argv[2] === '1') new AsyncLocalStorage().run(1, () => 0);
const events = Number(process.argv[3] ?? 2_000_000);
const bus = createBus();
const sub = bus.subscribe('bench.small', { max_queue_size: 10_000 });
let n = 0;
let best = 0;
for (let pass = 0; pass < 4; pass++) {
  const t0 = performance.now();
  for (let b = events / 1000; b > 0; b--) {
    for (let k = 0; k < 1000; k++) bus.publish('bench.small', { n: n++ });
    await sub.receiveBatch({ max_events: 1000, timeout_ms: 0 });
  }
  if (pass > 0) best = Math.max(best, events / ((performance.now() - t0) / 1000));
}
process.stdout.write(`${best}\n`);
