/**
 * The duplicate window: ids are remembered for `windowMs` and at most
 * `maxIds` of them, oldest out first, checked against a model.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DedupWindow } from '../../src/core/dedup.js';

describe('DedupWindow', () => {
  it('forgets an id once its time is up', () => {
    let now = 1000;
    const w = new DedupWindow(100, 50, () => now);
    w.add('a');
    now += 49;
    expect(w.has('a')).toBe(true);
    now += 1;
    expect(w.has('a')).toBe(false);
    expect(w.size).toBe(0);
  });

  it('holds at most maxIds, dropping the oldest', () => {
    const w = new DedupWindow(3, Infinity, () => 0);
    for (const id of ['a', 'b', 'c', 'd']) w.add(id);
    expect(['a', 'b', 'c', 'd'].map((id) => w.has(id))).toEqual([false, true, true, true]);
    expect(w.size).toBe(3);
  });

  it('agrees with a model over random adds, checks and time steps', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.oneof(fc.record({ add: fc.integer({ min: 0, max: 9 }) }), fc.record({ wait: fc.integer({ min: 0, max: 10 }) }))),
        (maxIds, windowMs, ops) => {
          let now = 0;
          const w = new DedupWindow(maxIds, windowMs, () => now);
          // the model: every add as [id, time], the window is the last maxIds of them within windowMs
          const model: [string, number][] = [];
          const inModel = (id: string) => model.slice(-maxIds).some(([m, t]) => m === id && now - t < windowMs);
          for (const op of ops) {
            if ('wait' in op) now += op.wait;
            else {
              const id = String(op.add);
              expect(w.has(id)).toBe(inModel(id));
              // the bus adds only ids it did not find
              if (!inModel(id)) {
                w.add(id);
                model.push([id, now]);
              }
            }
          }
          for (let i = 0; i < 10; i++) expect(w.has(String(i))).toBe(inModel(String(i)));
        },
      ),
    );
  });
});
