// sensors.js: three sensors report readings, as a host agent would every
// few seconds; here 12 rounds at once, then the collector is told to stop.
const rounds = 12;
for (let i = 0; i < rounds; i++) {
  Event.publish('metric.cpu', { value: 40 + ((i * 7) % 20), host: 'web-1' });
  Event.publish('metric.memory', { value: 60 + ((i * 3) % 10), host: 'web-1' });
  // the disk sensor reports every other round
  if (i % 2 === 0) Event.publish('metric.disk', { value: 70 + i, host: 'web-1' });
}
Event.publish('collector.stop', { rounds });
