/**
 * The sending half of the NATS transport: what goes on the wire, in publish
 * order, on the one connection.
 *
 * - Ephemeral events of one subject published in a row within one turn of
 *   the event loop go out as one message: a JSON array of the events, in
 *   order (a lone event stays a plain JSON object). NATS costs about as
 *   much per message as the JSON of a small event, so a burst of one type
 *   travels at a fraction of the cost. The batch closes before any other
 *   message is written (another subject, a persistent event) and at the end
 *   of the turn (a microtask), so neither order nor latency changes.
 * - Persistent events go out one per message, with the headers JetStream
 *   needs, and are pipelined: the acknowledgement comes to this connection's
 *   ack inbox and settles a slot in the window (acks.ts). At most
 *   `max_pending_acks` wait at once; a publish beyond that waits for room,
 *   and every later publish queues behind it.
 */
import { createInbox, headers, type Msg, type MsgHdrs, type NatsConnection, type Subscription as NatsSubscription } from '@nats-io/transport-node';
import { CrosstalkError } from '../core/errors.js';
import type { UniversalEvent } from '../core/event.js';
import { pushEventJson } from '../core/event-json.js';
import type { ResolvedNatsOptions } from './options.js';
import { AckWindow, RoomQueue, type Settle } from './acks.js';
import { ORIGIN_HEADER } from './wire.js';

/** An event ready to be sent: its subject and JSON text. */
export interface Outgoing {
  readonly subject: string;
  readonly event_type: string;
  readonly json: string;
  readonly id: string;
  readonly persistent: boolean;
}

/** A batch closes at this many characters of JSON (and within the server's max_payload). */
export const BATCH_CHARS = 64 * 1024;

/** PAYLOAD_TOO_LARGE unless an event's JSON (`chars` characters in `pieces`) fits in `max` bytes. */
export function checkSize(type: string, chars: number, pieces: readonly string[], max: number, url: string): void {
  // a character is at most 3 bytes of UTF-8: only a large event is measured
  if (chars * 3 <= max) return;
  const bytes = Buffer.byteLength(pieces.length === 1 ? pieces[0]! : pieces.join(''), 'utf8');
  if (bytes > max) {
    throw new CrosstalkError('PAYLOAD_TOO_LARGE', `event ${type} is ${bytes} bytes serialized; the NATS server at ${url} takes at most ${max}`, {
      eventType: type,
    });
  }
}

export class Sender {
  /** persistent events sent and not acknowledged yet */
  readonly acks: AckWindow;
  /** publishes waiting for room among them */
  readonly room: RoomQueue;
  /** acknowledgements come to `<ackInbox>.<reply number>` */
  private readonly ackInbox = createInbox();
  private ackSub: NatsSubscription | null = null;
  private persistHeaders: MsgHdrs | null = null;
  /** the open batch: its subject, and its events' JSON in pieces (slot 0 is kept for the array's `[`) */
  private batchSubject = '';
  private batch: string[] = [''];
  private batchEvents = 0;
  private batchChars = 0;
  private batchScheduled = false;
  private readonly batchLimit: number;

  constructor(
    private readonly nc: NatsConnection,
    private readonly o: ResolvedNatsOptions,
    private readonly origin: string,
    private readonly url: string,
    settled: Settle,
    /** room left in max_payload for headers */
    private readonly headerAllowance: number,
  ) {
    this.acks = new AckWindow(o.ack_timeout_ms, (ok, reason) => {
      settled(ok, reason);
      if (this.room.size > 0) this.room.wake();
    });
    this.room = new RoomQueue(
      o.ack_timeout_ms,
      (persistent) => !persistent || this.acks.inflight < o.max_pending_acks,
      () =>
        new CrosstalkError(
          'BUS_UNAVAILABLE',
          `a publish waited ${o.ack_timeout_ms} ms (ack_timeout_ms) for room among the persistent events awaiting JetStream's acknowledgement on ${url} (max_pending_acks ${o.max_pending_acks})`,
        ),
      () => this.acks.expire(),
    );
    // a character of JSON is at most 3 bytes of UTF-8
    this.batchLimit = Math.min(BATCH_CHARS, Math.floor(((nc.info?.max_payload ?? 1 << 20) - headerAllowance) / 3));
  }

  ready(persistent: boolean): boolean {
    if (this.room.size > 0 && !this.room.waking) return false;
    return !persistent || this.acks.inflight < this.o.max_pending_acks;
  }

  /** Writes `out` (a persistent event, or one held while reconnecting) to the connection; throws when the client refuses it. */
  send(out: Outgoing): void {
    if (out.persistent) {
      this.sendBatch();
      this.publishPersistent(out);
      return;
    }
    this.append(out.subject, out.event_type, null, out.json);
  }

  /**
   * An ephemeral event into the open batch (written at the end of the turn,
   * or before anything else is); PAYLOAD_TOO_LARGE, with no effect, when it
   * cannot fit in one message.
   */
  sendEphemeral(subject: string, e: UniversalEvent): void {
    this.append(subject, e.event_type, e, '');
  }

  /** Adds an event's JSON (written from `e`, or `json` as it is) to the batch for `subject`. */
  private append(subject: string, type: string, e: UniversalEvent | null, json: string): void {
    if (this.batchEvents > 0 && subject !== this.batchSubject) this.sendBatch();
    const parts = this.batch;
    const before = parts.length;
    if (this.batchEvents > 0) parts.push(',');
    const from = parts.length;
    let chars = json.length;
    if (e !== null) chars = pushEventJson(e, parts);
    else parts.push(json);
    const max = this.maxBytes();
    if (chars * 3 > max) {
      try {
        checkSize(type, chars, parts.slice(from), max, this.url);
      } catch (err) {
        parts.length = before;
        throw err;
      }
    }
    if (this.batchEvents > 0 && this.batchChars + chars + 1 > this.batchLimit) {
      // the batch is full: it goes, and this event opens the next
      const pieces = parts.slice(from);
      parts.length = before;
      this.sendBatch();
      for (const p of pieces) this.batch.push(p);
    }
    if (this.batchEvents === 0) {
      this.batchSubject = subject;
      if (!this.batchScheduled) {
        this.batchScheduled = true;
        queueMicrotask(() => {
          this.batchScheduled = false;
          this.sendBatchQuietly();
        });
      }
    }
    this.batchEvents++;
    this.batchChars += chars + 1;
  }

  /** The largest message the server takes, less room for headers. */
  maxBytes(): number {
    return (this.nc.info?.max_payload ?? Infinity) - this.headerAllowance;
  }

  /** Writes the open batch now: before another message, a flush, a close. Throws when the client refuses it. */
  sendBatch(): void {
    if (this.batchEvents === 0) return;
    const parts = this.batch;
    if (this.batchEvents > 1) {
      parts[0] = '[';
      parts.push(']');
    }
    const text = parts.join('');
    this.batch = [''];
    this.batchEvents = 0;
    this.batchChars = 0;
    // Buffer.from takes small strings from a pooled slab: cheaper than TextEncoder
    this.nc.publish(this.batchSubject, Buffer.from(text, 'utf8'));
  }

  /**
   * At the end of the turn. The connection took each of these events when it
   * was published (its state is checked then), so only a close begun in the
   * same turn could refuse them here; close() sends the batch first.
   */
  private sendBatchQuietly(): void {
    try {
      this.sendBatch();
    } catch {
      // core NATS is at most once: these events are lost with the connection
    }
  }

  /**
   * A JetStream publish is a plain publish with a reply subject, written
   * now: it keeps its place among this bus's other events. The ack comes to
   * the ack inbox and settles its slot in the window.
   */
  private publishPersistent(out: Outgoing): void {
    this.ackSub ??= this.nc.subscribe(`${this.ackInbox}.*`, {
      callback: (err, m) => {
        if (err === null) this.acknowledged(m);
      },
    });
    // one headers object serves every persistent event: nats.js encodes it during publish
    const h = (this.persistHeaders ??= persistHeaders(this.origin, this.o.stream));
    h.set('Nats-Msg-Id', out.id);
    const n = this.acks.open();
    try {
      this.nc.publish(out.subject, Buffer.from(out.json, 'utf8'), { headers: h, reply: `${this.ackInbox}.${n}` });
    } catch (e) {
      this.acks.cancel(n);
      throw e;
    }
  }

  /** An acknowledgement (or a failure: a JetStream error, no stream for the subject) for one slot. */
  private acknowledged(m: Msg): void {
    const n = Number(m.subject.slice(this.ackInbox.length + 1));
    if (!Number.isSafeInteger(n)) return;
    if (isPubAck(m.data)) this.acks.ack(n, true, '');
    else this.acks.ack(n, false, ackFailure(m));
  }
}

function persistHeaders(origin: string, stream: string): MsgHdrs {
  const h = headers();
  h.set(ORIGIN_HEADER, origin);
  h.set('Nats-Expected-Stream', stream);
  return h;
}

/** A JetStream PubAck starts `{"stream":` and names no error (nats-server writes `error` first when there is one). */
const PUB_ACK = Buffer.from('{"stream":"');
const ERROR_KEY = Buffer.from('"error"');

function isPubAck(d: Uint8Array): boolean {
  if (d.length < PUB_ACK.length || d[d.length - 1] !== 0x7d) return false;
  const b = Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  return b.compare(PUB_ACK, 0, PUB_ACK.length, 0, PUB_ACK.length) === 0 && b.indexOf(ERROR_KEY) < 0;
}

/** Why an acknowledgement is not one. */
function ackFailure(m: Msg): string {
  if (m.data.length === 0 && m.headers?.code === 503) return 'no stream captures the subject (no responders)';
  try {
    const reply = m.json<{ error?: { description?: unknown } }>();
    if (reply?.error?.description !== undefined) return String(reply.error.description);
  } catch {
    // not JSON
  }
  return 'malformed acknowledgement';
}
