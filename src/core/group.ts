/**
 * A work queue (docs/coordination.md "Work queues"): subscriptions sharing a group name
 * split the events their patterns match, each event going to one member,
 * as in a Redis consumer group or a JetStream consumer.
 *
 * The router holds the group, not its members; the group picks a member
 * (round robin, least loaded or weighted), passing over members whose queue
 * is full or that stopped receiving (events queued, none taken for
 * `stall_ms`), and puts the event in that member's queue.
 *
 * With `ack`, every event handed out stays pending until acknowledged. The
 * clock starts when the event is handed to a member (its queue is the
 * member's receive buffer, as a push consumer's is): not acknowledged within
 * `ack_wait_ms`, given back with nak, or held by a member that ends, it goes
 * to another member as a copy with `metadata.delivery.count` one higher;
 * after `max_deliver` deliveries it is published as
 * `crosstalk.dead_letter.<group>` instead. A copy a member still holds after
 * its event went elsewhere is stale and skipped when taken.
 */
import { taskNow } from './clock.js';
import { CrosstalkError } from './errors.js';
import type { JsonObject, UniversalEvent } from './event.js';
import type { GroupSettings } from './group-options.js';
import type { CompiledPattern } from './pattern.js';
import type { SubscriptionImpl } from './subscription.js';
import type { DeliveryTarget } from './target.js';
import type { Backpressure, GroupStats, NakOptions } from './types.js';

/** What a group needs from its bus. */
export interface GroupOwner {
  /** publishes `crosstalk.dead_letter.<group>` for an event out of deliveries */
  deadLetter(group: Group, event: UniversalEvent, deliveries: number): void;
  /** the last member left: the router no longer sends events here */
  retire(group: Group): void;
}

/** One unacknowledged event of an ack group. */
interface Pending {
  /** the event as published, without delivery metadata */
  readonly original: UniversalEvent;
  /** the copy handed out last */
  copy: UniversalEvent;
  member: SubscriptionImpl | null;
  /** deliveries so far */
  count: number;
  deadline: number;
  /** the member has taken it from its queue */
  taken: boolean;
}

export class Group implements DeliveryTarget {
  readonly id: string;
  readonly members: SubscriptionImpl[] = [];
  /** smooth weighted round robin: each member's running weight */
  private current: number[] = [];
  private cursor = 0;
  /** handed out, unacknowledged, in deadline order (every ack wait is the same length) */
  private readonly assigned = new Map<string, Pending>();
  /** given back with a delay, waiting for it */
  private readonly parked = new Map<string, { p: Pending; timer: NodeJS.Timeout }>();
  /** events with nowhere to go yet (every member full, or none left), in order */
  private readonly waiting = new Map<string, Pending | UniversalEvent>();
  private roomWaiters: (() => void)[] = [];
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  rejected = 0;
  blocked = 0;
  /** DeliveryTarget: a group picks a member for every event, so a publish always offers it */
  slot = -1;
  readonly dropMark = 0;
  private readonly counts = { delivered: 0, acked: 0, redelivered: 0, naks: 0, dead_lettered: 0, dropped: 0, filtered: 0 };
  /** `metadata.delivery` of every first delivery: one frozen object (received events are read-only) */
  private readonly firstDelivery: JsonObject;

  constructor(
    readonly name: string,
    readonly patterns: readonly string[],
    readonly compiled: readonly CompiledPattern[],
    readonly settings: Readonly<GroupSettings>,
    readonly backpressure: Backpressure,
    readonly blockTimeoutMs: number,
    private readonly owner: GroupOwner,
  ) {
    this.id = `group:${name}`;
    this.firstDelivery = Object.freeze({ group: name, count: 1 });
  }

  get maxQueueSize(): number {
    let n = 0;
    for (const m of this.members) n += m.maxQueueSize;
    return n;
  }

  /** No member has room. */
  get full(): boolean {
    for (const m of this.members) if (m.hasRoom) return false;
    return true;
  }

  get congested(): boolean {
    return this.roomWaiters.length > 0 || this.full;
  }

  get pendingCount(): number {
    let n = this.assigned.size + this.parked.size;
    if (this.settings.ack) for (const w of this.waiting.values()) if (isPending(w)) n++;
    return n;
  }

  // ---- membership ---------------------------------------------------------------

  join(m: SubscriptionImpl): void {
    m.group = this;
    m.lastTakeAt = Date.now();
    this.members.push(m);
    this.current.push(0);
    this.flushWaiting();
  }

  /** A member ends: what it holds goes to the others (or waits for a member). */
  leave(m: SubscriptionImpl): void {
    const at = this.members.indexOf(m);
    if (at < 0) return;
    this.members.splice(at, 1);
    this.current.splice(at, 1);
    if (this.cursor > at) this.cursor--;
    const queued = m.takeQueued();
    if (!this.settings.ack) {
      for (const e of queued) this.place(e, m);
    } else {
      // taken and unacknowledged first: they came before what is still queued
      const held: Pending[] = [];
      for (const p of this.assigned.values()) if (p.member === m && p.taken) held.push(p);
      for (const p of held) {
        this.assigned.delete(p.original.id);
        m.inFlight--;
        this.redeliver(p, m);
      }
      // never taken: it moves without counting a delivery
      for (const copy of queued) {
        const p = this.assigned.get(copy.id);
        if (p !== undefined && p.copy === copy) {
          this.assigned.delete(copy.id);
          this.handOut(p, p.count, m);
        }
      }
    }
    if (this.members.length === 0) this.owner.retire(this);
    this.wakeRoomWaiters();
  }

  // ---- delivery -------------------------------------------------------------------

  /** DeliveryTarget: never called (the mark is always 0). */
  foldSkipped(): void {}

  /** The router's entry: one member gets the event. */
  offer(e: UniversalEvent): void {
    if (!this.settings.ack) {
      this.place(e, null);
      return;
    }
    const p: Pending = { original: e, copy: e, member: null, count: 0, deadline: 0, taken: false };
    this.handOut(p, 1, null);
  }

  /** Non-ack groups: gives `e` to a member (not `avoid`, when another can take it). */
  private place(e: UniversalEvent, avoid: SubscriptionImpl | null): void {
    const m = this.pick(e, avoid, true);
    if (m === null) return this.noTaker(e, e);
    this.counts.delivered++;
    m.offer(e);
  }

  /** Ack groups: hands `p` out as delivery number `count`. */
  private handOut(p: Pending, count: number, avoid: SubscriptionImpl | null): void {
    const m = this.pick(p.original, avoid, count === 1);
    if (m === null) {
      // when room appears it goes out as this same delivery number
      p.count = count - 1;
      return this.noTaker(p.original, p);
    }
    const now = taskNow();
    p.copy = withDelivery(p.original, count === 1 ? this.firstDelivery : { group: this.name, count });
    p.member = m;
    p.count = count;
    p.taken = false;
    p.deadline = now + this.settings.ack_wait_ms;
    this.assigned.set(p.original.id, p);
    this.counts.delivered++;
    this.arm(now);
    m.offer(p.copy);
  }

  /** Nobody accepts the event, or nobody has room for a redelivery: filtered, or waiting. */
  private noTaker(e: UniversalEvent, item: Pending | UniversalEvent): void {
    if (this.members.length > 0 && !this.members.some((m) => m.memberAccepts === null || m.memberAccepts(e))) {
      this.counts.filtered++;
      return;
    }
    this.waiting.set(e.id, item);
  }

  /**
   * The member for `e`: one whose filter accepts it, preferring one with room
   * that is not stalled, then one with room, then (a new event under a drop
   * policy: its queue drops one) any. Null when no member accepts it, or it
   * is a redelivery and no member has room.
   */
  private pick(e: UniversalEvent, avoid: SubscriptionImpl | null, anyAtAll: boolean): SubscriptionImpl | null {
    const n = this.members.length;
    if (n === 0) return null;
    let now = 0;
    const skipAvoid = avoid !== null && n > 1;
    const ok = (m: SubscriptionImpl, strict: boolean): boolean => {
      if (skipAvoid && m === avoid) return false;
      if (m.memberAccepts !== null && !m.memberAccepts(e)) return false;
      if (!strict) return true;
      if (!m.hasRoom) return false;
      if (m.load === 0) return true;
      if (now === 0) now = taskNow();
      return !m.stalled(now, this.settings.stall_ms);
    };
    const chosen = this.choose(ok, true) ?? this.choose((m) => ok(m, false) && m.hasRoom, false);
    if (chosen !== null) return chosen;
    if (!anyAtAll || this.backpressure === 'block' || this.backpressure === 'reject') return null;
    return this.choose((m) => ok(m, false), false);
  }

  private choose(ok: (m: SubscriptionImpl, strict: boolean) => boolean, strict: boolean): SubscriptionImpl | null {
    const members = this.members;
    const n = members.length;
    switch (this.settings.balance) {
      case 'round_robin':
        for (let k = 0; k < n; k++) {
          const i = (this.cursor + k) % n;
          if (ok(members[i]!, strict)) {
            this.cursor = (i + 1) % n;
            return members[i]!;
          }
        }
        return null;
      case 'least_loaded': {
        let best = -1;
        for (let k = 0; k < n; k++) {
          const i = (this.cursor + k) % n;
          if (ok(members[i]!, strict) && (best < 0 || members[i]!.load < members[best]!.load)) best = i;
        }
        if (best < 0) return null;
        this.cursor = (best + 1) % n;
        return members[best]!;
      }
      case 'weighted': {
        // smooth weighted round robin (as nginx): every eligible member gains
        // its weight, the highest is chosen and pays back the total
        let best = -1;
        let total = 0;
        for (let i = 0; i < n; i++) {
          if (!ok(members[i]!, strict)) continue;
          const w = members[i]!.weight;
          this.current[i]! += w;
          total += w;
          if (best < 0 || this.current[i]! > this.current[best]!) best = i;
        }
        if (best < 0) return null;
        this.current[best]! -= total;
        return members[best]!;
      }
    }
  }

  /** A member takes `e` from its queue: false when it is a stale copy (the event went elsewhere). */
  taking(m: SubscriptionImpl, e: UniversalEvent): boolean {
    m.lastTakeAt = taskNow();
    if (!this.settings.ack) return true;
    const p = this.assigned.get(e.id);
    if (p === undefined || p.copy !== e) return false;
    p.taken = true;
    m.inFlight++;
    return true;
  }

  /** A member's full queue dropped `e` (drop_oldest / drop_newest). */
  dropped(_m: SubscriptionImpl, e: UniversalEvent): void {
    this.counts.dropped++;
    if (!this.settings.ack) return;
    const p = this.assigned.get(e.id);
    if (p !== undefined && p.copy === e) this.assigned.delete(e.id);
  }

  /** A member took an event: room for waiting redeliveries and blocked publishers. */
  roomAppeared(): void {
    if (this.waiting.size > 0) this.flushWaiting();
    if (this.roomWaiters.length > 0) this.wakeRoomWaiters();
  }

  private flushWaiting(): void {
    if (this.waiting.size === 0 || this.members.length === 0) return;
    const items = [...this.waiting.values()];
    this.waiting.clear();
    for (const item of items) {
      if (isPending(item)) this.handOut(item, item.count + 1, null);
      else this.place(item, null);
    }
  }

  // ---- acknowledgements -------------------------------------------------------------

  /** Acknowledges event `id`; false when it is not pending here. */
  ack(id: string): boolean {
    const p = this.take(id);
    if (p === undefined) return false;
    if (p.member !== null) {
      if (p.taken) p.member.inFlight--;
      p.member.acked++;
    }
    this.counts.acked++;
    if (p.member !== null) this.roomAppeared();
    return true;
  }

  /** Gives event `id` back: redelivered now (to another member when there is one) or after `delay_ms`. */
  nak(id: string, options: NakOptions | undefined): boolean {
    let delay = 0;
    if (options !== undefined && options !== null) {
      const d = (options as { delay_ms?: unknown }).delay_ms;
      if (d !== undefined && (typeof d !== 'number' || !Number.isFinite(d) || d < 0 || d > 86_400_000)) {
        throw new CrosstalkError('INVALID_OPTION', `Expected \`delay_ms\` to be a number of milliseconds from 0 to 86400000, got ${String(d)}`, {
          option: 'delay_ms',
        });
      }
      delay = (d as number | undefined) ?? 0;
    }
    const p = this.assigned.get(id);
    if (p === undefined) return false;
    this.assigned.delete(id);
    const m = p.member;
    if (m !== null) {
      if (p.taken) m.inFlight--;
      m.failed++;
    }
    this.counts.naks++;
    if (delay > 0) {
      p.member = null;
      const timer = setTimeout(() => {
        this.parked.delete(id);
        this.redeliver(p, null);
      }, delay);
      timer.unref();
      this.parked.set(id, { p, timer });
    } else this.redeliver(p, m);
    this.roomAppeared();
    return true;
  }

  /** `id` is still being worked on (a handler retrying it): its ack wait starts again. */
  touch(id: string): void {
    const p = this.assigned.get(id);
    if (p === undefined) return;
    // deadlines stay in order: the new one is the latest of all
    this.assigned.delete(id);
    p.deadline = taskNow() + this.settings.ack_wait_ms;
    this.assigned.set(id, p);
  }

  /** Removes a pending event wherever it is (handed out, parked, waiting). */
  private take(id: string): Pending | undefined {
    const p = this.assigned.get(id);
    if (p !== undefined) {
      this.assigned.delete(id);
      return p;
    }
    const parked = this.parked.get(id);
    if (parked !== undefined) {
      clearTimeout(parked.timer);
      this.parked.delete(id);
      return parked.p;
    }
    const w = this.waiting.get(id);
    if (w !== undefined && isPending(w)) {
      this.waiting.delete(id);
      return w;
    }
    return undefined;
  }

  /** Another delivery of `p`, or the dead-letter type when it had max_deliver. */
  private redeliver(p: Pending, avoid: SubscriptionImpl | null): void {
    if (p.count >= this.settings.max_deliver) {
      this.counts.dead_lettered++;
      this.owner.deadLetter(this, p.original, p.count);
      return;
    }
    this.counts.redelivered++;
    p.member = null;
    if (this.members.length === 0) this.waiting.set(p.original.id, p);
    else this.handOut(p, p.count + 1, avoid);
  }

  // ---- ack wait -------------------------------------------------------------------------

  /** One timer, at the earliest deadline; it re-arms itself for the next. */
  private arm(now: number): void {
    const first = this.assigned.values().next();
    if (first.done) return;
    const at = first.value.deadline;
    if (this.timer !== null && this.timerAt <= at) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.expire(), Math.max(0, at - now));
    this.timer.unref();
  }

  private expire(): void {
    this.timer = null;
    this.timerAt = Infinity;
    const now = Date.now();
    const due: Pending[] = [];
    for (const p of this.assigned.values()) {
      if (p.deadline > now) break;
      due.push(p);
    }
    for (const p of due) {
      this.assigned.delete(p.original.id);
      const m = p.member;
      if (m !== null) {
        if (p.taken) m.inFlight--;
        m.failed++;
      }
      this.redeliver(p, m);
    }
    this.arm(now);
    if (due.length > 0) this.roomAppeared();
  }

  // ---- blocked publishers ---------------------------------------------------------------

  waitForRoom(wake: () => void): () => void {
    this.roomWaiters.push(wake);
    return () => {
      const i = this.roomWaiters.indexOf(wake);
      if (i >= 0) this.roomWaiters.splice(i, 1);
    };
  }

  private wakeRoomWaiters(): void {
    if (this.roomWaiters.length === 0) return;
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const w of waiters) queueMicrotask(w);
  }

  // ---- lifecycle and stats ----------------------------------------------------------------

  close(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const { timer } of this.parked.values()) clearTimeout(timer);
    this.parked.clear();
    this.assigned.clear();
    this.waiting.clear();
    this.wakeRoomWaiters();
  }

  stats(): GroupStats {
    return {
      name: this.name,
      patterns: [...this.patterns],
      members: this.members.length,
      balance: this.settings.balance,
      ack: this.settings.ack,
      ...this.counts,
      pending: this.pendingCount,
      waiting: this.waiting.size,
    };
  }
}

function isPending(x: Pending | UniversalEvent): x is Pending {
  return (x as Pending).original !== undefined;
}

/** A copy of `e` whose metadata says which group delivers it and how often it has (`delivery`). */
function withDelivery(e: UniversalEvent, delivery: JsonObject): UniversalEvent {
  const metadata: JsonObject = {};
  for (const k in e.metadata) metadata[k] = e.metadata[k]!;
  metadata.delivery = delivery;
  const copy: UniversalEvent = {
    id: e.id,
    event_type: e.event_type,
    timestamp: e.timestamp,
    version: e.version,
    sequence: e.sequence,
    source: e.source,
    data: e.data,
    metadata,
    priority: e.priority,
  };
  if (e.ttl_seconds !== undefined) copy.ttl_seconds = e.ttl_seconds;
  return copy;
}
