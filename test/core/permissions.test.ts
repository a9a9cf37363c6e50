/**
 * Per-script permissions (docs/scripts.md "Script permissions"): which patterns a
 * rule covers, checked soundly against the pattern grammar, and the checks
 * that answer PERMISSION_DENIED.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import '../setup/fast-check.js';
import { compilePattern } from '../../src/core/pattern.js';
import { patternCovers, PermissionCheck } from '../../src/core/permissions.js';
import { instantiate, patternTree, render } from './grammar.js';

const covers = (g: string, p: string) => patternCovers(compilePattern(g), compilePattern(p));

describe('patternCovers', () => {
  it.each([
    ['order.**', 'order.*', true],
    ['order.**', 'order.paid', true],
    ['order.**', 'order.**', true],
    ['order.**', 'order', true],
    ['order.*', 'order.paid', true],
    ['order.*', 'order.p*d', true],
    ['order.*', 'order.**', false],
    ['order.*', 'order.a.b', false],
    ['order.p*', 'order.paid', true],
    ['order.p*', 'order.p*', true],
    ['order.p*', 'order.*', false],
    ['order.p*', 'order.pa*', false],
    ['**', '**', true],
    ['**', 'a.{b,c}.**', true],
    ['a.{b,c}', 'a.b', true],
    ['a.{b,c}', 'a.{c,b}', true],
    ['a.{b,c}', 'a.{b,d}', false],
    ['a.b', 'a.*', false],
    ['**.error', 'db.error', true],
    ['**.error', '**.error', true],
    ['**.error', '*.error', true],
    ['**.error', '**', false],
  ])('%s covers %s: %s', (g, p, want) => {
    expect(covers(g, p)).toBe(want);
  });

  it('is sound: every type a covered pattern matches, the covering one matches too', () => {
    fc.assert(
      fc.property(patternTree, patternTree, fc.array(fc.integer(), { minLength: 8, maxLength: 8 }), (gt, pt, seeds) => {
        const g = compilePattern(render(gt, '.'));
        const p = compilePattern(render(pt, '.'));
        if (!patternCovers(g, p)) return;
        for (const seed of seeds) {
          const t = instantiate(pt, seed);
          if (t !== null) expect({ g: g.source, p: p.source, t, matches: g.test(t) }).toEqual({ g: g.source, p: p.source, t, matches: true });
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('a pattern covers itself', () => {
    fc.assert(
      fc.property(patternTree, (t) => {
        const p = compilePattern(render(t, '.'));
        expect(patternCovers(p, p)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('PermissionCheck', () => {
  const code = (f: () => void): string | undefined => {
    try {
      f();
      return undefined;
    } catch (e) {
      return (e as { code: string }).code;
    }
  };

  it('publish: allow list, deny list, and crosstalk.* for the host only', () => {
    const p = new PermissionCheck('pay.lua', { publish: { allow: ['order.**'], deny: ['order.refund.*'] } });
    expect(code(() => p.checkPublish('order.paid'))).toBeUndefined();
    expect(code(() => p.checkPublish('invoice.sent'))).toBe('PERMISSION_DENIED');
    expect(() => p.checkPublish('order.refund.full')).toThrow('pay.lua may not publish "order.refund.full": it is denied by "order.refund.*"');
    const open = new PermissionCheck('any.js', undefined);
    expect(code(() => open.checkPublish('anything.at.all'))).toBeUndefined();
    expect(() => open.checkPublish('crosstalk.script.started')).toThrow("types under crosstalk. are the host's");
  });

  it('subscribe: a pattern must be covered by an allowed one and by no denied one; denied types are not delivered', () => {
    const p = new PermissionCheck('audit.js', { subscribe: { allow: ['order.**', 'audit.*'], deny: ['order.secret.**'] } });
    expect(code(() => p.checkSubscribe(['order.*', 'audit.log']))).toBeUndefined();
    expect(code(() => p.checkSubscribe(['**']))).toBe('PERMISSION_DENIED');
    expect(code(() => p.checkSubscribe(['order.secret.keys']))).toBe('PERMISSION_DENIED');
    expect(p.delivers('order.secret.keys')).toBe(false);
    expect(p.delivers('order.paid')).toBe(true);
    expect(p.reads('invoice.sent')).toBe(false);
    const denyOnly = new PermissionCheck('spy.lua', { subscribe: { deny: ['crosstalk.inbox.**'] } });
    expect(code(() => denyOnly.checkSubscribe(['**']))).toBeUndefined();
    expect(denyOnly.delivers('crosstalk.inbox.x.1')).toBe(false);
  });

  it.each([
    [[], 'Expected `permissions` to be {publish, subscribe}'],
    [{ publsh: ['a'] }, 'unknown key "publsh" in `permissions`'],
    [{ publish: 'a.*' }, 'Expected `permissions.publish` to be a list of allowed patterns or {allow, deny}'],
    [{ publish: { allow: 'a.*' } }, 'Expected `permissions.publish.allow` to be a list of patterns'],
    [{ subscribe: { allow: ['a..b'] } }, '`permissions.subscribe.allow[0]`: invalid pattern "a..b"'],
    [{ subscribe: { only: ['a'] } }, 'unknown key "only" in `permissions.subscribe`'],
    [null, 'Expected `permissions` to be {publish, subscribe}, got null'],
  ])('a malformed rule %j is INVALID_OPTION naming where', (rules, message) => {
    expect(() => new PermissionCheck('x.lua', rules)).toThrow(message);
    expect(code(() => new PermissionCheck('x.lua', rules))).toBe('INVALID_OPTION');
  });
});
