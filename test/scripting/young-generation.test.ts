/**
 * The young generation of script isolates (docs/scripts.md "Sandbox and limits"):
 * sized from the script's memory limit for its own isolate only.
 */
import ivm from 'isolated-vm';
import { describe, expect, it } from 'vitest';
import { createIsolate, semiSpaceMb } from '../../src/scripting/isolate/young-generation.js';

const MB = 1024 * 1024;

describe('script isolates’ young generation', () => {
  it('is a sixteenth of the memory limit per semi-space, at most 16 MB, never below isolated-vm’s own', () => {
    expect(semiSpaceMb(128)).toBe(8);
    expect(semiSpaceMb(256)).toBe(16);
    expect(semiSpaceMb(4096)).toBe(16);
    expect(semiSpaceMb(16)).toBe(1);
    expect(semiSpaceMb(8)).toBe(0);
  });

  it('applies to the isolate it makes and to no isolate made after it', () => {
    // isolated-vm's heap size limit is the memory limit plus the young generation's room
    const limitOf = (i: ivm.Isolate) => {
      try {
        return i.getHeapStatisticsSync().heap_size_limit / MB;
      } finally {
        i.dispose();
      }
    };
    const sized = limitOf(createIsolate({ memoryLimit: 128 }));
    const plain = limitOf(new ivm.Isolate({ memoryLimit: 128 }));
    expect(sized).toBeGreaterThanOrEqual(128 + 3 * 8);
    expect(plain).toBeLessThan(128 + 3 * 8);
  });
});
