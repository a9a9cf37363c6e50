/**
 * The work queues of one bus (docs/coordination.md "Work queues"): its groups by name,
 * which group a new member joins (it must agree with it), the groups' dead
 * letters, acknowledgements through the bus, and the counters of groups
 * that are gone. A group enters the router with its first member and
 * leaves it with its last.
 */
import { CrosstalkError, describeValue } from './errors.js';
import type { JsonObject, JsonValue, UniversalEvent } from './event.js';
import { Group, type GroupOwner } from './group.js';
import { checkAgreement, DEAD_LETTER_PREFIX, type GroupMemberOptions } from './group-options.js';
import type { ResolvedSubscribeOptions } from './options.js';
import type { CompiledPattern } from './pattern.js';
import { ackId, type DeliveryTarget } from './target.js';
import type { BusStats, GroupStats, NakOptions } from './types.js';

/** What the work queues need from their bus. */
export interface WorkQueueHost {
  route(target: DeliveryTarget, compiled: readonly CompiledPattern[]): void;
  unroute(target: DeliveryTarget, compiled: readonly CompiledPattern[]): void;
  publishSystem(type: string, data: JsonObject, fallback?: JsonObject): void;
}

export class WorkQueues implements GroupOwner {
  private readonly groups = new Map<string, Group>();
  /** counters of groups that are gone */
  private readonly past = { pending: 0, acked: 0, redelivered: 0, dead_lettered: 0 };

  constructor(private readonly host: WorkQueueHost) {}

  /** The group a new member joins: an existing one (the member must agree with it) or a new one. */
  groupFor(list: readonly string[], compiled: CompiledPattern[], opts: ResolvedSubscribeOptions, m: GroupMemberOptions): Group {
    const g = this.groups.get(m.name);
    if (g === undefined) {
      const group = new Group(m.name, [...list], compiled, m, opts.backpressure, opts.block_timeout_ms, this);
      this.groups.set(m.name, group);
      return group;
    }
    const same = (x: readonly string[]) => [...new Set(x)].sort().join('\u0000');
    if (same(g.patterns) !== same(list)) {
      throw new CrosstalkError(
        'INVALID_OPTION',
        `group ${describeValue(m.name)} subscribes to ${g.patterns.join(', ')}; every member uses the same patterns`,
        { option: 'group' },
      );
    }
    checkAgreement(m.name, { ...g.settings }, { ...m }, opts.given, ['balance', 'ack', 'ack_wait_ms', 'max_deliver', 'stall_ms']);
    checkAgreement(m.name, { backpressure: g.backpressure, block_timeout_ms: g.blockTimeoutMs }, { ...opts }, opts.given, [
      'backpressure',
      'block_timeout_ms',
    ]);
    return g;
  }

  /** A member joins; the group's first member puts the group in the router. */
  join(g: Group, member: Parameters<Group['join']>[0]): void {
    const first = g.members.length === 0;
    g.join(member);
    if (first) this.host.route(g, g.compiled);
  }

  /** GroupOwner: the last member left; the group keeps what it holds for the next member. */
  retire(g: Group): void {
    this.host.unroute(g, g.compiled);
    const s = g.stats();
    if (s.pending === 0 && s.waiting === 0) {
      this.groups.delete(g.name);
      this.past.acked += s.acked;
      this.past.redelivered += s.redelivered;
      this.past.dead_lettered += s.dead_lettered;
      g.close();
    }
  }

  /** GroupOwner: an event out of deliveries goes to `crosstalk.dead_letter.<group>`, whole. */
  deadLetter(g: Group, e: UniversalEvent, deliveries: number): void {
    const data = { group: g.name, deliveries, reason: 'max_deliver', event: e as unknown as JsonValue };
    // too large with its data, the dead letter names the event without it
    const slim = { ...data, event: { ...e, data: null } as unknown as JsonValue, data_omitted: true };
    this.host.publishSystem(DEAD_LETTER_PREFIX + g.name, data, slim);
  }

  ack(event: UniversalEvent): boolean {
    return this.groupOf(event, 'ack')?.ack(ackId(event)) ?? false;
  }

  nak(event: UniversalEvent, options?: NakOptions): boolean {
    return this.groupOf(event, 'nak')?.nak(ackId(event), options) ?? false;
  }

  /** The ack group named in `metadata.delivery`; null when it is gone (nothing is pending there any more). */
  private groupOf(event: UniversalEvent, what: string): Group | null {
    const delivery = (event as { metadata?: { delivery?: { group?: unknown } } } | null)?.metadata?.delivery;
    if (delivery === null || typeof delivery !== 'object' || typeof delivery.group !== 'string') {
      throw new CrosstalkError(
        'INVALID_OPTION',
        `bus.${what} needs an event an ack group delivered (it carries metadata.delivery.group); with an id, use sub.${what}(id)`,
        { option: 'event' },
      );
    }
    const g = this.groups.get(delivery.group);
    return g !== undefined && g.settings.ack ? g : null;
  }

  stats(name: string): GroupStats {
    const g = typeof name === 'string' ? this.groups.get(name) : undefined;
    if (g === undefined) throw new CrosstalkError('INVALID_OPTION', `no group ${describeValue(name)} on this bus`, { option: 'group' });
    return g.stats();
  }

  list(): GroupStats[] {
    return [...this.groups.values()].map((g) => g.stats());
  }

  totals(): BusStats['groups'] {
    const t = { ...this.past };
    for (const g of this.groups.values()) {
      const s = g.stats();
      t.pending += s.pending;
      t.acked += s.acked;
      t.redelivered += s.redelivered;
      t.dead_lettered += s.dead_lettered;
    }
    return t;
  }

  close(): void {
    for (const g of this.groups.values()) g.close();
    this.groups.clear();
  }
}
