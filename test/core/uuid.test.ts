import { validate, version } from 'uuid';
import { describe, expect, it } from 'vitest';
import { uuidAt, uuidV4, writeUuids } from '../../src/core/uuid.js';

describe('uuidV4', () => {
  it('makes valid, distinct, lower-case UUID v4 strings across pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const id = uuidV4();
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(5000);
    const sample = uuidV4();
    expect(validate(sample) && version(sample)).toBe(4);
  });

  it('spreads every variable hex digit over all 16 values', () => {
    const counts = Array.from({ length: 36 }, () => new Set<string>());
    for (let i = 0; i < 2000; i++) [...uuidV4()].forEach((c, j) => counts[j]!.add(c));
    const variable = counts.filter((_, j) => ![8, 13, 14, 18, 19, 23].includes(j));
    for (const c of variable) expect(c.size).toBe(16);
  });
});

describe('writeUuids', () => {
  it('writes valid, distinct ids as text at any offset, more than a pool at a time', () => {
    const n = 1300;
    const buf = Buffer.alloc(36 * n + 5, 0x2a);
    writeUuids(buf, 5, n);
    expect(buf.subarray(0, 5).toString('latin1')).toBe('*****');
    const ids = Array.from({ length: n }, (_, k) => uuidAt(buf, 5 + 36 * k));
    for (const id of ids) expect(validate(id) && version(id)).toBe(4);
    expect(new Set(ids).size).toBe(n);
  });
});
