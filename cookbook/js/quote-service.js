// A request/reply service in JS, for clients in any language:
//
//   npx crosstalk run cookbook/js/quote-service.js cookbook/js/quote-client.lua
//
// Requests are `quote.request` events; each reply is a `quote.reply` whose
// correlation id is the request's id, so a client with many requests in
// flight can match them. Event.receive looks blocking, but the host keeps
// running every other script while this one waits.

const PRICES = { apple: 0.5, pear: 0.75, fig: 2 };

const requests = Event.subscribe(['quote.request', 'quote.done']);
Event.publish('quote.ready', { items: Object.keys(PRICES) });

let served = 0;
// until a client says it is done, or nobody asked for 10 seconds
for (let req; (req = Event.receive(requests, 10000)) && req.event_type !== 'quote.done'; ) {
  const { item, qty } = req.data ?? {};
  if (!(item in PRICES) || !Number.isInteger(qty) || qty <= 0) {
    Event.publish('quote.reply', { error: `cannot quote ${JSON.stringify(req.data)}` }, { correlation_id: req.id });
    continue;
  }
  Event.publish('quote.reply', { item, qty, total: PRICES[item] * qty }, { correlation_id: req.id });
  served++;
}
console.log(`served ${served} quotes`);
