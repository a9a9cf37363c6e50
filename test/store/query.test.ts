/**
 * normalizeQuery: the one gate every query passes (stores, scripts, CLI).
 * Each malformed input is INVALID_QUERY naming the field.
 */
import { describe, expect, it } from 'vitest';
import { CrosstalkError } from '../../src/core/errors.js';
import { normalizeQuery, parseTime } from '../../src/core/query.js';

function rejects(input: unknown, field?: string): CrosstalkError {
  let err: unknown;
  try {
    normalizeQuery(input);
  } catch (e) {
    err = e;
  }
  expect(err, JSON.stringify(input)).toBeInstanceOf(CrosstalkError);
  const e = err as CrosstalkError;
  expect(e.code).toBe('INVALID_QUERY');
  if (field !== undefined) {
    expect(e.option).toBe(field);
    expect(e.message).toContain(field);
  }
  return e;
}

describe('normalizeQuery', () => {
  it('fills defaults and keeps only given fields', () => {
    expect(normalizeQuery(undefined)).toEqual({ limit: 100, order: 'asc' });
    expect(normalizeQuery({})).toEqual({ limit: 100, order: 'asc' });
    expect(normalizeQuery({ event_type: null, limit: null })).toEqual({ limit: 100, order: 'asc' });
    const q = normalizeQuery({
      event_type: 'agent.**',
      start_time: '2026-11-22T10:30:45.123Z',
      end_time: 1795343445999,
      correlation_id: 'c',
      source: 'pay.lua',
      filters: { 'data.amount': { op: '>=', value: 500 } },
      after_sequence: 0,
      limit: 10_000,
      order: 'desc',
    });
    expect(q).toEqual({
      event_type: 'agent.**',
      start_time: Date.parse('2026-11-22T10:30:45.123Z'),
      end_time: 1795343445999,
      correlation_id: 'c',
      source: 'pay.lua',
      filters: { 'data.amount': { op: '>=', value: 500 } },
      after_sequence: 0,
      limit: 10_000,
      order: 'desc',
    });
  });

  it('reads ISO times in every common form, as UTC when no zone is given', () => {
    expect(parseTime('2026-11-22', 't')).toBe(Date.parse('2026-11-22T00:00:00Z'));
    expect(parseTime('2026-11-22T10:30', 't')).toBe(Date.parse('2026-11-22T10:30:00Z'));
    expect(parseTime('2026-11-22 10:30:45', 't')).toBe(Date.parse('2026-11-22T10:30:45Z'));
    expect(parseTime('2026-11-22T10:30:45.5Z', 't')).toBe(Date.parse('2026-11-22T10:30:45.500Z'));
    expect(parseTime('2026-11-22T10:30:45.123456789Z', 't')).toBe(Date.parse('2026-11-22T10:30:45.123Z'));
    expect(parseTime('2026-11-22T12:30:45+02:00', 't')).toBe(Date.parse('2026-11-22T10:30:45Z'));
    expect(parseTime('2026-11-22T12:30:45+0200', 't')).toBe(Date.parse('2026-11-22T10:30:45Z'));
    expect(parseTime(new Date(5), 't')).toBe(5);
    expect(parseTime(1.9, 't')).toBe(1);
  });

  it('names an unknown field', () => {
    const e = rejects({ evnt_type: 'a' }, 'evnt_type');
    expect(e.message).toContain('event_type');
  });

  it('rejects bad filters: unknown op, non-paths, wrong operands', () => {
    rejects({ filters: { 'data.x': { op: 'like', value: 1 } } }, 'data.x');
    rejects({ filters: { 'data.x': { op: 'between', value: [1, 2] } } });
    rejects({ filters: { 'not a path': 1 } });
    rejects({ filters: { 'data..x': 1 } });
    rejects({ filters: { 'data.x[': 1 } });
    rejects({ filters: { 'payload.x': 1 } });
    rejects({ filters: { '': 1 } });
    rejects({ filters: { 'data.x': { op: 'in', value: 3 } } });
    rejects({ filters: { 'data.x': { op: '>=', value: true } } });
    rejects({ filters: { 'data.x': { op: '>=', value: Number.NaN } } });
    rejects({ filters: { 'data.x': { op: 'matches', value: 'a.[b' } } }, 'filters');
    rejects({ filters: { 'data.x': { op: '=', value: 1, extra: 2 } } });
    rejects({ filters: 'data.x=1' }, undefined);
    rejects({ filters: [1] });
  });

  it('rejects bad times: unparseable strings, impossible dates, NaN, wrong types', () => {
    for (const t of ['yesterday', '2026-13-01', '2026-02-30', '2026-11-22T25:00Z', '22/11/2026', '', ' ', '2026-11-22T10:30:45Q']) {
      rejects({ start_time: t }, 'start_time');
    }
    for (const t of [Number.NaN, Number.POSITIVE_INFINITY, 1e20, true, {}, [], new Date(Number.NaN)]) rejects({ end_time: t }, 'end_time');
  });

  it('rejects limits out of 1..10000 and non-integers', () => {
    for (const limit of [0, -1, 10_001, 1e9, 1.5, Number.NaN, '10', true]) rejects({ limit }, 'limit');
  });

  it('rejects wrong types and empty strings in every other field', () => {
    rejects({ event_type: '' }, 'event_type');
    rejects({ event_type: 5 }, 'event_type');
    rejects({ event_type: 'a..b' }, 'event_type');
    rejects({ event_type: 'a.[b' }, 'event_type');
    rejects({ event_type: '***' }, 'event_type');
    rejects({ correlation_id: '' }, 'correlation_id');
    rejects({ correlation_id: 7 }, 'correlation_id');
    rejects({ source: '' }, 'source');
    rejects({ source: { component: 'x' } }, 'source');
    rejects({ after_sequence: -1 }, 'after_sequence');
    rejects({ after_sequence: 1.5 }, 'after_sequence');
    rejects({ after_sequence: '3' }, 'after_sequence');
    rejects({ order: 'ascending' }, 'order');
    rejects({ order: 1 }, 'order');
    rejects('event_type=a');
    rejects([{ event_type: 'a' }]);
    rejects(42);
  });

  it('keeps the pattern error as the cause', () => {
    const e = rejects({ event_type: 'a.{b' });
    expect((e.cause as CrosstalkError).code).toBe('INVALID_PATTERN');
    expect(e.pattern).toBe('a.{b');
  });
});
