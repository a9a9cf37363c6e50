// pager.js: pages someone for each alert, and prints the monitor's summary.
const sub = Event.subscribe(['alert.*', 'monitor.stopped']);
for (;;) {
  const e = Event.receive(sub, 60000);
  if (e === null) throw new Error('the monitor went quiet');
  if (e.event_type === 'monitor.stopped') {
    const rest = Object.entries(e.data.below_threshold)
      .filter(([, n]) => n > 0)
      .sort()
      .map(([c, n]) => `${c} ${n}`);
    console.log(`${e.data.errors} errors seen; since the last page: ${rest.join(', ')}`);
    break;
  }
  const { component, count, recent_error } = e.data;
  console.log(`PAGE ${component}: ${count} errors, latest "${recent_error}"`);
}
