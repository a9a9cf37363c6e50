/**
 * The query-filter syntax (docs/persistence.md "Persistence, query and replay") as the bus uses it for subscription
 * filters: paths, ops, operands, and what is INVALID_QUERY.
 */
import { describe, expect, it } from 'vitest';
import { compileFilter, createBus, type UniversalEvent } from '../../src/index.js';
import { parsePath, readPath } from '../../src/internal.js';
import { expectCode } from './helpers.js';

const event: UniversalEvent = {
  id: '3b241101-e2bb-4255-8caf-4136c566a962',
  event_type: 'order.created',
  timestamp: '2026-11-22T10:30:45.123Z',
  version: '1.0',
  sequence: 7,
  source: { component: 'shop', instance_id: 'i-1', correlation_id: 'c-1', language: 'host' },
  data: { amount: 42, name: 'Widget', tags: ['a', 'b'], nested: { deep: [null, { x: 1 }] }, empty: null },
  metadata: { user_id: 'u-9' },
  priority: 'high',
};

describe('paths', () => {
  it('parse into steps', () => {
    expect(parsePath('data')).toEqual(['data']);
    expect(parsePath('data.nested.deep[1].x')).toEqual(['data', 'nested', 'deep', 1, 'x']);
    expect(parsePath('metadata.user_id')).toEqual(['metadata', 'user_id']);
    expect(parsePath('source.component')).toEqual(['source', 'component']);
    expect(parsePath('sequence')).toEqual(['sequence']);
  });

  for (const bad of ['', 'nope', 'Data.x', 'data.', 'data..x', 'data[x]', 'data x', 'data.a b', '.data', '[0]', 'datax']) {
    it(`${JSON.stringify(bad)} is INVALID_QUERY`, () => {
      expectCode(() => parsePath(bad), 'INVALID_QUERY');
    });
  }
  it('a non-string path is INVALID_QUERY', () => {
    expectCode(() => parsePath(5), 'INVALID_QUERY');
  });

  it('read only the JSON: own keys of objects, indexes of arrays', () => {
    expect(readPath(event, ['data', 'nested', 'deep', 1, 'x'])).toBe(1);
    expect(readPath(event, ['data', 'tags', 0])).toBe('a');
    expect(readPath(event, ['data', 'tags', 5])).toBeUndefined();
    expect(readPath(event, ['data', 'name', 'length'])).toBeUndefined();
    expect(readPath(event, ['data', 'constructor'])).toBeUndefined();
    expect(readPath(event, ['metadata', 'toString'])).toBeUndefined();
    expect(readPath(event, ['data', 'tags', 'length'])).toBeUndefined();
    expect(readPath(event, ['data', '__proto__'])).toBeUndefined();
    expect(readPath(event, ['ttl_seconds'])).toBeUndefined();
  });
});

describe('conditions', () => {
  const rows: [string, Record<string, unknown>, boolean][] = [
    ['plain equality', { 'data.amount': 42 }, true],
    ['equality of a string', { 'data.name': 'Widget' }, true],
    ['equality is case-sensitive', { 'data.name': 'widget' }, false],
    ['equality of an array', { 'data.tags': { op: '=', value: ['a', 'b'] } }, true],
    ['equality of an object', { 'data.nested.deep[1]': { op: '=', value: { x: 1 } } }, true],
    ['positional >=', { 'data.amount': ['>=', 42] }, true],
    ['positional <', { 'data.amount': ['<', 42] }, false],
    ['positional in', { priority: ['in', ['critical', 'high']] }, true],
    ['positional = with a list', { 'data.tags': ['=', ['a', 'b']] }, true],
    ['positional exists', { 'metadata.user_id': ['exists'] }, true],
    ['positional exists false', { 'data.missing': ['exists', false] }, true],
    ['positional matches', { event_type: ['matches', 'order.*'] }, true],
    ['equality with null', { 'data.empty': null }, true],
    ['a missing path is not null', { 'data.missing': null }, false],
    ['!=', { 'data.amount': { op: '!=', value: 1 } }, true],
    ['!= on a missing path', { 'data.missing': { op: '!=', value: 1 } }, false],
    ['<', { 'data.amount': { op: '<', value: 43 } }, true],
    ['< equal', { 'data.amount': { op: '<', value: 42 } }, false],
    ['<=', { 'data.amount': { op: '<=', value: 42 } }, true],
    ['>', { 'data.amount': { op: '>', value: 41.5 } }, true],
    ['>=', { 'data.amount': { op: '>=', value: 43 } }, false],
    ['> on strings', { timestamp: { op: '>', value: '2026-01-01' } }, true],
    ['< between a string and a number', { 'data.name': { op: '<', value: 5 } }, false],
    ['in', { priority: { op: 'in', value: ['critical', 'high'] } }, true],
    ['in, absent', { priority: { op: 'in', value: ['low'] } }, false],
    ['contains in an array', { 'data.tags': { op: 'contains', value: 'b' } }, true],
    ['contains in a string', { 'data.name': { op: 'contains', value: 'dge' } }, true],
    ['contains on a number', { 'data.amount': { op: 'contains', value: 4 } }, false],
    ['exists', { 'metadata.user_id': { op: 'exists' } }, true],
    ['exists true', { 'data.empty': { op: 'exists', value: true } }, true],
    ['exists false', { 'data.missing': { op: 'exists', value: false } }, true],
    ['inherited members do not exist', { 'data.constructor': { op: 'exists', value: false } }, true],
    ["an array's length is not a member", { 'data.tags.length': 2 }, false],
    ['matches', { event_type: { op: 'matches', value: 'order.*' } }, true],
    ['matches, no', { event_type: { op: 'matches', value: 'user.**' } }, false],
    ['matches on a non-string', { 'data.amount': { op: 'matches', value: '*' } }, false],
    ['source', { 'source.component': 'shop' }, true],
    ['sequence', { sequence: { op: '>=', value: 7 } }, true],
    ['all conditions must hold', { 'data.amount': 42, priority: 'low' }, false],
    ['no conditions hold for everything', {}, true],
  ];
  it.each(rows)('%s', (_name, spec, want) => {
    expect(compileFilter(spec)(event)).toBe(want);
  });

  const bad: [string, unknown][] = [
    ['a list', [['data.x', 1]]],
    ['a string', 'data.x = 1'],
    ['an unknown op', { 'data.x': { op: 'like', value: 'a' } }],
    ['an op that is not a string', { 'data.x': { op: 1, value: 'a' } }],
    ['an extra key next to op', { 'data.x': { op: '=', value: 1, also: 2 } }],
    ['in without a list', { 'data.x': { op: 'in', value: 1 } }],
    ['< with a boolean', { 'data.x': { op: '<', value: true } }],
    ['> with Infinity', { 'data.x': { op: '>', value: Infinity } }],
    ['= with NaN', { 'data.x': NaN }],
    ['= with no value', { 'data.x': { op: '=' } }],
    ['exists with a string', { 'data.x': { op: 'exists', value: 'yes' } }],
    ['matches with a number', { 'data.x': { op: 'matches', value: 1 } }],
    ['a bad path', { 'payload.x': 1 }],
    ['a list of values (once: equality with the list)', { 'data.tags': ['a', 'b'] }],
    ['a list of three', { 'data.x': ['>', 1, 2] }],
    ['a list with an unknown op', { 'data.x': ['~~', 1] }],
    ['an empty list', { 'data.x': [] }],
    ['a list of one op that needs a value', { 'data.x': ['>'] }],
    ['an object without op', { 'data.x': { value: 5 } }],
    ['an empty object (an empty Lua table)', { 'data.x': {} }],
  ];
  it.each(bad)('%s is INVALID_QUERY', (_name, spec) => {
    expectCode(() => compileFilter(spec), 'INVALID_QUERY');
  });

  it('names the path and the way to write equality with a list', () => {
    const e = expectCode(() => compileFilter({ 'data.tags': ['eu', 'vip'] }), 'INVALID_QUERY');
    expect(e.message).toContain('data.tags');
    expect(e.option).toBe('data.tags');
    const list = expectCode(() => compileFilter({ 'data.tags': ['>', 1, 2] }), 'INVALID_QUERY');
    expect(list.message).toMatch(/data\.tags.*\{op: "=", value: \[\.\.\.\]\}/);
  });

  it('matches with a bad glob is INVALID_PATTERN', () => {
    expectCode(() => compileFilter({ 'data.x': { op: 'matches', value: 'a..b' } }), 'INVALID_PATTERN');
  });
});

it('a subscription filter on an inherited member does not let every event through', () => {
  const bus = createBus();
  const s = bus.subscribe('a', { filter: { 'data.constructor': { op: 'exists' } } });
  bus.publish('a', { x: 1 });
  bus.publish('a', { constructor: 'own key' });
  expect(s.drain().map((e) => e.data)).toEqual([{ constructor: 'own key' }]);
  expect(s.stats().filtered).toBe(1);
});

it('a subscription filter takes positional conditions, as the host API does everywhere', () => {
  const bus = createBus();
  const s = bus.subscribe('a', { filter: { 'data.x': ['>=', 2] } });
  for (const x of [1, 2, 3]) bus.publish('a', { x });
  expect(s.drain().map((e) => e.data)).toEqual([{ x: 2 }, { x: 3 }]);
  expect(() => bus.subscribe('a', { filter: { 'data.x': [2, 3] } })).toThrow(expect.objectContaining({ code: 'INVALID_QUERY' }));
});
