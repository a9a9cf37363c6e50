/**
 * Catch-up subscriptions: stored history first, then live events, with no gap
 * and no duplicate. The subscription starts queueing live events the moment
 * it is created.
 *
 * From a store of this bus (historyBacklog), that is at bus sequence
 * `liveFrom`; history is every stored match with a sequence up to and
 * including `liveFrom`, read in pages.
 *
 * From a transport's shared stream (streamBacklog), sequences are the
 * stream's: there is no cut. History is read once the server has the
 * subscription's interest (transport.flush), to the end of the stream, and
 * leaves out every event that was also offered live meanwhile (by id): an
 * event stored before the interest existed is in history, one published
 * after it arrives live, and one in between is delivered once.
 */
import { CrosstalkError } from './errors.js';
import { parseTime } from './query.js';
import type { UniversalEvent } from './event.js';
import type { Backlog } from './target.js';
import type { EventStore, HistorySource, Transport } from './types.js';

const PAGE = 500;

function startTimeOf(fromTime: string | number | null): number | undefined {
  if (fromTime === null) return undefined;
  try {
    return parseTime(fromTime, 'from_time');
  } catch (e) {
    // the same time rules as query; as a subscribe option it is INVALID_OPTION
    throw new CrosstalkError('INVALID_OPTION', (e as Error).message, { option: 'from_time', cause: e });
  }
}

/** One page: a query per pattern, merged by sequence (each returns its smallest after the cursor, so the first PAGE are exact). */
async function mergedPage(source: HistorySource, patterns: readonly string[], cursor: number, startTime: number | undefined): Promise<UniversalEvent[]> {
  const pages = await Promise.all(
    patterns.map((p) => source.query({ event_type: p, after_sequence: cursor, start_time: startTime, limit: PAGE, order: 'asc' })),
  );
  if (pages.length === 1) return pages[0]!;
  const seen = new Set<number>();
  return pages
    .flat()
    .filter((e) => !seen.has(e.sequence) && seen.add(e.sequence))
    .sort((a, b) => a.sequence - b.sequence)
    .slice(0, PAGE);
}

/** History from a transport's shared stream (JetStream), then live events; see above. */
export function streamBacklog(
  transport: Transport,
  source: HistorySource,
  patterns: readonly string[],
  fromSequence: number | null,
  fromTime: string | number | null,
): Backlog {
  let cursor = fromSequence ?? 0;
  const startTime = startTimeOf(fromTime);
  const live = new Set<string>();
  let registered: Promise<void> | null = null;
  let done = false;
  return {
    live,
    async next(): Promise<UniversalEvent[]> {
      if (done) return [];
      // the server must know this subscription first: then nothing falls between history and live
      registered ??= transport.flush();
      await registered;
      for (;;) {
        const page = await mergedPage(source, patterns, cursor, startTime);
        if (page.length === 0) {
          done = true;
          live.clear();
          return [];
        }
        cursor = page[page.length - 1]!.sequence;
        const fresh = page.filter((e) => !live.has(e.id));
        if (fresh.length > 0) return fresh;
      }
    },
  };
}

export function historyBacklog(
  store: EventStore,
  patterns: readonly string[],
  fromSequence: number | null,
  fromTime: string | number | null,
  liveFrom: number,
): Backlog {
  let cursor = fromSequence ?? 0;
  const startTime = startTimeOf(fromTime);
  let flushed: Promise<void> | null = null;
  return {
    async next(): Promise<UniversalEvent[]> {
      if (cursor >= liveFrom) return [];
      // everything published before the subscription must be on disk first
      flushed ??= store.flush();
      await flushed;
      const merged = (await mergedPage(store, patterns, cursor, startTime)).filter((e) => e.sequence <= liveFrom);
      if (merged.length === 0) {
        cursor = liveFrom;
        return [];
      }
      cursor = merged[merged.length - 1]!.sequence;
      return merged;
    },
  };
}
