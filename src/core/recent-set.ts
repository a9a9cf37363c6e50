/**
 * A set that remembers only its newest entries, in two generations: when the
 * current one holds `half` entries it becomes the old one and the older is
 * dropped. O(1) eviction with no per-entry bookkeeping; an entry is kept for
 * at least `half` and at most `2 × half` later additions.
 */
export class RecentSet<T> {
  private now = new Set<T>();
  private old = new Set<T>();

  constructor(private readonly half: number) {}

  has(v: T): boolean {
    return this.now.has(v) || this.old.has(v);
  }

  add(v: T): void {
    if (this.now.size >= this.half) {
      this.old = this.now;
      this.now = new Set();
    }
    this.now.add(v);
  }
}
