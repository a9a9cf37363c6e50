/**
 * Token buckets for rate-limit interceptors: `rate` tokens a second flow
 * into a bucket of `burst`; each event takes one, and an event that finds
 * the bucket empty is refused. Buckets per key (event type, component) are
 * bounded in number: a full bucket is the same as a fresh one, so those go
 * first when room is needed.
 *
 * Time is the publish's own clock read (Date.now(), milliseconds: reading
 * a finer clock costs as much again per event). So that a millisecond's
 * refill is never lost to the cap, a bucket holds at least rate / 1000
 * tokens: within one millisecond up to max(burst, rate / 1000) events pass.
 */
const MAX_KEYS = 10_000;

export class TokenBucket {
  private tokens: number;
  private last: number;

  private readonly burst: number;

  constructor(
    private readonly rate: number,
    burst: number,
    now: number,
  ) {
    this.burst = Math.max(burst, rate / 1000);
    this.tokens = this.burst;
    this.last = now;
  }

  /** Takes a token; false (and nothing taken) when the bucket is empty. */
  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until the next token. */
  waitMs(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.rate) * 1000);
  }

  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
      this.last = now;
    }
  }
}

/** One bucket per key, made on first use, at most MAX_KEYS of them. */
export class KeyedBuckets {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {}

  get size(): number {
    return this.buckets.size;
  }

  bucket(key: string, now: number): TokenBucket {
    let b = this.buckets.get(key);
    if (b === undefined) {
      if (this.buckets.size >= MAX_KEYS) this.makeRoom(now);
      this.buckets.set(key, (b = new TokenBucket(this.rate, this.burst, now)));
    }
    return b;
  }

  /** Forgets full buckets; if none is full, the oldest half (they refill soonest). */
  private makeRoom(now: number): void {
    for (const [k, b] of this.buckets) if (b.isFull(now)) this.buckets.delete(k);
    if (this.buckets.size < MAX_KEYS) return;
    let n = this.buckets.size >> 1;
    for (const k of this.buckets.keys()) {
      if (n-- <= 0) break;
      this.buckets.delete(k);
    }
  }
}
