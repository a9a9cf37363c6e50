/**
 * The dashboard's page: markup and style only. Its behaviour is
 * browser/app.ts, compiled to /app.js. Plain HTML, no framework: four
 * panels the script fills in place every frame.
 */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>crosstalk dashboard</title>
<style>
  :root { --fg: #1d2330; --dim: #6b7280; --line: #e5e7eb; --bg: #f7f8fa; --panel: #fff; --bar: #4f7cff; --warn: #d9480f; --ok: #2b8a3e; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
  header { display: flex; flex-wrap: wrap; gap: 18px; align-items: baseline; padding: 10px 16px; background: var(--panel); border-bottom: 1px solid var(--line); }
  header h1 { font-size: 16px; margin: 0; }
  .stat b { font-size: 15px; font-variant-numeric: tabular-nums; }
  .dim { color: var(--dim); }
  #status[data-state="live"] { color: var(--ok); }
  #status[data-state="down"] { color: var(--warn); }
  main { display: grid; grid-template-columns: minmax(360px, 1fr) minmax(360px, 1fr); gap: 12px; padding: 12px; }
  section { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; min-width: 0; }
  section.wide { grid-column: 1 / -1; }
  h2 { font-size: 13px; margin: 0 0 6px; }
  table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: 2px 6px; border-bottom: 1px solid var(--line); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 420px; }
  th { color: var(--dim); font-weight: 500; }
  td.n, th.n { text-align: right; }
  .bar { display: inline-block; height: 8px; background: var(--bar); border-radius: 2px; vertical-align: middle; }
  tr.full td { color: var(--warn); }
  .controls { display: flex; gap: 8px; align-items: center; margin-bottom: 6px; flex-wrap: wrap; }
  input[type=text] { font: inherit; padding: 3px 6px; border: 1px solid var(--line); border-radius: 4px; min-width: 180px; }
  input.bad { border-color: var(--warn); }
  #tail-error { color: var(--warn); }
  #tail td.data { font-family: ui-monospace, monospace; font-size: 12px; max-width: 640px; }
  .empty { color: var(--dim); padding: 6px; }
</style>
</head>
<body>
<header>
  <h1>crosstalk</h1>
  <span class="dim" id="source">connecting…</span>
  <span class="stat">status <b id="status" data-state="down">connecting</b></span>
  <span class="stat"><b id="rate">0</b> <span class="dim">events/s</span></span>
  <span class="stat"><b id="published">0</b> <span class="dim">published</span></span>
  <span class="stat"><b id="remote">0</b> <span class="dim">from elsewhere</span></span>
  <span class="stat"><b id="delivered">0</b> <span class="dim">delivered</span></span>
  <span class="stat"><b id="dropped">0</b> <span class="dim">dropped</span></span>
  <span class="dim">updated <span id="updated" data-frame="0">never</span></span>
</header>
<main>
  <section id="types-panel">
    <h2>Event types <span class="dim" id="types-more"></span></h2>
    <table id="types"><thead><tr><th>type</th><th class="n">events/s</th><th></th><th class="n">total</th><th class="n">delivered</th><th class="n">dropped</th></tr></thead><tbody></tbody></table>
  </section>
  <section id="subs-panel">
    <h2>Subscriptions <span class="dim" id="subs-more"></span></h2>
    <table id="subs"><thead><tr><th>patterns</th><th>policy</th><th class="n">queue</th><th></th><th class="n">delivered</th><th class="n">dropped</th><th class="n">rejected</th></tr></thead><tbody></tbody></table>
    <h2 style="margin-top:12px">Scripts</h2>
    <table id="scripts"><thead><tr><th>script</th><th>language</th><th>state</th><th class="n">CPU</th><th class="n">CPU time</th><th class="n">heap</th><th class="n">in</th><th class="n">out</th></tr></thead><tbody></tbody></table>
  </section>
  <section class="wide" id="tail-panel">
    <h2>Live tail</h2>
    <div class="controls">
      <label>pattern <input type="text" id="pattern" value="**" spellcheck="false" placeholder="**"></label>
      <label>filter <input type="text" id="filter" value="" spellcheck="false" placeholder="text in type, source or data"></label>
      <label><input type="checkbox" id="pause"> pause</label>
      <span class="dim" id="tail-info"></span>
      <span id="tail-error"></span>
    </div>
    <table id="tail"><thead><tr><th>time</th><th class="n">seq</th><th>type</th><th>source</th><th>data</th></tr></thead><tbody></tbody></table>
  </section>
</main>
<script type="module" src="/app.js"></script>
</body>
</html>
`;
