/**
 * The isolate's side of the outbox (layout in protocol.ts): batched
 * publishes are written as JSON text into shared memory as they are made.
 * Two regions alternate: the isolate fills one while the host publishes the
 * other. A region is the isolate's while FREE and the host's once HANDED;
 * the host frees it when it has published it. An event is committed (the
 * host may read it) when its region's length is stored after its text.
 */
import {
  BATCH_MAX_EVENTS,
  CTL_CURRENT,
  CTL_INTS,
  ctlCount,
  ctlLength,
  ctlState,
  REGION_CHARS,
  REGION_FREE,
  REGION_HANDED,
} from './protocol.js';
import { atomicsLoad, atomicsStore, charCodeAt } from './intrinsics.js';

export class Outbox {
  private readonly ctl: Int32Array;
  private readonly text: Uint16Array;
  /** the region being filled, its write position and event count (mirrors of the shared slots) */
  private cur = 0;
  private pos = 0;
  private count = 0;
  private base = 0;

  constructor(shared: SharedArrayBuffer) {
    this.ctl = new Int32Array(shared, 0, CTL_INTS);
    this.text = new Uint16Array(shared, CTL_INTS * 4, 2 * REGION_CHARS);
  }

  /** Events written and not yet handed over. */
  get pending(): number {
    return this.count;
  }

  /** True when the region the isolate would write into next is still the host's. */
  get blocked(): boolean {
    return atomicsLoad(this.ctl, ctlState(this.cur)) !== REGION_FREE;
  }

  /**
   * Makes room for an event of `chars` characters: false when the current
   * region cannot take it (full: hand it over first), or it could never fit
   * (publish it on its own).
   */
  fits(chars: number): boolean {
    return this.count < BATCH_MAX_EVENTS && this.pos + chars + 1 <= REGION_CHARS;
  }

  /** Whether an event of `chars` characters fits in a region at all. */
  static fitsRegion(chars: number): boolean {
    return chars + 1 <= REGION_CHARS;
  }

  /** Starts an event (the separator when it is not the first of its region). */
  begin(): void {
    if (this.count > 0) this.text[this.base + this.pos++] = 44; // ','
  }

  /** Writes text of the event being made. */
  put(s: string): void {
    const t = this.text;
    let o = this.base + this.pos;
    const n = s.length;
    for (let i = 0; i < n; i++) t[o++] = charCodeAt(s, i);
    this.pos += n;
  }

  /** The event is complete: the host may read it from now on. */
  commit(): void {
    this.count++;
    atomicsStore(this.ctl, ctlCount(this.cur), this.count);
    atomicsStore(this.ctl, ctlLength(this.cur), this.pos);
  }

  /**
   * Hands the current region to the host (when it holds events) and moves
   * to the other one. Returns true when it handed one over. The other region
   * may still be the host's: check `blocked` before writing.
   */
  handOver(): boolean {
    if (this.count === 0) return false;
    atomicsStore(this.ctl, ctlState(this.cur), REGION_HANDED);
    this.cur = 1 - this.cur;
    this.base = this.cur * REGION_CHARS;
    this.pos = 0;
    this.count = 0;
    atomicsStore(this.ctl, CTL_CURRENT, this.cur);
    return true;
  }
}
