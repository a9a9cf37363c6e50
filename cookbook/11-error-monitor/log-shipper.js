// log-shipper.js: forwards error lines of the services' logs to the bus, as
// a log shipper (Fluent Bit, Vector, a syslog forwarder) would. Each line
// becomes `<component>.<area>.error` with the service as source.component,
// the field the monitor groups by.
const LOG = `
payments  charge   card declined (order 1001)
payments  charge   card declined (order 1002)
inventory sync     warehouse timeout
payments  refund   gateway 502
search    index    shard 3 unavailable
payments  charge   card declined (order 1003)
inventory sync     warehouse timeout
payments  charge   fraud check timeout (order 1004)
payments  charge   card declined (order 1005)
inventory reserve  negative stock for SKU A-7
payments  charge   card declined (order 1006)
inventory sync     warehouse timeout
payments  refund   gateway 502
search    index    shard 3 unavailable
payments  charge   card declined (order 1007)
inventory sync     warehouse timeout
payments  charge   card declined (order 1008)
`;

let shipped = 0;
for (const line of LOG.trim().split('\n')) {
  const [, component, area, message] = line.match(/^(\S+)\s+(\S+)\s+(.*)$/);
  Event.publish({
    event_type: `${component}.${area}.error`,
    data: { error: message },
    source: { component, instance_id: `${component}-1` },
  });
  shipped++;
}
Event.publish('logs.shipped', { lines: shipped });
