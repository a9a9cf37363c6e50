// Prints `crosstalk trace --json` (read from stdin) as a tree of event
// types and who published them: the timeline without its times and ids.
let text = '';
for await (const chunk of process.stdin) text += chunk;
const trace = JSON.parse(text);
console.log(`${trace.correlation_id}: ${trace.events.length} events from ${trace.sources} sources`);
for (const e of trace.events) console.log(`${'  '.repeat(e.depth)}${e.depth > 0 ? '└ ' : ''}${e.event_type}  (${e.component})`);
