/**
 * The Lua cookbook scripts run together and print what they promise.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBus } from '../setup/bus.js';
import { runScripts } from '../../src/scripting/host.js';

const DIR = path.resolve(__dirname, '../../cookbook/lua');

async function runTogether(names: string[]): Promise<{ ok: boolean[]; out: string[] }> {
  const bus = createBus();
  const out: string[] = [];
  // together as `crosstalk run` starts them: behind one start barrier, so no publish races a subscription
  const results = await runScripts(
    bus,
    names.map((name) => ({ name, source: readFileSync(path.join(DIR, name), 'utf8') })),
    { limits: { cpuLimitMs: 10_000, memoryLimitMb: 16 }, output: (script, text) => out.push(`${script}: ${text}`) },
  );
  await bus.close();
  return { ok: results.map((r) => r.ok), out };
}

describe('cookbook/lua', () => {
  it('pay.lua and audit.lua (the quick start)', async () => {
    const { ok, out } = await runTogether(['pay.lua', 'audit.lua']);
    expect(ok).toEqual([true, true]);
    expect(out.filter((l) => l.startsWith('pay.lua: paid A-'))).toHaveLength(4);
    expect(out).toEqual(
      expect.arrayContaining([
        'audit.lua: flagged A-1002 (180.00 EUR)',
        'audit.lua: flagged A-1004 (120.00 USD)',
        'audit.lua: audited EUR: 222.50',
        'audit.lua: audited USD: 129.99',
        'audit.lua: audited 4 orders',
      ]),
    );
  });

  it('big_spenders.lua next to them', async () => {
    const { ok, out } = await runTogether(['big_spenders.lua', 'pay.lua', 'audit.lua']);
    expect(ok).toEqual([true, true, true]);
    expect(out).toEqual(
      expect.arrayContaining([
        'big_spenders.lua: big spender: grace paid 180.00 EUR',
        'big_spenders.lua: big spender: ada paid 120.00 USD',
        'big_spenders.lua: 2 payments in EUR; 2 filtered out',
        'big_spenders.lua: as expected: INVALID_EVENT_TYPE',
      ]),
    );
  });
});
