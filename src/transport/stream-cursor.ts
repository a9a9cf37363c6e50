/**
 * Reading a JetStream stream in stream-sequence order (docs/persistence.md "Query,
 * replay and catch-up on JetStream"): an ephemeral pull consumer on one
 * filter subject (the server filters by subject), starting at a sequence or
 * a time, read in pages of what the consumer holds now, so a read ends at
 * the end of the stream instead of waiting for more.
 *
 * The consumer acknowledges nothing (AckPolicy none), keeps its state in
 * memory and is deleted when the cursor closes; a cursor that is dropped
 * without closing leaves it to the server's inactive threshold.
 *
 * Each message's reply subject carries its stream sequence, its time in the
 * stream and how many matching messages remain after it:
 * `$JS.ACK.<stream>.<consumer>.<delivered>.<seq>.<cseq>.<nanos>.<pending>`
 * (newer servers put a domain and an account hash before the stream, and a
 * token after `pending`).
 */
import { AckPolicy, DeliverPolicy, type JetStreamManager } from '@nats-io/jetstream';
import { createInbox, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';

/** One stored message: its stream sequence, the time the stream took it (epoch ms), subject and bytes. */
export interface StoredMessage {
  readonly seq: number;
  readonly time: number;
  readonly subject: string;
  readonly data: Uint8Array;
}

export type CursorStart = { readonly seq: number } | { readonly time: number };

/** Messages per pull, at most. */
export const PAGE_MESSAGES = 2000;
/** How long a pull may take before the read fails (a server that stopped answering). */
const PULL_TIMEOUT_MS = 10_000;
/** A consumer nobody reads from is removed by the server after this long. */
const INACTIVE_NS = 30e9;

/** where the dots of the reply subject being parsed are (reused: one parse at a time) */
const dots: number[] = [];

/** The digits of `s[from, to)` as a number; NaN when empty or not all digits. */
function digits(s: string, from: number, to: number): number {
  if (to <= from) return NaN;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return n;
}

/**
 * seq, time (ms) and pending from an ack reply subject; null when it is not
 * one. Read in place (this runs once per message read): no split, no
 * substrings.
 */
export function parseAckSubject(reply: string): { seq: number; time: number; pending: number } | null {
  if (!reply.startsWith('$JS.ACK.')) return null;
  dots.length = 0;
  for (let i = reply.indexOf('.'); i >= 0 && dots.length < 13; i = reply.indexOf('.', i + 1)) dots.push(i);
  const tokens = dots.length + 1;
  // v1: $JS.ACK.stream.consumer.delivered.seq.cseq.nanos.pending (9 tokens)
  // v2: $JS.ACK.domain.hash.stream.consumer.delivered.seq.cseq.nanos.pending[.token] (11 or 12)
  const base = tokens === 9 ? 4 : tokens === 11 || tokens === 12 ? 6 : -1;
  if (base < 0) return null;
  /** token k spans (dots[k - 1], dots[k]) */
  const end = (k: number) => (k < dots.length ? dots[k]! : reply.length);
  const seq = digits(reply, dots[base]! + 1, end(base + 1));
  const pending = digits(reply, dots[base + 3]! + 1, end(base + 4));
  // nanoseconds overflow a double's integers; milliseconds do not
  const nanosFrom = dots[base + 2]! + 1;
  const nanosTo = end(base + 3);
  const time = nanosTo - nanosFrom > 6 ? digits(reply, nanosFrom, nanosTo - 6) : digits(reply, nanosFrom, nanosTo) >= 0 ? 0 : NaN;
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(pending) || !Number.isFinite(time)) return null;
  return { seq, time, pending };
}

/** Pulls kept in flight at most: the server works while this side reads. */
const PULLS_AHEAD = 3;
/** A pull waits at most this long for messages the consumer said it had (some were deleted meanwhile). */
const PULL_EXPIRES_NS = 5e9;

interface Pull {
  batch: number;
  messages: StoredMessage[];
  done: boolean;
  settle: (p: Pull) => void;
  fail: (e: Error) => void;
  promise: Promise<Pull>;
}

/**
 * Pulls ask for no more messages than the consumer holds (its
 * `num_pending`), so each is filled at once and ends without a status:
 * several can be in flight, served in order. (Pulls with `no_wait` would
 * end at once when empty, but the server refuses a second one while the
 * first is pending.) When the count runs out, the consumer is asked again:
 * a cursor follows a growing stream.
 *
 * The reader says how many more messages it expects to need: pulls in
 * flight cover that much and no more, so a query that wants 100 rows does
 * not leave thousands of messages on their way to a cursor nobody reads
 * (the server sends them anyway), while a long read keeps PULLS_AHEAD full
 * pulls going.
 */
export class StreamCursor {
  private closed = false;
  private readonly sub: Subscription;
  private readonly inbox: string;
  /** pulls sent, oldest first; messages fill the oldest one not done */
  private readonly pulls: Pull[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** messages asked for by the pulls in flight */
  private inflight = 0;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly stream: string,
    private readonly consumer: string,
    /** matching messages the consumer holds that no pull has asked for yet */
    private remaining: number,
  ) {
    this.inbox = createInbox();
    this.sub = nc.subscribe(this.inbox, { callback: (err, msg) => (err === null ? this.onMessage(msg) : this.failAll(err)) });
  }

  /** Opens a cursor on `filter` from `start`; the consumer exists when this resolves. */
  static async open(
    nc: NatsConnection,
    jsm: JetStreamManager,
    stream: string,
    filter: string,
    start: CursorStart,
  ): Promise<StreamCursor> {
    const from =
      'seq' in start
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.max(1, start.seq) }
        : { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(Math.max(0, start.time)).toISOString() };
    const info = await jsm.consumers.add(stream, {
      ack_policy: AckPolicy.None,
      filter_subject: filter,
      mem_storage: true,
      inactive_threshold: INACTIVE_NS,
      num_replicas: 1,
      ...from,
    });
    return new StreamCursor(nc, jsm, stream, info.name, info.num_pending);
  }

  /**
   * The next page in sequence order; empty when the stream holds nothing
   * more now (asked again later, it looks again). `want`: how many more
   * messages the reader expects to take (Infinity: as many as come).
   */
  async next(want = Infinity): Promise<StoredMessage[]> {
    if (this.closed) return [];
    if (this.pulls.length === 0 && this.remaining === 0) {
      // everything counted was read: has the stream grown since?
      this.remaining = (await this.jsm.consumers.info(this.stream, this.consumer)).num_pending;
      if (this.closed || this.remaining === 0) return [];
    }
    // the pulls in flight cover what the reader expects to take, this page included
    if (this.pulls.length === 0) this.send(want);
    while (this.pulls.length < PULLS_AHEAD && this.remaining > 0 && this.inflight < want) this.send(want - this.inflight);
    const p = await this.pulls[0]!.promise;
    this.pulls.shift();
    this.inflight -= p.batch;
    return p.messages;
  }

  private send(want: number): void {
    const batch = Math.max(1, Math.min(PAGE_MESSAGES, Math.ceil(want), this.remaining));
    this.remaining -= batch;
    this.inflight += batch;
    let settle!: Pull['settle'];
    let fail!: Pull['fail'];
    const promise = new Promise<Pull>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    promise.catch(() => undefined); // the caller sees it when it gets to this page
    this.pulls.push({ batch, messages: [], done: false, settle, fail, promise });
    this.arm();
    try {
      this.nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${this.stream}.${this.consumer}`, JSON.stringify({ batch, expires: PULL_EXPIRES_NS }), {
        reply: this.inbox,
      });
    } catch (e) {
      this.failAll(e as Error);
    }
  }

  /** A server that stops answering fails the read instead of hanging it. */
  private arm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    const open = this.pulls.some((p) => !p.done);
    this.timer = open ? setTimeout(() => this.failAll(new Error(`no answer from the stream ${this.stream} within ${PULL_TIMEOUT_MS} ms`)), PULL_TIMEOUT_MS) : null;
  }

  private onMessage(msg: Msg): void {
    const pull = this.pulls.find((p) => !p.done);
    if (pull === undefined) return;
    const info = msg.reply ? parseAckSubject(msg.reply) : null;
    if (info === null) {
      // a status: 408 (the pull expired short: messages were deleted meanwhile), 409 (the consumer went away)
      const code = msg.headers?.code ?? 0;
      if (code === 409) return this.failAll(new Error(`the stream's consumer ended: ${msg.headers?.description ?? ''}`));
      return this.finish(pull);
    }
    pull.messages.push({ seq: info.seq, time: info.time, subject: msg.subject, data: msg.data });
    if (pull.messages.length === pull.batch) this.finish(pull);
  }

  private finish(pull: Pull): void {
    pull.done = true;
    this.arm();
    pull.settle(pull);
  }

  private failAll(e: Error): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const p of this.pulls) if (!p.done) ((p.done = true), p.fail(e));
  }

  /** Stops reading and removes the consumer (in the background). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.sub.unsubscribe();
    this.jsm.consumers.delete(this.stream, this.consumer).catch(() => undefined);
  }
}
