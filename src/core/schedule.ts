/**
 * Scheduled publishes (docs/scripts.md "Scheduled events"): an event published once
 * after a delay, or every N ms, until cancelled — "flush every second"
 * without a loop. The publish is checked when it is scheduled (a bad type
 * or option fails then); a failure when it fires (a full `reject` queue, a
 * closed bus) is counted in `failed` and does not stop the schedule.
 */
import { CrosstalkError, describeValue } from './errors.js';
import { checkMs } from './options.js';
import type { PublishOptions } from './types.js';

/** Longer than this, a timer cannot wait. */
export const MAX_SCHEDULE_MS = 2 ** 31 - 1;

export interface ScheduleOptions extends PublishOptions {
  /** publish after this long (ms, ≥ 0); default 0, or `every_ms` when that is given */
  delay_ms?: number;
  /** then again every this long (ms, ≥ 1), until cancelled */
  every_ms?: number;
}

export interface ScheduleInfo {
  id: string;
  event_type: string;
  every_ms: number | null;
  /** times it published, and times its publish failed */
  published: number;
  failed: number;
}

interface Entry {
  info: ScheduleInfo;
  timer: NodeJS.Timeout;
}

/** The timing part of schedule options, checked; the rest are publish options. */
export function splitScheduleOptions(options: unknown): { delayMs: number; everyMs: number | null; publish: PublishOptions | undefined } {
  if (options === undefined || options === null) {
    throw new CrosstalkError('INVALID_OPTION', 'schedule needs {delay_ms} or {every_ms}', { option: 'options' });
  }
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new CrosstalkError('INVALID_OPTION', `Expected \`options\` to be an object, got ${describeValue(options)}`, { option: 'options' });
  }
  const { delay_ms, every_ms, ...publish } = options as Record<string, unknown>;
  if (delay_ms === undefined && every_ms === undefined) {
    throw new CrosstalkError('INVALID_OPTION', 'schedule needs {delay_ms} or {every_ms}', { option: 'options' });
  }
  const everyMs = every_ms === undefined ? null : checkMs('every_ms', every_ms, false);
  if (everyMs !== null && (everyMs < 1 || everyMs > MAX_SCHEDULE_MS)) {
    throw new CrosstalkError('INVALID_OPTION', `Expected \`every_ms\` to be from 1 to ${MAX_SCHEDULE_MS}, got ${describeValue(every_ms)}`, { option: 'every_ms' });
  }
  const delayMs = delay_ms === undefined ? (everyMs ?? 0) : checkMs('delay_ms', delay_ms, false);
  if (delayMs > MAX_SCHEDULE_MS) {
    throw new CrosstalkError('INVALID_OPTION', `Expected \`delay_ms\` to be at most ${MAX_SCHEDULE_MS}, got ${describeValue(delay_ms)}`, { option: 'delay_ms' });
  }
  return { delayMs, everyMs, publish: Object.keys(publish).length > 0 ? (publish as PublishOptions) : undefined };
}

export class Schedules {
  private readonly entries = new Map<string, Entry>();
  private next = 0;

  /** Starts a schedule; `publish` is called at each firing (its failures are counted). */
  add(eventType: string, delayMs: number, everyMs: number | null, publish: () => unknown): string {
    const id = `schedule-${++this.next}`;
    const info: ScheduleInfo = { id, event_type: eventType, every_ms: everyMs, published: 0, failed: 0 };
    const fire = () => {
      try {
        const r = publish();
        if (r instanceof Promise) {
          r.then(
            () => info.published++,
            () => info.failed++,
          );
        } else info.published++;
      } catch {
        info.failed++;
      }
    };
    const timer = setTimeout(() => {
      if (everyMs === null) this.entries.delete(id);
      else {
        const e = this.entries.get(id);
        if (e !== undefined) e.timer = setInterval(fire, everyMs);
      }
      fire();
    }, delayMs);
    this.entries.set(id, { info, timer });
    return id;
  }

  /** False when it had already fired (once) or was cancelled. */
  cancel(id: unknown): boolean {
    if (typeof id !== 'string') throw new CrosstalkError('INVALID_OPTION', `Expected a schedule id, got ${describeValue(id)}`, { option: 'id' });
    const e = this.entries.get(id);
    if (e === undefined) return false;
    clearTimeout(e.timer);
    clearInterval(e.timer);
    this.entries.delete(id);
    return true;
  }

  list(): ScheduleInfo[] {
    return [...this.entries.values()].map((e) => ({ ...e.info }));
  }

  cancelAll(): void {
    for (const id of [...this.entries.keys()]) this.cancel(id);
  }
}

