/**
 * Editor support (docs/scripts.md "Editor support"): the TypeScript declaration and
 * the LuaLS annotations generated from the one declaration of the `Event`
 * API. The shipped files are what the generators print (so they never
 * drift), name every function and option field, agree with the keys the bus
 * accepts, and do their job: the cookbook's JS scripts type-check against
 * the declaration, and scripts with mistakes do not; the Lua file loads as
 * Lua and defines every function.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKPRESSURE_STRATEGIES } from '../../src/core/types.js';
import { EVENT_INIT_KEYS, PRIORITIES, PUBLISH_OPTION_KEYS, SOURCE_KEYS } from '../../src/core/event.js';
import { SUBSCRIBE_KEYS } from '../../src/core/options.js';
import { QUERY_FIELDS } from '../../src/core/query.js';
import { EVENT_FUNCTIONS, HANDLE_METHODS, type TypeSpec } from '../../src/scripting/event-api.js';
import { EVENT_SHAPES } from '../../src/scripting/event-shapes.js';
import { luaAnnotations } from '../../src/scripting/editor-types/lua.js';
import { jsDeclaration } from '../../src/scripting/editor-types/typescript.js';
import { ROOT } from '../setup/cli.js';
import { checkScripts, cookbookScripts } from './typecheck.js';

const SHIPPED_JS = path.join(ROOT, 'types/crosstalk-event.d.ts');
const SHIPPED_LUA = path.join(ROOT, 'types/crosstalk-event.lua');
const fieldsOf = (shape: keyof typeof EVENT_SHAPES) => EVENT_SHAPES[shape].fields.map((f) => f.name);

describe('the shipped declarations', () => {
  it('are what the generators print (regenerate: crosstalk types --js --out types/crosstalk-event.d.ts; --lua for .lua)', () => {
    expect(readFileSync(SHIPPED_JS, 'utf8')).toBe(jsDeclaration());
    expect(readFileSync(SHIPPED_LUA, 'utf8')).toBe(luaAnnotations());
  });

  it('are in the package', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('types');
  });

  it('name every Event function, under every name a script calls it by', () => {
    const ts = jsDeclaration();
    const lua = luaAnnotations();
    for (const f of EVENT_FUNCTIONS) {
      expect(ts).toContain(`    ${f.name}(`);
      if (f.camel !== undefined) expect(ts).toContain(`    ${f.camel}(`);
      expect(lua).toContain(`\nfunction Event.${f.name}(`);
    }
    for (const m of HANDLE_METHODS) expect(lua).toContain(`function Subscription:${m.fn}(`);
  });

  it('name every field of every shape, with its doc', () => {
    const ts = jsDeclaration();
    const lua = luaAnnotations();
    for (const [name, shape] of Object.entries(EVENT_SHAPES)) {
      const luaClass = lua.slice(lua.indexOf(`---@class crosstalk.${name}`));
      const tsInterface = ts.slice(ts.indexOf(`  interface ${name} `));
      for (const f of shape.fields) {
        expect(luaClass, `${name}.${f.name}`).toMatch(new RegExp(`^---@field ${f.name}\\??[^\\n]* ${escape(f.doc!)}$`, 'm'));
        expect(tsInterface, `${name}.${f.name}`).toContain(`/** ${f.doc} */\n    ${name === 'Subscription' ? 'readonly ' : ''}${f.name}`);
      }
    }
  });

  it('give CrosstalkError the detail fields the bus sets, no more and no fewer', () => {
    // the declaration's class is written out by hand; the bus's is src/core/errors.ts
    const fieldsIn = (text: string, from: string) => {
      const body = text.slice(text.indexOf(from), text.indexOf('\n}', text.indexOf(from)));
      return [...body.matchAll(/^\s+(?:override )?readonly (\w+)\??\s*[:=]/gm)].map((m) => m[1]).sort();
    };
    const bus = fieldsIn(readFileSync(path.join(ROOT, 'src/core/errors.ts'), 'utf8'), 'export class CrosstalkError');
    expect(bus).toContain('column');
    expect(fieldsIn(jsDeclaration(), 'declare class CrosstalkError')).toEqual(bus);
  });

  it('document every function, argument and field in one line', () => {
    const docs: string[] = [];
    for (const f of EVENT_FUNCTIONS) docs.push(f.doc, f.returnsDoc, ...f.args.map((a) => a.doc), ...(f.forms ?? []).flatMap((x) => [x.doc, ...x.params.map((p) => p.doc ?? '')]));
    for (const s of Object.values(EVENT_SHAPES)) docs.push(s.doc, ...s.fields.map((f) => f.doc ?? ''));
    for (const d of docs) {
      expect(d.trim().length, JSON.stringify(d)).toBeGreaterThan(0);
      expect(d).not.toMatch(/\n|\*\//);
    }
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Every literal list among the fields of `shape.field`. */
function literals(t: TypeSpec): string[] {
  if (typeof t === 'string') return [];
  if ('literal' in t) return [...t.literal];
  if ('oneOf' in t) return t.oneOf.flatMap(literals);
  return [];
}

describe('the declared options are the ones the bus accepts', () => {
  it('publish, the table form and its source', () => {
    expect(fieldsOf('PublishOptions').sort()).toEqual([...PUBLISH_OPTION_KEYS].sort());
    expect(fieldsOf('EventInit').sort()).toEqual([...EVENT_INIT_KEYS].sort());
    expect(fieldsOf('SourceInit').sort()).toEqual([...SOURCE_KEYS].sort());
  });

  it('subscribe (and durable, which scripts add)', () => {
    expect(fieldsOf('SubscribeOptions').sort()).toEqual([...SUBSCRIBE_KEYS, 'durable'].sort());
  });

  it('query and replay', () => {
    expect(fieldsOf('Query').sort()).toEqual([...QUERY_FIELDS].sort());
    expect(EVENT_SHAPES.Replay.extends).toBe('Query');
    expect(fieldsOf('Replay').sort()).toEqual(['checkpoint', 'speed']);
  });

  it('priorities and backpressure strategies', () => {
    const field = (shape: keyof typeof EVENT_SHAPES, name: string) => literals(EVENT_SHAPES[shape].fields.find((f) => f.name === name)!.type);
    expect(field('PublishOptions', 'priority')).toEqual([...PRIORITIES]);
    expect(field('Event', 'priority')).toEqual([...PRIORITIES]);
    expect(field('SubscribeOptions', 'backpressure')).toEqual([...BACKPRESSURE_STRATEGIES]);
  });
});

describe('JS scripts type-check against the declaration', () => {
  it('every JS script of the cookbook', () => {
    const files = cookbookScripts();
    expect(files.length).toBeGreaterThanOrEqual(6);
    expect(checkScripts(files.map((f) => ({ name: path.relative(ROOT, f), source: readFileSync(f, 'utf8') })))).toEqual([]);
  });

  it('a script calling every function in every documented form, under both names', () => {
    const source = `
const sub = Event.subscribe('order.*', { backpressure: 'block', max_queue_size: 10, block_timeout_ms: 100, filter: { 'data.amount': { op: '>=', value: 100 } } });
const fsub = Event.subscribe(['a.*', 'b.**'], { filter: (e) => e.data.amount > 1, durable: 'worker', retained: false, ordering: 'publish' });
const handled = Event.subscribe('job', async (e, { attempt }) => { console.log(e.event_type, attempt); }, { retry: { attempts: 3, backoff_ms: 10 }, breaker: false, concurrency: 2 });
const worker = Event.subscribe('task', { group: 'w', ack: true, ack_wait_ms: 1000, max_deliver: 3, balance: 'weighted', weight: 2, stall_ms: 100 });
const id = Event.publish('order.paid', { amount: 5 }, { persistent: true, ttl_seconds: 60, priority: 'high', metadata: { user: 'ann' }, correlation_id: 'c', retain: true });
Event.publish({ event_type: 'order.paid', data: 1, id: 'x', source: { component: 'c' }, priority: 'low' });
const e = Event.receive(sub, 1000);
if (e !== null) console.log(e.id, e.sequence + 1, e.source.correlation_id, e.metadata.user, e.data);
for (const ev of Event.receive_batch(sub, { max_events: 10, timeout_ms: 0 }).concat(Event.receiveBatch(sub))) console.log(ev.timestamp);
const stored = Event.query({ event_type: 'order.*', start_time: '2026-01-01', end_time: Date.now(), where: 'data.amount > 1', filters: { 'data.x': 1 }, limit: 10, order: 'desc', after_sequence: 3 });
const n = Event.replay({ event_type: 'order.*', speed: 0, checkpoint: 'nightly' }) + stored.length;
console.log(Event.list_subscriptions()[0].queue_size, Event.listSubscriptions().length, n, id.length);
console.log(Event.subscription_stats(sub).dropped, Event.subscriptionStats(sub.id).handler?.breaker);
console.log(Event.unsubscribe_pattern('a.*') + Event.unsubscribePattern('b.**'), Event.get_stats().published, Event.getStats().groups.pending);
Event.sleep(10);
const got = Event.receive_any([sub, fsub.id], 100) ?? Event.receiveAny([sub]);
if (got) console.log(got.event.event_type, got.subscription.patterns.join());
const answer = Event.request('quote.get', { sku: 'A' }, { timeout_ms: 100, priority: 'high' });
if (answer) Event.reply(answer, { ok: true }, { metadata: {} });
const every = Event.schedule('beat', null, { every_ms: 100, delay_ms: 10, persistent: false });
console.log(Event.cancel(every));
const r = Event.with_correlation('batch-1', () => Event.publish('x', 1)) + Event.withCorrelation('b', () => 'y');
const w = Event.receive(worker, 0);
if (w) { Event.ack(w); Event.nak(w.id, { delay_ms: 10 }); worker.ack(w); worker.nak(w, { delay_ms: 1 }); }
console.log(Event.retained('config.*').length, Event.retained().length, Event.group_stats('w').pending, Event.groupStats('w').members);
console.log(Event.list_groups().length + Event.listGroups().length, r);
Event.reset_stats(sub); Event.resetStats(); sub.resetStats();
console.log(String(sub), sub.unsubscribe(), Event.unsubscribe(fsub), handled.id, args.length);
const t = setTimeout((a) => console.log(a), 10, 'x'); clearTimeout(t);
const i = setInterval(() => undefined, 10); clearInterval(i);
try { Event.subscribe('a.[', {}); } catch (err) { if (err instanceof CrosstalkError && err.code === 'INVALID_PATTERN') console.error(err.pattern, String(err)); }
return { done: true };
`;
    expect(checkScripts([{ name: 'everything.js', source }])).toEqual([]);
  });

  it.each([
    ['an option of the wrong type', "Event.subscribe('order.*', { max_queue_size: 'lots' });", /max_queue_size/],
    ['an option that does not exist', "Event.subscribe('order.*', { backpresure: 'block' });", /backpresure/],
    ['a value outside a choice', "Event.publish('a', 1, { priority: 'urgent' });", /urgent/],
    ['a misspelled function', "Event.recieve('x', 10);", /recieve/],
    ['a field events do not have', "const e = Event.receive('x'); console.log(e.type);", /type/],
    ['a method handles do not have', "Event.subscribe('a').close();", /close/],
    ['a batch option of the wrong type', "Event.receiveBatch('x', { max_events: '10' });", /'string' is not assignable to type 'number'/],
    ['a timer without a callback', 'setTimeout(100);', /setTimeout|number/],
  ])('refuses %s', (_what, source, named) => {
    const problems = checkScripts([{ name: 'wrong.js', source }]);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toMatch(named);
  });

  it('a script that uses the DOM or Node is told they are absent', () => {
    expect(checkScripts([{ name: 'dom.js', source: "document.title = 'x'; process.exit(1);" }]).join('\n')).toMatch(/document[\s\S]*process/);
  });
});

describe('LuaLS annotations', () => {
  // fengari ships no types: the few calls made here
  type State = object;
  const { lua, lauxlib, lualib, to_luastring } = createRequire(import.meta.url)('fengari') as {
    lua: {
      LUA_OK: number;
      lua_pcall(L: State, args: number, results: number, handler: number): number;
      lua_pushstring(L: State, s: Uint8Array): void;
      lua_checkstack(L: State, n: number): boolean;
      lua_tojsstring(L: State, i: number): string;
      lua_tointeger(L: State, i: number): number;
    };
    lauxlib: { luaL_newstate(): State; luaL_loadstring(L: State, s: Uint8Array): number };
    lualib: { luaL_openlibs(L: State): void };
    to_luastring(s: string): Uint8Array;
  };

  it('load as Lua and define every Event function, the handle methods, JSON and arg', () => {
    const L = lauxlib.luaL_newstate();
    lualib.luaL_openlibs(L);
    const text = readFileSync(SHIPPED_LUA, 'utf8');
    const check = [
      'local names = {...}',
      'for _, n in ipairs(names) do assert(type(Event[n]) == "function", "Event." .. n) end',
      'assert(type(JSON.encode) == "function" and type(JSON.decode) == "function" and type(arg) == "table")',
      'return #names',
    ].join('\n');
    expect(lauxlib.luaL_loadstring(L, to_luastring(text)), 'the annotations file compiles').toBe(lua.LUA_OK);
    expect(lua.lua_pcall(L, 0, 0, 0), 'and runs').toBe(lua.LUA_OK);
    expect(lauxlib.luaL_loadstring(L, to_luastring(check))).toBe(lua.LUA_OK);
    lua.lua_checkstack(L, EVENT_FUNCTIONS.length + 1);
    for (const f of EVENT_FUNCTIONS) lua.lua_pushstring(L, to_luastring(f.name));
    const status = lua.lua_pcall(L, EVENT_FUNCTIONS.length, 1, 0);
    expect(status, status === lua.LUA_OK ? '' : lua.lua_tojsstring(L, -1)).toBe(lua.LUA_OK);
    expect(lua.lua_tointeger(L, -1)).toBe(EVENT_FUNCTIONS.length);
  });

  it('annotate each parameter of each function, and its other forms as overloads', () => {
    const lua = luaAnnotations();
    for (const f of EVENT_FUNCTIONS) {
      const block = lua.slice(0, lua.indexOf(`\nfunction Event.${f.name}(`));
      const own = block.slice(block.lastIndexOf('\n\n'));
      for (const a of f.args) expect(own, `${f.name}(${a.name})`).toContain(`---@param ${a.param ?? a.name}${a.optional ? '?' : ''} `);
      expect(own.split('---@overload').length - 1, f.name).toBe(f.forms?.length ?? 0);
    }
  });
});
