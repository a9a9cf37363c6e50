/**
 * Masking rules: what each action does, the paths they reach, where they
 * apply (before storage, before delivery to scripts), that the original
 * event is never changed, and bad rules.
 */
import { createHmac, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createBus, createMasker, createMemoryStore, maskEvent, parseConfig, type MaskRule, type UniversalEvent } from '../../src/index.js';
import { portOf } from '../../src/core/port.js';
import { expectCode } from './helpers.js';

function event(data: unknown, metadata: Record<string, unknown> = {}, type = 'payment.captured'): UniversalEvent {
  return {
    id: '3b241101-e2bb-4255-8caf-4136c566a962',
    event_type: type,
    timestamp: '2026-11-22T10:30:45.123Z',
    version: '1.0',
    sequence: 1,
    source: { component: 'shop', instance_id: 'i-1', language: 'host' },
    data: data as UniversalEvent['data'],
    metadata: metadata as UniversalEvent['metadata'],
    priority: 'normal',
  };
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object') {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

const mask = (rules: MaskRule[], data: unknown, metadata: Record<string, unknown> = {}) => maskEvent(deepFreeze(event(data, metadata)), rules);

describe('actions', () => {
  it('partial keeps the last 4 by default; keep_first, keep_last, mask_char; numbers too', () => {
    expect(mask([{ path: 'data.card', action: 'partial' }], { card: '4111111111111111' }).data).toEqual({ card: '************1111' });
    expect(mask([{ path: 'data.card', action: 'partial', keep_first: 6, keep_last: 2, mask_char: '#' }], { card: '4111111111111111' }).data).toEqual({
      card: '411111########11',
    });
    expect(mask([{ path: 'data.card', action: 'partial' }], { card: 4111111111111111 }).data).toEqual({ card: '************1111' });
    expect(mask([{ path: 'data.pin', action: 'partial' }], { pin: '1234' }).data).toEqual({ pin: '****' });
    expect(mask([{ path: 'data.x', action: 'partial' }], { x: { a: 1 } }).data).toEqual({ x: '[REDACTED]' });
  });

  it('redact puts a replacement in place (default "[REDACTED]"), whatever the value', () => {
    expect(mask([{ path: 'data.ssn', action: 'redact' }], { ssn: '078-05-1120' }).data).toEqual({ ssn: '[REDACTED]' });
    expect(mask([{ path: 'data.ssn', action: 'redact', replacement: null }], { ssn: { a: [1] } }).data).toEqual({ ssn: null });
  });

  it('hash is deterministic: sha256 of the text, or an HMAC with a key', () => {
    const plain = mask([{ path: 'data.email', action: 'hash' }], { email: 'ann@example.com' }).data as { email: string };
    expect(plain.email).toBe(`sha256:${createHash('sha256').update('ann@example.com').digest('hex')}`);
    const keyed = mask([{ path: 'data.email', action: 'hash', key: 's3cret' }], { email: 'ann@example.com' }).data as { email: string };
    expect(keyed.email).toBe(`hmac-sha256:${createHmac('sha256', 's3cret').update('ann@example.com').digest('hex')}`);
    // a non-string value hashes its JSON
    expect((mask([{ path: 'data.v', action: 'hash' }], { v: [1, 2] }).data as { v: string }).v).toBe(
      `sha256:${createHash('sha256').update('[1,2]').digest('hex')}`,
    );
  });

  it('email keeps the first character and the domain', () => {
    expect(mask([{ path: 'data.email', action: 'email' }], { email: 'ann.lee@example.com' }).data).toEqual({ email: 'a******@example.com' });
    expect(mask([{ path: 'data.email', action: 'email' }], { email: 'not-an-email' }).data).toEqual({ email: '********mail' });
  });

  it('drop removes the key, or the element of a list', () => {
    expect(mask([{ path: 'data.token', action: 'drop' }], { token: 't', keep: 1 }).data).toEqual({ keep: 1 });
    expect(mask([{ path: 'data.list[1]', action: 'drop' }], { list: [1, 2, 3] }).data).toEqual({ list: [1, 3] });
    expect(mask([{ path: 'data.users[*].ssn', action: 'drop' }], { users: [{ ssn: 1, n: 'a' }, { n: 'b' }] }).data).toEqual({
      users: [{ n: 'a' }, { n: 'b' }],
    });
  });
});

describe('paths', () => {
  const data = {
    email: 'top@x.io',
    user: { email: 'u@x.io', profile: { email: 'p@x.io' } },
    list: [{ email: 'l@x.io' }, 'email', { other: 1 }],
    card_number: '4111111111111111',
  };

  it('**.email reaches every depth, in lists and in metadata', () => {
    const e = mask([{ path: '**.email', action: 'redact' }], data, { email: 'm@x.io', trace: 't' });
    expect(e.data).toEqual({
      email: '[REDACTED]',
      user: { email: '[REDACTED]', profile: { email: '[REDACTED]' } },
      list: [{ email: '[REDACTED]' }, 'email', { other: 1 }],
      card_number: '4111111111111111',
    });
    expect(e.metadata).toEqual({ email: '[REDACTED]', trace: 't' });
  });

  it('data.*.email is one level; data.**.email any; [n] one element', () => {
    expect((mask([{ path: 'data.*.email', action: 'redact' }], data).data as typeof data).user.email).toBe('[REDACTED]');
    expect((mask([{ path: 'data.*.email', action: 'redact' }], data).data as typeof data).email).toBe('top@x.io');
    expect((mask([{ path: 'data.*.email', action: 'redact' }], data).data as typeof data).user.profile.email).toBe('p@x.io');
    expect((mask([{ path: 'data.user.**.email', action: 'redact' }], data).data as typeof data).user.profile.email).toBe('[REDACTED]');
    expect((mask([{ path: 'data.list[0].email', action: 'redact' }], data).data as typeof data).list).toEqual([
      { email: '[REDACTED]' },
      'email',
      { other: 1 },
    ]);
  });

  it('an event no rule touches is returned as it is; untouched parts are shared', () => {
    const e = deepFreeze(event(data, { trace: { id: 1 } }));
    expect(maskEvent(e, [{ path: 'data.nothing_here', action: 'redact' }])).toBe(e);
    const masked = maskEvent(e, [{ path: 'data.card_number', action: 'partial' }]);
    expect(masked).not.toBe(e);
    expect((masked.data as typeof data).user).toBe(data.user);
    expect(masked.metadata).toBe(e.metadata);
    expect((e.data as typeof data).card_number).toBe('4111111111111111');
  });

  it('rules apply in order, each to what the one before left', () => {
    const e = mask([{ path: 'data.email', action: 'hash' }, { path: 'data.email', action: 'partial', keep_last: 8 }], { email: 'a@b.c' });
    expect((e.data as { email: string }).email).toMatch(/^\*+[0-9a-f]{8}$/);
  });
});

describe('where rules apply', () => {
  const rules: MaskRule[] = [
    { path: 'data.card', action: 'partial', types: 'payment.**' },
    { path: 'data.email', action: 'redact', on: ['scripts'] },
    { path: 'data.name', action: 'drop', on: 'analytics.lua' },
    { path: 'data.ip', action: 'redact', on: ['store'] },
  ];
  const m = createMasker(rules);
  const e = deepFreeze(event({ card: '4111111111111111', email: 'a@b.c', name: 'Ann', ip: '10.0.0.1' }));

  it('before storage: rules on store (the default is store and scripts), types scoped', () => {
    expect(m.forStore(e).data).toEqual({ card: '************1111', email: 'a@b.c', name: 'Ann', ip: '[REDACTED]' });
    expect(m.forStore(deepFreeze(event({ card: '4111111111111111' }, {}, 'refund.issued'))).data).toEqual({ card: '4111111111111111' });
    expect(m.storesMasked('payment.captured')).toBe(true);
  });

  it('before delivery to a script: every script, or the ones named', () => {
    expect(m.forScript('audit.js')!(e).data).toEqual({ card: '************1111', email: '[REDACTED]', name: 'Ann', ip: '10.0.0.1' });
    expect(m.forScript('analytics.lua')!(e).data).toEqual({ card: '************1111', email: '[REDACTED]', ip: '10.0.0.1' });
    expect(createMasker([{ path: 'data.ip', action: 'redact', on: 'store' }]).forScript('audit.js')).toBeNull();
  });

  it('a bus stores the masked copy; its host subscribers get the original; the port gives scripts their masker', async () => {
    const store = createMemoryStore({ sweepIntervalMs: 0 });
    const bus = createBus({ store, masking: rules });
    const sub = bus.subscribe('payment.*');
    bus.publish('payment.captured', { card: '4111111111111111', email: 'a@b.c', name: 'Ann', ip: '10.0.0.1' }, { persistent: true });
    bus.publish('payment.captured', { card: '4222222222222222' }); // not stored: nothing masked
    expect(sub.drain().map((x) => (x.data as { card: string }).card)).toEqual(['4111111111111111', '4222222222222222']);
    const [stored] = await store.query({ limit: 10, order: 'asc' });
    expect(stored!.data).toEqual({ card: '************1111', email: 'a@b.c', name: 'Ann', ip: '[REDACTED]' });
    const forScript = portOf(bus).maskerFor('analytics.lua');
    expect(forScript!(event({ name: 'Ann', card: '4111111111111111' })).data).toEqual({ card: '************1111' });
    expect(portOf(createBus()).maskerFor('analytics.lua')).toBeNull();
    await bus.close();
  });
});

describe('bad rules are INVALID_OPTION naming the field', () => {
  it.each([
    [[{ action: 'redact' }], 'masking[0].path'],
    [[{ path: 'data.x' }], 'masking[0].action'],
    [[{ path: 'data.x', action: 'encrypt' }], 'masking[0].action'],
    [[{ path: 'card', action: 'redact' }], 'masking[0].path'],
    [[{ path: 'data', action: 'redact' }], 'masking[0].path'],
    [[{ path: 'data.**', action: 'redact' }], 'masking[0].path'],
    [[{ path: 'data..x', action: 'redact' }], 'masking[0].path'],
    [[{ path: 'data.a b', action: 'redact' }], 'masking[0].path'],
    [[{ path: 'data.x', action: 'redact' }, { path: 'data.x', action: 'partial', keep_last: -1 }], 'masking[1].keep_last'],
    [[{ path: 'data.x', action: 'partial', mask_char: '**' }], 'masking[0].mask_char'],
    [[{ path: 'data.x', action: 'redact', keep_last: 2 }], 'masking[0].keep_last'],
    [[{ path: 'data.x', action: 'hash', key: '' }], 'masking[0].key'],
    [[{ path: 'data.x', action: 'redact', types: 'a..b' }], 'masking[0].types'],
    [[{ path: 'data.x', action: 'redact', on: [] }], 'masking[0].on'],
    [[{ path: 'data.x', action: 'redact', colour: 'red' }], 'colour'],
    [[5], 'masking[0]'],
    [{ path: 'data.x' }, 'masking'],
  ])('%j', (rules, option) => {
    expect(expectCode(() => createMasker(rules), 'INVALID_OPTION').option).toBe(option);
    expect(expectCode(() => createBus({ masking: rules as MaskRule[] }), 'INVALID_OPTION').option).toBe(option);
  });

  it('in a configuration file', () => {
    expect(parseConfig({ masking: [{ path: 'data.card', action: 'partial' }] }).bus.masking).toHaveLength(1);
    expectCode(() => parseConfig({ masking: [{ path: 'card', action: 'partial' }] }), 'INVALID_OPTION');
  });
});
