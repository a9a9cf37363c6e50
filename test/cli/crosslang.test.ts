/**
 * `crosstalk run` with Lua and JS scripts together, through the real CLI
 * (bin/crosstalk.js on the built dist/): a Lua producer feeds a JS consumer
 * and the other way round; a failing script makes the exit status non-zero
 * and is named with its line.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { crosstalk, ROOT } from '../setup/cli.js';

const FIXTURES = path.join(ROOT, 'test/fixtures/crosslang');



const fixture = (name: string) => path.join(FIXTURES, name);

/** The CLI prints each script's lines as `[script] text`. */
function printed(out: string, script: string, text: string): boolean {
  return out.split('\n').includes(`[${script}] ${text}`);
}

describe('crosstalk run, Lua and JS together', () => {
  it('producer.lua → consumer.js', async () => {
    const r = await crosstalk(['run', '--store', 'memory', fixture('producer.lua'), fixture('consumer.js')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(printed(r.stdout, 'producer.lua', 'produced 5')).toBe(true);
    expect(printed(r.stdout, 'consumer.js', 'consumed 1,2,3,4,5 from xl')).toBe(true);
  });

  it('producer.js → consumer.lua', async () => {
    const r = await crosstalk(['run', '--store', 'memory', fixture('producer.js'), fixture('consumer.lua')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(printed(r.stdout, 'producer.js', 'produced 5')).toBe(true);
    expect(printed(r.stdout, 'consumer.lua', 'consumed 1,2,3,4,5 from xl')).toBe(true);
  });

  it('a failing JS script makes the run fail, named with its line; the other script still runs', async () => {
    const r = await crosstalk(['run', '--store', 'memory', fixture('fails.js'), fixture('producer.lua'), fixture('consumer.js')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^fails\.js:3: UNKNOWN_SUBSCRIPTION: no subscription "not-a-subscription"/m);
    // the traceback shows the script's frames, not the binding's
    expect(r.stderr).toMatch(/at fails\.js:3:\d+/);
    expect(r.stderr).not.toMatch(/crosstalk:[a-z]+-runtime/);
    expect(printed(r.stdout, 'consumer.js', 'consumed 1,2,3,4,5 from xl')).toBe(true);
  });

  it('--timeout and --memory-limit reach JS scripts', async () => {
    const spin = await crosstalk(['run', '--store', 'memory', '--timeout', '300', fixture('spin.js')]);
    expect(spin.code).toBe(1);
    expect(spin.stderr).toMatch(/^spin\.js: SCRIPT_TIMEOUT: spin\.js ran \d+ ms of CPU without waiting; its CPU limit is 300 ms/m);
    const hog = await crosstalk(['run', '--store', 'memory', '--memory-limit', '16', fixture('hog.js')]);
    expect(hog.code).toBe(1);
    expect(hog.stderr).toMatch(/^hog\.js: SCRIPT_MEMORY: hog\.js exceeded its memory limit of 16 MB/m);
  });
});
