/**
 * A script never harms anything but itself: memory bombs, endless loops and
 * pathological patterns, each run through the real CLI next to a script
 * that keeps exchanging events. Only the bad script stops (SCRIPT_MEMORY /
 * SCRIPT_TIMEOUT), the partner finishes its work, and the `crosstalk run`
 * process stays small (its peak RSS is read from /proc while it runs).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../setup/cli.js';

const FX = path.join(ROOT, 'test/fixtures/containment');
const fx = (f: string) => path.join(FX, f);

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  /** peak resident memory of the process, MB (VmHWM, read while it ran) */
  peakMb: number;
  /** JSON Lines of --json, parsed */
  lines: { type: string; script?: string; ok?: boolean; text?: string; duration_ms?: number; error?: { code: string; message: string } }[];
}

function peakOf(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** `crosstalk run --json ...args`, sampling the child's peak RSS until it exits. */
function run(args: string[], killAfterMs = 60_000): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--no-node-snapshot', BIN, 'run', '--json', ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    let peakMb = 0;
    child.stdout.on('data', (b: Buffer) => (stdout += b));
    child.stderr.on('data', (b: Buffer) => (stderr += b));
    const sampler = setInterval(() => (peakMb = Math.max(peakMb, peakOf(child.pid!))), 20);
    const guard = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('exit', (code) => {
      clearInterval(sampler);
      clearTimeout(guard);
      const lines = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Ran['lines'][number]);
      resolve({ code, stdout, stderr, peakMb, lines });
    });
  });
}

const resultOf = (r: Ran, script: string) => r.lines.find((l) => l.type === 'result' && l.script === script);
const printed = (r: Ran, script: string) => r.lines.filter((l) => l.type === 'output' && l.script === script).map((l) => l.text);

describe('memory bombs stop alone, with SCRIPT_MEMORY, and the process stays small', () => {
  it.each(['lua-table-bomb.lua', 'lua-string-doubling.lua', 'js-typed-arrays.js', 'js-string-growth.js'])(
    '%s',
    async (bomb) => {
      // a CPU limit the bomb cannot reach first, even on a loaded machine
      const r = await run(['--memory-limit', '256', '--cpu-limit', '120000', fx(bomb), fx('partner.lua')]);
      expect(resultOf(r, bomb)).toMatchObject({ ok: false, error: { code: 'SCRIPT_MEMORY' } });
      expect(resultOf(r, 'partner.lua')).toMatchObject({ ok: true });
      expect(printed(r, 'partner.lua')).toEqual(['exchanged 300']);
      expect(r.code).toBe(1);
      expect(r.peakMb).toBeGreaterThan(0);
      expect(r.peakMb).toBeLessThan(1024);
    },
    60_000,
  );
});

describe('endless work stops alone, with SCRIPT_TIMEOUT, within the CPU limit plus a second', () => {
  it.each(['lua-loop.lua', 'lua-pattern.lua', 'js-regex.js'])(
    '%s',
    async (hog) => {
      const r = await run(['--cpu-limit', '1000', fx(hog), fx('partner.lua')]);
      const res = resultOf(r, hog);
      expect(res).toMatchObject({ ok: false, error: { code: 'SCRIPT_TIMEOUT' } });
      expect(res!.duration_ms!).toBeLessThan(1000 + 1000 + 500); // start-up included
      expect(printed(r, 'partner.lua')).toEqual(['exchanged 300']);
      expect(r.code).toBe(1);
    },
    60_000,
  );

  it('an idle listener outlives its CPU limit many times over', async () => {
    const r = await run(['--cpu-limit', '200', fx('idle-listener.lua')]);
    expect(resultOf(r, 'idle-listener.lua')).toMatchObject({ ok: true });
    expect(printed(r, 'idle-listener.lua')).toEqual(['still listening\ttrue']);
    expect(r.code).toBe(0);
  }, 30_000);
});

describe('many scripts at once', () => {
  it('100 scripts (50 Lua, 50 JS) exchange events for 20 s: nothing lost, no warning', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'crosstalk-mesh-'));
    const rounds = 20;
    const expected = 100 * rounds;
    const files: string[] = [];
    for (let k = 0; k < 50; k++) {
      const lua = path.join(dir, `mesh${k}.lua`);
      writeFileSync(
        lua,
        `local all = Event.subscribe("mesh.**", {max_queue_size = 20000})
         local nap = Event.subscribe("nap")
         for i = 1, ${rounds} do Event.publish("mesh.lua", {i = i}) Event.receive(nap, 1000) end
         local got = 0
         while got < ${expected} do
           local b = Event.receive_batch(all, {max_events = 1000, timeout_ms = 10000})
           if #b == 0 then break end
           got = got + #b
         end
         print("got " .. got)`,
      );
      const js = path.join(dir, `mesh${k}.js`);
      writeFileSync(
        js,
        `const all = Event.subscribe('mesh.**', { max_queue_size: 20000 });
         const nap = Event.subscribe('nap');
         for (let i = 1; i <= ${rounds}; i++) { Event.publish('mesh.js', { i }); Event.receive(nap, 1000); }
         let got = 0;
         while (got < ${expected}) {
           const b = Event.receiveBatch(all, { max_events: 1000, timeout_ms: 10000 });
           if (b.length === 0) break;
           got += b.length;
         }
         console.log('got ' + got);`,
      );
      files.push(lua, js);
    }
    try {
      // 100 isolates start one after another: past a minute when the machine is shared
      const r = await run(files, 170_000);
      const results = r.lines.filter((l) => l.type === 'result');
      expect(results).toHaveLength(100);
      expect(results.filter((l) => !l.ok)).toEqual([]);
      const got = r.lines.filter((l) => l.type === 'output').map((l) => l.text);
      expect(got).toEqual(Array.from({ length: 100 }, () => `got ${expected}`));
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      // for the record (README figures): the whole run's peak resident memory
      console.info(`100 scripts: peak RSS ${Math.round(r.peakMb)} MB`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
