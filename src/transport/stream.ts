/**
 * The JetStream stream that keeps persistent events: created when missing,
 * and widened (never narrowed) when it exists without this bus's subjects,
 * so several prefixes can share one stream.
 */
import { JetStreamApiCodes, JetStreamApiError, jetstreamManager, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { CrosstalkError } from '../core/errors.js';

/** A stream name: no dots, wildcards, slashes or spaces (NATS's rule). */
const STREAM_NAME_RE = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidStreamName(name: unknown): name is string {
  return typeof name === 'string' && STREAM_NAME_RE.test(name);
}

const why = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Makes sure stream `name` captures `subject`; throws BUS_UNAVAILABLE saying what is wrong. */
export async function ensureStream(nc: NatsConnection, url: string, name: string, subject: string, timeoutMs: number): Promise<void> {
  let jsm: JetStreamManager;
  try {
    jsm = await jetstreamManager(nc, { timeout: timeoutMs });
  } catch (e) {
    throw new CrosstalkError('BUS_UNAVAILABLE', `JetStream is not available on ${url} (start nats-server with -js): ${why(e)}`, { cause: e });
  }
  try {
    const info = await jsm.streams.info(name);
    const subjects = info.config.subjects ?? [];
    if (!subjects.includes(subject)) await jsm.streams.update(name, { subjects: [...subjects, subject] });
  } catch (e) {
    if (!(e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamNotFound)) {
      throw new CrosstalkError('BUS_UNAVAILABLE', `cannot use JetStream stream ${name} on ${url} for ${subject}: ${why(e)}`, { cause: e });
    }
    try {
      await jsm.streams.add({ name, subjects: [subject], storage: StorageType.File });
    } catch (e2) {
      throw new CrosstalkError('BUS_UNAVAILABLE', `cannot create JetStream stream ${name} on ${url} for ${subject}: ${why(e2)}`, { cause: e2 });
    }
  }
}
