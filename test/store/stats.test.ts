/**
 * Rates over windows longer than the store's history (`crosstalk stats`):
 * computed over the elapsed part, and the text says which windows are partial.
 */
import { describe, expect, it } from 'vitest';
import { renderStats } from '../../src/cli/commands/stats.js';
import { windowRate, type StoreStats } from '../../src/store/types.js';

describe('windowRate', () => {
  const now = 1_800_000_000_000;
  it.each([
    // [events, window, first event ms before now, rate, seconds]
    [10, 3_600_000, 4_000, 2.5, 4],
    [10, 60_000, 4_000, 2.5, 4],
    [120, 60_000, 7_200_000, 2, 60],
    [7_200, 3_600_000, 7_200_000, 2, 3600],
    // a store a few ms old is rated over one second, not divided by almost nothing
    [3, 60_000, 5, 3, 1],
  ])('%i events in a %i ms window, store %i ms old', (count, window, age, rate, seconds) => {
    expect(windowRate(count, window, now - age, now)).toEqual({ rate, seconds });
  });

  it('an empty store has full windows and no rate', () => {
    expect(windowRate(0, 60_000, null, now)).toEqual({ rate: 0, seconds: 60 });
  });
});

describe('renderStats', () => {
  const base: StoreStats = {
    kind: 'sqlite', path: 'x.db', count: 10, expired_pending_sweep: 0, first_sequence: 1, last_sequence: 10,
    first_timestamp: '2026-12-05T10:00:00.000Z', last_timestamp: '2026-12-05T10:00:04.000Z',
    rate_overall: 2.5, rate_last_minute: 2.5, rate_last_hour: 2.5, rate_last_minute_seconds: 4, rate_last_hour_seconds: 4,
    size_bytes: 4096, by_type: [{ event_type: 'tick', count: 10, first_timestamp: '', last_timestamp: '', last_minute: 10 }],
  };

  it('marks partial windows and says over how long', () => {
    expect(renderStats(base, 20)).toContain(
      'rate       2.50/s overall · 2.50/s last minute* · 2.50/s last hour*\n           * over the 4 s since the first stored event, not the whole window\n',
    );
  });

  it('says nothing when the windows are full, and shows slow rates with two digits', () => {
    const full = { ...base, rate_last_minute: 0, rate_last_hour: 10 / 3600, rate_last_minute_seconds: 60, rate_last_hour_seconds: 3600 };
    const text = renderStats(full, 20);
    expect(text).toContain('rate       2.50/s overall · 0.00/s last minute · 0.0028/s last hour\n\n');
    expect(text).not.toContain('*');
  });

  it('a store between a minute and an hour old has a full minute and a partial hour', () => {
    const text = renderStats({ ...base, rate_last_minute_seconds: 60, rate_last_hour_seconds: 754 }, 20);
    expect(text).toContain('2.50/s last minute · 2.50/s last hour*\n           * over the 12 min 34 s since the first stored event');
  });
});
