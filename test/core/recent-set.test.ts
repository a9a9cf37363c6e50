/** RecentSet: remembers at least `half` and at most `2 × half` of the newest entries. */
import { describe, expect, it } from 'vitest';
import { RecentSet } from '../../src/core/recent-set.js';

describe('RecentSet', () => {
  it('keeps every entry for at least half additions and drops it within 2 × half', () => {
    const half = 100;
    const r = new RecentSet<number>(half);
    for (let i = 0; i < 1000; i++) {
      r.add(i);
      // the newest `half` are always there
      for (let k = Math.max(0, i - half + 1); k <= i; k++) expect(r.has(k)).toBe(true);
      // nothing older than 2 × half additions is
      if (i >= 2 * half) expect(r.has(i - 2 * half)).toBe(false);
    }
    expect(r.has(-1)).toBe(false);
  });
});
