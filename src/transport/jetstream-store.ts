/**
 * The JetStream stream read as a store (docs/persistence.md "Query, replay and catch-up
 * on JetStream"): every process's persistent events, in the order of the
 * stream. `query`, `replay`, catch-up subscriptions and the CLI's
 * `query/replay/export/tail --bus` read it through this.
 *
 * - The order is the stream sequence, and the events this returns carry it
 *   as their `sequence` (each publishing bus numbers its own events, so only
 *   the stream's numbering means the same to every process): `after_sequence`,
 *   paging, checkpoints and `--after` count in it.
 * - The server filters by subject (the type pattern, as the transport
 *   subscribes); everything else is checked here, by the same predicate
 *   the memory store runs, on each event read.
 * - A time range starts the read at the stream's own time for it, less
 *   `clock_skew_ms` (events carry their publisher's clock, the stream its
 *   server's), and stops past the end of the range by as much.
 * - `ttl_seconds`: nats-server 2.9 has no expiry per message, so an expired
 *   event is never returned (as in the other stores) and `sweep()` deletes
 *   it from the stream.
 *
 * Writing goes through the bus's transport, not here: `append` refuses.
 */
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { CrosstalkError } from '../core/errors.js';
import type { UniversalEvent } from '../core/event.js';
import { compileExpression, parseExpression, typePatternsOf } from '../core/expression.js';
import { compileFilter } from '../core/filter.js';
import { DEFAULT_MAX_DEPTH, DEFAULT_MAX_EVENT_BYTES } from '../core/event.js';
import { compilePattern } from '../core/pattern.js';
import type { EventQuery, EventStore } from '../core/types.js';
import { checkCheckpointName } from '../store/checkpoint.js';
import type { CheckpointStore } from '../store/types.js';
import { CheckpointBucket } from './checkpoint-bucket.js';
import { resolveNatsOptions, type NatsOptions } from './options.js';
import type { CursorStart, StoredMessage } from './stream-cursor.js';
import { MergedReader, ReaderPark } from './stream-reader.js';
import { patternSubjects, persistentSubjects, subjectCovers, typeOfSubject } from './subjects.js';
import { parseBusUrl } from './url.js';
import { decodeEvent, type DecodeLimits } from './wire.js';

/** @default 10_000 */
export const DEFAULT_CLOCK_SKEW_MS = 10_000;
/** Subjects read side by side for one query; a pattern needing more is read through the prefix's `>` and filtered here. */
const MAX_CURSORS = 8;

export interface JetStreamStoreOptions {
  /** how far publishers' clocks may be from the server's, for time ranges; @default 10,000 */
  clock_skew_ms?: number;
  /** limits events read from the stream are held to (the bus's); @default 1 MiB, depth 64 */
  limits?: DecodeLimits;
}

const why = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** What a query asks, without paging: reads of the same key may resume each other (stream-reader.ts). */
function queryKey(q: EventQuery): string {
  const { limit: _limit, order: _order, after_sequence: _after, ...what } = q;
  return JSON.stringify(what);
}

/** The stream as a store: what openJetStreamStore gives. */
export interface StreamStore extends EventStore, CheckpointStore {
  readonly url: string;
  readonly stream: string;
  /** the stream's last sequence, asked of the server now */
  snapshot(): Promise<number>;
  /** matching, unexpired events (a pass over what the subjects cover) */
  countMatching(q: EventQuery): Promise<number>;
  /** messages read that were not valid events (skipped) */
  readonly invalid: number;
}

export class JetStreamStore implements StreamStore {
  readonly kind = 'jetstream';
  private last = 0;
  private jsmPromise: Promise<JetStreamManager> | null = null;
  private readonly skew: number;
  private readonly limits: DecodeLimits;
  private readonly checkpoints: CheckpointBucket;
  private invalidCount = 0;
  private readonly park = new ReaderPark();
  private closed = false;

  constructor(
    private readonly nc: NatsConnection,
    readonly url: string,
    private readonly prefix: string,
    readonly stream: string,
    options: JetStreamStoreOptions = {},
    /** closes the connection with the store (a connection of its own) */
    private readonly owned = false,
  ) {
    this.skew = options.clock_skew_ms ?? DEFAULT_CLOCK_SKEW_MS;
    if (!Number.isFinite(this.skew) || this.skew < 0) {
      throw new CrosstalkError('INVALID_OPTION', `Expected \`clock_skew_ms\` to be a number of ms >= 0, got ${this.skew}`, { option: 'clock_skew_ms' });
    }
    this.limits = options.limits ?? { max_event_bytes: DEFAULT_MAX_EVENT_BYTES, max_depth: DEFAULT_MAX_DEPTH };
    this.checkpoints = new CheckpointBucket(nc, () => this.jsm(), stream);
  }

  private jsm(): Promise<JetStreamManager> {
    this.jsmPromise ??= jetstreamManager(this.nc);
    return this.jsmPromise;
  }

  private unavailable(what: string, e: unknown): CrosstalkError {
    if (e instanceof CrosstalkError) return e;
    return new CrosstalkError('BUS_UNAVAILABLE', `JetStream stream ${this.stream} on ${this.url}: ${what}: ${why(e)}`, { cause: e });
  }

  private assertOpen(): void {
    if (this.closed) throw new CrosstalkError('STORE_UNAVAILABLE', `the JetStream reader of ${this.url} is closed`);
  }

  /** The stream's last sequence when it was last asked (see snapshot). */
  lastSequence(): number {
    return this.last;
  }

  /** Asks the server for the stream's last sequence now. */
  async snapshot(): Promise<number> {
    this.assertOpen();
    try {
      const info = await (await this.jsm()).streams.info(this.stream);
      this.last = Math.max(this.last, info.state.last_seq);
      return info.state.last_seq;
    } catch (e) {
      throw this.unavailable('reading its state', e);
    }
  }

  append(): void {
    throw new CrosstalkError('STORE_UNAVAILABLE', `the JetStream stream ${this.stream} is written by the bus's transport, not through this reader`);
  }

  async flush(): Promise<void> {
    await this.checkpoints.flush();
  }

  /** events dropped because the stream held something that is not a valid event */
  get invalid(): number {
    return this.invalidCount;
  }

  /**
   * The stream subjects the query's types are on (the server filters by
   * them): from `event_type`, else from the types `where` allows, else all.
   */
  private subjects(q: EventQuery): string[] {
    let patterns: string[] | null = q.event_type !== undefined ? [q.event_type] : null;
    if (patterns === null && q.where !== undefined) patterns = typePatternsOf(parseExpression(q.where));
    if (patterns === null) return [persistentSubjects(this.prefix)];
    const subs = new Set<string>();
    for (const p of patterns) {
      let compiled;
      try {
        compiled = compilePattern(p);
      } catch {
        // a type no pattern can name (a test of event_type against any text) matches no subject
        continue;
      }
      for (const s of patternSubjects(this.prefix, compiled)) subs.add(`${this.prefix}.p.${s.slice(this.prefix.length + 3)}`);
    }
    const list = [...subs];
    return list.length > MAX_CURSORS || list.some((a) => list.some((b) => a !== b && subjectCovers(b, a))) ? [persistentSubjects(this.prefix)] : list;
  }

  /**
   * Everything in `q` but order, limit and after_sequence, as one test of a
   * decoded event read from `subjects`. The type test is left out when the
   * subjects are exactly the pattern (literal and `*` segments): the server
   * filtered by them, and decoding checks each event's type against its
   * subject.
   */
  private predicate(q: EventQuery, subjects: readonly string[]): (e: UniversalEvent, now: number) => boolean {
    let type = q.event_type !== undefined ? compilePattern(q.event_type) : null;
    if (type !== null && !subjects.includes(persistentSubjects(this.prefix)) && type.alternatives.every((alt) => alt.every((s) => s.kind === 'literal' || s.kind === 'star'))) {
      type = null;
    }
    const filter = q.filters !== undefined ? compileFilter(q.filters) : null;
    const where = q.where !== undefined ? compileExpression(q.where, q.now ?? Date.now()) : null;
    return (e, now) => {
      if (e.ttl_seconds !== undefined && Date.parse(e.timestamp) + e.ttl_seconds * 1000 <= now) return false;
      if (type !== null && !type.test(e.event_type)) return false;
      if (q.start_time !== undefined || q.end_time !== undefined) {
        const ts = Date.parse(e.timestamp);
        if ((q.start_time !== undefined && ts < q.start_time) || (q.end_time !== undefined && ts > q.end_time)) return false;
      }
      if (q.correlation_id !== undefined && e.source.correlation_id !== q.correlation_id) return false;
      if (q.source !== undefined && e.source.component !== q.source) return false;
      return (filter === null || filter(e)) && (where === null || where(e));
    };
  }

  /** The event a message holds, with the stream sequence as its sequence; null (counted) when it is not one. */
  private decode(m: StoredMessage): UniversalEvent | null {
    const type = typeOfSubject(this.prefix, m.subject);
    const e = type === null ? 'not a subject of this prefix' : decodeEvent(m.data, type, this.limits);
    if (typeof e === 'string') {
      this.invalidCount++;
      return null;
    }
    e.sequence = m.seq;
    return e;
  }

  /**
   * Reads forward from `start` over the subjects, merged in stream order,
   * calling `take` with each matching event until it returns false, the
   * stream ends, or a message is past `stopSeq` / `stopTime`. A read that
   * `take` ended is parked, so that the next page picks it up.
   *
   * `want` (matching events the caller expects to take; Infinity for a
   * pass over everything) sizes the pulls: the messages still to read are
   * estimated from the share that matched so far, so that a short query
   * leaves little in flight behind it. A reader picked up from the park is
   * a paged read and reads ahead in full.
   */
  private async scan(
    key: string,
    subjects: readonly string[],
    start: CursorStart,
    stopSeq: number,
    stopTime: number,
    want: number,
    match: (e: UniversalEvent) => boolean,
    take: (e: UniversalEvent) => boolean,
  ): Promise<void> {
    let reader: MergedReader | null = 'seq' in start ? this.park.take(subjects, key, start.seq - 1) : null;
    let park = false;
    let read = 0;
    let matched = 0;
    const first = Math.min(Math.ceil(want * 1.25) + 16, stopSeq - ('seq' in start ? start.seq : 0) + 1);
    const ahead = (): number => {
      if (reader!.resumed || want === Infinity) return stopSeq - reader!.position;
      // a quarter more than the share matched so far says, growing at most fourfold per page, never past stopSeq
      const estimate = Math.ceil((((want - matched) * (read + 1)) / (matched + 1)) * 1.25) + 16;
      return Math.min(estimate, Math.max(first, 4 * read), stopSeq - reader!.position);
    };
    try {
      if (reader === null) {
        reader = await MergedReader.open(this.nc, await this.jsm(), this.stream, subjects, start, first);
        // a read from a time does not know where it stands until it takes a message
        reader.position = 'seq' in start ? start.seq - 1 : -1;
      }
      reader.key = key;
      reader.lastMatch = 'seq' in start ? start.seq - 1 : 0;
      for (;;) {
        const m = await reader.peek(ahead());
        if (m === null) {
          // at the end of the stream: a reader following it (tail, catch-up) goes on from here
          park = true;
          break;
        }
        if (m.seq > stopSeq || m.time > stopTime) break;
        reader.take();
        read++;
        const e = this.decode(m);
        if (e !== null && match(e)) {
          matched++;
          reader.lastMatch = m.seq;
          if (!take(e)) {
            park = true;
            break;
          }
        }
      }
    } catch (e) {
      throw this.unavailable('reading', e);
    } finally {
      if (reader !== null) {
        if (park && !this.closed && reader.position >= 0) this.park.put(reader);
        else reader.close();
      }
    }
  }

  private startOf(q: EventQuery): CursorStart {
    if (q.after_sequence !== undefined) return { seq: q.after_sequence + 1 };
    if (q.start_time !== undefined) return { time: q.start_time - this.skew };
    return { seq: 1 };
  }

  async query(q: EventQuery): Promise<UniversalEvent[]> {
    this.assertOpen();
    const now = Date.now();
    const subjects = this.subjects(q);
    const pred = this.predicate(q, subjects);
    const match = (e: UniversalEvent) => pred(e, now);
    if (subjects.length === 0) return [];
    const stopTime = q.end_time !== undefined ? q.end_time + this.skew : Infinity;
    const out: UniversalEvent[] = [];
    if (q.order === 'asc') {
      await this.scan(queryKey(q), subjects, this.startOf(q), Infinity, stopTime, q.limit, match, (e) => out.push(e) < q.limit);
      if (out.length > 0) this.last = Math.max(this.last, out[out.length - 1]!.sequence);
      return out;
    }
    // newest first: read windows backwards from the end, each one forwards
    const floor = q.after_sequence !== undefined ? q.after_sequence + 1 : 1;
    const startFloor = q.start_time !== undefined ? q.start_time - this.skew : -Infinity;
    let hi = await this.snapshot();
    let window = await this.firstWindow(subjects, q.limit);
    while (hi >= floor && out.length < q.limit) {
      const from = Math.max(floor, hi - window + 1);
      const found: UniversalEvent[] = [];
      let oldest = Infinity;
      await this.scan('', subjects, { seq: from }, hi, stopTime, Infinity, match, (e) => {
        found.push(e);
        return true;
      });
      // the window's first message time tells whether anything older can still be in range
      for (let i = found.length - 1; i >= 0 && out.length < q.limit; i--) out.push(found[i]!);
      if (found.length > 0) oldest = Date.parse(found[0]!.timestamp);
      if (oldest < startFloor) break;
      hi = from - 1;
      window *= 4;
    }
    return out.slice(0, q.limit);
  }

  /**
   * How far back from the end the newest `limit` of the subjects probably
   * reach: the stream's messages per message on these subjects (the
   * server's subject counts) times `limit`, and some more.
   */
  private async firstWindow(subjects: readonly string[], limit: number): Promise<number> {
    const floor = Math.max(1000, limit * 4);
    if (subjects.length !== 1 || subjects[0] === persistentSubjects(this.prefix)) return floor;
    try {
      const info = await (await this.jsm()).streams.info(this.stream, { subjects_filter: subjects[0] });
      let on = 0;
      for (const n of Object.values(info.state.subjects ?? {})) on += n;
      if (on === 0) return floor;
      return Math.max(floor, Math.ceil(((limit * info.state.messages) / on) * 1.5));
    } catch {
      return floor;
    }
  }

  async countMatching(q: EventQuery): Promise<number> {
    this.assertOpen();
    const now = Date.now();
    const subjects = this.subjects(q);
    const pred = this.predicate(q, subjects);
    if (subjects.length === 0) return 0;
    let n = 0;
    await this.scan('', subjects, this.startOf(q), Infinity, q.end_time !== undefined ? q.end_time + this.skew : Infinity, Infinity, (e) => pred(e, now), () => {
      n++;
      return true;
    });
    return n;
  }

  /** Stored, unexpired events of this prefix (a pass over the stream). */
  count(): Promise<number> {
    return this.countMatching({ limit: 1, order: 'asc' });
  }

  /**
   * Deletes the events whose `ttl_seconds` has run out from the stream (one
   * pass over it; nats-server 2.9 cannot expire messages one by one).
   */
  async sweep(): Promise<number> {
    this.assertOpen();
    const now = Date.now();
    const expired: number[] = [];
    await this.scan('', [persistentSubjects(this.prefix)], { seq: 1 }, Infinity, Infinity, Infinity, (e) => e.ttl_seconds !== undefined && Date.parse(e.timestamp) + e.ttl_seconds * 1000 <= now, (e) => {
      expired.push(e.sequence);
      return true;
    });
    const jsm = await this.jsm();
    let n = 0;
    for (const seq of expired) {
      try {
        if (await jsm.streams.deleteMessage(this.stream, seq, false)) n++;
      } catch (e) {
        // deleted meanwhile (another sweeper, the stream's own limits) is as good as deleted
        if (!/no message found|not found/i.test(why(e))) throw this.unavailable(`deleting message ${seq}`, e);
      }
    }
    return n;
  }

  async getCheckpoint(name: string): Promise<number | null> {
    checkCheckpointName(name);
    this.assertOpen();
    try {
      return await this.checkpoints.get(name);
    } catch (e) {
      throw this.unavailable(`reading checkpoint ${name}`, e);
    }
  }

  setCheckpoint(name: string, sequence: number): void {
    checkCheckpointName(name);
    this.assertOpen();
    this.checkpoints.set(name, sequence);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.park.clear();
    await this.checkpoints.flush().catch(() => undefined);
    if (this.owned) await this.nc.close().catch(() => undefined);
  }
}

/**
 * Connects to `url` and opens its JetStream stream for reading (the CLI's
 * `--bus` for query, replay, export and tail). BUS_UNAVAILABLE when the
 * server cannot be reached or has no such stream.
 */
export async function openJetStreamStore(url: string, options: NatsOptions & JetStreamStoreOptions = {}): Promise<StreamStore> {
  const target = parseBusUrl(url);
  const { clock_skew_ms, limits, ...nats } = options;
  const o = resolveNatsOptions(nats);
  let nc: NatsConnection;
  try {
    nc = await connect({ servers: target.server, name: `${o.name}-reader`, timeout: o.connect_timeout_ms, maxReconnectAttempts: o.max_reconnect_attempts });
  } catch (e) {
    throw new CrosstalkError('BUS_UNAVAILABLE', `cannot connect to ${target.display}: ${why(e)}`, { cause: e });
  }
  const store = new JetStreamStore(nc, target.display, o.prefix, o.stream, { ...(clock_skew_ms !== undefined ? { clock_skew_ms } : {}), ...(limits ? { limits } : {}) }, true);
  try {
    await store.snapshot();
  } catch (e) {
    await nc.close().catch(() => undefined);
    const missing = /stream not found/i.test(why((e as Error).cause ?? e));
    throw new CrosstalkError('BUS_UNAVAILABLE', missing ? `${target.display} has no JetStream stream ${o.stream}: nothing was persisted there yet (or start nats-server with -js)` : (e as Error).message, { cause: e });
  }
  return store;
}
