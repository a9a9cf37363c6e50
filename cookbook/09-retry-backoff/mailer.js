// mailer.js: a handler subscription the bus retries for us: each event gets
// up to 3 calls, 20 ms then 40 ms apart (doubling, at most 100 ms). An
// event whose every call failed is told as crosstalk.handler.failed.
let busy = 2; // the mail server refuses the first two calls
const calls = [];

const mail = Event.subscribe(
  'mail.send',
  (e, { attempt }) => {
    calls.push(Date.now());
    if (e.data.to.endsWith('@invalid')) throw new Error(`no such domain: ${e.data.to}`);
    if (busy-- > 0) throw new Error('mail server busy');
    console.log(`sent "${e.data.subject}" to ${e.data.to} on attempt ${attempt}`);
  },
  { retry: { attempts: 3, backoff_ms: 20, max_backoff_ms: 100 }, breaker: false },
);

const failed = Event.subscribe('crosstalk.handler.failed', (f) => {
  console.log(`gave up on ${f.data.event_type} after ${f.data.attempts} attempts: ${f.data.error}`);
  const { succeeded, failed: lost, retries } = Event.subscriptionStats(mail).handler;
  console.log(`handler: ${succeeded} succeeded, ${lost} failed, ${retries} retries`);
  console.log(`~ calls at ${calls.map((t) => `+${t - calls[0]}`).join(', ')} ms`);
  mail.unsubscribe();
  failed.unsubscribe();
});
