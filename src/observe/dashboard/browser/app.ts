/**
 * The dashboard page's script (served as /app.js): connects to /ws, and
 * for each frame updates the four panels in place (rows are kept and
 * reused, so a frame costs a few text changes, not a redraw). Reconnects
 * when the connection drops. The tail's pattern and filter go to the
 * server, which filters before sending.
 */
import type { Frame, ScriptRow, ServerMessage, SubscriptionRow, TailItem, TypeRow } from './protocol.js';

const MAX_TAIL_ROWS = 200;

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`the page has no #${id}`);
  return el as T;
};

const fmt = new Intl.NumberFormat('en-US');
const num = (n: number) => fmt.format(Math.round(n));
const rate = (r: number) => (r >= 100 ? fmt.format(Math.round(r)) : r.toFixed(1));
const bytes = (n: number) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : `${Math.round(n / 1024)} KB`);

function set(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

/** A table body whose rows are kept by key and updated in place. */
class Rows<T> {
  private readonly rows = new Map<string, HTMLTableRowElement>();
  constructor(
    private readonly body: HTMLTableSectionElement,
    private readonly columns: number,
    private readonly key: (x: T) => string,
    private readonly fill: (cells: HTMLTableCellElement[], x: T, row: HTMLTableRowElement) => void,
    private readonly attribute: string,
  ) {}

  update(items: readonly T[]): void {
    const seen = new Set<string>();
    items.forEach((x, i) => {
      const k = this.key(x);
      seen.add(k);
      let row = this.rows.get(k);
      if (row === undefined) {
        row = document.createElement('tr');
        row.dataset[this.attribute] = k;
        for (let c = 0; c < this.columns; c++) row.appendChild(document.createElement('td'));
        this.rows.set(k, row);
      }
      this.fill([...row.cells], x, row);
      if (this.body.children[i] !== row) this.body.insertBefore(row, this.body.children[i] ?? null);
    });
    for (const [k, row] of this.rows) {
      if (!seen.has(k)) {
        row.remove();
        this.rows.delete(k);
      }
    }
  }
}

function bar(cell: HTMLTableCellElement, share: number): void {
  let b = cell.firstElementChild as HTMLElement | null;
  if (b === null) {
    b = document.createElement('span');
    b.className = 'bar';
    cell.appendChild(b);
  }
  const w = `${Math.max(0, Math.min(100, share * 100)).toFixed(0)}px`;
  if (b.style.width !== w) b.style.width = w;
}

const body = (id: string) => ($<HTMLTableElement>(id).tBodies[0] as HTMLTableSectionElement);

let maxRate = 1;
const types = new Rows<TypeRow>(body('types'), 6, (t) => t.type, (c, t) => {
  c[0]!.className = '';
  set(c[0]!, t.type);
  c[0]!.title = t.type;
  c[1]!.className = 'n';
  set(c[1]!, rate(t.rate));
  bar(c[2]!, t.rate / maxRate);
  c[3]!.className = 'n';
  set(c[3]!, num(t.total));
  c[4]!.className = 'n';
  set(c[4]!, num(t.delivered));
  c[5]!.className = 'n';
  set(c[5]!, num(t.dropped));
}, 'type');

const subs = new Rows<SubscriptionRow>(body('subs'), 7, (s) => s.id, (c, s, row) => {
  set(c[0]!, s.patterns.join(', '));
  c[0]!.title = `${s.id}: ${s.patterns.join(', ')}`;
  set(c[1]!, s.backpressure);
  c[2]!.className = 'n';
  set(c[2]!, `${num(s.queue)} / ${num(s.max)}`);
  bar(c[3]!, s.queue / s.max);
  for (const [i, v] of [[4, s.delivered], [5, s.dropped], [6, s.rejected]] as const) {
    c[i]!.className = 'n';
    set(c[i]!, num(v));
  }
  row.classList.toggle('full', s.queue >= s.max);
}, 'subscription');

const scripts = new Rows<ScriptRow>(body('scripts'), 8, (s) => `${s.script} ${s.language}`, (c, s) => {
  set(c[0]!, s.script);
  set(c[1]!, s.language);
  set(c[2]!, s.state);
  const cols: [number, string][] = [
    [3, `${s.cpu_pct.toFixed(1)}%`],
    [4, `${(s.cpu_ms / 1000).toFixed(2)} s`],
    [5, s.heap_limit_bytes ? `${bytes(s.heap_bytes)} / ${bytes(s.heap_limit_bytes)}` : bytes(s.heap_bytes)],
    [6, num(s.events_in)],
    [7, num(s.events_out)],
  ];
  for (const [i, text] of cols) {
    c[i]!.className = 'n';
    set(c[i]!, text);
  }
}, 'script');

const tailBody = body('tail');
const pause = $<HTMLInputElement>('pause');

function addTail(items: readonly TailItem[]): void {
  if (pause.checked || items.length === 0) return;
  const frag = document.createDocumentFragment();
  for (let i = items.length - 1; i >= 0; i--) {
    const e = items[i]!;
    const row = document.createElement('tr');
    row.dataset.type = e.y;
    for (const [text, cls] of [[e.t.slice(11, 23), ''], [String(e.s), 'n'], [e.y, ''], [`${e.c} (${e.l})`, ''], [e.d, 'data']] as const) {
      const td = document.createElement('td');
      td.textContent = text;
      if (cls) td.className = cls;
      if (cls === 'data') td.title = text;
      row.appendChild(td);
    }
    frag.appendChild(row);
  }
  tailBody.insertBefore(frag, tailBody.firstChild);
  while (tailBody.rows.length > MAX_TAIL_ROWS) tailBody.deleteRow(-1);
}

function empty(table: string, show: boolean, text: string): void {
  const panel = $<HTMLTableElement>(table);
  let note = panel.nextElementSibling as HTMLElement | null;
  if (note === null || !note.classList.contains('empty')) {
    note = document.createElement('div');
    note.className = 'empty';
    panel.after(note);
  }
  note.hidden = !show;
  set(note, text);
}

let tailKey = '';

function render(f: Frame): void {
  set($('source'), f.source);
  set($('rate'), rate(f.totals.rate));
  set($('published'), num(f.totals.published));
  set($('remote'), num(f.totals.remote));
  set($('delivered'), num(f.totals.delivered));
  set($('dropped'), num(f.totals.dropped));
  const updated = $('updated');
  updated.dataset.frame = String(f.n);
  updated.dataset.at = String(f.at);
  set(updated, new Date(f.at).toISOString().slice(11, 23));
  maxRate = Math.max(1, ...f.types.map((t) => t.rate));
  types.update(f.types);
  set($('types-more'), f.more_types ? `(+${num(f.more_types)} more)` : '');
  empty('types', f.types.length === 0, 'no events yet');
  subs.update(f.subscriptions);
  set($('subs-more'), f.more_subscriptions ? `(+${num(f.more_subscriptions)} more)` : '');
  empty('subs', f.subscriptions.length === 0, f.live_bus ? 'no subscriptions' : 'those of other processes are not visible here: crosstalk run --dashboard shows a run’s own');
  scripts.update(f.scripts);
  empty('scripts', f.scripts.length === 0, f.live_bus ? 'no scripts reported' : 'those of other processes are not visible here');
  const key = `${f.tail.pattern}\u0000${f.tail.filter}`;
  if (key !== tailKey) {
    tailKey = key;
    tailBody.replaceChildren();
  }
  addTail(f.tail.events);
  set($('tail-info'), `${f.tail.pattern}${f.tail.filter ? ` · "${f.tail.filter}"` : ''}${f.tail.skipped ? ` · ${num(f.tail.skipped)} not shown (too many)` : ''}${f.skipped_frames ? ` · ${num(f.skipped_frames)} frames skipped` : ''}`);
}

// ---- connection --------------------------------------------------------------------

let ws: WebSocket | null = null;
let retry = 500;
const status = $('status');
const patternBox = $<HTMLInputElement>('pattern');
const filterBox = $<HTMLInputElement>('filter');

function state(s: 'live' | 'down', text: string): void {
  status.dataset.state = s;
  set(status, text);
}

function sendTail(): void {
  if (ws === null || ws.readyState !== WebSocket.OPEN) return;
  ws.send(JSON.stringify({ t: 'tail', pattern: patternBox.value, filter: filterBox.value }));
}

function connect(): void {
  const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  ws = socket;
  socket.onopen = () => {
    retry = 500;
    state('live', 'live');
    if (patternBox.value !== '**' || filterBox.value !== '') sendTail();
  };
  socket.onmessage = (m: MessageEvent<string>) => {
    const msg = JSON.parse(m.data) as ServerMessage;
    if (msg.t === 'frame') {
      if (msg.tail.pattern === (patternBox.value.trim() || '**')) {
        patternBox.classList.remove('bad');
        set($('tail-error'), '');
      }
      render(msg);
    } else {
      if (msg.field === 'pattern') patternBox.classList.add('bad');
      set($('tail-error'), msg.message);
    }
  };
  socket.onclose = () => {
    state('down', 'reconnecting');
    ws = null;
    setTimeout(connect, retry);
    retry = Math.min(retry * 2, 5000);
  };
}

let debounce: number | undefined;
for (const box of [patternBox, filterBox]) {
  box.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = window.setTimeout(sendTail, 200);
  });
}
connect();
