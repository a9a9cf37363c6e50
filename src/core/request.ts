/**
 * Request/reply over events (docs/scripts.md "Request and reply"), built on correlation
 * ids and a reply address, so it works between the host, Lua and JS, and
 * between processes joined through NATS:
 *
 * - a request is an ordinary event whose `metadata.reply_to` names an inbox
 *   type of the asking bus (`crosstalk.inbox.<bus>.<n>`), and whose
 *   correlation id is its own id unless it names one;
 * - a reply is published to that inbox type, carries the request's
 *   correlation id, `metadata.in_reply_to` = the request's id, and is caused
 *   by the request;
 * - the asking bus holds one inbox subscription for all its requests (made
 *   on the first request, so buses that never ask pay nothing) and settles
 *   the waiting request whose inbox the reply names. A second reply to the
 *   same request finds nobody waiting and is dropped.
 *
 * NO_RESPONDERS, as in NATS: a request whose type no subscription of this
 * bus matches fails at once — when the bus is alone. A bus joined to other
 * processes cannot know who listens there, so its requests wait for the
 * timeout instead.
 */
import { CrosstalkError, describeValue } from './errors.js';
import type { JsonObject, UniversalEvent } from './event.js';
import { checkMs } from './options.js';

/** Event types of inboxes start with this; a reply may be published only there. */
export const INBOX_PREFIX = 'crosstalk.inbox';
export const DEFAULT_REQUEST_TIMEOUT_MS = 5000;

interface Pending {
  resolve(e: UniversalEvent | null): void;
  timer: NodeJS.Timeout | undefined;
}

/** What the inbox needs from the bus it belongs to. */
export interface InboxHost {
  /** makes the one subscription of all inboxes; `deliver` gets each reply */
  subscribeInbox(pattern: string, deliver: (e: UniversalEvent) => void): void;
}

export class Inboxes {
  private readonly pending = new Map<string, Pending>();
  private subscribed = false;
  private next = 0;
  private readonly prefix: string;

  constructor(
    busId: string,
    private readonly host: InboxHost,
  ) {
    // UUIDs hold only characters event types allow
    this.prefix = `${INBOX_PREFIX}.${busId}`;
  }

  /** Requests waiting for their reply now. */
  get waiting(): number {
    return this.pending.size;
  }

  /** A fresh inbox type; the returned promise settles with the first reply or null after `timeoutMs`. */
  open(timeoutMs: number): { inbox: string; reply: Promise<UniversalEvent | null>; cancel(): void } {
    if (!this.subscribed) {
      this.subscribed = true;
      this.host.subscribeInbox(`${this.prefix}.*`, (e) => this.settle(e.event_type, e));
    }
    const inbox = `${this.prefix}.${++this.next}`;
    let entry!: Pending;
    const reply = new Promise<UniversalEvent | null>((resolve) => {
      entry = { resolve, timer: undefined };
    });
    if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
      entry.timer = setTimeout(() => this.settle(inbox, null), Math.min(timeoutMs, 2 ** 31 - 1));
    }
    this.pending.set(inbox, entry);
    return { inbox, reply, cancel: () => this.settle(inbox, null) };
  }

  private settle(inbox: string, e: UniversalEvent | null): void {
    const p = this.pending.get(inbox);
    if (p === undefined) return; // late, or a second reply
    this.pending.delete(inbox);
    if (p.timer !== undefined) clearTimeout(p.timer);
    p.resolve(e);
  }

  /** Every waiting request answers null (the bus is closing). */
  closeAll(): void {
    for (const inbox of [...this.pending.keys()]) this.settle(inbox, null);
  }
}

/** The timeout of a request's options, checked; `timeout_ms` is removed from what is published. */
export function requestTimeout(options: Record<string, unknown> | undefined): { timeoutMs: number; rest: Record<string, unknown> | undefined } {
  if (options === undefined || options === null) return { timeoutMs: DEFAULT_REQUEST_TIMEOUT_MS, rest: undefined };
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new CrosstalkError('INVALID_OPTION', `Expected \`options\` to be an object, got ${describeValue(options)}`, { option: 'options' });
  }
  const { timeout_ms, ...rest } = options;
  const timeoutMs = timeout_ms === undefined ? DEFAULT_REQUEST_TIMEOUT_MS : checkMs('timeout_ms', timeout_ms, true);
  return { timeoutMs, rest: Object.keys(rest).length > 0 ? rest : undefined };
}

/** The reply address of a request event; INVALID_OPTION when the event asked nothing. */
export function replyAddress(request: unknown): { to: string; id: string; correlation: string } {
  const e = request as Partial<UniversalEvent> | null;
  const to = (e?.metadata as JsonObject | undefined)?.reply_to;
  if (e === null || typeof e !== 'object' || typeof e.id !== 'string' || typeof to !== 'string' || !to.startsWith(`${INBOX_PREFIX}.`)) {
    throw new CrosstalkError('INVALID_OPTION', `reply needs a request event (one with metadata.reply_to), got ${describeValue(request)}`, {
      option: 'request',
    });
  }
  const own = (e.source as { correlation_id?: unknown } | undefined)?.correlation_id;
  return { to, id: e.id, correlation: typeof own === 'string' && own.length > 0 ? own : e.id };
}
