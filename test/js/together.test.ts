/**
 * Several JS and Lua scripts at once on one bus in one process, each waiting
 * in receive while the others run.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCRIPT_LIMITS } from '../../src/scripting/engine.js';
import { engine, expectOk, newRun } from './helpers.js';

const lua = engine;

/** A stage: takes `stage.<n>` events, adds its mark, passes them to `stage.<n+1>`. */
const jsStage = (n: number) => `
  const sub = Event.subscribe('stage.${n}');
  Event.publish('up', ${n});
  for (let e; (e = Event.receive(sub, 5000)) && !e.data.done; ) Event.publish('stage.${n + 1}', { v: e.data.v, path: e.data.path + 'j${n}' });
  Event.publish('stage.${n + 1}', { done: true });`;
const luaStage = (n: number) => `
  local sub = Event.subscribe("stage.${n}")
  Event.publish("up", ${n})
  while true do
    local e = Event.receive(sub, 5000)
    if e == nil or e.data.done then break end
    Event.publish("stage.${n + 1}", { v = e.data.v, path = e.data.path .. "l${n}" })
  end
  Event.publish("stage.${n + 1}", { done = true })`;

describe('scripts together', () => {
  it('a pipeline of three JS and three Lua stages passes every message through, in order', async () => {
    const run = newRun();
    const up = run.bus.subscribe('up');
    const out = run.bus.subscribe('stage.7', { max_queue_size: 1000 });
    const opts = { limits: DEFAULT_SCRIPT_LIMITS, output: (script: string, text: string, stream: 'stdout' | 'stderr') => run.lines.push({ script, text, stream }) };
    const stages = [1, 2, 3, 4, 5, 6].map((n) =>
      n % 2 ? engine.run(run.bus, { name: `s${n}.js`, source: jsStage(n) }, opts) : lua.run(run.bus, { name: `s${n}.lua`, source: luaStage(n) }, opts),
    );
    for (let k = 0; k < 6; k++) expect(await up.receive(5000)).not.toBeNull();
    for (let v = 0; v < 50; v++) run.bus.publish('stage.1', { v, path: '' });
    run.bus.publish('stage.1', { done: true });
    for (const r of await Promise.all(stages)) expectOk(r);
    const got = out.drain(1000);
    expect(got.at(-1)!.data).toEqual({ done: true });
    expect(got.slice(0, -1).map((e) => e.data)).toEqual(Array.from({ length: 50 }, (_, v) => ({ v, path: 'j1l2j3l4j5l6' })));
    await run.bus.close();
  });
});
