/**
 * The router's fast paths, each against a plain model: the probed hash
 * tables (trie-table.ts), the set-associative route cache and its admission
 * on a second lookup, glob hints, the stop
 * range of `**`, trailing `**` kept on their node, and deduplication when a
 * value gains a second alternative after its bucket was read.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePattern } from '../../src/index.js';
import { Router } from '../../src/internal.js';
import type { Segment } from '../../src/core/pattern.js';
import { hashOf, PACKED, Table } from '../../src/core/trie-table.js';
import { eventType } from './grammar.js';
import { runRouterModel } from './helpers.js';

const RUNS = Number(process.env.CROSSTALK_FC_RUNS ?? 300);
const sorted = <T>(xs: readonly T[]) => [...xs].sort();

describe('the hash table', () => {
  // keys of up to four characters below U+0080 are their own (packed) code; longer or wider ones are hashed
  const key = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '-', '\u0000', '\u007f', '\u0080', '\u8000'), minLength: 1, maxLength: 6 });
  const op = fc.oneof(
    fc.record({ k: fc.constant('set' as const), key }),
    fc.record({ k: fc.constant('delete' as const), key }),
    fc.record({ k: fc.constant('find' as const), key }),
  );

  it('answers like a Map through growth and backward-shift deletion', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const table = new Table<number>();
        const model = new Map<string, number>();
        let n = 0;
        for (const o of ops) {
          if (o.k === 'set') {
            if (!model.has(o.key)) {
              table.set(o.key, n);
              model.set(o.key, n++);
            }
          } else if (o.k === 'delete') {
            table.delete(o.key);
            model.delete(o.key);
          } else {
            // found in place, as a segment of a longer string
            const s = `x.${o.key}.y`;
            expect(table.find(s, 2, 2 + o.key.length, hashOf(o.key))).toBe(model.get(o.key) ?? null);
          }
          expect(table.size).toBe(model.size);
        }
        for (const [k, v] of model) expect(table.get(k)).toBe(v);
        expect(sorted([...table.values()])).toEqual(sorted([...model.values()]));
      }),
      { numRuns: RUNS },
    );
  });

  it('codes a short key as itself: equal codes, equal keys; packed and hashed codes never meet', () => {
    const keys = ['AaAaA', 'BBBBA', 'a', 'b', 'ab', 'ba', 'abc', 'abcd', 'abce', 'bcda', 'abcde', 'abcdf', 'a\u0080', 'a\u0000', '\u0000', '\u007f\u007f\u007f\u007f', 'zzzz', ':-_9'];
    const codes = keys.map(hashOf);
    expect(new Set(codes).size).toBe(keys.length - 1);
    for (const [i, k] of keys.entries()) expect((codes[i]! & PACKED) !== 0).toBe(k.length <= 4 && [...k].every((c) => c.charCodeAt(0) > 0 && c.charCodeAt(0) < 0x80));
    // longer keys share hashed codes ('Aa' and 'BB' hash alike): then the key itself decides
    expect(hashOf('AaAaA')).toBe(hashOf('BBBBA'));
    const t = new Table<string>();
    t.set('AaAaA', 'AaAaA');
    expect(t.find('x.BBBBA', 2, 7, hashOf('BBBBA'))).toBeNull();
    expect(t.findKey('BBBBA', hashOf('BBBBA'))).toBeNull();
    expect(t.findKey('AaAaA', hashOf('AaAaA'))).toBe('AaAaA');
    // a walk reads each segment's code in its own loop (trie literals); whole types go by hashOf (exact types)
    const r = new Router<string>(0);
    const valid = keys.filter((k) => /^[A-Za-z0-9_:-]+$/.test(k));
    for (const k of valid) {
      r.add(`glob ${k}`, compilePattern(`*.${k}.y`));
      r.add(`exact ${k}`, compilePattern(k));
    }
    for (const k of [...keys, ...keys.map((k) => `${k}a`)]) {
      const want = valid.includes(k) ? [`glob ${k}`] : [];
      expect({ k, got: r.route(`x.${k}.y`) }).toEqual({ k, got: want });
      expect({ k, got: r.route(k) }).toEqual({ k, got: valid.includes(k) ? [`exact ${k}`] : [] });
    }
  });
});

describe('the route cache', () => {
  const types = Array.from({ length: 120 }, (_, i) => `t${i % 7}.u${i}`);
  const patterns = ['t1.*', '**', 't2.u9', '*.u1*', 't3.**', '{t4,t5}.*', 't6.u[0-4]*'];
  type Op = { k: 'add' | 'remove'; p: number } | { k: 'route'; t: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 1, arbitrary: fc.record({ k: fc.constantFrom('add' as const, 'remove' as const), p: fc.nat(patterns.length - 1) }) },
    { weight: 12, arbitrary: fc.record({ k: fc.constant('route' as const), t: fc.nat(types.length - 1) }) },
  );

  it('never answers stale or wrong, and stays within its limit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(op, { maxLength: 300 }), (limit, ops) => {
        const router = new Router<number>(limit);
        const live = new Set<number>();
        const want = (t: string) => [...live].filter((p) => compilePattern(patterns[p]!).test(t));
        for (const o of ops) {
          if (o.k === 'add' && !live.has(o.p)) {
            router.add(o.p, compilePattern(patterns[o.p]!));
            live.add(o.p);
          } else if (o.k === 'remove' && live.has(o.p)) {
            router.remove(o.p, compilePattern(patterns[o.p]!));
            live.delete(o.p);
          } else if (o.k === 'route') {
            const t = types[o.t]!;
            const before = router.cached(t);
            if (before !== undefined) expect(sorted(before)).toEqual(sorted(want(t)));
            expect(sorted(router.route(t))).toEqual(sorted(want(t)));
            // admitted on its second lookup: a second route always leaves it cached
            expect(sorted(router.route(t))).toEqual(sorted(want(t)));
            expect(router.cached(t)).toBeDefined();
          }
          expect(router.cacheSize).toBeLessThanOrEqual(limit);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('admits a type on its second lookup: types that come once leave the cache alone', () => {
    const r = new Router<string>(100);
    r.add('all', compilePattern('**'));
    for (let i = 0; i < 1000; i++) r.route(`once.t${i}`);
    // only a type whose doorkeeper bit another set first is let in
    expect(r.cacheSize).toBeLessThan(20);
    r.route('twice');
    expect(r.cached('twice')).toBeUndefined();
    r.route('twice');
    expect(r.cached('twice')).toEqual(['all']);
  });

  it('is LRU within a set', () => {
    // a limit of 4 is one set of four
    const r = new Router<string>(4);
    r.add('all', compilePattern('**'));
    const twice = (t: string) => (r.route(t), r.route(t));
    for (const t of ['h', 'c1', 'c2', 'c3', 'h', 'c4', 'c5', 'c6']) twice(t);
    expect(r.cached('h')).toEqual(['all']);
    expect(r.cached('c3')).toBeUndefined();
    expect(r.cacheSize).toBe(4);
  });

  it('grows to its limit and keeps a hot set', () => {
    const r = new Router<string>(5000);
    r.add('all', compilePattern('**'));
    for (let i = 0; i < 20_000; i++) r.route(`cold.c${i}`), r.route(`cold.c${i}`);
    expect(r.cacheSize).toBeGreaterThan(4000);
    expect(r.cacheSize).toBeLessThanOrEqual(5000);
    const hot = Array.from({ length: 1000 }, (_, i) => `hot.h${i}`);
    for (let pass = 0; pass < 3; pass++) for (const t of hot) r.route(t);
    // four slots per set: only a set that five hot types share loses one
    expect(hot.filter((t) => r.cached(t) !== undefined).length).toBeGreaterThanOrEqual(990);
    r.add('more', compilePattern('hot.*'));
    expect(r.cacheSize).toBe(0);
    expect(r.cached('hot.h1')).toBeUndefined();
    expect(sorted(r.route('hot.h1'))).toEqual(['all', 'more']);
  });
});

describe('glob hints', () => {
  const atom = fc.constantFrom('a', 'b', 'ab', '*', '?', '[ab]', '[!a]', '[a-c]', '\\*', '\\?', '-', ':');
  const glob = fc.array(atom, { minLength: 1, maxLength: 5 }).map((as) => as.filter((a, i) => !(a === '*' && as[i - 1] === '*')).join(''));
  const segment = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '*', '?', '-', ':'), minLength: 1, maxLength: 7 });

  it('never rule out a segment the glob matches', () => {
    fc.assert(
      fc.property(glob, segment, (g, s) => {
        const seg = compilePattern(`x.${g}`).alternatives[0]![1]!;
        fc.pre(seg.kind === 'glob');
        const { glob: hint } = seg as Extract<Segment, { kind: 'glob' }>;
        const admitted = s.length >= hint.min && s.length <= hint.max && s.startsWith(hint.prefix) && s.endsWith(hint.suffix);
        if (hint.test(s)) expect(admitted).toBe(true);
        // where the hint decides alone (characters and one star), it is the answer
        if (hint.hintDecides) expect({ g, s, admitted }).toEqual({ g, s, admitted: hint.test(s) });
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('route as the pattern compiler does', () => {
    const r = new Router<string>(0);
    const ps = ['a.e[1-4]8.v', 'a.e5*.v', 'a.*x*y.v', 'a.?.v', 'a.[!e]*.v', 'a.\\*.v', 'a.a\\.b'];
    for (const p of ps) r.add(p, compilePattern(p));
    for (const mid of ['e18', 'e28', 'e58', 'e5', 'e59', 'xy', 'axbyc', 'x', 'e', 'f', '*', 'ab', 'e1']) {
      const t = `a.${mid}.v`;
      expect({ t, got: sorted(r.route(t)) }).toEqual({ t, got: sorted(ps.filter((p) => compilePattern(p).test(t))) });
    }
  });
});

describe('glob screening', () => {
  // many globs on one node, with prefixes and suffixes of zero, one, two and more
  // characters, some beyond U+7FFF (the packed pairs' sign bit); segments alike
  const unit = fc.constantFrom('a', 'b', 'x', '\u8000', '\uffff');
  const part = fc.string({ unit, minLength: 0, maxLength: 3 });
  const glob = fc
    .tuple(part, fc.constantFrom('*', '?', '[ab]', '*?', '?*', '[!a]*'), part)
    .map(([pre, mid, post]) => `${pre}${mid}${post}`);
  const segment = fc.string({ unit, minLength: 1, maxLength: 6 });

  it('never rules out a glob that takes the segment, at one node or many', () => {
    fc.assert(
      fc.property(fc.uniqueArray(glob, { minLength: 1, maxLength: 24 }), fc.array(segment, { minLength: 1, maxLength: 20 }), (globs, segs) => {
        const r = new Router<string>(0);
        for (const g of globs) r.add(g, compilePattern(`n.${g}.end`));
        for (const seg of segs) {
          const t = `n.${seg}.end`;
          // the type grammar has no such characters: compare with the compiled patterns directly
          expect({ t, got: sorted(r.route(t)) }).toEqual({ t, got: sorted(globs.filter((g) => compilePattern(`n.${g}.end`).test(t))) });
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('`**`', () => {
  const POOL = ['**.a', 'a.**.b', '**.a.**', '**.*.b.*', 'a.**', '**', '*.**.c', '**.a.b.c', 'a.**.b.**.c', '{a,**}.b', 'a.**.*.*'];
  type Op = { k: 'add'; v: number; p: number } | { k: 'remove'; i: number } | { k: 'route'; t: string };
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 3, arbitrary: fc.record({ k: fc.constant('add' as const), v: fc.nat(3), p: fc.nat(POOL.length - 1) }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('remove' as const), i: fc.nat() }) },
    {
      weight: 4,
      arbitrary: fc.record({
        k: fc.constant('route' as const),
        t: fc.oneof(eventType, fc.array(fc.constantFrom('a', 'b', 'c', 'x'), { minLength: 1, maxLength: 6 }).map((s) => s.join('.'))),
      }),
    },
  );

  it('stops only where it can (ranges left wide by removal), and trailing `**` stays on its node', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        runRouterModel(
          new Router<number>(0),
          ops.map((o) => (o.k === 'add' ? { k: 'add', v: o.v, p: POOL[o.p]! } : o)),
        );
      }),
      { numRuns: RUNS },
    );
  });
});

describe('deduplication', () => {
  it('notices a value gaining a second alternative after its bucket was read', () => {
    const r = new Router<string>(0);
    r.add('v', compilePattern('a.*'));
    r.add('w', compilePattern('a.b'));
    expect(sorted(r.route('a.b'))).toEqual(['v', 'w']);
    // 'v' now also sits in the exact bucket and in a `**` bucket
    r.add('v', compilePattern('a.b'));
    r.add('v', compilePattern('**'));
    expect(sorted(r.route('a.b'))).toEqual(['v', 'w']);
    r.remove('v', compilePattern('a.*'));
    r.remove('v', compilePattern('**'));
    expect(sorted(r.route('a.b'))).toEqual(['v', 'w']);
    r.remove('v', compilePattern('a.b'));
    expect(r.route('a.b')).toEqual(['w']);
  });
});
