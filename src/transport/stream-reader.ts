/**
 * Several stream cursors (one per subject a type pattern covers) read as
 * one, in stream-sequence order, one message at a time.
 *
 * Readers are parked between pages: paging (`after_sequence` = the last
 * sequence of the page before), as replay, export, tail and catch-up do,
 * goes on with the same consumers and the messages they have already
 * pulled, instead of a new consumer per page. A parked reader is closed
 * when it has not been picked up for PARK_MS, or when more than PARKED
 * wait.
 */
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { StreamCursor, type CursorStart, type StoredMessage } from './stream-cursor.js';

const PARK_MS = 10_000;
const PARKED = 16;

export class MergedReader {
  private readonly pages: StoredMessage[][];
  private readonly at: number[];
  /** cursors that had nothing more in this read */
  private readonly exhausted: boolean[];
  /** the sequence of the last message taken (0 before the first) */
  position = 0;
  /**
   * the sequence of the last message the read handed out: messages after it
   * up to `position` were taken and did not match, so a read asking for
   * what follows it, under the same query, may go on from `position`
   */
  lastMatch = 0;
  /** the query (without paging) the read answers */
  key = '';
  /** picked up again from the park: a paged read (replay, export, tail), which reads on */
  resumed = false;

  private constructor(
    readonly subjects: string,
    private readonly cursors: StreamCursor[],
    first: StoredMessage[][],
  ) {
    this.pages = first;
    this.at = first.map(() => 0);
    this.exhausted = first.map((p) => p.length === 0);
  }

  /** A new read from where this one stopped: cursors that were exhausted ask the stream again. */
  rewind(): void {
    this.exhausted.fill(false);
    this.resumed = true;
  }

  static async open(
    nc: NatsConnection,
    jsm: JetStreamManager,
    stream: string,
    subjects: readonly string[],
    start: CursorStart,
    want: number,
  ): Promise<MergedReader> {
    const cursors: StreamCursor[] = [];
    try {
      for (const s of await Promise.all(subjects.map((s) => StreamCursor.open(nc, jsm, stream, s, start)))) cursors.push(s);
      const first = await Promise.all(cursors.map((c) => c.next(want)));
      return new MergedReader(subjects.join('|'), cursors, first);
    } catch (e) {
      for (const c of cursors) c.close();
      throw e;
    }
  }

  /**
   * The next message in sequence order without taking it; null at the end
   * of the stream. `want`: how many more messages the read expects to take.
   */
  async peek(want = Infinity): Promise<StoredMessage | null> {
    let best = -1;
    for (let i = 0; i < this.cursors.length; i++) {
      if (this.at[i]! >= this.pages[i]!.length) {
        if (this.exhausted[i]) continue;
        this.pages[i] = await this.cursors[i]!.next(want);
        this.at[i] = 0;
        if (this.pages[i]!.length === 0) {
          this.exhausted[i] = true;
          continue;
        }
      }
      if (best < 0 || this.pages[i]![this.at[i]!]!.seq < this.pages[best]![this.at[best]!]!.seq) best = i;
    }
    return best < 0 ? null : this.pages[best]![this.at[best]!]!;
  }

  /** Takes the message peek() returned. */
  take(): void {
    let best = -1;
    for (let i = 0; i < this.cursors.length; i++) {
      if (this.at[i]! >= this.pages[i]!.length) continue;
      if (best < 0 || this.pages[i]![this.at[i]!]!.seq < this.pages[best]![this.at[best]!]!.seq) best = i;
    }
    if (best >= 0) this.position = this.pages[best]![this.at[best]!++]!.seq;
  }

  close(): void {
    for (const c of this.cursors) c.close();
  }
}

/** Readers waiting for the next page of a paged read, by subjects and position. */
export class ReaderPark {
  private readonly parked = new Map<string, { reader: MergedReader; timer: NodeJS.Timeout }>();

  private static id(subjects: string, key: string, after: number): string {
    return `${subjects}\n${key}\n${after}`;
  }

  /**
   * A reader of `subjects` that stopped where a read after `after` begins:
   * it has taken everything up to `after`, or it answered the same query
   * (`key`) with `after` as its last match.
   */
  take(subjects: readonly string[], key: string, after: number): MergedReader | null {
    const s = subjects.join('|');
    for (const id of [ReaderPark.id(s, key, after), ReaderPark.id(s, '', after)]) {
      const hit = this.parked.get(id);
      if (!hit) continue;
      this.parked.delete(id);
      clearTimeout(hit.timer);
      hit.reader.rewind();
      return hit.reader;
    }
    return null;
  }

  put(reader: MergedReader): void {
    // by its position (any query), or by its last match (the same query) when that is earlier
    const id = reader.lastMatch < reader.position && reader.key !== '' ? ReaderPark.id(reader.subjects, reader.key, reader.lastMatch) : ReaderPark.id(reader.subjects, '', reader.position);
    this.parked.get(id)?.reader.close();
    const timer = setTimeout(() => {
      this.parked.delete(id);
      reader.close();
    }, PARK_MS);
    timer.unref();
    this.parked.set(id, { reader, timer });
    if (this.parked.size > PARKED) {
      const [oldest, v] = this.parked.entries().next().value!;
      this.parked.delete(oldest);
      clearTimeout(v.timer);
      v.reader.close();
    }
  }

  clear(): void {
    for (const { reader, timer } of this.parked.values()) {
      clearTimeout(timer);
      reader.close();
    }
    this.parked.clear();
  }
}
