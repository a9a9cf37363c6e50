// A shop serves the live dashboard of its bus, and checks it the way an
// operator would see it: in a headless browser (Chromium, driven with
// playwright-core), after a burst of orders has overrun a slow consumer.
//
//   node ops.mjs            # CHROMIUM=/path/to/chromium if it is elsewhere than /usr/bin/chromium
import { chromium } from 'playwright-core';
import { createBus, serveDashboard } from 'crosstalk';

const bus = createBus({ component: 'shop' });
const dashboard = await serveDashboard(bus, ':0', { intervalMs: 100 }); // 127.0.0.1, a free port
const slow = bus.subscribe('order.*', { max_queue_size: 5 }); // a consumer that fell behind (drop_oldest)

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage();
  await page.goto(`${dashboard.url}/`);
  await page.waitForSelector('#status[data-state="live"]'); // the page's WebSocket is up
  console.log(`dashboard is ${await page.textContent('#status')}`);

  // the live tail, narrowed by the pattern box and the filter box (the server filters)
  await page.fill('#pattern', 'order.*');
  await page.fill('#filter', '"vip":true');
  await page.waitForFunction(() => document.querySelector('#tail-info')?.textContent?.startsWith('order.* · ""vip":true"'));

  for (let i = 1; i <= 20; i++) bus.publish('order.paid', { order: i, amount: i * 10, vip: i % 5 === 0 });
  for (const user of ['ann', 'bob', 'cy']) bus.publish('user.login', { user });

  // the frames arrive every 100 ms; wait until the page shows every event
  await page.waitForFunction(() => document.querySelector('#published')?.textContent === '23');
  const rows = (table) => page.$$eval(`${table} tbody tr`, (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
  for (const [type, , , total, delivered, dropped] of await rows('#types')) console.log(`type ${type}: ${total} published, ${delivered} delivered, ${dropped} dropped`);
  for (const [patterns, policy, queue, , , dropped] of await rows('#subs')) console.log(`subscription ${patterns} (${policy}): queue ${queue}, ${dropped} dropped`);

  await page.waitForFunction(() => document.querySelectorAll('#tail tbody tr').length === 4);
  const vip = await page.$$eval('#tail tbody tr td.data', (tds) => tds.map((td) => JSON.parse(td.textContent).order));
  console.log(`VIP orders in the tail: ${vip.sort((a, b) => a - b).join(', ')}`);

  // the same numbers as JSON, for a script of your own
  const snapshot = await (await fetch(`${dashboard.url}/snapshot`)).json();
  const { published, delivered, dropped } = snapshot.totals;
  console.log(`GET /snapshot: published ${published}, delivered ${delivered}, dropped ${dropped}`);
} finally {
  await browser.close();
  slow.unsubscribe();
  await dashboard.close();
  await bus.close();
}
