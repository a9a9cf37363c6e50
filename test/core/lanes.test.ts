/**
 * The priority queue of a subscription (docs/coordination.md "Priorities"): receive order
 * and eviction checked against a model — a list sorted by (rank, arrival).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LaneQueue, PRIORITY_RANK } from '../../src/core/lanes.js';
import type { Priority, UniversalEvent } from '../../src/index.js';

const PRIOS: Priority[] = ['critical', 'high', 'normal', 'low'];
let seq = 0;
const ev = (priority: Priority): UniversalEvent =>
  ({ id: String(++seq), event_type: 't', timestamp: '', version: '1.0', sequence: seq, source: {}, data: null, metadata: {}, priority }) as never;

type Op = { k: 'push'; p: Priority; strategy: 'drop_oldest' | 'drop_newest' } | { k: 'shift' };

/** The model: queued events sorted by (rank, arrival); full queues evict from the lowest rank. */
class Model {
  items: UniversalEvent[] = [];
  constructor(
    readonly capacity: number,
    readonly fifo: boolean,
  ) {}
  private rank(e: UniversalEvent): number {
    return this.fifo ? 0 : PRIORITY_RANK[e.priority];
  }
  private order(): UniversalEvent[] {
    return [...this.items].sort((a, b) => this.rank(a) - this.rank(b) || a.sequence - b.sequence);
  }
  /** what is evicted (null: e itself is dropped) */
  push(e: UniversalEvent, newest: boolean): UniversalEvent | null | undefined {
    if (this.items.length < this.capacity) {
      this.items.push(e);
      return undefined;
    }
    const lowest = Math.max(...this.items.map((x) => this.rank(x)));
    const r = this.rank(e);
    if (r > lowest || (r === lowest && newest)) return null;
    const lane = this.order().filter((x) => this.rank(x) === lowest);
    const victim = newest ? lane[lane.length - 1]! : lane[0]!;
    this.items = this.items.filter((x) => x !== victim);
    this.items.push(e);
    return victim;
  }
  shift(): UniversalEvent | undefined {
    const first = this.order()[0];
    if (first) this.items = this.items.filter((x) => x !== first);
    return first;
  }
}

describe('LaneQueue', () => {
  it('receives critical, high, normal, low, each in arrival order', () => {
    const q = new LaneQueue(100);
    const es = ['low', 'normal', 'critical', 'high', 'normal', 'critical', 'low'].map((p) => ev(p as Priority));
    for (const e of es) q.push(e);
    expect(q.takeAll().map((e) => `${e.priority}${e.sequence - es[0]!.sequence}`)).toEqual([
      'critical2', 'critical5', 'high3', 'normal1', 'normal4', 'low0', 'low6',
    ]);
  });

  it('an event already queued is overtaken by a later one of higher priority, not by a taken one', () => {
    const q = new LaneQueue(10);
    const a = ev('normal');
    const b = ev('normal');
    q.push(a);
    q.push(b);
    expect(q.shift()).toBe(a);
    const c = ev('critical');
    q.push(c);
    expect(q.takeAll()).toEqual([c, b]);
  });

  it('agrees with the model under random pushes, shifts and both drop strategies', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.boolean(),
        fc.array(
          fc.oneof(
            fc.record({ k: fc.constant('push' as const), p: fc.constantFrom(...PRIOS), strategy: fc.constantFrom('drop_oldest' as const, 'drop_newest' as const) }),
            fc.constant({ k: 'shift' as const }),
          ),
          { maxLength: 60 },
        ),
        (capacity, fifo, ops: Op[]) => {
          const q = new LaneQueue(capacity, fifo);
          const m = new Model(capacity, fifo);
          for (const o of ops) {
            if (o.k === 'shift') expect(q.shift()).toBe(m.shift());
            else {
              const e = ev(o.p);
              const want = m.push(e, o.strategy === 'drop_newest');
              if (want === undefined) {
                expect(q.full).toBe(false);
                q.push(e);
              } else {
                expect(q.full).toBe(true);
                const victim = q.evictFor(e, o.strategy === 'drop_newest');
                expect(victim).toBe(want);
                if (victim !== null) q.push(e);
              }
            }
            expect(q.length).toBe(m.items.length);
          }
          expect(q.takeAll()).toEqual(m.items.length ? [...m.items].sort((a, b) => (fifo ? 0 : PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority]) || a.sequence - b.sequence) : []);
        },
      ),
      { numRuns: 500 },
    );
  });
});
