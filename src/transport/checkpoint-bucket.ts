/**
 * Replay checkpoints kept in NATS, for replays that read the JetStream
 * stream: a key-value bucket `<stream>_checkpoints` in the layout of NATS
 * KV (stream `KV_<bucket>`, subjects `$KV.<bucket>.<key>`, one message per
 * key), so `nats kv get CROSSTALK_checkpoints nightly` shows one. A value
 * is the last stream sequence replayed under the name, as decimal text.
 *
 * `set` is buffered as a store's is: a replay moves its checkpoint with
 * every event, so each name has one write in flight, carrying the latest
 * value; `flush()` waits until the last value set is stored.
 */
import { DiscardPolicy, JetStreamApiCodes, JetStreamApiError, StorageType, jetstream, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

/** KV keys: letters, digits, `-`, `_`, `=`; any other name is written in base64url after `b64.`. */
const PLAIN_KEY = /^[-_=A-Za-z0-9]+$/;

export function checkpointKey(name: string): string {
  return PLAIN_KEY.test(name) ? name : `b64.${Buffer.from(name, 'utf8').toString('base64url')}`;
}

export class CheckpointBucket {
  private readonly bucket: string;
  private ready: Promise<void> | null = null;
  /** values set and not stored yet, by name */
  private readonly pending = new Map<string, number>();
  /** the write loop of each name with one running */
  private readonly writing = new Map<string, Promise<void>>();
  private failure: Error | null = null;

  constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: () => Promise<JetStreamManager>,
    stream: string,
  ) {
    this.bucket = `${stream}_checkpoints`;
  }

  private subject(name: string): string {
    return `$KV.${this.bucket}.${checkpointKey(name)}`;
  }

  /** Creates the bucket's stream when missing (the first checkpoint written). */
  private ensure(): Promise<void> {
    this.ready ??= (async () => {
      const jsm = await this.jsm();
      try {
        await jsm.streams.info(`KV_${this.bucket}`);
      } catch (e) {
        if (!(e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamNotFound)) throw e;
        await jsm.streams.add({
          name: `KV_${this.bucket}`,
          subjects: [`$KV.${this.bucket}.>`],
          max_msgs_per_subject: 1,
          discard: DiscardPolicy.New,
          allow_rollup_hdrs: true,
          deny_delete: true,
          allow_direct: true,
          storage: StorageType.File,
          num_replicas: 1,
        });
      }
    })();
    this.ready.catch(() => {
      this.ready = null; // tried again by the next write
    });
    return this.ready;
  }

  async get(name: string): Promise<number | null> {
    const buffered = this.pending.get(name);
    if (buffered !== undefined) return buffered;
    const jsm = await this.jsm();
    let m;
    try {
      m = await jsm.streams.getMessage(`KV_${this.bucket}`, { last_by_subj: this.subject(name) });
    } catch (e) {
      if (e instanceof JetStreamApiError && (e.code === JetStreamApiCodes.StreamNotFound || e.code === JetStreamApiCodes.NoMessageFound)) return null;
      throw e;
    }
    if (m === null) return null;
    const v = Number(new TextDecoder().decode(m.data));
    return Number.isSafeInteger(v) && v >= 0 ? v : null;
  }

  /** Records `sequence` under `name`; one write per name is in flight at a time, carrying the latest value. */
  set(name: string, sequence: number): void {
    this.pending.set(name, sequence);
    if (!this.writing.has(name)) this.writing.set(name, this.write(name));
  }

  private async write(name: string): Promise<void> {
    try {
      await this.ensure();
      const js = jetstream(this.nc);
      for (;;) {
        const value = this.pending.get(name);
        if (value === undefined) return;
        await js.publish(this.subject(name), String(value));
        // a value set meanwhile goes out next; this one is stored
        if (this.pending.get(name) === value) this.pending.delete(name);
      }
    } catch (e) {
      this.failure ??= e as Error;
    } finally {
      this.writing.delete(name);
    }
  }

  /** Waits until every checkpoint set so far is stored; rejects with a write's failure. */
  async flush(): Promise<void> {
    while (this.writing.size > 0) await Promise.all(this.writing.values());
    const failure = this.failure;
    this.failure = null;
    if (failure !== null) throw failure;
  }
}
