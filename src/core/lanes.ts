/**
 * A subscription's queue with priorities (docs/coordination.md "Priorities"): one FIFO
 * lane per priority, `critical` received first, then `high`, `normal`,
 * `low`; publish order within a lane. The bound counts every lane together.
 *
 * Most queues only ever see one priority, so the queue is itself the ring
 * buffer of one lane (`main`, for the priority it saw first while empty) and
 * makes the other lanes only when an event of another priority arrives.
 * While every queued event is in `main`, push and shift cost one comparison
 * more than a plain ring buffer (the core bench's publish → receive figure
 * depends on it; the ring code is RingQueue's, inlined here for that reason).
 */
import type { Priority, UniversalEvent } from './event.js';
import { DROPS_ANY } from './fanout.js';
import { RingQueue } from './queue.js';

const INITIAL_SLOTS = 16;
const SHRINK_ABOVE = 1 << 16;

/** 0 is received first. */
export const PRIORITY_RANK: Readonly<Record<Priority, number>> = { critical: 0, high: 1, normal: 2, low: 3 };
const LANES = 4;

export class LaneQueue {
  // what `full` and a push read come first (after capacity and fifo): a
  // publish to many subscriptions reads each one's queue cold
  private count = 0;
  /** events outside the main lane */
  private others = 0;
  private mainPriority: Priority = 'normal';
  // the main lane's ring
  private buf: (UniversalEvent | undefined)[];
  private head = 0;
  private mask: number;
  private mainRank = PRIORITY_RANK.normal;
  /** lanes by rank for priorities other than mainPriority; null until one is needed */
  private lanes: (RingQueue<UniversalEvent> | null)[] | null = null;

  /** `fifo`: one lane, publish order whatever the priority (`ordering: 'publish'`). */
  constructor(
    readonly capacity: number,
    private readonly fifo = false,
  ) {
    const slots = Math.min(INITIAL_SLOTS, nextPow2(capacity));
    this.buf = new Array(slots);
    this.mask = slots - 1;
  }

  get length(): number {
    return this.count + this.others;
  }

  get full(): boolean {
    return this.count + this.others >= this.capacity;
  }

  /**
   * What a full drop_newest queue drops as it stands (fanout.ts `mark`): with
   * every event in the main lane, an event of that priority (or, in publish
   * order, any event) is dropped without changing the queue. 0 otherwise.
   */
  get dropMark(): number {
    if (this.others > 0 || this.count === 0) return 0;
    return this.fifo ? DROPS_ANY : this.mainRank + 1;
  }

  /** Appends to its priority's lane; the caller guarantees `!full`. */
  push(e: UniversalEvent): void {
    if (e.priority !== this.mainPriority && !this.fifo) {
      if (this.others > 0 || this.count > 0) return this.pushOther(e);
      // an empty queue takes the new priority as its main lane: a queue that
      // only sees `low` events stays on the fast path too
      this.mainPriority = e.priority;
      this.mainRank = PRIORITY_RANK[e.priority];
    }
    if (this.count === this.buf.length) this.grow();
    this.buf[(this.head + this.count) & this.mask] = e;
    this.count++;
  }

  private pushOther(e: UniversalEvent): void {
    const lanes = (this.lanes ??= new Array<RingQueue<UniversalEvent> | null>(LANES).fill(null));
    const r = PRIORITY_RANK[e.priority];
    (lanes[r] ??= new RingQueue(this.capacity)).push(e);
    this.others++;
  }

  /** The next event to receive: the oldest of the highest priority queued. */
  shift(): UniversalEvent | undefined {
    return this.others === 0 ? this.shiftMain() : this.shiftMixed();
  }

  private shiftMain(): UniversalEvent | undefined {
    if (this.count === 0) return undefined;
    const e = this.buf[this.head];
    this.buf[this.head] = undefined; // let the event be collected
    this.head = (this.head + 1) & this.mask;
    if (--this.count === 0) {
      this.head = 0;
      if (this.buf.length > SHRINK_ABOVE) this.reset();
    }
    return e;
  }

  /** Removes the newest event of the main lane. */
  private popMain(): UniversalEvent | undefined {
    if (this.count === 0) return undefined;
    const at = (this.head + this.count - 1) & this.mask;
    const e = this.buf[at];
    this.buf[at] = undefined;
    if (--this.count === 0) this.head = 0;
    return e;
  }

  private shiftMixed(): UniversalEvent | undefined {
    const lanes = this.lanes!;
    const mainRank = this.count > 0 ? this.mainRank : LANES;
    for (let r = 0; r < mainRank; r++) {
      const lane = lanes[r];
      if (lane !== null && lane !== undefined && lane.length > 0) {
        this.others--;
        return lane.shift();
      }
    }
    return this.shiftMain();
  }

  /**
   * Makes room for `e` in a full queue by evicting an event of the lowest
   * priority queued: its oldest (`newest` false, drop_oldest) or its newest
   * (drop_newest). Returns the evicted event, or null when `e` itself is the
   * one to drop (its priority is below everything queued, or drop_newest and
   * it is of the lowest priority queued).
   */
  evictFor(e: UniversalEvent, newest: boolean): UniversalEvent | null {
    if (this.others === 0 && (e.priority === this.mainPriority || this.fifo)) {
      return newest ? null : (this.shiftMain() ?? null);
    }
    const mainRank = this.count > 0 ? this.mainRank : -1;
    let lowest = mainRank;
    let lane: RingQueue<UniversalEvent> | null = null;
    if (this.lanes !== null) {
      for (let r = LANES - 1; r > mainRank; r--) {
        const l = this.lanes[r];
        if (l !== null && l !== undefined && l.length > 0) {
          lowest = r;
          lane = l;
          break;
        }
      }
    }
    const rank = PRIORITY_RANK[e.priority];
    if (rank > lowest || (rank === lowest && newest)) return null;
    if (lane === null) return (newest ? this.popMain() : this.shiftMain()) ?? null;
    this.others--;
    return (newest ? lane.pop() : lane.shift()) ?? null;
  }

  /** Every queued event, in the order they would be received; the queue is left empty. */
  takeAll(): UniversalEvent[] {
    const out: UniversalEvent[] = [];
    for (let e = this.shift(); e !== undefined; e = this.shift()) out.push(e);
    return out;
  }

  clear(): void {
    this.reset();
    this.count = 0;
    this.head = 0;
    this.lanes = null;
    this.others = 0;
    this.mainPriority = 'normal';
    this.mainRank = PRIORITY_RANK.normal;
  }

  private reset(): void {
    this.buf = new Array(INITIAL_SLOTS);
    this.mask = INITIAL_SLOTS - 1;
  }

  private grow(): void {
    const old = this.buf;
    const next = new Array<UniversalEvent | undefined>(old.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = old[(this.head + i) & this.mask];
    this.buf = next;
    this.head = 0;
    this.mask = next.length - 1;
  }
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
