// A request/reply service in JS, for clients in any language (the host,
// Lua, JS, other processes through NATS):
//
//   crosstalk run quote-service.js quote-client.lua
//
// Each `quote.get` request is answered with Event.reply, which sends the
// answer to the asker's reply address; the asker's Event.request returns it.
// The handlers run from the script's event loop; the script keeps serving
// until a client says `quote.done` (a real service serves until stopped).

const PRICES = { apple: 0.5, pear: 0.75, fig: 2 };
let served = 0;

const quotes = Event.subscribe('quote.get', (req) => {
  const { item, qty } = req.data ?? {};
  if (!(item in PRICES) || !Number.isInteger(qty) || qty <= 0) {
    Event.reply(req, { error: `cannot quote ${JSON.stringify(req.data)}` });
    return;
  }
  Event.reply(req, { item, qty, total: PRICES[item] * qty });
  served++;
});

const done = Event.subscribe('quote.done', () => {
  console.log(`served ${served} quotes`);
  quotes.unsubscribe();
  done.unsubscribe();
});
