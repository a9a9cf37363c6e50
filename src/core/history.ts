/**
 * Catch-up subscriptions: stored history first, then live events, with no gap
 * and no duplicate. The subscription starts queueing live events the moment
 * it is created, at bus sequence `liveFrom`; history is every stored match
 * with a sequence up to and including `liveFrom`, read in pages.
 */
import { CrosstalkError } from './errors.js';
import { parseTime } from './query.js';
import type { UniversalEvent } from './event.js';
import type { Backlog } from './target.js';
import type { EventStore } from './types.js';

const PAGE = 500;

export function historyBacklog(
  store: EventStore,
  patterns: readonly string[],
  fromSequence: number | null,
  fromTime: string | number | null,
  liveFrom: number,
): Backlog {
  let cursor = fromSequence ?? 0;
  let startTime: number | undefined;
  if (fromTime !== null) {
    try {
      startTime = parseTime(fromTime, 'from_time');
    } catch (e) {
      // the same time rules as query; as a subscribe option it is INVALID_OPTION
      throw new CrosstalkError('INVALID_OPTION', (e as Error).message, { option: 'from_time', cause: e });
    }
  }
  let flushed: Promise<void> | null = null;
  return {
    async next(): Promise<UniversalEvent[]> {
      if (cursor >= liveFrom) return [];
      // everything published before the subscription must be on disk first
      flushed ??= store.flush();
      await flushed;
      // one query per pattern, merged by sequence: each returns its smallest
      // sequences after the cursor, so the merge's first PAGE are exact
      const pages = await Promise.all(
        patterns.map((p) =>
          store.query({ event_type: p, after_sequence: cursor, start_time: startTime, limit: PAGE, order: 'asc' }),
        ),
      );
      const seen = new Set<number>();
      const merged = pages
        .flat()
        .filter((e) => e.sequence <= liveFrom && !seen.has(e.sequence) && seen.add(e.sequence))
        .sort((a, b) => a.sequence - b.sequence)
        .slice(0, PAGE);
      if (merged.length === 0) {
        cursor = liveFrom;
        return [];
      }
      cursor = merged[merged.length - 1]!.sequence;
      return merged;
    },
  };
}
