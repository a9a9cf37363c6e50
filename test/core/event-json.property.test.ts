/**
 * The stored body is `JSON.stringify(event)`, byte for byte, however the
 * fast serialiser (src/core/event-json.ts) builds it: for arbitrary events
 * shaped as the bus shapes them, with quotes, backslashes, control
 * characters, unicode and lone surrogates in source, metadata and data, and
 * for envelopes the fast path must refuse (odd ids, types, timestamps,
 * sequences, priorities).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventSource, JsonObject, JsonValue, UniversalEvent } from '../../src/core/event.js';
import { eventJson, objectJson, pushEventJson } from '../../src/core/event-json.js';

const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('"', '\\', '\u0000', '\u001f', '\u2028', '\ud800', 'a"b\\c', 'é😀', '</script>'),
);
const json: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.jsonValue() as fc.Arbitrary<JsonValue>,
  fc.dictionary(text, fc.oneof(text, fc.double(), fc.integer(), fc.constant(null), fc.boolean()), { maxKeys: 4 }),
);

// frozen sources and metadata are shared across events, as the bus shares them
const sharedSources: EventSource[] = [
  Object.freeze({ component: 'host', instance_id: 'i-1', language: 'host' }),
  Object.freeze({ component: 'pay "quoted".lua', instance_id: 'i\\2', language: 'lua' }),
  Object.freeze({ component: 'ünï😀', instance_id: '\ud800', correlation_id: 'c\n1', language: 'javascript' }),
];
const EMPTY = Object.freeze({}) as JsonObject;

const source: fc.Arbitrary<EventSource> = fc.oneof(
  fc.constantFrom(...sharedSources),
  fc.record(
    { component: text, instance_id: text, correlation_id: text, language: fc.oneof(fc.constantFrom('lua', 'javascript', 'host'), text) },
    { requiredKeys: ['component', 'instance_id', 'language'] },
  ),
);
const metadata: fc.Arbitrary<JsonObject> = fc.oneof(
  fc.constant(EMPTY),
  fc.dictionary(text, json, { maxKeys: 3 }),
  fc.dictionary(text, fc.oneof(text, fc.integer()), { maxKeys: 3 }).map((o) => Object.freeze(o)),
);
const validType = fc.stringMatching(/^[A-Za-z0-9_:-]{1,8}(\.[A-Za-z0-9_:-]{1,8}){0,3}$/);
const iso = fc.date({ min: new Date(0), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }).map((d) => d.toISOString());

/** mostly what the bus makes; sometimes an envelope the fast path must hand to JSON.stringify */
const event = fc.record(
  {
    id: fc.oneof({ weight: 8, arbitrary: fc.uuid({ version: 4 }) }, { weight: 1, arbitrary: text }),
    event_type: fc.oneof({ weight: 8, arbitrary: validType }, { weight: 1, arbitrary: text }),
    timestamp: fc.oneof({ weight: 8, arbitrary: iso }, { weight: 1, arbitrary: text }),
    version: fc.oneof({ weight: 8, arbitrary: fc.constant('1.0') }, { weight: 1, arbitrary: text }),
    sequence: fc.oneof({ weight: 8, arbitrary: fc.nat() }, { weight: 1, arbitrary: fc.double() }, { weight: 1, arbitrary: fc.constant(-0) }),
    source,
    data: json,
    metadata,
    priority: fc.oneof({ weight: 8, arbitrary: fc.constantFrom('critical', 'high', 'normal', 'low') }, { weight: 1, arbitrary: text }),
    ttl_seconds: fc.oneof(fc.nat(), fc.double()),
  },
  { requiredKeys: ['id', 'event_type', 'timestamp', 'version', 'sequence', 'source', 'data', 'metadata', 'priority'] },
) as fc.Arbitrary<UniversalEvent>;

function baseEvent() {
  return {
    id: '0f8fad5b-d9cb-469f-a165-70867728950e',
    event_type: 'a.b',
    timestamp: '2026-11-22T10:30:45.123Z',
    version: '1.0' as const,
    sequence: 7,
    source: sharedSources[0]!,
    data: { q: 'say "hi"' } as JsonValue,
    metadata: EMPTY,
    priority: 'high' as const,
  };
}

describe('eventJson', () => {
  it('is JSON.stringify(event), byte for byte, for arbitrary events', () => {
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 8 }), (events) => {
        for (const e of events) expect(eventJson(e)).toBe(JSON.stringify(e));
      }),
      { numRuns: 2000 },
    );
  });

  it('pushEventJson appends the same text in pieces and counts its characters', () => {
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 8 }), (events) => {
        const out: string[] = ['['];
        for (const e of events) {
          const before = out.length;
          const chars = pushEventJson(e, out);
          expect(chars).toBe(out.slice(before).join('').length);
          out.push(',');
        }
        out[out.length - 1] = ']';
        expect(out.join('')).toBe(JSON.stringify(events));
      }),
      { numRuns: 1000 },
    );
  });

  it('a source or metadata object that changes between two events is serialized afresh', () => {
    const base = { ...baseEvent(), source: { component: 'a', instance_id: 'i', language: 'host' }, metadata: { k: 1 } as JsonObject };
    expect(eventJson(base)).toBe(JSON.stringify(base));
    base.source.component = 'b';
    base.metadata.k = 2;
    expect(eventJson(base)).toBe(JSON.stringify(base));
  });

  it('writes ttl_seconds last when present, and omits it when absent or undefined', () => {
    const base = baseEvent();
    expect(eventJson({ ...base, ttl_seconds: 60 })).toBe(JSON.stringify({ ...base, ttl_seconds: 60 }));
    expect(eventJson({ ...base, ttl_seconds: 60 })).toMatch(/,"priority":"high","ttl_seconds":60}$/);
    expect(eventJson({ ...base, ttl_seconds: undefined })).toBe(JSON.stringify(base));
    expect(eventJson(base)).toBe(JSON.stringify(base));
  });

  it('caches only objects that cannot change', () => {
    const open: Record<string, JsonValue> = { component: 'a' };
    expect(objectJson(open)).toBe('{"component":"a"}');
    open.component = 'b';
    expect(objectJson(open)).toBe('{"component":"b"}');
    // frozen, but with a nested object that can still change
    const inner: Record<string, JsonValue> = { n: 1 };
    const shallow = Object.freeze({ inner });
    expect(objectJson(shallow)).toBe('{"inner":{"n":1}}');
    inner.n = 2;
    expect(objectJson(shallow)).toBe('{"inner":{"n":2}}');
    // frozen, but a getter can answer differently each time
    let calls = 0;
    const getter = Object.freeze({
      get v() {
        return ++calls;
      },
    });
    expect(objectJson(getter)).toBe('{"v":1}');
    expect(objectJson(getter)).toBe('{"v":2}');
    // frozen, but its toJSON can answer differently each time
    let n = 0;
    const withToJson = Object.freeze({ toJSON: () => ({ n: ++n }) });
    expect(objectJson(withToJson)).toBe('{"n":1}');
    expect(objectJson(withToJson)).toBe('{"n":2}');
    const frozen = Object.freeze({ component: 'x', n: 1 });
    expect(objectJson(frozen)).toBe(objectJson(frozen));
  });
});
