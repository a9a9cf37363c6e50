/**
 * A bounded FIFO on a ring buffer. Slots grow by doubling up to the bound, so
 * ten thousand idle subscriptions cost almost nothing, and shift() is O(1)
 * (no array shifting). The backpressure policy lives with the caller: this
 * only answers `full` and does what it is told.
 */
const INITIAL_SLOTS = 16;
/** An emptied queue whose buffer grew past this gives the memory back. */
const SHRINK_ABOVE = 1 << 16;

export class RingQueue<T> {
  private buf: (T | undefined)[];
  private head = 0;
  private count = 0;
  private mask: number;

  constructor(readonly capacity: number) {
    const slots = Math.min(INITIAL_SLOTS, nextPow2(capacity));
    this.buf = new Array(slots);
    this.mask = slots - 1;
  }

  get length(): number {
    return this.count;
  }

  get full(): boolean {
    return this.count >= this.capacity;
  }

  /** Appends; the caller guarantees `!full`. */
  push(item: T): void {
    if (this.count === this.buf.length) this.grow();
    this.buf[(this.head + this.count) & this.mask] = item;
    this.count++;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.buf[this.head];
    this.buf[this.head] = undefined; // let the event be collected
    this.head = (this.head + 1) & this.mask;
    if (--this.count === 0) {
      this.head = 0;
      if (this.buf.length > SHRINK_ABOVE) this.reset();
    }
    return item;
  }

  /** Removes and returns the newest item (drop_newest evicting a lower-priority event). */
  pop(): T | undefined {
    if (this.count === 0) return undefined;
    const at = (this.head + this.count - 1) & this.mask;
    const item = this.buf[at];
    this.buf[at] = undefined;
    if (--this.count === 0) {
      this.head = 0;
      if (this.buf.length > SHRINK_ABOVE) this.reset();
    }
    return item;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.buf[this.head];
  }

  clear(): void {
    this.reset();
    this.count = 0;
    this.head = 0;
  }

  private reset(): void {
    this.buf = new Array(INITIAL_SLOTS);
    this.mask = INITIAL_SLOTS - 1;
  }

  private grow(): void {
    const old = this.buf;
    const next = new Array<T | undefined>(old.length * 2);
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
