// Handler subscriptions (README "Handler subscriptions"): the bus calls a
// function per event, retries a failed call with backoff, and a circuit
// breaker stops calling a handler that keeps failing until it has rested.
//
//   node mailer.mjs
import { createBus } from 'crosstalk';

const bus = createBus();
const told = bus.subscribe('crosstalk.handler.*');
let mailServerUp = false;
const sent = [];
let allSent;
const done = new Promise((resolve) => (allSent = resolve));

const mailer = bus.subscribe(
  'user.signed_up',
  async (e, { attempt }) => {
    if (!mailServerUp) throw new Error('mail server unreachable');
    sent.push(`${e.data.email} (attempt ${attempt})`);
    if (sent.length === 2) allSent();
  },
  { retry: { attempts: 2, backoff_ms: 5 }, breaker: { failure_threshold: 3, reset_ms: 50 } },
);

for (const email of ['ann@example.com', 'bob@example.com', 'cy@example.com']) bus.publish('user.signed_up', { email });

// ann fails twice (every attempt), bob once: three failed calls open the breaker
const say = (e) => console.log(`${e.event_type}${e.data.state ? ` (${e.data.state})` : ''}: ${e.data.error ?? ''}`);
say(await told.receive(5000)); // crosstalk.handler.failed (ann)
say(await told.receive(5000)); // crosstalk.handler.circuit_open
console.log('mail server back');
mailServerUp = true;
say(await told.receive(5000)); // circuit_half_open after 50 ms: one trial call
say(await told.receive(5000)); // circuit_closed
await done;
console.log(`welcome mails sent: ${sent.join(', ')}`);
const { succeeded, failed, retries, breaker, breaker_opened } = mailer.stats().handler;
console.log({ succeeded, failed, retries, breaker, breaker_opened });
await bus.close();
