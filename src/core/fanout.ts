/**
 * The bus's delivery targets by slot, and what a publish needs to know about
 * each one without reading it.
 *
 * The router holds slot numbers, not targets: an answer is a dense array of
 * small integers. With 100,000 subscriptions a matched subscription is
 * rarely in the CPU's caches, and reading it costs a cache miss or two (its
 * object, its queue). Most of the time at such scale a queue is full
 * (`drop_newest`: the event is dropped and counted, nothing else happens),
 * so each slot has one byte, `mark`, that says so: a publish reads the byte
 * (100,000 of them fit in the CPU's caches), counts the drop in `skipped`
 * and never touches the subscription. The subscription keeps its mark up to
 * date as its queue fills and empties, and adds `skipped` to its counters
 * (docs/event-api.md "Subscribing": `dropped`, `total_received`).
 */
import type { DeliveryTarget } from './target.js';

/** A mark for events of every priority (a queue with `ordering: 'publish'`). */
export const DROPS_ANY = 5;

export class FanOut {
  /** the target in each slot; null for a free slot */
  targets: (DeliveryTarget | null)[] = [];
  /**
   * Per slot: 0, or what a full `drop_newest` queue with no filter drops as
   * it stands: events of priority rank r (PRIORITY_RANK) when the mark is
   * r + 1, every event when DROPS_ANY.
   */
  mark = new Uint8Array(64);
  /** per slot: events dropped by a publish through the mark, not yet in the target's own counters */
  skipped = new Float64Array(64);
  /** fan-outs under way (an offer can run code that subscribes or unsubscribes) */
  depth = 0;
  private free: number[] = [];
  /** slots freed while a fan-out ran: answers it still walks may name them */
  private freedDuring: number[] = [];

  /** Gives `target` a slot; its mark starts as the target's own. */
  add(target: DeliveryTarget): number {
    if (this.depth === 0 && this.freedDuring.length > 0) {
      for (const s of this.freedDuring) this.free.push(s);
      this.freedDuring = [];
    }
    const slot = this.free.length > 0 ? this.free.pop()! : this.targets.length;
    if (slot === this.targets.length) {
      this.targets.push(null);
      if (slot >= this.mark.length) this.grow();
    }
    this.targets[slot] = target;
    this.skipped[slot] = 0;
    target.slot = slot;
    this.mark[slot] = target.dropMark;
    return slot;
  }

  /** Frees the target's slot; what was skipped for it goes to its own counters. */
  remove(target: DeliveryTarget): void {
    const slot = target.slot;
    if (slot < 0 || this.targets[slot] !== target) return;
    const n = this.skipped[slot]!;
    this.skipped[slot] = 0;
    this.mark[slot] = 0;
    this.targets[slot] = null;
    target.slot = -1;
    if (n > 0) target.foldSkipped(n);
    // a slot given to another target while a fan-out still walks an answer naming it would deliver there
    (this.depth === 0 ? this.free : this.freedDuring).push(slot);
  }

  private grow(): void {
    const mark = new Uint8Array(this.mark.length * 2);
    mark.set(this.mark);
    const skipped = new Float64Array(this.skipped.length * 2);
    skipped.set(this.skipped);
    this.mark = mark;
    this.skipped = skipped;
  }
}
