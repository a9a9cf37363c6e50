// Errors reach a script as catchable CrosstalkErrors: `e.code` is one of the
// codes of README "Errors", `String(e)` is "CODE: message", and fields such as
// `e.path` or `e.pattern` say what was wrong. Uncaught, they end the script
// with that code and the line.
//
//   crosstalk run errors.js

const attempts = {
  'bad event type': () => Event.publish('no spaces allowed', 1),
  'NaN in data': () => Event.publish('m.x', { readings: [1, 2, NaN] }),
  'a function in data': () => Event.publish('m.x', { callback() {} }),
  'unbalanced pattern': () => Event.subscribe('order.[paid'),
  // @ts-expect-error -- the mistake is the point here; an editor flags it too (docs/scripts.md "Editor support")
  'bad option value': () => Event.subscribe('order.*', { backpressure: 'sometimes' }),
  'unknown subscription': () => Event.receive('not-a-subscription', 0),
  'full reject queue': () => {
    const strict = Event.subscribe('job.*', { backpressure: 'reject', max_queue_size: 1 });
    Event.publish('job.a', 1);
    Event.publish('job.b', 2); // the queue holds one: this one is refused
  },
};

for (const [what, attempt] of Object.entries(attempts)) {
  try {
    attempt();
    console.log(`${what}: no error`);
  } catch (e) {
    if (!(e instanceof CrosstalkError)) throw e;
    console.log(`${what}: ${e.code}${e.path ? ` at ${e.path}` : ''}`);
    console.log(`  ${String(e)}`);
  }
}
