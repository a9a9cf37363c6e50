/**
 * The duplicate window (docs/coordination.md "Deduplication"): ids publishers supplied
 * lately, bounded by count and by age, like a JetStream stream's duplicate
 * window. A publish naming an id still in the window is a duplicate.
 *
 * Ids sit in a ring in arrival order beside a Map from id to arrival time,
 * so the oldest falls out in O(1) when the ring is full or its time is up:
 * memory never exceeds `maxIds` entries.
 */
export class DedupWindow {
  private ids: (string | undefined)[] = [];
  private times: number[] = [];
  /** ring slots allocated: grows by doubling up to maxIds, so an idle bus holds nothing */
  private slots = 0;
  private readonly seen = new Map<string, number>();
  private head = 0;
  private count = 0;

  constructor(
    readonly maxIds: number,
    /** how long an id is remembered; Infinity: until `maxIds` newer ones push it out */
    readonly windowMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  get size(): number {
    return this.count;
  }

  has(id: string): boolean {
    if (this.count === 0) return false;
    const at = this.seen.get(id);
    if (at === undefined) return false;
    if (this.clock() - at < this.windowMs) return true;
    this.expire();
    return false;
  }

  add(id: string): void {
    const now = this.clock();
    if (this.count > 0) this.expire(now);
    if (this.count === this.maxIds) this.dropOldest();
    else if (this.count === this.slots) this.grow();
    const at = (this.head + this.count) % this.slots;
    this.ids[at] = id;
    this.times[at] = now;
    this.count++;
    // an id added again (after its first entry aged out) keeps its newest time
    this.seen.set(id, now);
  }

  /** Drops ids older than the window, oldest first. */
  private expire(now = this.clock()): void {
    const limit = now - this.windowMs;
    while (this.count > 0 && this.times[this.head]! <= limit) this.dropOldest();
  }

  private dropOldest(): void {
    const id = this.ids[this.head]!;
    // a later entry of the same id owns the map entry
    if (this.seen.get(id) === this.times[this.head]) this.seen.delete(id);
    this.ids[this.head] = undefined;
    this.head = (this.head + 1) % this.slots;
    this.count--;
  }

  private grow(): void {
    const slots = Math.min(this.maxIds, Math.max(1024, this.slots * 2));
    const ids: (string | undefined)[] = new Array(slots);
    const times: number[] = new Array(slots).fill(0);
    for (let i = 0; i < this.count; i++) {
      ids[i] = this.ids[(this.head + i) % this.slots];
      times[i] = this.times[(this.head + i) % this.slots]!;
    }
    this.ids = ids;
    this.times = times;
    this.slots = slots;
    this.head = 0;
  }
}
