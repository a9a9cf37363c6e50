// app.js: the JS side of the bridge. It answers Lua's requests on
// `bridge.js_to_lua`, asks Lua one question, and ends when Lua says bye.
const fromLua = Event.subscribe('bridge.lua_to_js');
const toLua = (action, data) => Event.publish('bridge.js_to_lua', { action, data, language: 'javascript' });

const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'EUR' });

for (;;) {
  const e = Event.receive(fromLua, 5000);
  if (e === null) throw new Error('no word from Lua in 5 s');
  const { action, data } = e.data;
  if (action === 'answer') {
    console.log(`${e.source.component} answers: ${data.result}`);
    continue;
  }
  console.log(`${e.source.component} (${e.source.language}) asks: ${action} ${JSON.stringify(data)}`);

  if (action === 'sort') {
    toLua('sorted', { result: [...data.words].sort((a, b) => a.localeCompare(b, 'de')) });
  } else if (action === 'stats') {
    const sum = data.values.reduce((a, b) => a + b, 0);
    toLua('stats', { result: { count: data.values.length, mean: sum / data.values.length, money: money.format(sum) } });
    // and a question of our own
    toLua('slug', { text: 'Hello, World: crosstalk 2.0!' });
  } else if (action === 'bye') {
    break;
  }
}
