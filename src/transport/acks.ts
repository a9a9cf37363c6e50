/**
 * JetStream acknowledgements in flight, pipelined.
 *
 * A persistent event goes out as a plain publish whose reply subject is
 * `<inbox>.<n>`, n counting up from 0; one wildcard subscription on
 * `<inbox>.*` takes every acknowledgement. That replaces a request per event
 * (nats.js builds two Error objects, a timer and a promise for each request,
 * which capped persistent publishing at ~15k events/s on the benchmark
 * machine) with a slot in a ring: the time the event was sent, indexed by n.
 *
 * One timer watches the oldest unsettled slot: slots are opened in send
 * order, so the oldest is always the next to run out of `timeoutMs`. An ack
 * may come for any slot, in any order; an ack for a slot already settled (a
 * late one after its timeout, or a repeat) is ignored.
 */
const INITIAL_SLOTS = 1024;

/** How an acknowledgement ended: stored, or failed with a reason. */
export type Settle = (ok: boolean, reason: string) => void;

export class AckWindow {
  /** send time per reply number (ring, `mask + 1` slots); 0 once settled */
  private sentAt = new Float64Array(INITIAL_SLOTS);
  private mask = INITIAL_SLOTS - 1;
  /** oldest reply number not yet settled (or `next` when none) */
  private first = 0;
  /** the reply number the next event gets */
  private next = 0;
  /** slots open */
  inflight = 0;
  private timer: NodeJS.Timeout | null = null;
  /** called each time `inflight` drops to zero */
  private idle: (() => void)[] = [];

  constructor(
    private readonly timeoutMs: number,
    private readonly settled: Settle,
  ) {}

  /** Opens a slot for an event about to be sent; returns its reply number. */
  open(): number {
    if (this.next - this.first > this.mask) this.grow();
    const n = this.next++;
    this.sentAt[n & this.mask] = performance.now();
    if (this.inflight++ === 0) this.arm(this.timeoutMs);
    return n;
  }

  /** Takes back the slot just opened by `open()` when the send failed: nothing was sent. */
  cancel(n: number): void {
    if (n !== this.next - 1 || this.sentAt[n & this.mask] === 0) return;
    this.sentAt[n & this.mask] = 0;
    this.next--;
    this.drop();
  }

  /** The acknowledgement for reply number `n` arrived. */
  ack(n: number, ok: boolean, reason: string): void {
    if (n < this.first || n >= this.next || this.sentAt[n & this.mask] === 0) return;
    this.sentAt[n & this.mask] = 0;
    this.drop();
    this.settled(ok, reason);
  }

  /** Fails every open slot at once (the connection is gone: no ack can come). */
  failAll(reason: string): void {
    while (this.inflight > 0) {
      const n = this.first;
      if (this.sentAt[n & this.mask] !== 0) this.ack(n, false, reason);
      else this.first++;
    }
  }

  /** Resolves when no acknowledgement is outstanding. */
  whenIdle(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** One slot fewer open; moves `first` past settled slots. */
  private drop(): void {
    this.inflight--;
    while (this.first < this.next && this.sentAt[this.first & this.mask] === 0) this.first++;
    if (this.inflight === 0) {
      this.first = this.next;
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = null;
      const idle = this.idle;
      this.idle = [];
      for (const f of idle) f();
    }
  }

  private arm(ms: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.expire(), Math.max(0, ms));
  }

  /** Fails the slots whose time is up, oldest first, and re-arms for the next. */
  expire(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const now = performance.now();
    while (this.inflight > 0) {
      const at = this.sentAt[this.first & this.mask]!;
      if (at + this.timeoutMs > now) {
        this.arm(at + this.timeoutMs - now);
        return;
      }
      this.ack(this.first, false, `no acknowledgement within ${this.timeoutMs} ms (ack_timeout_ms)`);
    }
  }

  /** Doubles the ring, keeping every open slot at its reply number. */
  private grow(): void {
    const old = this.sentAt;
    const oldMask = this.mask;
    this.sentAt = new Float64Array(old.length * 2);
    this.mask = this.sentAt.length - 1;
    for (let n = this.first; n < this.next; n++) this.sentAt[n & this.mask] = old[n & oldMask]!;
  }
}

interface Waiter {
  readonly persistent: boolean;
  readonly go: () => void;
  readonly fail: (err: Error) => void;
  readonly deadline: number;
}

/**
 * Publishes waiting for room in the window, first come first served. One
 * timer watches the oldest: they all wait the same time at most, so the
 * oldest is always the next to run out of it.
 */
export class RoomQueue {
  private list: Waiter[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | null = null;
  /** true while a waiter's `go` runs: the transport lets that publish through */
  waking = false;

  constructor(
    private readonly timeoutMs: number,
    /** whether a publish of this kind fits in the window now */
    private readonly fits: (persistent: boolean) => boolean,
    private readonly timedOut: () => Error,
    /**
     * Settles the acknowledgements that are overdue. A waiter began after
     * every ack it waits on was sent, so those run out first; timers that
     * fire in the same turn may come in either order, hence this call.
     */
    private readonly settleOverdue: () => void,
  ) {}

  get size(): number {
    return this.list.length - this.head;
  }

  add(persistent: boolean, go: () => void, fail: (err: Error) => void): void {
    this.list.push({ persistent, go, fail, deadline: performance.now() + this.timeoutMs });
    if (this.timer === null) this.arm();
  }

  /** Lets through, in order, every waiter that fits now; stops at the first that does not. */
  wake(): void {
    if (this.waking) return;
    while (this.size > 0) {
      const w = this.list[this.head]!;
      if (!this.fits(w.persistent)) break;
      this.shift();
      this.waking = true;
      try {
        w.go();
      } finally {
        this.waking = false;
      }
    }
  }

  /** Fails every waiter (the transport is closing). */
  failAll(err: Error): void {
    while (this.size > 0) this.shift().fail(err);
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private shift(): Waiter {
    const w = this.list[this.head]!;
    this.list[this.head++] = undefined as unknown as Waiter;
    if (this.head === this.list.length) {
      this.list = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.list.length) {
      this.list = this.list.slice(this.head);
      this.head = 0;
    }
    return w;
  }

  /**
   * Arms the timer for the oldest waiter. The timer is not cleared when the
   * queue empties (a wait that ends costs no clearTimeout): when it fires it
   * looks at whoever is oldest then.
   */
  private arm(): void {
    const wait = this.list[this.head]!.deadline - performance.now();
    this.timer = setTimeout(() => this.expire(), Math.max(0, wait));
  }

  private expire(): void {
    this.timer = null;
    this.settleOverdue();
    const now = performance.now();
    while (this.size > 0 && this.list[this.head]!.deadline <= now) this.shift().fail(this.timedOut());
    // what waited behind the ones given up may fit now
    this.wake();
    if (this.size > 0 && this.timer === null) this.arm();
  }
}
