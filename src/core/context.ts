/**
 * Correlation and causation: what a publish inherits from the code around it
 * (docs/observability.md "Seeing the stream").
 *
 * - `bus.withCorrelation(id, fn)`: every event published on that bus inside
 *   `fn`, awaited code included, carries `source.correlation_id = id`.
 * - `bus.handling(event, fn)`: every event published inside `fn` records
 *   `metadata.caused_by = event.id`, and carries the handled event's
 *   correlation id — or the one around it, or else the handled event's own
 *   id, so that every causal chain has a correlation id: the id of the event
 *   that started it (the event-sourcing convention).
 *
 * A publish that names its own correlation id, or whose metadata has a
 * `caused_by`, keeps its own. Script hosts pass a `Cause` explicitly through
 * the bus port instead (their calls do not run inside the script's context).
 *
 * The AsyncLocalStorage is made on the first use, per bus: a bus that never
 * uses a context pays one null check per publish.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { CrosstalkError, describeValue } from './errors.js';
import type { EventSource, JsonObject, UniversalEvent } from './event.js';

/** What a publish inherits, as plain data. */
export interface PublishCause {
  /** recorded as `source.correlation_id` unless the publish names its own */
  correlation_id?: string;
  /** recorded as `metadata.caused_by` unless the publish's metadata has one */
  caused_by?: string;
}

/** The metadata key that names the event being handled when an event was published. */
export const CAUSED_BY = 'caused_by';

/** Longest correlation id or cause id accepted (as for `correlation_id` on publish). */
export const MAX_CAUSE_ID_LENGTH = 255;

function checkId(option: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_CAUSE_ID_LENGTH) {
    throw new CrosstalkError(
      'INVALID_OPTION',
      `Expected \`${option}\` to be a string of 1 to ${MAX_CAUSE_ID_LENGTH} characters, got ${describeValue(v)}`,
      { option },
    );
  }
  return v;
}

/**
 * A validated cause, reused for every publish made under it. It remembers
 * the last source it derived and its `{caused_by}` metadata, so publishing
 * under a cause allocates nothing per event.
 */
export class Cause {
  readonly correlation_id: string | undefined;
  readonly caused_by: string | undefined;
  private lastSource: EventSource | null = null;
  private lastDerived: EventSource | null = null;
  private causeMetadata: JsonObject | null = null;

  constructor(c: PublishCause) {
    this.correlation_id = c.correlation_id === undefined ? undefined : checkId('correlation_id', c.correlation_id);
    this.caused_by = c.caused_by === undefined ? undefined : checkId('caused_by', c.caused_by);
  }

  /** `source` with this cause's correlation id, unless it has one already. */
  sourceFor(source: EventSource): EventSource {
    if (this.correlation_id === undefined || source.correlation_id !== undefined) return source;
    if (source !== this.lastSource) {
      this.lastSource = source;
      this.lastDerived = Object.freeze({
        component: source.component,
        instance_id: source.instance_id,
        correlation_id: this.correlation_id,
        language: source.language,
      });
    }
    return this.lastDerived!;
  }

  /** `metadata` with `caused_by`, unless it has one already (shared frozen object when it was empty). */
  metadataFor(metadata: JsonObject, empty: JsonObject): JsonObject {
    if (this.caused_by === undefined || metadata[CAUSED_BY] !== undefined) return metadata;
    if (metadata === empty) return (this.causeMetadata ??= Object.freeze({ [CAUSED_BY]: this.caused_by }) as JsonObject);
    return { ...metadata, [CAUSED_BY]: this.caused_by };
  }
}

/** A cause for publishing `fn`'s events while handling `event` (see the file comment). */
export function causeOf(event: UniversalEvent, outer?: PublishCause): PublishCause {
  if (event === null || typeof event !== 'object' || typeof (event as { id?: unknown }).id !== 'string') {
    throw new CrosstalkError('INVALID_OPTION', `Expected \`event\` to be a received event (with an id), got ${describeValue(event)}`, {
      option: 'event',
    });
  }
  const own = (event.source as Partial<EventSource> | undefined)?.correlation_id;
  return {
    correlation_id: typeof own === 'string' && own.length > 0 ? own : (outer?.correlation_id ?? event.id),
    caused_by: event.id,
  };
}

/** One bus's context: the cause of the code running now, across awaits. */
export class CauseContext {
  private storage: AsyncLocalStorage<Cause> | null = null;

  /** The cause of the code running now, or undefined (no AsyncLocalStorage lookup before first use). */
  current(): Cause | undefined {
    return this.storage === null ? undefined : this.storage.getStore();
  }

  withCorrelation<T>(id: string, fn: () => T): T {
    checkFn(fn);
    const outer = this.current();
    return this.run(new Cause({ correlation_id: checkId('correlation_id', id), caused_by: outer?.caused_by }), fn);
  }

  handling<T>(event: UniversalEvent, fn: () => T): T {
    checkFn(fn);
    return this.run(new Cause(causeOf(event, this.current())), fn);
  }

  private run<T>(cause: Cause, fn: () => T): T {
    this.storage ??= new AsyncLocalStorage<Cause>();
    return this.storage.run(cause, fn);
  }
}

function checkFn(fn: unknown): void {
  if (typeof fn !== 'function') {
    throw new CrosstalkError('INVALID_OPTION', `Expected \`fn\` to be a function, got ${describeValue(fn)}`, { option: 'fn' });
  }
}
