/**
 * The start barrier of scripts started together (`runScripts`, `crosstalk
 * run`): what each script publishes before its first wait is held, and its
 * first wait does not begin, until every script of the group has reached
 * its first wait (or ended). Then the held publishes are delivered, in the
 * order they were made, and the waits begin. So a script's publishes never
 * race another script's subscriptions at start-up (docs/scripts.md: "Starting
 * together").
 *
 * A held publish that has to wait for room in a full `block` queue lets the
 * waits begin (only a waiting script can make that room), and holds back
 * the held publishes after it and the new ones, so each publisher's order
 * stays as it was made.
 *
 * A group that takes longer than `maxHoldMs` to get there (a script
 * computing for long before it first waits) opens anyway; the time counts
 * from when the last script of the group began to run, so slow start-ups
 * (many isolates on a busy machine) do not open it early.
 */
export const DEFAULT_MAX_HOLD_MS = 5000;

export class StartGate {
  private readonly pending = new Set<object>();
  /** members whose script has not begun to run yet */
  private readonly unstarted = new Set<object>();
  private readonly held: (() => unknown)[] = [];
  private state: 'closed' | 'releasing' | 'open' = 'closed';
  private resolveOpened!: () => void;
  private resolveDelivered!: () => void;
  /**
   * resolves once the waits may begin: the held publishes are delivered, or
   * the next one has to wait for room in a `block` queue
   */
  readonly opened: Promise<void>;
  /** resolves once every held publish is delivered */
  readonly delivered: Promise<void>;
  private timer: NodeJS.Timeout | null = null;
  private waitsBegun = false;

  constructor(private readonly maxHoldMs = DEFAULT_MAX_HOLD_MS) {
    this.opened = new Promise((resolve) => (this.resolveOpened = resolve));
    this.delivered = new Promise((resolve) => (this.resolveDelivered = resolve));
  }

  /** True while waits must not begin: until the gate opens. */
  get holdsWaits(): boolean {
    return !this.waitsBegun;
  }

  /** True while publishes must be held: until every held publish is delivered. */
  get closed(): boolean {
    return this.state !== 'open';
  }

  /** A member of the group, before it starts. */
  join(member: object): void {
    if (this.state !== 'closed') return;
    this.pending.add(member);
    this.unstarted.add(member);
  }

  /** A member's script begins to run. */
  started(member: object): void {
    if (!this.unstarted.delete(member) || this.unstarted.size > 0) return;
    if (this.state === 'closed' && this.timer === null && this.maxHoldMs > 0) {
      this.timer = setTimeout(() => this.open(), this.maxHoldMs);
      this.timer.unref();
    }
  }

  /** A member reached its first wait, or ended. */
  arrive(member: object): void {
    this.started(member);
    if (!this.pending.delete(member)) return;
    if (this.pending.size === 0) this.open();
  }

  /** Holds a publish until the gate opens and the publishes held before it are delivered (only while `closed`). */
  hold(publish: () => unknown): void {
    this.held.push(publish);
  }

  private open(): void {
    if (this.state !== 'closed') return;
    this.state = 'releasing';
    if (this.timer !== null) clearTimeout(this.timer);
    void this.release(0).then(() => {
      this.letWaitsBegin();
      this.resolveDelivered();
    });
  }

  private letWaitsBegin(): void {
    this.waitsBegun = true;
    this.resolveOpened();
  }

  /**
   * Delivers the held publishes in order, those held meanwhile included; one
   * that has to wait (a full `block` queue) holds back the rest, and lets the
   * waits begin: the queue's subscriber may be waiting at the gate.
   */
  private async release(from: number): Promise<void> {
    for (let i = from; i < this.held.length; i++) {
      const r = this.held[i]!();
      if (r instanceof Promise) {
        this.letWaitsBegin();
        await r.catch(() => undefined);
      }
    }
    this.held.length = 0;
    this.state = 'open'; // at once: a publish made after this goes straight out
  }
}
