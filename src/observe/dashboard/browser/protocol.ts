/**
 * What the dashboard server and its page say to each other over the
 * WebSocket (types only: the server and the browser code both import them).
 *
 * server → page: a `frame` every interval (250 ms by default), an `error`
 * when a message from the page was refused. page → server: `tail`, to set
 * the pattern and the filter of its live tail.
 */

export interface TypeRow {
  type: string;
  /** events per second over about the last second */
  rate: number;
  /** published here and arrived from elsewhere, since the dashboard started */
  total: number;
  delivered: number;
  dropped: number;
}

export interface SubscriptionRow {
  id: string;
  patterns: string[];
  backpressure: string;
  queue: number;
  max: number;
  delivered: number;
  dropped: number;
  rejected: number;
}

export interface ScriptRow {
  script: string;
  language: string;
  state: string;
  cpu_ms: number;
  /** share of one core over about the last second, 0 … 100 */
  cpu_pct: number;
  heap_bytes: number;
  heap_limit_bytes: number | null;
  events_in: number;
  events_out: number;
}

export interface TailItem {
  /** sequence */
  s: number;
  /** timestamp */
  t: string;
  /** event type */
  y: string;
  /** source.component */
  c: string;
  /** source.language */
  l: string;
  /** data, as JSON, cut at 160 characters */
  d: string;
}

export interface TailState {
  pattern: string;
  filter: string;
  /** newest last, at most 50 per frame */
  events: TailItem[];
  /** matching events not shown: more than a frame holds, or overwritten before the frame */
  skipped: number;
}

export interface Frame {
  t: 'frame';
  /** frames sent so far, counting from 1 */
  n: number;
  /** epoch ms when the frame was made */
  at: number;
  /** what the dashboard watches, e.g. `this process's bus`, `nats://…`, `sqlite:…` */
  source: string;
  totals: { published: number; remote: number; delivered: number; dropped: number; rate: number; subscriptions: number };
  types: TypeRow[];
  /** types not listed (beyond the top 40) */
  more_types: number;
  subscriptions: SubscriptionRow[];
  more_subscriptions: number;
  scripts: ScriptRow[];
  /** whether the source has subscriptions and scripts to show (not when following a store) */
  live_bus: boolean;
  tail: TailState;
  /** frames this client missed because it read too slowly */
  skipped_frames: number;
}

export interface ErrorMessage {
  t: 'error';
  field: 'pattern' | 'filter' | 'message';
  message: string;
}

export interface TailRequest {
  t: 'tail';
  pattern: string;
  filter: string;
}

export type ServerMessage = Frame | ErrorMessage;
export type ClientMessage = TailRequest;
