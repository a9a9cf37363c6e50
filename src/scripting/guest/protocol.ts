/**
 * What the host and an isolate say to each other: the host's half lives in
 * ../isolate/, the isolate's in this folder. Pure declarations, imported by
 * both sides, so the two halves cannot drift apart.
 *
 * One crossing: the isolate calls the host Reference with
 * `(name, args, notes)`:
 * - `name`: an `Event` function of event-api.ts, or one of the CALL_* names;
 * - `args`: the call's arguments as plain values (structured-clone copies);
 * - `notes`: JSON of things the isolate reports on the way (`{"f": {subId: n}}`
 *   events a script's filter function refused), or ''.
 * Before answering, the host publishes every outbox region the isolate
 * handed over (see below), in order.
 *
 * The answer is a string: the batching flag, then a tag and its payload.
 * Batching flag: `1` (any publish may be batched) or `0<version>;` (some
 * reject/block subscription exists: only types known not to reach one may be
 * batched; what the isolate learnt holds while the version stays the same).
 */

/** Hands over the batch; with `[true]` also asks for a new pool of event ids. */
export const CALL_FLUSH = '__flush';
/** A full outbox region handed over without waiting for an answer (applyIgnored). */
export const CALL_BATCH = '__batch';
/** `[stream, text]`: a line the script printed. */
export const CALL_PRINT = '__print';
/** `[code, message]`: the isolate found it must stop (e.g. out of memory); answered with ANSWER_FATAL. */
export const CALL_FATAL = '__fatal';
/** Asks for the isolate's heap size in bytes (Lua's collectgarbage("count")). */
export const CALL_HEAP = '__heap';
/** Asks for the CPU time the isolate has used, in seconds (Lua's os.clock). */
export const CALL_CLOCK = '__clock';
/** `[id, ms, repeat]`: starts a timer of the script (JS setTimeout/setInterval); `[id, -1]` clears it. */
export const CALL_TIMER = '__timer';
/**
 * `[outcome]`: a Lua script whose chunk has ended waits for its next task
 * (a handler's event); `outcome` answers the task before ('' or JSON of the
 * handler's error). Answered with ANSWER_VALUE + the task.
 */
export const CALL_NEXT = '__next';

/**
 * `[]`: a JS script's body has ended and its event loop goes on (timers,
 * handler subscriptions). Counts as a wait, at the start barrier too.
 */
export const CALL_IDLE = '__idle';

/**
 * `[seq, outcome]`: a JS handler that returned a promise (an async
 * function) settled; `outcome` as for CALL_NEXT. Its task was answered
 * with TASK_PENDING, so other tasks (the timers it may await) ran meanwhile.
 */
export const CALL_SETTLE = '__settle';

/** A handler task's answer when the handler's promise settles later (CALL_SETTLE). */
export const TASK_PENDING = 'p';

/**
 * Tasks of the script's event loop (guest/loop.ts), as JSON arrays:
 * `["t", id]` a timer fired; `["h", subscriptionId, packedEvent, attempt, seq]`
 * an event for a handler subscription; `["c", subscriptionId]` a handler
 * subscription was closed. JS scripts get them pushed (`control('task',
 * json)`, run while the script is not inside a call); Lua scripts pull them
 * with CALL_NEXT once their chunk has ended.
 */
export type Task = ['t', number] | ['h', string, string, number, number] | ['c', string];

/** `v` + JSON of the value (empty: undefined). */
export const ANSWER_VALUE = 118; // 'v'
/** `P` + `b`/`s` + JSON of an id: a publish sent on its own; `b`: its type may be batched from now on. */
export const ANSWER_PUBLISHED = 80; // 'P'
/** `E` + one packed event (codec). */
export const ANSWER_EVENT = 69; // 'E'
/** `L` + a packed list of events (codec). */
export const ANSWER_EVENTS = 76; // 'L'
/** `i` + a pool of event ids, 36 characters each. */
export const ANSWER_IDS = 105; // 'i'
/** `e` + JSON of an error the call raises. */
export const ANSWER_ERROR = 101; // 'e'
/** `x` + JSON of the error that stops the script: every later call gets it too. */
export const ANSWER_FATAL = 120; // 'x'

/**
 * Memory the host shares with each isolate (a SharedArrayBuffer): a few
 * Int32 control slots, then two regions of UTF-16 text where the isolate
 * writes its batched publishes as it makes them (the outbox, see
 * guest/outbox.ts and isolate/outbox.ts). Because every accepted publish is
 * in shared memory when `publish` returns, the host can still deliver it if
 * the isolate is killed (CPU limit, memory limit) before it handed it over.
 */
/** Control slot: set by the host when the script must stop. */
export const FLAG_STOP = 0;
/** Control slot: the region the isolate writes into now. */
export const CTL_CURRENT = 1;
/** Control slots of region r: characters committed, events committed, state. */
export const ctlLength = (r: number): number => 2 + 3 * r;
export const ctlCount = (r: number): number => 3 + 3 * r;
export const ctlState = (r: number): number => 4 + 3 * r;
/** Region states: the isolate may write (FREE) or the host must publish it (HANDED). */
export const REGION_FREE = 0;
export const REGION_HANDED = 1;
/**
 * Control slot: counts the event-loop tasks the isolate began. A task runs
 * only after the isolate was idle, so the host's CPU watchdog starts a new
 * stretch when it sees the count move (a JS script waits without a call).
 */
export const CTL_TASKS = 8;
export const CTL_INTS = 9;
/** UTF-16 characters a region holds (256 KiB); an event longer than this is published on its own. */
export const REGION_CHARS = 1 << 17;
/** Events a region holds at most. */
export const BATCH_MAX_EVENTS = 512;
/** Bytes of the shared memory: control slots, then two regions. */
export const SHARED_BYTES = CTL_INTS * 4 + 2 * REGION_CHARS * 2;
/** Event ids handed to an isolate at once: a region's worth for each of the two and one more. */
export const ID_POOL_SIZE = BATCH_MAX_EVENTS * 3;

/** Longest line a script may print; longer ones are cut. */
export const MAX_PRINT_CHARS = 1 << 20;

/** An error as it crosses: code, message and the fields that say what it is about. */
export interface WireError {
  code: string;
  message: string;
  path?: string;
  pattern?: string;
  subscriptionId?: string;
  option?: string;
  eventType?: string;
  /** the event id a failed batched publish had returned */
  eventId?: string;
}

/** What the host hands the isolate when it starts it. */
export interface GuestConfig {
  /** the script's file name: `source.component`, and the chunk name in errors */
  script: string;
  /** Lua scripts: the source text (JS scripts are compiled by the host) */
  source?: string;
  /** the first pool of event ids (ID_POOL_SIZE × 36 characters) */
  ids: string;
  /** the batching flag (see above) when the script starts */
  batching: boolean;
  /** the bus's data limits */
  maxDepth: number;
  maxBytes: number;
  /** the script's memory limit in bytes (no single string may be larger) */
  memoryBytes: number;
  /** its command-line arguments (`crosstalk run job.lua -- --date 2026-12-05`): Lua `arg` and `...`, JS `args` */
  args: string[];
  /** the script's publish permissions (docs/scripts.md "Script permissions"), checked at each publish; the host checks again */
  publish: { allow: string[] | null; deny: string[] };
}

/**
 * What `control('run')` answers: '' when the script succeeded with no
 * value, RESULT_VALUE + JSON of the value it returned, or JSON of a
 * GuestFailure.
 */
export const RESULT_VALUE = '=';

/** The isolate's description of how the script failed (see RESULT_VALUE). */
export interface GuestFailure {
  code: string;
  message: string;
  line?: number;
  traceback?: string;
}
