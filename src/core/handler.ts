/**
 * Handler subscriptions (docs/coordination.md "Handler subscriptions"): the bus calls a
 * function for each event of a subscription, in order, one at a time (or
 * `concurrency` at a time), never inside publish.
 *
 * A failed call (a throw or a rejected Promise) is retried after a backoff
 * that doubles each time; an event whose every attempt failed is counted
 * failed and told as `crosstalk.handler.failed`. A circuit breaker watches
 * consecutive failed calls: at `failure_threshold` it opens and the handler
 * is not called; the subscription keeps queueing (its backpressure applies).
 * After `reset_ms` it is half-open: one trial call; success closes it,
 * failure opens it again. Each change is told as
 * `crosstalk.handler.circuit_open|circuit_half_open|circuit_closed`.
 */
import type { JsonObject } from './event.js';
import type { UniversalEvent } from './event.js';
import type { HandlerOptions } from './handler-options.js';
import type { SubscriptionImpl } from './subscription.js';
import type { BreakerState, EventHandler, HandlerStats } from './types.js';

export type HandlerEventKind = 'failed' | 'circuit_open' | 'circuit_half_open' | 'circuit_closed';
export const HANDLER_EVENT_PREFIX = 'crosstalk.handler.';

export interface HandlerOwner {
  /** publishes `crosstalk.handler.<kind>`; never throws */
  handlerEvent(kind: HandlerEventKind, data: JsonObject): void;
  /** runs `fn` as the handler of `event`: what it publishes records `metadata.caused_by` (docs/observability.md "Seeing the stream") */
  handling<T>(event: UniversalEvent, fn: () => T): T;
}

/** Sync handlers run this many events, then let the event loop turn. */
const TURN = 1000;

interface Held {
  e: UniversalEvent;
  attempt: number;
}

export class HandlerRunner {
  private running = 0;
  private scheduled = false;
  private pumping = false;
  private stopped = false;
  private state: BreakerState = 'closed';
  /** consecutive failed calls */
  private failures = 0;
  private trialSuccesses = 0;
  private trial = false;
  /** events waiting to be called again (after a backoff, or until the breaker lets them) */
  private readonly held: Held[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private counts = { succeeded: 0, failed: 0, retries: 0, breaker_opened: 0 };

  constructor(
    private readonly sub: SubscriptionImpl,
    private readonly fn: EventHandler,
    private readonly o: HandlerOptions,
    private readonly owner: HandlerOwner,
  ) {}

  /** Events were queued: handle them after the current task. */
  wake(): void {
    if (this.scheduled || this.stopped || this.pumping) return;
    this.scheduled = true;
    queueMicrotask(() => this.pump());
  }

  private pump(): void {
    this.scheduled = false;
    if (this.stopped) return;
    this.pumping = true;
    let turn = TURN;
    try {
      while (this.mayCall()) {
        if (--turn === 0) {
          this.later(0, () => this.pump());
          return;
        }
        // an event waiting for its next attempt is already counted as running
        const h = this.held.shift();
        if (h !== undefined) {
          this.call(h.e, h.attempt);
          continue;
        }
        if (this.running >= this.o.concurrency) return;
        let e: UniversalEvent | null;
        try {
          e = this.sub.take();
        } catch {
          continue; // a receive-time filter threw: that event counts as filtered
        }
        if (e === null) return;
        this.running++;
        this.call(e, 1);
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Closed: yes; open: no; half-open: one trial call at a time. */
  private mayCall(): boolean {
    if (this.state === 'closed') return true;
    return this.state === 'half_open' && !this.trial;
  }

  private call(e: UniversalEvent, attempt: number): void {
    if (this.state === 'half_open') this.trial = true;
    let r: unknown;
    try {
      r = this.owner.handling(e, () => this.fn(e, { attempt }));
    } catch (err) {
      this.failedCall(e, attempt, err);
      return;
    }
    if (r !== null && typeof r === 'object' && typeof (r as PromiseLike<unknown>).then === 'function') {
      (r as PromiseLike<unknown>).then(
        () => this.succeeded(e),
        (err: unknown) => this.failedCall(e, attempt, err),
      );
    } else this.succeeded(e);
  }

  private succeeded(e: UniversalEvent): void {
    if (this.stopped) return;
    this.running--;
    this.counts.succeeded++;
    this.failures = 0;
    if (this.state === 'half_open') {
      this.trial = false;
      if (++this.trialSuccesses >= this.o.breaker!.success_threshold) this.setState('closed', null);
    }
    if (this.sub.group?.settings.ack === true) this.sub.group.ack(e.id);
    this.wake();
  }

  private failedCall(e: UniversalEvent, attempt: number, err: unknown): void {
    if (this.stopped) return;
    this.failures++;
    const b = this.o.breaker;
    if (b !== null) {
      if (this.state === 'half_open') {
        this.trial = false;
        this.open(err);
      } else if (this.state === 'closed' && this.failures >= b.failure_threshold) this.open(err);
    }
    if (attempt < this.o.retry.attempts) {
      this.counts.retries++;
      // still being worked on: an ack group must not hand it to another member yet
      this.sub.group?.touch(e.id);
      const r = this.o.retry;
      const delay = Math.min(r.max_backoff_ms, r.backoff_ms * 2 ** (attempt - 1));
      this.later(delay, () => {
        this.held.push({ e, attempt: attempt + 1 });
        this.wake();
      });
      return;
    }
    this.running--;
    this.counts.failed++;
    this.sub.failed++;
    if (!e.event_type.startsWith(HANDLER_EVENT_PREFIX)) {
      // (a handler of crosstalk.handler.* events failing is not told again: no loop)
      this.owner.handlerEvent('failed', {
        ...this.about(),
        event_id: e.id,
        event_type: e.event_type,
        attempts: attempt,
        error: describeError(err),
      });
    }
    if (this.sub.group?.settings.ack === true) this.sub.group.nak(e.id, undefined);
    this.wake();
  }

  private open(err: unknown): void {
    this.counts.breaker_opened++;
    this.trialSuccesses = 0;
    this.setState('open', err);
    this.later(this.o.breaker!.reset_ms, () => {
      this.setState('half_open', null);
      this.wake();
    });
  }

  private setState(state: BreakerState, err: unknown): void {
    this.state = state;
    const kind = state === 'open' ? 'circuit_open' : state === 'half_open' ? 'circuit_half_open' : 'circuit_closed';
    this.owner.handlerEvent(kind, {
      ...this.about(),
      state,
      failures: this.failures,
      ...(err !== null ? { error: describeError(err) } : {}),
    });
  }

  private about(): JsonObject {
    return { subscription_id: this.sub.id, patterns: [...this.sub.patterns] };
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(t);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.held.length = 0;
  }

  stats(): HandlerStats {
    return { ...this.counts, running: this.running, breaker: this.state };
  }

  resetStats(): void {
    this.counts = { succeeded: 0, failed: 0, retries: 0, breaker_opened: 0 };
  }
}

function describeError(err: unknown): string {
  if (err instanceof Error) return err.message.slice(0, 1000);
  try {
    return String(err).slice(0, 1000);
  } catch {
    return 'an error that cannot be shown';
  }
}
