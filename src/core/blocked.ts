/**
 * Publishers held by full `block` queues (docs/event-api.md "Subscribing"): all or
 * nothing, a publish waits until every congested block target it meets has
 * room, at most the shortest `block_timeout_ms` among them, then goes
 * through dispatch again (routes may have changed) or fails with
 * BLOCK_TIMEOUT having delivered nothing. Waiting publishers go in arrival
 * order; closing the bus fails them all.
 */
import { CrosstalkError } from './errors.js';
import type { Draft } from './draft.js';
import type { DeliveryTarget, SharedCounters } from './target.js';

export class BlockedPublishers {
  private readonly pending = new Set<(e: CrosstalkError) => void>();
  /** publishes that gave up waiting */
  timeouts = 0;

  constructor(
    private readonly counters: SharedCounters,
    /** tries the publish again once there is room; may wait again */
    private readonly retry: (d: Draft) => string | Promise<string>,
    private readonly isClosed: () => boolean,
  ) {}

  wait(d: Draft, waitOn: DeliveryTarget[]): Promise<string> {
    if (d.deadline === undefined) {
      d.deadline = Date.now() + Math.min(...waitOn.map((s) => s.blockTimeoutMs));
      for (const s of waitOn) {
        s.blocked++;
        this.counters.blocked++;
      }
    }
    return new Promise<string>((resolve, reject) => {
      const cancels: (() => void)[] = [];
      let settled = false;
      const finish = () => {
        settled = true;
        clearTimeout(timer);
        for (const c of cancels) c();
        this.pending.delete(fail);
      };
      const fail = (err: CrosstalkError) => {
        if (settled) return;
        finish();
        reject(err);
      };
      const wake = () => {
        if (settled) return;
        finish();
        try {
          if (this.isClosed()) throw new CrosstalkError('BUS_UNAVAILABLE', 'the bus closed while the publish waited');
          resolve(this.retry(d)); // re-route and re-check; may wait again
        } catch (err) {
          reject(err);
        }
      };
      for (const s of waitOn) cancels.push(s.waitForRoom(wake));
      this.pending.add(fail);
      const timer = setTimeout(() => {
        this.timeouts++;
        fail(
          new CrosstalkError(
            'BLOCK_TIMEOUT',
            `publish of ${d.type} waited ${Math.min(...waitOn.map((s) => s.blockTimeoutMs))} ms for room in ${waitOn.map((s) => s.id).join(', ')}; nothing was delivered`,
            { eventType: d.type, subscriptionId: waitOn[0]!.id },
          ),
        );
      }, Math.max(0, d.deadline! - Date.now()));
    });
  }

  /** The bus closes: every waiting publish fails. */
  failAll(): void {
    for (const fail of [...this.pending]) fail(new CrosstalkError('BUS_UNAVAILABLE', 'the bus closed while the publish waited'));
  }
}
