// inventory.js: a stock service that is warming up — it lets the first two
// requests for each item go unanswered (as a lost message or a slow cold
// start would), answers from the third on, and never knows "unicorn".
const STOCK = { kettle: 4, teapot: 0 };
const asked = {}; // sku -> the times its requests were published (ms)

const checks = Event.subscribe('stock.check', (req) => {
  const { sku } = req.data;
  (asked[sku] ??= []).push(Date.parse(req.timestamp));
  if (asked[sku].length < 3 || !(sku in STOCK)) return; // no reply: the client's request times out
  Event.reply(req, { sku, in_stock: STOCK[sku] });
});

// the service stops when its client is done (a real one runs until stopped)
const done = Event.subscribe('client.done', () => {
  for (const [sku, times] of Object.entries(asked)) {
    console.log(`~ ${sku} asked at ${times.map((t) => `+${t - times[0]}`).join(', ')} ms`);
  }
  checks.unsubscribe();
  done.unsubscribe();
});
