/**
 * The one observer of a bus (core/observer.ts), shared by Prometheus
 * metrics and the dashboard: counters per event type, sampled latencies,
 * and taps that keep the latest events matching a pattern (the dashboard's
 * live tail). `monitorBus(bus)` returns the bus's monitor, installing it on
 * first use; when its last user releases it, the bus's hooks go back to a
 * null check.
 *
 * Costs, per event, while installed: one Map lookup by type per publish and
 * per delivery, a bit test for latency sampling, and one pattern-cache
 * lookup per tap. Latency is sampled, never measured per event: one local
 * publish in `sampleEvery` is timed, and deliveries of events whose
 * sequence is a multiple of `sampleEvery` measure their wait.
 */
import type { Bus, Subscription } from '../core/types.js';
import type { UniversalEvent } from '../core/event.js';
import type { BusObserver, ScriptStats } from '../core/observer.js';
import { portOf, type BusPort } from '../core/port.js';
import { compilePattern, type CompiledPattern } from '../core/pattern.js';
import { CrosstalkError } from '../core/errors.js';

/** Counters of one event type (or of the overflow bucket of a prefix). */
export interface TypeCounts {
  /** the event type, or `PREFIX.*` for types past `maxTypes` under that prefix, or `*` */
  readonly type: string;
  /** the first segment of the type */
  readonly prefix: string;
  published: number;
  /** arrived from other processes */
  remote: number;
  delivered: number;
  dropped: number;
  filtered: number;
  rejected: number;
}

export type LatencyKind = 'publish' | 'receive';
export type LatencyListener = (kind: LatencyKind, seconds: number) => void;

export interface MonitorOptions {
  /** time one publish (and one delivered sequence) in this many; a power of 2; @default 64 */
  sampleEvery?: number;
  /** event types counted one by one; later ones count under `PREFIX.*`; @default 1000 */
  maxTypes?: number;
}

export const DEFAULT_SAMPLE_EVERY = 64;
export const DEFAULT_MAX_TYPES = 1000;
/** sampled local publishes remembered for receive latency (× sampleEvery events) */
const RING = 1024;

/** The first segment of an event type: the label metrics count it under. */
export function typePrefix(type: string): string {
  const dot = type.indexOf('.');
  return dot < 0 ? type : type.slice(0, dot);
}

/**
 * The latest events matching a pattern, at most `capacity` of them; older
 * ones are overwritten and counted as skipped.
 */
export class Tap {
  private readonly matches = new Map<string, boolean>();
  private readonly ring: (UniversalEvent | undefined)[];
  private head = 0;
  private size = 0;
  /** matching events overwritten before anyone took them */
  skipped = 0;
  /** matching events seen */
  seen = 0;

  constructor(
    readonly pattern: CompiledPattern,
    readonly capacity: number,
  ) {
    this.ring = new Array(capacity);
  }

  offer(e: UniversalEvent): void {
    let m = this.matches.get(e.event_type);
    if (m === undefined) {
      m = this.pattern.test(e.event_type);
      if (this.matches.size >= 10_000) this.matches.clear();
      this.matches.set(e.event_type, m);
    }
    if (!m) return;
    this.seen++;
    if (this.size === this.capacity) {
      this.head = (this.head + 1) % this.capacity;
      this.size--;
      this.skipped++;
    }
    this.ring[(this.head + this.size) % this.capacity] = e;
    this.size++;
  }

  /** Everything held, oldest first, and empties the tap. */
  take(): UniversalEvent[] {
    const out: UniversalEvent[] = new Array(this.size);
    for (let i = 0; i < this.size; i++) {
      const k = (this.head + i) % this.capacity;
      out[i] = this.ring[k]!;
      this.ring[k] = undefined;
    }
    this.head = 0;
    this.size = 0;
    return out;
  }
}

export class BusMonitor implements BusObserver {
  readonly startedAt = Date.now();
  private readonly port: BusPort;
  private readonly sampleMask: number;
  private readonly sampleShift: number;
  private readonly maxTypes: number;
  private readonly types = new Map<string, TypeCounts>();
  /** counters in first-seen order (prefixes keep their metric label in that order) */
  private readonly order: TypeCounts[] = [];
  private tracked = 0;
  private publishCountdown: number;
  /** ids, not events: holding sampled events would keep them alive into the old generation */
  private readonly ringIds: (string | undefined)[] = new Array(RING);
  private readonly ringTimes = new Float64Array(RING);
  private readonly latencyListeners = new Set<LatencyListener>();
  private taps: Tap[] = [];
  /** the last type looked up: publishers send runs of one type */
  private lastType = '';
  private lastCounts: TypeCounts | null = null;
  private users = 0;

  constructor(
    readonly bus: Bus,
    options: MonitorOptions = {},
  ) {
    this.port = portOf(bus);
    const every = options.sampleEvery ?? DEFAULT_SAMPLE_EVERY;
    if (!Number.isInteger(every) || every < 1 || every > 1 << 20 || (every & (every - 1)) !== 0) {
      throw new CrosstalkError('INVALID_OPTION', `Expected \`sampleEvery\` to be a power of 2 from 1 to 1048576, got ${every}`, {
        option: 'sampleEvery',
      });
    }
    const maxTypes = options.maxTypes ?? DEFAULT_MAX_TYPES;
    if (!Number.isInteger(maxTypes) || maxTypes < 1 || maxTypes > 1_000_000) {
      throw new CrosstalkError('INVALID_OPTION', `Expected \`maxTypes\` to be an integer from 1 to 1000000, got ${maxTypes}`, {
        option: 'maxTypes',
      });
    }
    this.sampleMask = every - 1;
    this.sampleShift = Math.log2(every);
    this.publishCountdown = every;
    this.maxTypes = maxTypes;
  }

  // ---- BusObserver ------------------------------------------------------------

  timePublish(): boolean {
    if (--this.publishCountdown > 0) return false;
    this.publishCountdown = this.sampleMask + 1;
    return this.latencyListeners.size > 0;
  }

  publishTimed(seconds: number): void {
    for (const l of this.latencyListeners) l('publish', seconds);
  }

  /** The counters of `type`: the last ones again, or a Map lookup. */
  private countsOf(type: string): TypeCounts {
    if (type === this.lastType) return this.lastCounts!;
    const c = this.types.get(type) ?? this.counts(type);
    this.lastType = type;
    this.lastCounts = c;
    return c;
  }

  published(e: UniversalEvent, remote: boolean): void {
    const c = this.countsOf(e.event_type);
    if (remote) c.remote++;
    else {
      c.published++;
      if ((e.sequence & this.sampleMask) === 0) {
        const k = (e.sequence >>> this.sampleShift) & (RING - 1);
        this.ringIds[k] = e.id;
        this.ringTimes[k] = performance.now();
      }
    }
    const taps = this.taps;
    for (let i = 0; i < taps.length; i++) taps[i]!.offer(e);
  }

  delivered(_sub: Subscription, e: UniversalEvent): void {
    this.countsOf(e.event_type).delivered++;
    if ((e.sequence & this.sampleMask) === 0 && this.latencyListeners.size > 0) this.receiveSample(e);
  }

  dropped(_sub: Subscription, e: UniversalEvent): void {
    this.countsOf(e.event_type).dropped++;
  }

  filtered(_sub: Subscription, e: UniversalEvent): void {
    this.countsOf(e.event_type).filtered++;
  }

  rejected(_sub: Subscription, eventType: string): void {
    this.countsOf(eventType).rejected++;
  }

  /**
   * How long a sampled event waited from publish to this receive: exactly
   * for a local publish still in the ring, otherwise from its timestamp
   * (millisecond precision; another process's clock for remote events).
   */
  private receiveSample(e: UniversalEvent): void {
    const k = (e.sequence >>> this.sampleShift) & (RING - 1);
    let seconds: number;
    if (this.ringIds[k] === e.id) seconds = (performance.now() - this.ringTimes[k]!) / 1000;
    else {
      const ts = Date.parse(e.timestamp);
      if (Number.isNaN(ts)) return;
      seconds = Math.max(0, Date.now() - ts) / 1000;
    }
    for (const l of this.latencyListeners) l('receive', seconds);
  }

  /** The counters of a type seen for the first time (or its prefix's overflow bucket). */
  private counts(type: string): TypeCounts {
    const prefix = typePrefix(type);
    let c: TypeCounts | undefined;
    if (this.tracked < this.maxTypes) {
      this.tracked++;
      c = this.fresh(type, prefix);
    } else {
      // past the limit: one bucket per prefix, then one for everything else
      const key = `${prefix}.*`;
      c = this.types.get(key) ?? (this.tracked < 2 * this.maxTypes ? (this.tracked++, this.fresh(key, prefix)) : undefined);
      c ??= this.types.get('*') ?? this.fresh('*', '*');
    }
    // aliases stay bounded: past that, such types are looked up each time
    if (this.types.size < 10 * this.maxTypes) this.types.set(type, c);
    return c;
  }

  private fresh(type: string, prefix: string): TypeCounts {
    const c: TypeCounts = { type, prefix, published: 0, remote: 0, delivered: 0, dropped: 0, filtered: 0, rejected: 0 };
    this.types.set(type, c);
    this.order.push(c);
    return c;
  }

  // ---- reading ------------------------------------------------------------------

  /** Every type's counters, in first-seen order (live objects: copy what you keep). */
  typeCounts(): readonly TypeCounts[] {
    return this.order;
  }

  /** What the script hosts on this bus report now. */
  scriptStats(): ScriptStats[] {
    return this.port.scriptStats();
  }

  onLatency(listener: LatencyListener): () => void {
    this.latencyListeners.add(listener);
    return () => this.latencyListeners.delete(listener);
  }

  /** Starts keeping the latest `capacity` events matching `pattern` (INVALID_PATTERN for a bad one). */
  tap(pattern: string, capacity: number): Tap {
    const t = new Tap(compilePattern(pattern), capacity);
    this.taps = [...this.taps, t];
    return t;
  }

  untap(t: Tap): void {
    this.taps = this.taps.filter((x) => x !== t);
  }

  // ---- users ----------------------------------------------------------------------

  /** A user (metrics, a dashboard) starts relying on the monitor. */
  retain(): void {
    this.users++;
  }

  /** The last user gone: the bus forgets the monitor and its hooks cost a null check again. */
  release(): void {
    if (--this.users > 0) return;
    this.users = 0;
    if (this.port.observer === this) this.port.setObserver(null);
    MONITORS.delete(this.bus);
  }
}

const MONITORS = new WeakMap<Bus, BusMonitor>();

/**
 * The monitor of `bus`, installed as its observer on first use (options
 * apply then). Call `retain()`/`release()` around its use.
 */
export function monitorBus(bus: Bus, options?: MonitorOptions): BusMonitor {
  let m = MONITORS.get(bus);
  if (m === undefined) {
    m = new BusMonitor(bus, options);
    const port = portOf(bus);
    if (port.observer !== null) {
      throw new CrosstalkError('INVALID_OPTION', 'this bus already has an observer that is not crosstalk\'s monitor', { option: 'bus' });
    }
    port.setObserver(m);
    MONITORS.set(bus, m);
  }
  return m;
}
