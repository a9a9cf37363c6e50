/**
 * The part of a dashboard frame every client shares: totals, rates per
 * type, subscriptions and scripts, computed once per tick from the bus
 * monitor and the bus itself. Rates are deltas over about the last second
 * (a few ticks), so they neither jump with one late tick nor lag for long.
 */
import type { Bus } from '../../core/types.js';
import type { BusMonitor } from '../monitor.js';
import type { Frame, ScriptRow, SubscriptionRow, TypeRow } from './browser/protocol.js';

export const MAX_TYPE_ROWS = 40;
export const MAX_SUBSCRIPTION_ROWS = 50;
const RATE_WINDOW_MS = 1000;

interface Snapshot {
  at: number;
  byType: Map<string, number>;
  total: number;
  cpu: Map<string, number>;
}

export type SharedFrame = Omit<Frame, 't' | 'n' | 'tail' | 'skipped_frames'>;

export class FrameMaker {
  private history: Snapshot[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly monitor: BusMonitor,
    private readonly source: string,
    /** false when following a store: no subscriptions or scripts to show */
    private readonly liveBus: boolean,
  ) {}

  /** The oldest snapshot within the rate window (or the oldest there is). */
  private base(now: number): Snapshot | undefined {
    while (this.history.length > 1 && now - this.history[1]!.at >= RATE_WINDOW_MS) this.history.shift();
    return this.history[0];
  }

  make(now = Date.now()): SharedFrame {
    const base = this.base(now);
    const dt = base === undefined ? 0 : (now - base.at) / 1000;
    const rateOf = (was: number | undefined, is: number) => (dt > 0 ? Math.max(0, is - (was ?? 0)) / dt : 0);

    const byType = new Map<string, number>();
    const types: TypeRow[] = [];
    let published = 0;
    let remote = 0;
    let delivered = 0;
    let dropped = 0;
    for (const c of this.monitor.typeCounts()) {
      const total = c.published + c.remote;
      byType.set(c.type, total);
      published += c.published;
      remote += c.remote;
      delivered += c.delivered;
      dropped += c.dropped;
      types.push({ type: c.type, rate: rateOf(base?.byType.get(c.type), total), total, delivered: c.delivered, dropped: c.dropped });
    }
    types.sort((a, b) => b.rate - a.rate || b.total - a.total || (a.type < b.type ? -1 : 1));
    const total = published + remote;

    const cpu = new Map<string, number>();
    const scripts: ScriptRow[] = this.monitor.scriptStats().map((s) => {
      const key = `${s.script}\u0000${s.instance_id}`;
      cpu.set(key, s.cpu_ms);
      const was = base?.cpu.get(key);
      return {
        script: s.script,
        language: String(s.language),
        state: s.state,
        cpu_ms: s.cpu_ms,
        cpu_pct: dt > 0 && was !== undefined ? Math.min(100, Math.max(0, (s.cpu_ms - was) / 10 / dt)) : 0,
        heap_bytes: s.heap_bytes,
        heap_limit_bytes: s.heap_limit_bytes ?? null,
        events_in: s.events_in,
        events_out: s.events_out,
      };
    });

    const subscriptions: SubscriptionRow[] = [];
    if (this.liveBus) {
      for (const info of this.bus.listSubscriptions()) {
        let st;
        try {
          st = this.bus.subscriptionStats(info.id);
        } catch {
          continue; // closed meanwhile
        }
        subscriptions.push({
          id: info.id,
          patterns: info.patterns,
          backpressure: info.backpressure,
          queue: st.queue_size,
          max: info.max_queue_size,
          delivered: st.delivered,
          dropped: st.dropped,
          rejected: st.rejected,
        });
      }
      subscriptions.sort((a, b) => b.queue / b.max - a.queue / a.max || b.dropped - a.dropped);
    }

    this.history.push({ at: now, byType, total, cpu });
    return {
      at: now,
      source: this.source,
      totals: { published, remote, delivered, dropped, rate: rateOf(base?.total, total), subscriptions: subscriptions.length },
      types: types.slice(0, MAX_TYPE_ROWS),
      more_types: Math.max(0, types.length - MAX_TYPE_ROWS),
      subscriptions: subscriptions.slice(0, MAX_SUBSCRIPTION_ROWS),
      more_subscriptions: Math.max(0, subscriptions.length - MAX_SUBSCRIPTION_ROWS),
      scripts,
      live_bus: this.liveBus,
    };
  }
}
