/**
 * The host's side of an isolate's outbox (layout in guest/protocol.ts; the
 * writer is guest/outbox.ts): reads the regions the isolate handed over, in
 * the order it handed them, and frees each once its events are published.
 * After the isolate is gone it also reads what the isolate committed but
 * never handed over, so no publish whose id the script was given is lost.
 */
import {
  CTL_CURRENT,
  CTL_INTS,
  ctlCount,
  ctlLength,
  ctlState,
  REGION_CHARS,
  REGION_FREE,
  REGION_HANDED,
  SHARED_BYTES,
} from '../guest/protocol.js';

const utf16 = new TextDecoder('utf-16le');

export interface Region {
  /** the JSON text of an array of event inits */
  json: string;
  /** the host is done with it: the isolate may write into it again */
  release(): void;
}

export class OutboxReader {
  readonly shared = new SharedArrayBuffer(SHARED_BYTES);
  readonly ctl = new Int32Array(this.shared, 0, CTL_INTS);
  private readonly bytes = new Uint8Array(this.shared, CTL_INTS * 4, 2 * REGION_CHARS * 2);
  /** the region the isolate hands over next */
  private expected = 0;

  private read(r: number): string {
    const chars = Math.max(0, Math.min(Atomics.load(this.ctl, ctlLength(r)), REGION_CHARS));
    // copied out first: the decoder must not see memory the isolate may write
    const copy = this.bytes.slice(r * REGION_CHARS * 2, (r * REGION_CHARS + chars) * 2);
    return `[${utf16.decode(copy)}]`;
  }

  private free(r: number): void {
    Atomics.store(this.ctl, ctlLength(r), 0);
    Atomics.store(this.ctl, ctlCount(r), 0);
    Atomics.store(this.ctl, ctlState(r), REGION_FREE);
  }

  /** The next region the isolate handed over, or null. Take them one at a time, releasing each. */
  next(): Region | null {
    const r = this.expected;
    if (Atomics.load(this.ctl, ctlState(r)) !== REGION_HANDED) return null;
    this.expected = 1 - r;
    return { json: this.read(r), release: () => this.free(r) };
  }

  /**
   * The isolate is gone: what it committed in the region it was filling
   * (after every handed region has been taken with `next`), or null.
   */
  leftover(): Region | null {
    const r = Atomics.load(this.ctl, CTL_CURRENT) === 1 ? 1 : 0;
    if (Atomics.load(this.ctl, ctlState(r)) !== REGION_FREE || Atomics.load(this.ctl, ctlCount(r)) === 0) return null;
    return { json: this.read(r), release: () => this.free(r) };
  }
}
