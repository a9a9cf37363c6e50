/**
 * The filter expression language: what it parses to, what it matches, and
 * that every mistake is INVALID_QUERY pointing at its column.
 */
import { describe, expect, it } from 'vitest';
import { compileExpression, createBus, normalizeQuery, parseExpression, type UniversalEvent } from '../../src/index.js';
import { expectCode } from './helpers.js';

const T0 = Date.parse('2026-11-22T10:30:45.123Z');

function event(over: Partial<UniversalEvent> = {}): UniversalEvent {
  return {
    id: '3b241101-e2bb-4255-8caf-4136c566a962',
    event_type: 'pipeline.stage.completed',
    timestamp: new Date(T0).toISOString(),
    version: '1.0',
    sequence: 7,
    source: { component: 'critical', instance_id: 'i-1', correlation_id: 'req-1', language: 'host' },
    data: { duration: 1250, message: 'upstream timeout after 3 tries', tags: ['a', 'b'], amount: 99.5, nested: { x: null } },
    metadata: { user_id: 'u-9' },
    priority: 'high',
    ...over,
  };
}

const matches = (expr: string, e = event(), now?: number) => compileExpression(expr, now)(e);

describe('what expressions match', () => {
  it("the seed's example", () => {
    const x = "type LIKE 'pipeline.**' AND (data.duration > 1000 OR source = 'critical') AND data.message CONTAINS 'timeout'";
    expect(matches(x)).toBe(true);
    expect(matches(x, event({ data: { duration: 5, message: 'timeout' }, source: { component: 'x', instance_id: 'i', language: 'host' } }))).toBe(false);
    expect(matches(x, event({ event_type: 'hook.executed' }))).toBe(false);
  });

  it.each([
    ['data.duration > 1000', true],
    ['data.duration >= 1250', true],
    ['data.duration < 1250', false],
    ['data.duration <= 1250', true],
    ['data.duration = 1250', true],
    ['data.duration == 1250', true],
    ['data.duration != 1250', false],
    ['data.duration <> 1', true],
    ['data.amount > -1', true],
    ['data.amount = 99.5', true],
    ["data.duration = '1250'", false],
    ["data.message CONTAINS 'timeout'", true],
    ["data.message NOT CONTAINS 'timeout'", false],
    ["data.tags CONTAINS 'b'", true],
    ["data.tags = ['a', 'b']", true],
    ["priority IN ('high', 'critical')", true],
    ["priority NOT IN ('high')", false],
    ['data.duration IN [1, 1250]', true],
    ['data.duration IN ()', false],
    ['data.missing EXISTS', false],
    ['data.missing NOT EXISTS', true],
    ['EXISTS metadata.user_id', true],
    ['NOT EXISTS metadata.user_id', false],
    ['data.nested.x IS NULL', true],
    ['data.nested.x = null', true],
    ['data.nested.x IS NOT NULL', false],
    ['data.missing IS NULL', false],
    ["type LIKE 'pipeline.*'", false],
    ["type LIKE 'pipeline.**'", true],
    ["type NOT LIKE 'hook.*'", true],
    ["event_type = 'pipeline.stage.completed'", true],
    ["payload.duration = 1250", true],
    ["correlation_id = 'req-1'", true],
    ["source.instance_id = 'i-1'", true],
    ["source.component MATCHES 'crit*'", true],
    ["data.message LIKE 'upstream*'", true],
    ['sequence > 6 and sequence < 8', true],
    ['data.missing > 1', false],
    ['NOT data.missing > 1', true],
    ['data.missing != 1', false],
    ['NOT data.missing = 1', true],
    ['data.duration > 1 OR data.missing > 1', true],
    ['not (data.duration > 1 or data.duration < 1)', false],
    ["data.tags[1] = 'b'", true],
    ["data.message = 'it''s'", false],
  ])('%s → %s', (x, want) => {
    expect(matches(x)).toBe(want);
  });

  it('AND binds tighter than OR', () => {
    expect(matches('data.duration = 1 AND data.duration = 2 OR sequence = 7')).toBe(true);
    expect(matches('data.duration = 1 AND (data.duration = 2 OR sequence = 7)')).toBe(false);
  });

  it('strings: both quotes, doubled quotes and escapes', () => {
    const e = event({ data: { s: "it's \"x\"\n\u00e9" } });
    expect(matches(`data.s = 'it''s "x"\\n\\u00e9'`, e)).toBe(true);
    expect(matches(`data.s = "it's \\"x\\"\\né"`, e)).toBe(true);
  });

  it('timestamp compares as a time: ISO strings, epoch ms, now and now ± durations', () => {
    expect(matches("timestamp > '2026-11-22T10:00:00Z'")).toBe(true);
    expect(matches("timestamp >= '2026-11-22T10:30:45.123Z'")).toBe(true);
    expect(matches("timestamp > '2026-11-22T10:30:45.123Z'")).toBe(false);
    expect(matches("timestamp < '2026-11-22T12:30+02:00'")).toBe(false); // 10:30Z
    expect(matches("timestamp = '2026-11-22T10:30:45.123Z'")).toBe(true);
    expect(matches(`timestamp = ${T0}`)).toBe(true);
    expect(matches('timestamp > now - 15m', event(), T0 + 10 * 60_000)).toBe(true);
    expect(matches('timestamp > now - 15m', event(), T0 + 20 * 60_000)).toBe(false);
    expect(matches('timestamp < now + 1h', event(), T0)).toBe(true);
    expect(matches('timestamp <= now', event(), T0)).toBe(true);
    expect(matches("timestamp CONTAINS '2026-11-22T'")).toBe(true); // other operators read the ISO string
  });

  it('relative times without an anchor follow the clock', () => {
    const recent = event({ timestamp: new Date().toISOString() });
    expect(compileExpression('timestamp > now - 1m')(recent)).toBe(true);
    expect(compileExpression('timestamp > now - 1m')(event())).toBe(false);
  });

  it('keywords are case-insensitive', () => {
    expect(matches("type like 'pipeline.**' and Not data.x exists")).toBe(true);
  });
});

describe('mistakes point at their column', () => {
  it.each([
    ['data.amount >', 14, 'expected a value'],
    ['data.amount > AND x', 15, "expected a value after '>', got 'AND'"],
    ['foo = 1', 1, "unknown field 'foo'"],
    ['data.x = 1 AND', 15, 'expected a field'],
    ['(data.x = 1', 12, "expected ')' to close the '(' at column 1"],
    ['data.x = 1)', 11, "unexpected ')'"],
    ["data.x = 'abc", 10, 'unterminated string'],
    ['data.x ~ 1', 8, 'unexpected character'],
    ['data.x 1', 8, 'expected an operator after data.x'],
    ['data.x = 1 data.y = 2', 12, 'expected AND, OR or the end'],
    ["type LIKE 'a.{b'", 11, 'unbalanced'],
    ['type LIKE 5', 11, 'LIKE takes a quoted pattern'],
    ['data.x IN 1', 11, 'IN takes a list'],
    ['data.x IN (1 2)', 14, "expected ',' or ')'"],
    ['data.x < true', 10, 'finite number or a string'],
    ['data.x = 15m', 10, 'a duration is a time only after now'],
    ['data.x = 3q', 10, 'not a number or a duration'],
    ["timestamp > 'yesterday'", 13, 'not an ISO-8601 time'],
    ['timestamp > now - 5', 19, 'expected a duration after now -'],
    ['timestamp > data.x', 13, 'timestamp compares with a time'],
    ['data.x = data.y', 10, 'fields are not compared with fields'],
    ['data.x NOT = 1', 12, 'expected LIKE, CONTAINS, IN or EXISTS after NOT'],
    ['data.x IS 1', 11, 'expected NULL after IS'],
    ["data.x = 'a\\q'", 12, 'unknown escape'],
    ['data..x = 1', 1, 'is not a path'],
    ['data.x = now', 10, 'now is a time'],
  ])('%s → column %i', (x, col, says) => {
    const e = expectCode(() => parseExpression(x), 'INVALID_QUERY');
    expect(e.column).toBe(col);
    expect(e.message).toContain(says);
    expect(e.message).toContain(`at column ${col}`);
    expect(e.option).toBe('where');
  });

  it('empty, non-string, too long and too deep', () => {
    expectCode(() => parseExpression(''), 'INVALID_QUERY');
    expectCode(() => parseExpression('   '), 'INVALID_QUERY');
    expectCode(() => parseExpression(5), 'INVALID_QUERY');
    expectCode(() => parseExpression(`data.x = '${'a'.repeat(20_000)}'`), 'INVALID_QUERY');
    const deep = `${'('.repeat(100)}data.x = 1${')'.repeat(100)}`;
    expect(expectCode(() => parseExpression(deep), 'INVALID_QUERY').message).toContain('nested deeper than 64');
    expectCode(() => parseExpression(`${'NOT '.repeat(100)}data.x = 1`), 'INVALID_QUERY');
  });
});

describe('where it is accepted', () => {
  it('normalizeQuery takes where, checks it and anchors now', () => {
    const before = Date.now();
    const q = normalizeQuery({ where: 'timestamp > now - 1h' });
    expect(q.where).toBe('timestamp > now - 1h');
    expect(q.now).toBeGreaterThanOrEqual(before);
    expect(normalizeQuery({ where: 'data.x = 1', now: '2026-11-22T00:00:00Z' }).now).toBe(Date.parse('2026-11-22T00:00:00Z'));
    const e = expectCode(() => normalizeQuery({ where: 'data.x >' }), 'INVALID_QUERY');
    expect(e.column).toBe(9);
    expectCode(() => normalizeQuery({ where: 42 }), 'INVALID_QUERY');
  });

  it('a subscription filter may be an expression, checked before queueing', async () => {
    const bus = createBus();
    const sub = bus.subscribe('order.*', { filter: "data.amount > 100 AND data.currency IN ('EUR', 'USD')" });
    bus.publish('order.paid', { amount: 50, currency: 'EUR' });
    bus.publish('order.paid', { amount: 500, currency: 'EUR' });
    bus.publish('order.paid', { amount: 500, currency: 'GBP' });
    expect(sub.drain().map((e) => e.data)).toEqual([{ amount: 500, currency: 'EUR' }]);
    expect(sub.stats().filtered).toBe(2);
    expect(expectCode(() => bus.subscribe('x', { filter: 'data.amount >> 1' }), 'INVALID_QUERY').column).toBe(14);
    await bus.close();
  });
});
