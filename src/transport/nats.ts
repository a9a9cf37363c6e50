/**
 * The NATS JetStream transport (docs/nats.md "Several processes: NATS JetStream"): joins a bus to every other bus on
 * the same server and prefix.
 *
 * - The bus hands each local publish here before it delivers it to its own
 *   subscriptions (so a publish this cannot take has no effect); it goes out
 *   on `<prefix>.e.<type>` as core NATS, or on `<prefix>.p.<type>` through
 *   JetStream when persistent (subjects.ts).
 * - The connection is opened with `noEcho`: the server never hands a bus its
 *   own events back. Persistent events also carry a header naming the bus
 *   (they carry headers for JetStream anyway), and arrivals bearing this
 *   bus's name are skipped; ephemeral ones go without headers, which costs
 *   ~20 % of the throughput (measured with scripts/bench/nats.js).
 * - Live delivery is core NATS for both kinds: one connection's messages
 *   reach a subscriber in the order they were written, so per-publisher
 *   order holds across ephemeral and persistent events. JetStream only
 *   keeps the persistent ones (event id as message id: the server drops a
 *   repeat within its duplicate window).
 * - What goes on the wire, and how, is sender.ts: a burst of ephemeral
 *   events of one type travels as one message (a JSON array), persistent
 *   events are pipelined, at most `max_pending_acks` awaiting their
 *   acknowledgement; a publish beyond that waits for room (the bus hands
 *   it back through `whenReady`) and later publishes queue behind it.
 * - A bus subscribes on the server only to subjects covering its patterns,
 *   counted (interest.ts); events that arrive through two overlapping
 *   subjects are handed to the bus once (a RecentSet of their ids).
 * - Messages from the network are checked (wire.ts) and dropped, counted,
 *   when they are not valid events; nothing they contain can throw here.
 */
import { randomUUID } from 'node:crypto';
import { connect, type Msg, type NatsConnection, type Subscription as NatsSubscription } from '@nats-io/transport-node';
import { CrosstalkError } from '../core/errors.js';
import type { UniversalEvent } from '../core/event.js';
import { eventJson } from '../core/event-json.js';
import type { CompiledPattern } from '../core/pattern.js';
import type { Transport, TransportPeer, TransportStats } from '../core/types.js';
import { RecentSet } from '../core/recent-set.js';
import { Interest } from './interest.js';
import { resolveNatsOptions, type NatsOptions, type ResolvedNatsOptions } from './options.js';
import { ensureStream } from './stream.js';
import { eventSubject, patternSubjects, persistentSubjects, typeOfSubject } from './subjects.js';
import { parseBusUrl } from './url.js';
import { checkSize, Sender, type Outgoing } from './sender.js';
import { decodeMessage, ORIGIN_HEADER } from './wire.js';
import { JetStreamStore } from './jetstream-store.js';

/** Room left in the server's max_payload for the headers. */
const HEADER_ALLOWANCE = 256;
/** Ids remembered per generation to hand an event to the bus once. */
const DUPLICATE_WINDOW = 4096;

const why = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Connects to `url` (`nats://host:port`), makes sure the JetStream stream
 * exists, and returns a transport to give to `createBus({ transport })`.
 * A malformed URL is INVALID_OPTION; BUS_UNAVAILABLE is an unreachable server (within
 * `connect_timeout_ms`) or a server without JetStream.
 */
export async function connectNats(url: string, options?: NatsOptions): Promise<Transport> {
  const target = parseBusUrl(url);
  const o = resolveNatsOptions(options);
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: target.server,
      name: o.name,
      timeout: o.connect_timeout_ms,
      noEcho: true,
      maxReconnectAttempts: o.max_reconnect_attempts,
      reconnectTimeWait: o.reconnect_time_wait_ms,
    });
  } catch (e) {
    throw new CrosstalkError('BUS_UNAVAILABLE', `cannot connect to ${target.display}: ${why(e)}`, { cause: e });
  }
  try {
    await ensureStream(nc, target.display, o.stream, persistentSubjects(o.prefix), o.connect_timeout_ms);
  } catch (e) {
    await nc.close().catch(() => undefined);
    throw e;
  }
  return new NatsTransportImpl(nc, target.display, o);
}

type State = TransportStats['state'];

export class NatsTransportImpl implements Transport {
  readonly kind = 'nats';
  readonly persists = true;
  /** names this bus in the origin header of its persistent events */
  readonly instanceId = randomUUID();
  private peer: TransportPeer | null = null;
  private state: State = 'connected';
  private closing: Promise<void> | null = null;
  private closeReason = '';
  private readonly interest: Interest<NatsSubscription | { unsubscribe(): void }>;
  /** ids of remote events handed to the bus lately; both copies of an event arrive back to back */
  private readonly recent = new RecentSet<string>(DUPLICATE_WINDOW);
  private readonly sender: Sender;
  /** ack failures not yet reported by flush() */
  private unreported = 0;
  private firstFailure = '';
  /**
   * Events published while reconnecting, sent in order once the connection
   * is back. They are held here, not in the client: the client discards
   * what it buffered each time it dials again.
   */
  private held: Outgoing[] = [];
  /** flush() calls waiting for the connection to come back or close */
  private waiters: (() => void)[] = [];
  private historyStore: JetStreamStore | null = null;
  private readonly counts = { published: 0, acked: 0, ack_failures: 0, received: 0, delivered: 0, invalid: 0, duplicates: 0 };

  constructor(
    private readonly nc: NatsConnection,
    readonly url: string,
    private readonly o: ResolvedNatsOptions,
  ) {
    this.interest = new Interest((subject) => this.open(subject));
    this.sender = new Sender(nc, o, this.instanceId, url, (ok, reason) => this.settled(ok, reason), HEADER_ALLOWANCE);
    void this.watch().catch(() => undefined); // the status stream ends with the connection
    void nc.closed().then((err) => this.lost(err ? `gave up reconnecting: ${why(err)}` : 'closed by the server'));
  }

  /** The stream read back (docs/persistence.md "Query, replay and catch-up on JetStream"), on this connection. */
  get history(): JetStreamStore {
    this.historyStore ??= new JetStreamStore(this.nc, this.url, this.o.prefix, this.o.stream, this.peer ? { limits: this.peer.limits } : {});
    return this.historyStore;
  }

  attach(peer: TransportPeer): void {
    if (this.peer !== null && this.peer !== peer) {
      throw new CrosstalkError('INVALID_OPTION', `this transport to ${this.url} already serves another bus; connect once per bus`, {
        option: 'transport',
      });
    }
    this.peer = peer;
  }

  // ---- sending ------------------------------------------------------------------

  ready(persistent: boolean): boolean {
    return this.sender.ready(persistent);
  }

  whenReady(persistent: boolean, go: () => void, fail: (err: Error) => void): void {
    if (this.closing !== null) fail(new CrosstalkError('BUS_UNAVAILABLE', `the connection to ${this.url} is closing`));
    else this.sender.room.add(persistent, go, fail);
  }

  publish(e: UniversalEvent, persistent: boolean): void {
    if (this.state !== 'connected') this.checkWritable();
    const subject = eventSubject(this.o.prefix, e.event_type, persistent);
    try {
      if (!persistent && this.state === 'connected') this.sender.sendEphemeral(subject, e);
      else {
        const json = eventJson(e);
        checkSize(e.event_type, json.length, [json], this.sender.maxBytes(), this.url);
        const out: Outgoing = { subject, event_type: e.event_type, json, id: e.id, persistent };
        if (this.state === 'reconnecting') this.held.push(out);
        else this.sender.send(out);
      }
    } catch (err) {
      if (err instanceof CrosstalkError) throw err;
      throw new CrosstalkError('BUS_UNAVAILABLE', `cannot publish ${e.event_type} to ${this.url}: ${why(err)}`, {
        cause: err,
        eventType: e.event_type,
      });
    }
    this.counts.published++;
  }

  private settled(ok: boolean, reason: string): void {
    if (ok) this.counts.acked++;
    else {
      this.counts.ack_failures++;
      if (this.unreported++ === 0) this.firstFailure = reason;
    }
  }

  private checkWritable(): void {
    if (this.state === 'closed') {
      throw new CrosstalkError('BUS_UNAVAILABLE', `the connection to ${this.url} is closed (${this.closeReason}); nothing more can be published`);
    }
    if (this.held.length >= this.o.reconnect_buffer) {
      throw new CrosstalkError(
        'BUS_UNAVAILABLE',
        `lost the connection to ${this.url}; ${this.held.length} events already wait for it to come back (reconnect_buffer)`,
      );
    }
  }

  async flush(): Promise<void> {
    this.sendBatch();
    if (this.state === 'reconnecting') await new Promise<void>((resolve) => this.waiters.push(resolve));
    // publishes waiting for room go out as acks come back; flush waits for them too
    const { acks, room } = this.sender;
    while (acks.inflight > 0 || room.size > 0) {
      if (acks.inflight === 0) {
        room.wake();
        if (acks.inflight === 0) break; // nothing left that waits on an ack
      }
      await acks.whenIdle();
    }
    if (this.state === 'closed' && this.closing === null) {
      const lost = this.held.length > 0 ? `; ${this.held.length} events published while reconnecting never reached it` : '';
      throw new CrosstalkError('BUS_UNAVAILABLE', `the connection to ${this.url} is closed (${this.closeReason})${lost}`);
    }
    if (this.state !== 'closed') {
      try {
        await this.nc.flush();
      } catch (e) {
        // the connection may have closed while we waited
        const reason = this.nc.isClosed() ? `the connection is closed (${this.closeReason || why(e)})` : why(e);
        throw new CrosstalkError('BUS_UNAVAILABLE', `flushing to ${this.url} failed: ${reason}`, { cause: e });
      }
    }
    if (this.unreported > 0) {
      const n = this.unreported;
      this.unreported = 0;
      throw new CrosstalkError(
        'BUS_UNAVAILABLE',
        `${n} persistent event${n === 1 ? ' was' : 's were'} not stored in JetStream stream ${this.o.stream} on ${this.url}: ${this.firstFailure}`,
      );
    }
  }

  // ---- receiving ------------------------------------------------------------------

  addInterest(pattern: CompiledPattern): void {
    this.interest.add(patternSubjects(this.o.prefix, pattern));
  }

  removeInterest(pattern: CompiledPattern): void {
    this.interest.remove(patternSubjects(this.o.prefix, pattern));
  }

  /** One server subscription; callbacks run in the order messages arrive on the connection. */
  private open(subject: string): NatsSubscription | { unsubscribe(): void } {
    if (this.state === 'closed' || this.closing !== null) return { unsubscribe: () => undefined };
    try {
      return this.nc.subscribe(subject, {
        callback: (err, msg) => {
          if (err === null) this.receive(msg);
        },
      });
    } catch {
      // the connection closed under us: there is nothing to receive
      return { unsubscribe: () => undefined };
    }
  }

  private receive(msg: Msg): void {
    this.counts.received++;
    const peer = this.peer;
    if (peer === null || msg.headers?.get(ORIGIN_HEADER) === this.instanceId) return;
    const type = typeOfSubject(this.o.prefix, msg.subject);
    if (type === null) this.counts.invalid++;
    else decodeMessage(msg.data, type, peer.limits, this.deliver, this.invalid);
  }

  private readonly invalid = (): void => {
    this.counts.invalid++;
  };

  /** Hands one remote event to the bus, once. */
  private readonly deliver = (e: UniversalEvent): void => {
    // only overlapping subscriptions deliver one message twice; with one there is nothing to remember
    if (this.interest.size > 1) {
      if (this.recent.has(e.id)) {
        this.counts.duplicates++;
        return;
      }
      this.recent.add(e.id);
    }
    this.counts.delivered++;
    try {
      this.peer!.deliverRemote(e);
    } catch {
      // a failing subscriber must not stop the connection's reader
    }
  };

  // ---- connection -------------------------------------------------------------------

  private async watch(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (this.closing !== null) return;
      if (s.type === 'disconnect') {
        this.state = 'reconnecting';
        this.peer?.signalConnection('disconnected', `lost the connection to ${this.url}; reconnecting`);
      } else if (s.type === 'reconnect' && this.state === 'reconnecting') {
        this.resume();
        this.peer?.signalConnection('reconnected', `reconnected to ${this.url}`);
      }
    }
  }

  /** Sends what was held, in order, before anything published later. */
  private resume(): void {
    const held = this.held;
    this.held = [];
    for (let i = 0; i < held.length; i++) {
      try {
        this.sender.send(held[i]!);
      } catch {
        // lost again already: keep the rest for the next reconnect
        this.held = held.slice(i);
        return;
      }
    }
    this.sendBatch();
    this.state = 'connected';
    this.wake();
  }

  /** The open batch goes out now; if the connection refuses it, its events are lost as core NATS loses them. */
  private sendBatch(): void {
    try {
      this.sender.sendBatch();
    } catch {
      // the connection is closing or closed: flush() and the status say so
    }
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private lost(reason: string): void {
    this.state = 'closed';
    this.wake();
    // no acknowledgement can come now; publishes waiting for room fail as they go
    this.sender.acks.failAll(`the connection closed: ${reason}`);
    if (this.closing !== null) return;
    this.closeReason = reason;
    this.peer?.signalConnection('closed', `the connection to ${this.url} is closed: ${reason}`);
  }

  /**
   * Waits for outstanding acks (bounded by ack_timeout_ms), then drains:
   * what was sent goes out, then the connection closes. While reconnecting
   * there is nothing to drain into: events held for the reconnect are
   * dropped (flush() before close() reports them).
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      // checkpoints a replay set are written before the connection goes
      await this.historyStore?.close();
      this.sendBatch();
      this.sender.room.failAll(new CrosstalkError('BUS_UNAVAILABLE', `the bus closed while the publish waited for room (max_pending_acks)`));
      await this.sender.acks.whenIdle();
      if (this.state !== 'connected') await this.nc.close().catch(() => undefined);
      else if (!this.nc.isClosed()) {
        try {
          await this.nc.drain();
        } catch {
          await this.nc.close().catch(() => undefined);
        }
      }
      this.state = 'closed';
      this.closeReason = 'closed by this process';
      this.wake();
    })();
    return this.closing;
  }

  stats(): TransportStats {
    return {
      kind: this.kind,
      url: this.url,
      state: this.state,
      ...this.counts,
      pending_acks: this.sender.acks.inflight,
      waiting: this.sender.room.size,
      subjects: this.interest.size,
    };
  }
}
