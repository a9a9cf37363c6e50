/** `crosstalk bench` refuses bad input before running anything. */
import { describe, expect, it } from 'vitest';
import { crosstalk } from '../setup/cli.js';

describe('crosstalk bench', () => {
  it('names an unknown suite and exits 2', async () => {
    const r = await crosstalk(['bench', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown suite "nope"; suites are core, lua, js, store, nats, coordination');
  });

  it.each([['0'], ['-1'], ['1.5']])('refuses --runs %s', async (runs) => {
    const r = await crosstalk(['bench', 'core', '--runs', runs]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Expected --runs to be a whole number >= 1');
  });
});
