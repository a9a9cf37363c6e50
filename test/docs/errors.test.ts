/**
 * docs/errors.md lists every error code, once, in the order of
 * ERROR_CODES, with the exit status the CLI gives it: 2 exactly for the
 * codes the CLI reports as bad input.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { USAGE_CODES } from '../../src/cli/usage.js';
import { ERROR_CODES } from '../../src/core/errors.js';
import { ROOT } from '../setup/cli.js';

const rows = [...readFileSync(path.join(ROOT, 'docs/errors.md'), 'utf8').matchAll(/^\| `([A-Z_]+)` \| (.+) \| ([12]) \|$/gm)].map((m) => ({
  code: m[1]!,
  why: m[2]!,
  exit: Number(m[3]),
}));

describe('docs/errors.md', () => {
  it('has a row for every error code, in the order of ERROR_CODES, and no other', () => {
    expect(rows.map((r) => r.code)).toEqual([...ERROR_CODES]);
  });

  it('gives each the exit status the CLI uses', () => {
    for (const r of rows) expect({ code: r.code, exit: r.exit }).toEqual({ code: r.code, exit: USAGE_CODES.has(r.code) ? 2 : 1 });
  });

  it('says what raises each', () => {
    for (const r of rows) expect(r.why.length, r.code).toBeGreaterThan(20);
  });
});
