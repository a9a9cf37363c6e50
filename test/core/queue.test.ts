/**
 * The bounded ring queue: FIFO order through growth and wrap-around, the
 * bound, and giving memory back when a big queue empties.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RingQueue } from '../../src/internal.js';

/** Slots currently allocated (internal; for the growth and shrink checks). */
const slots = (q: RingQueue<unknown>) => (q as unknown as { buf: unknown[] }).buf.length;

describe('RingQueue', () => {
  it('is FIFO and bounded', () => {
    const q = new RingQueue<number>(3);
    expect(q.length).toBe(0);
    expect(q.full).toBe(false);
    expect(q.shift()).toBeUndefined();
    expect(q.peek()).toBeUndefined();
    q.push(1);
    q.push(2);
    q.push(3);
    expect(q.full).toBe(true);
    expect(q.length).toBe(3);
    expect(q.peek()).toBe(1);
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual([1, 2, 3, undefined]);
    expect(q.full).toBe(false);
  });

  it('works with a capacity of one', () => {
    const q = new RingQueue<string>(1);
    for (const s of ['a', 'b', 'c']) {
      q.push(s);
      expect(q.full).toBe(true);
      expect(q.shift()).toBe(s);
      expect(q.length).toBe(0);
    }
  });

  it('starts small and grows by doubling up to the bound', () => {
    const q = new RingQueue<number>(10_000);
    expect(slots(q)).toBe(16);
    for (let i = 0; i < 17; i++) q.push(i);
    expect(slots(q)).toBe(32);
    for (let i = 17; i < 10_000; i++) q.push(i);
    expect(q.full).toBe(true);
    expect(slots(q)).toBe(16_384);
    for (let i = 0; i < 10_000; i++) expect(q.shift()).toBe(i);
  });

  it('keeps order when it grows while wrapped around', () => {
    const q = new RingQueue<number>(1000);
    let next = 0;
    let expected = 0;
    // move the head to the middle of the 16 slots, then fill past them
    for (let i = 0; i < 10; i++) q.push(next++);
    for (let i = 0; i < 7; i++) expect(q.shift()).toBe(expected++);
    for (let i = 0; i < 40; i++) q.push(next++);
    expect(slots(q)).toBe(64);
    while (q.length > 0) expect(q.shift()).toBe(expected++);
    expect(expected).toBe(next);
  });

  it('wraps around many times without growing', () => {
    const q = new RingQueue<number>(5);
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 1000; round++) {
      while (!q.full) q.push(next++);
      expect(q.shift()).toBe(expected++);
      expect(q.shift()).toBe(expected++);
    }
    expect(slots(q)).toBe(8);
    while (q.length > 0) expect(q.shift()).toBe(expected++);
  });

  it('gives a big buffer back once emptied, and still works', () => {
    const q = new RingQueue<number>(200_000);
    for (let i = 0; i < 70_000; i++) q.push(i);
    expect(slots(q)).toBe(131_072);
    for (let i = 0; i < 69_999; i++) q.shift();
    expect(slots(q)).toBe(131_072); // not while anything is left
    expect(q.shift()).toBe(69_999);
    expect(slots(q)).toBe(16);
    for (let i = 0; i < 100; i++) q.push(i);
    for (let i = 0; i < 100; i++) expect(q.shift()).toBe(i);
  });

  it('clear() empties and resets', () => {
    const q = new RingQueue<number>(100);
    for (let i = 0; i < 50; i++) q.push(i);
    q.shift();
    q.clear();
    expect(q.length).toBe(0);
    expect(q.shift()).toBeUndefined();
    q.push(7);
    expect(q.peek()).toBe(7);
    expect(q.length).toBe(1);
  });

  it('drops its reference to a shifted item', () => {
    const q = new RingQueue<object>(4);
    const item = {};
    q.push(item);
    q.shift();
    expect((q as unknown as { buf: unknown[] }).buf.includes(item)).toBe(false);
  });

  it('equals an array model over random pushes and shifts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.array(fc.boolean(), { maxLength: 400 }), (cap, ops) => {
        const q = new RingQueue<number>(cap);
        const model: number[] = [];
        let n = 0;
        for (const push of ops) {
          if (push && model.length < cap) {
            q.push(n);
            model.push(n++);
          } else {
            expect(q.shift()).toBe(model.shift());
          }
          expect(q.length).toBe(model.length);
          expect(q.full).toBe(model.length >= cap);
          expect(q.peek()).toBe(model[0]);
        }
      }),
      { numRuns: 200 },
    );
  });
});
