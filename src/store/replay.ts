/**
 * Replay (docs/persistence.md "Persistence, query and replay"): re-publish stored events on the live bus, in sequence
 * order, spaced as they were originally (divided by `speed`; 0 = no
 * waiting). Each copy is a new event (new id and sequence) whose
 * `metadata.replay = {original_id, original_sequence}` names the original.
 *
 * A named `checkpoint` records the last replayed sequence in the store, so
 * the next replay under that name resumes after it. The checkpoint moves
 * with every delivered event and is flushed when the replay ends, so an
 * interrupted replay resumes exactly where it stopped. Delivered means
 * published on the bus, or, when the caller passes `settle` (a bus joined to
 * other processes), confirmed by it: the checkpoint then moves page by page,
 * only past what `settle` confirmed.
 *
 * Only events stored before the replay began are replayed: if the copies
 * are themselves persisted, the replay does not chase its own tail.
 */
import { CrosstalkError, describeValue } from '../core/errors.js';
import type { UniversalEvent } from '../core/event.js';
import { normalizeQuery } from '../core/query.js';
import type { Bus, EventInit, EventQuery, EventStore } from '../core/types.js';
import { checkCheckpointName } from './checkpoint.js';
import { hasCheckpoints, latestSequence } from './types.js';

export const DEFAULT_REPLAY_SPEED = 1;
/** events fetched per store query while replaying */
const PAGE = 1000;

export interface ReplaySpec {
  query: EventQuery;
  speed: number;
  checkpoint?: string;
  /** at most this many events; default: all that match */
  max?: number;
}

export interface ReplayOptions {
  /** aborting stops the replay; the promise then resolves with the count so far */
  signal?: AbortSignal;
  /** called after each event is re-published, with the original and the new id */
  onEvent?: (original: UniversalEvent, newId: string) => void;
  /**
   * Resolves once every event published so far has reached its destination
   * (`bus.flush()` for a bus joined through NATS), rejects when some did not.
   * With it, the checkpoint moves only past confirmed events: after each page
   * and at the end; a failure leaves it at the last confirmed one.
   */
  settle?: () => Promise<void>;
}

/**
 * Validates `{...query fields, speed, checkpoint, limit}`. In a replay,
 * `limit` caps the total number replayed (no upper bound); `order` must be
 * asc, since a replay runs forwards.
 */
export function parseReplaySpec(input: unknown): ReplaySpec {
  if (input !== undefined && input !== null && (typeof input !== 'object' || Array.isArray(input))) {
    throw new CrosstalkError('INVALID_QUERY', `a replay must be a table of query fields, got ${describeValue(input)}`);
  }
  const { speed, checkpoint, limit, ...rest } = (input ?? {}) as Record<string, unknown>;
  const query = normalizeQuery(rest);
  if (query.order !== 'asc') {
    throw new CrosstalkError('INVALID_QUERY', 'replay.order must be "asc": a replay runs in sequence order', { option: 'order' });
  }
  const spec: ReplaySpec = { query, speed: DEFAULT_REPLAY_SPEED };
  if (speed !== undefined && speed !== null) {
    if (typeof speed !== 'number' || !Number.isFinite(speed) || speed < 0) {
      throw new CrosstalkError('INVALID_OPTION', `replay.speed must be a finite number >= 0, got ${describeValue(speed)}`, {
        option: 'speed',
      });
    }
    spec.speed = speed;
  }
  if (checkpoint !== undefined && checkpoint !== null) {
    checkCheckpointName(checkpoint);
    spec.checkpoint = checkpoint;
  }
  if (limit !== undefined && limit !== null) {
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) {
      throw new CrosstalkError('INVALID_QUERY', `replay.limit must be a positive integer, got ${describeValue(limit)}`, { option: 'limit' });
    }
    spec.max = limit;
  }
  return spec;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

function copyOf(e: UniversalEvent): EventInit {
  const { component, instance_id, language, correlation_id } = e.source;
  return {
    event_type: e.event_type,
    data: e.data,
    metadata: { ...e.metadata, replay: { original_id: e.id, original_sequence: e.sequence } },
    priority: e.priority,
    source: { component, instance_id, language, ...(correlation_id !== undefined ? { correlation_id } : {}) },
    ...(correlation_id !== undefined ? { correlation_id } : {}),
    // the original is stored already; a copy stored again would be a duplicate
    persistent: false,
  };
}

/** Re-publishes matching stored events on `bus`; resolves with how many. */
export async function replay(bus: Bus, store: EventStore, input: unknown, options: ReplayOptions = {}): Promise<number> {
  const spec = parseReplaySpec(input);
  const { signal } = options;
  let after = spec.query.after_sequence ?? 0;
  if (spec.checkpoint !== undefined) {
    if (!hasCheckpoints(store)) {
      throw new CrosstalkError('INVALID_OPTION', `the ${store.kind} store cannot keep replay checkpoints`, { option: 'checkpoint' });
    }
    after = Math.max(after, (await store.getCheckpoint(spec.checkpoint)) ?? 0);
  }
  const stopAt = await latestSequence(store);
  const max = spec.max ?? Infinity;
  const checkpoint = spec.checkpoint !== undefined && hasCheckpoints(store) ? { store, name: spec.checkpoint } : null;
  const settle = options.settle;
  let count = 0;
  /** the last sequence re-published, and the last one the checkpoint holds */
  let published = after;
  let recorded = after;
  const confirm = async () => {
    if (published === recorded) return;
    if (settle) await settle();
    recorded = published;
    checkpoint?.store.setCheckpoint(checkpoint.name, recorded);
  };
  let firstTs: number | null = null;
  const startedAt = Date.now();
  try {
    while (count < max && !signal?.aborted) {
      const want = Math.min(PAGE, max - count);
      const page = await store.query({ ...spec.query, after_sequence: published, limit: want, order: 'asc' });
      let end = page.length < want;
      for (const original of page) {
        if (original.sequence > stopAt || count >= max || signal?.aborted) {
          end = true;
          break;
        }
        if (spec.speed > 0) {
          const ts = Date.parse(original.timestamp);
          firstTs ??= ts;
          await sleep(startedAt + (ts - firstTs) / spec.speed - Date.now(), signal);
          if (signal?.aborted) {
            end = true;
            break;
          }
        }
        const id = await bus.publish(copyOf(original));
        published = original.sequence;
        count++;
        // without `settle`, publishing is delivering: the checkpoint follows each event
        if (!settle) await confirm();
        options.onEvent?.(original, id);
      }
      await confirm();
      if (end) break;
    }
    return count;
  } finally {
    if (checkpoint !== null && recorded !== after) await store.flush();
  }
}
