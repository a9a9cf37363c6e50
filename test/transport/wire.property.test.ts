/**
 * The wire reader (src/transport/wire-reader.ts) checks while it reads and
 * hands anything it is not sure of to the general path (JSON.parse and
 * every check). It must accept exactly what the general path accepts and
 * build equal events: for events as buses write them, for every byte
 * mutation of those (a flipped quote, a stray exponent, bad UTF-8, a
 * duplicate key…), and for batches, whose events are checked one by one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventJson } from '../../src/core/event-json.js';
import type { EventSource, JsonObject, JsonValue, UniversalEvent } from '../../src/core/event.js';
import { decodeEvent, decodeGeneral, decodeMessage } from '../../src/transport/wire.js';

const text = fc.oneof(
  fc.string({ minLength: 1 }),
  fc.string({ unit: 'binary', minLength: 1 }),
  fc.constantFrom('"', '\\', '\u0000', '\u001f', '\u2028', '\ud800', 'a"b\\c', 'é😀', '[{', '1e999'),
);
const json: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<JsonValue>,
  fc.dictionary(text, fc.oneof(text, fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.constant(null), fc.boolean()), {
    maxKeys: 4,
  }),
);
const sources: EventSource[] = [
  Object.freeze({ component: 'host', instance_id: 'i-1', language: 'host' }),
  Object.freeze({ component: 'pay "quoted".lua', instance_id: 'i\\2', language: 'lua' }),
  Object.freeze({ component: 'ünï😀', instance_id: 'x', correlation_id: 'c\n1', language: 'javascript' }),
];
const source: fc.Arbitrary<EventSource> = fc.oneof(
  fc.constantFrom(...sources),
  fc.record(
    { component: text, instance_id: text, correlation_id: text, language: fc.constantFrom('lua', 'javascript', 'host', 'rust') },
    { requiredKeys: ['component', 'instance_id', 'language'] },
  ),
);
const type = fc.stringMatching(/^[A-Za-z0-9_:-]{1,6}(\.[A-Za-z0-9_:-]{1,6}){0,2}$/);

const event = (t: string) =>
  fc.record(
    {
      id: fc.uuid({ version: 4 }),
      event_type: fc.constant(t),
      timestamp: fc.date({ min: new Date(0), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }).map((d) => d.toISOString()),
      version: fc.constant('1.0' as const),
      sequence: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      source,
      data: json,
      metadata: fc.oneof(fc.constant(Object.freeze({}) as JsonObject), fc.dictionary(text, json, { maxKeys: 3 })),
      priority: fc.constantFrom('critical', 'high', 'normal', 'low'),
      ttl_seconds: fc.integer({ min: 1, max: 1e9 }),
    },
    { requiredKeys: ['id', 'event_type', 'timestamp', 'version', 'sequence', 'source', 'data', 'metadata', 'priority'] },
  ) as fc.Arbitrary<UniversalEvent>;

const limits = (depth: number) => ({ max_event_bytes: 1 << 20, max_depth: depth });

/** Bytes that change the meaning of JSON around them, and some that are not UTF-8. */
const interesting = fc.constantFrom(
  ...'"\\{}[],:0159-+.eE tnfx'.split('').map((c) => c.charCodeAt(0)),
  0x00, 0x0a, 0x80, 0xbf, 0xc3, 0xe2, 0xed, 0xf0, 0xff,
);
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: interesting }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: interesting }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), byte: fc.constant(0) }),
  fc.record({ kind: fc.constant('text' as const), at: fc.nat(), byte: fc.constantFrom(0, 1, 2, 3) }),
);
const SPLICES = ['1e999', ',"id":"0f8fad5b-d9cb-469f-a165-70867728950e"', ' ', '\\u0041', '9'.repeat(320)];

function mutate(bytes: Buffer, ms: { kind: string; at: number; byte: number }[]): Buffer {
  let b = bytes;
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    if (m.kind === 'set') b = Buffer.concat([b.subarray(0, at), Buffer.from([m.byte]), b.subarray(at + 1)]);
    else if (m.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from([m.byte]), b.subarray(at)]);
    else if (m.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
    else b = Buffer.concat([b.subarray(0, at), Buffer.from(SPLICES[m.byte]!), b.subarray(at)]);
  }
  return b;
}

/** The verdict of both paths: equal events, or both refused. */
function agree(bytes: Buffer, t: string, depth: number): void {
  const fast = decodeEvent(bytes, t, limits(depth));
  const general = decodeGeneral(bytes, t, limits(depth));
  if (typeof general === 'string') expect(typeof fast, `accepted what JSON.parse refuses (${general})`).toBe('string');
  else expect(fast).toEqual(general);
}

describe('the wire reader', () => {
  it('reads back every event a bus writes, equal to JSON.parse of it', () => {
    fc.assert(
      fc.property(type.chain((t) => fc.tuple(fc.constant(t), fc.array(event(t), { minLength: 1, maxLength: 5 }))), ([t, events]) => {
        for (const e of events) {
          const bytes = Buffer.from(eventJson(e));
          expect(decodeEvent(bytes, t, limits(64))).toEqual(JSON.parse(bytes.toString()));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('reads events from many publishers in turn, each with its own source (the reader keeps the last few)', () => {
    fc.assert(
      fc.property(
        type.chain((t) => fc.tuple(fc.constant(t), fc.uniqueArray(source, { minLength: 1, maxLength: 12, selector: (s) => JSON.stringify(s) }))),
        fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
        fc.uuid({ version: 4 }),
        ([t, publishers], turns, id) => {
          for (const k of turns) {
            const e: UniversalEvent = {
              id, event_type: t, timestamp: '2026-12-06T06:30:00.000Z', version: '1.0', sequence: 1 + k,
              source: publishers[k % publishers.length]!, data: k, metadata: {}, priority: 'normal',
            };
            const bytes = Buffer.from(eventJson(e));
            expect(decodeEvent(bytes, t, limits(64))).toEqual(JSON.parse(bytes.toString()));
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('accepts exactly what the general path accepts, for mutated messages and tight depth limits', () => {
    fc.assert(
      fc.property(
        type.chain((t) => fc.tuple(fc.constant(t), event(t))),
        fc.array(mutation, { minLength: 0, maxLength: 3 }),
        fc.integer({ min: 1, max: 6 }),
        ([t, e], ms, depth) => {
          const bytes = Buffer.from(eventJson(e));
          agree(mutate(bytes, ms), t, depth);
          // the same bytes again: the reader's memory of the last source and timestamp must not change the verdict
          agree(mutate(bytes, ms), t, depth);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('reads a batch event by event: bad events are dropped and counted, the rest arrive in order', () => {
    fc.assert(
      fc.property(
        type.chain((t) => fc.tuple(fc.constant(t), fc.array(event(t), { minLength: 1, maxLength: 6 }))),
        fc.array(fc.tuple(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 2 })), { maxLength: 2 }),
        ([t, events], broken) => {
          const parts: Buffer[] = events.map((e) => Buffer.from(eventJson(e)));
          for (const [k, ms] of broken) parts[k % parts.length] = mutate(parts[k % parts.length]!, ms);
          const message = Buffer.concat([Buffer.from('['), ...parts.flatMap((p, i) => (i ? [Buffer.from(','), p] : [p])), Buffer.from(']')]);
          const got: UniversalEvent[] = [];
          let bad = 0;
          decodeMessage(message, t, limits(64), (e) => got.push(e), () => bad++);
          // the reference, when the message splits at the commas written between the events (each part
          // is JSON on its own and the whole is an array of that many): the general path on each part
          const parses = (b: Buffer) => {
            try {
              return JSON.parse(b.toString()) as unknown;
            } catch {
              return undefined;
            }
          };
          const whole = parses(message);
          if (Array.isArray(whole) && whole.length === parts.length && parts.every((p) => parses(p) !== undefined)) {
            const want = parts.map((p) => decodeGeneral(p, t, limits(64))).filter((r): r is UniversalEvent => typeof r !== 'string');
            expect(got).toEqual(want);
            expect(bad).toBe(parts.length - want.length);
          } else {
            // a part that is not JSON on its own: the split may differ from the one written, but whatever
            // is handed on is a valid event read from one stretch of the message, and the damage is reported
            for (const e of got) expect(decodeGeneral(Buffer.from(JSON.stringify(e)), t, limits(64))).toEqual(e);
            expect(bad).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
