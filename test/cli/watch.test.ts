/**
 * `crosstalk run --watch` through the real CLI (docs/scripts.md "Durable subscriptions and `--watch`"):
 * a changed script restarts alone, a broken edit leaves the running version
 * alone, and a durable subscription carries the events across restarts.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { crosstalk, startCli, stopChild, type Started } from '../setup/cli.js';

let dir: string;
let running: Started | null = null;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'crosstalk-watch-'));
});

afterEach(() => {
  if (running !== null) stopChild(running.child);
  running = null;
  rmSync(dir, { recursive: true, force: true });
});

const worker = (version: string) => `
local jobs = Event.subscribe("job", {durable = "worker"})
while true do
  local e = Event.receive(jobs, 60000)
  -- some work per job, so that a change often lands while one is handled
  local sum = 0
  for i = 1, 100000 do sum = sum + i end
  if e then print("${version} got " .. e.data) end
end
`;

// publishes 1, 2, 3, … every 20 ms, forever
const FEED = `let n = 0;
setInterval(() => Event.publish('job', ++n), 20);
`;

/** The numbers the worker printed, in order, with the version that printed each. */
function received(stdout: string): { version: string; n: number }[] {
  return [...stdout.matchAll(/\[worker\.lua\] (v\d) got (\d+)/g)].map((m) => ({ version: m[1]!, n: Number(m[2]) }));
}

describe('crosstalk run --watch', () => {
  it('restarts only the changed script; a broken edit keeps the old version; the durable subscription loses nothing', async () => {
    const w = path.join(dir, 'worker.lua');
    const f = path.join(dir, 'feed.js');
    writeFileSync(w, worker('v1'));
    writeFileSync(f, FEED);
    running = await startCli(['run', '--watch', w, f], /v1 got 3\n/);
    const r = running;

    let at = r.mark();
    writeFileSync(w, worker('v2'));
    await r.until('crosstalk run: worker.lua changed; restarted', at);
    await r.until(/v2 got \d+\n/, at);

    at = r.mark();
    writeFileSync(w, 'local x = = 1\n');
    await r.until(/worker\.lua changed but was not restarted \(line 1: SCRIPT_ERROR: .*'='.*\); the running version goes on/, at);
    at = r.mark();
    await r.until(/v2 got \d+\n[\s\S]*v2 got \d+\n/, at); // the old version still works

    at = r.mark();
    writeFileSync(w, worker('v3'));
    await r.until('worker.lua changed; restarted', at);
    await r.until(/v3 got \d+\n/, at);

    r.child.kill('SIGINT');
    expect(await r.exited).toBe(130);
    expect(r.stderr()).not.toContain('feed.js changed');
    const got = received(r.stdout());
    // every number once, in order: nothing lost while a version was replaced
    expect(got.map((g) => g.n)).toEqual(got.map((_, i) => i + 1));
    expect([...new Set(got.map((g) => g.version))]).toEqual(['v1', 'v2', 'v3']);
    // only the worker was ever restarted
    expect(r.stderr().match(/changed; restarted/g)).toHaveLength(2);
  });

  it('restarts a JS script that had ended when its file is saved again, and says it in JSON', async () => {
    const s = path.join(dir, 'once.js');
    writeFileSync(s, "console.log('first');\n");
    running = await startCli(['run', '--watch', '--json', s], '"text":"first"');
    const r = running;
    await r.until('"type":"result"');
    let at = r.mark();
    writeFileSync(s, 'console.log(;\n');
    await r.until(/"type":"watch","script":"once\.js","restarted":false,"reason":"line 1: SCRIPT_ERROR: [^"]+"/, at);
    at = r.mark();
    writeFileSync(s, "console.log('second');\n");
    await r.until('{"type":"watch","script":"once.js","restarted":true}', at);
    await r.until('"text":"second"', at);
    r.child.kill('SIGINT');
    expect(await r.exited).toBe(130);
  });

  it('refuses a watched run naming a missing script before running anything, and --watch given a value', async () => {
    writeFileSync(path.join(dir, 'pub.lua'), 'Event.publish("x", 1)\nprint("ran")\n');
    const missing = await crosstalk(['run', '--watch', '--store', 'sqlite:out.db', '--persist', '**', 'pub.lua', 'nosuch.lua'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read nosuch.lua: no such file');
    expect(missing.stdout).toBe('');
    const valued = await crosstalk(['run', '--watch=sometimes', '--store', 'sqlite:out.db', '--persist', '**', 'pub.lua'], { cwd: dir });
    expect(valued.code).toBe(2);
    expect(valued.stderr).toMatch(/--watch/);
    expect(valued.stdout).toBe('');
    expect(readdirSync(dir)).toEqual(['pub.lua']);
  });
});

describe('crosstalk run --no-barrier', () => {
  it('starts each script on its own; --barrier takes no value', async () => {
    writeFileSync(path.join(dir, 'a.lua'), 'print("a")\n');
    writeFileSync(path.join(dir, 'b.js'), 'console.log("b")\n');
    const off = await crosstalk(['run', '--no-barrier', 'a.lua', 'b.js'], { cwd: dir });
    expect(off.code).toBe(0);
    expect(off.stdout.split('\n').sort()).toEqual(['', '[a.lua] a', '[b.js] b']);
    const bad = await crosstalk(['run', '--barrier=later', 'a.lua'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('crosstalk run: INVALID_OPTION: --barrier takes no value (or =true, =false), got "later"\n');
    expect(bad.stdout).toBe('');
  });
});

describe('crosstalk run -- arguments, and what a script returns', () => {
  it('gives every script the words after -- (Lua arg and ..., JS args) and prints what each returned', async () => {
    writeFileSync(path.join(dir, 'a.lua'), 'print(#arg, arg[1], arg[2], select("#", ...))\nreturn {count = #arg, first = arg[1]}\n');
    writeFileSync(path.join(dir, 'b.js'), "console.log(JSON.stringify(args));\nreturn args.length * 10;\n");
    const r = await crosstalk(['run', 'a.lua', 'b.js', '--', 'x', '--y', '3'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').sort();
    expect(lines).toEqual(['[a.lua] 3\tx\t--y\t3', '[a.lua] {"count":3,"first":"x"}', '[b.js] 30', '[b.js] ["x","--y","3"]'].sort());
  });

  it('puts the returned value in the JSON result, and fails a script whose value is not JSON', async () => {
    writeFileSync(path.join(dir, 'ok.lua'), 'return {1, 2, "three"}\n');
    writeFileSync(path.join(dir, 'bad.js'), 'return () => 1;\n');
    const r = await crosstalk(['run', '--json', 'ok.lua', 'bad.js'], { cwd: dir });
    expect(r.code).toBe(1);
    const results = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; script?: string; ok?: boolean; value?: unknown; error?: { code: string; message: string } })
      .filter((o) => o.type === 'result');
    const ok = results.find((o) => o.script === 'ok.lua')!;
    expect(ok).toMatchObject({ ok: true, value: [1, 2, 'three'] });
    const bad = results.find((o) => o.script === 'bad.js')!;
    expect(bad.ok).toBe(false);
    expect(bad.error?.code).toBe('INVALID_DATA');
    expect(bad.error?.message).toBe('return value is a function, which JSON cannot carry');
  });

  it('without --, a script has no arguments', async () => {
    writeFileSync(path.join(dir, 'n.lua'), 'print(#arg, select("#", ...))\n');
    const r = await crosstalk(['run', 'n.lua'], { cwd: dir });
    expect(r.stdout).toBe('0\t0\n');
    expect(readFileSync(path.join(dir, 'n.lua'), 'utf8')).toContain('print');
  });
});
