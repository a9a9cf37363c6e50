/**
 * Reading a JetStream stream in stream-sequence order (README "Query,
 * replay and catch-up on JetStream"): an ephemeral pull consumer on one
 * filter subject (the server filters by subject), starting at a sequence or
 * a time, read in pages with `no_wait` pulls, so a read ends at what the
 * stream holds now instead of waiting for more.
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

/** Messages per pull. */
export const PAGE_MESSAGES = 2000;
/** How long a pull may take before the read fails (a server that stopped answering). */
const PULL_TIMEOUT_MS = 10_000;
/** A consumer nobody reads from is removed by the server after this long. */
const INACTIVE_NS = 30e9;

interface Page {
  messages: StoredMessage[];
  /** no message matching the filter is left after these */
  end: boolean;
}

/** seq, time (ms) and pending from an ack reply subject; null when it is not one. */
export function parseAckSubject(reply: string): { seq: number; time: number; pending: number } | null {
  const t = reply.split('.');
  if (t[0] !== '$JS' || t[1] !== 'ACK') return null;
  // v1: $JS.ACK.stream.consumer.delivered.seq.cseq.nanos.pending (9 tokens)
  // v2: $JS.ACK.domain.hash.stream.consumer.delivered.seq.cseq.nanos.pending[.token] (11 or 12)
  const base = t.length === 9 ? 4 : t.length >= 11 ? 6 : -1;
  if (base < 0) return null;
  const seq = Number(t[base + 1]);
  const nanos = t[base + 3]!;
  const pending = Number(t[base + 4]);
  // nanoseconds overflow a double's integers; milliseconds do not
  const time = nanos.length > 6 ? Number(nanos.slice(0, -6)) : 0;
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(pending) || !Number.isFinite(time)) return null;
  return { seq, time, pending };
}

export class StreamCursor {
  private ended = false;
  private closed = false;
  private readonly sub: Subscription;
  private page: Page = { messages: [], end: false };
  private want = 0;
  private resolve: ((p: Page) => void) | null = null;
  private reject: ((e: Error) => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** the next page, pulled while the caller works on this one */
  private ahead: Promise<Page> | null = null;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly stream: string,
    private readonly consumer: string,
    private readonly pageSize: number,
    empty: boolean,
  ) {
    this.ended = empty;
    const inbox = createInbox();
    this.sub = nc.subscribe(inbox, { callback: (err, msg) => (err === null ? this.onMessage(msg) : this.fail(err)) });
    this.inbox = inbox;
  }

  private readonly inbox: string;

  /** Opens a cursor on `filter` from `start`; the consumer exists when this resolves. */
  static async open(
    nc: NatsConnection,
    jsm: JetStreamManager,
    stream: string,
    filter: string,
    start: CursorStart,
    pageSize = PAGE_MESSAGES,
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
    return new StreamCursor(nc, jsm, stream, info.name, pageSize, info.num_pending === 0);
  }

  /** The next page in sequence order; empty once nothing is left. */
  async next(): Promise<StoredMessage[]> {
    if (this.closed) return [];
    const p = await (this.ahead ?? this.pull());
    this.ahead = null;
    if (p.end) this.ended = true;
    // the next pull goes out now, so the network works while the caller does
    else this.ahead = this.pull();
    return p.messages;
  }

  private pull(): Promise<Page> {
    if (this.ended || this.closed) return Promise.resolve({ messages: [], end: true });
    return new Promise<Page>((resolve, reject) => {
      this.page = { messages: [], end: false };
      this.want = this.pageSize;
      this.resolve = resolve;
      this.reject = reject;
      this.timer = setTimeout(() => this.fail(new Error(`no answer from the stream ${this.stream} within ${PULL_TIMEOUT_MS} ms`)), PULL_TIMEOUT_MS);
      try {
        this.nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${this.stream}.${this.consumer}`, JSON.stringify({ batch: this.pageSize, no_wait: true }), {
          reply: this.inbox,
        });
      } catch (e) {
        this.fail(e as Error);
      }
    });
  }

  private onMessage(msg: Msg): void {
    if (this.resolve === null) return;
    const info = msg.reply ? parseAckSubject(msg.reply) : null;
    if (info === null) {
      // a status: 404 (nothing left), 408 (the pull took what there was), 409 (the consumer went away)
      const code = msg.headers?.code ?? 0;
      if (code === 409) return this.fail(new Error(`the stream's consumer ended: ${msg.headers?.description ?? ''}`));
      this.page.end = this.page.end || code === 404 || code === 408 || this.page.messages.length === 0;
      return this.done();
    }
    this.page.messages.push({ seq: info.seq, time: info.time, subject: msg.subject, data: msg.data });
    if (info.pending === 0) this.page.end = true;
    if (--this.want === 0 || this.page.end) this.done();
  }

  private done(): void {
    const resolve = this.resolve;
    this.settle();
    resolve?.(this.page);
  }

  private fail(e: Error): void {
    const reject = this.reject;
    this.settle();
    reject?.(e);
  }

  private settle(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.resolve = null;
    this.reject = null;
  }

  /** Stops reading and removes the consumer (in the background). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ahead?.catch(() => undefined);
    this.sub.unsubscribe();
    this.jsm.consumers.delete(this.stream, this.consumer).catch(() => undefined);
  }
}
