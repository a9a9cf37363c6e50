/**
 * The routing index: exact map, segment trie, bounded cache. Checked against
 * a naive scan of compilePattern().test, which is what it must equal.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePattern, createBus } from '../../src/index.js';
import { Router } from '../../src/internal.js';
import { eventType, instantiate, patternTree, render } from './grammar.js';
import { trieShape, type TrieNode } from '../../src/core/trie.js';
import { runRouterModel, type RouterOp } from './helpers.js';

const sorted = <T>(xs: readonly T[]) => [...xs].sort();

/** What the router's trie holds, read for the pruning checks only. */
function shape(r: Router<unknown>): ReturnType<typeof trieShape> {
  return trieShape((r as unknown as { root: TrieNode<unknown> }).root);
}
const EMPTY_TRIE = { nodes: 1, literals: 0, globs: 0, buckets: 0 };

describe('route cache', () => {
  it('a cached answer is never stale across add and remove', () => {
    const r = new Router<string>();
    expect(r.route('a.b')).toEqual([]);
    expect(r.cached('a.b')).toBeUndefined(); // a type is cached from its second lookup on
    expect(r.route('a.b')).toEqual([]);
    expect(r.cached('a.b')).toEqual([]);
    r.add('glob', compilePattern('a.*'));
    expect(r.cached('a.b')).toBeUndefined();
    expect(r.route('a.b')).toEqual(['glob']);
    r.add('exact', compilePattern('a.b'));
    expect(sorted(r.route('a.b'))).toEqual(['exact', 'glob']);
    r.remove('glob', compilePattern('a.*'));
    expect(r.route('a.b')).toEqual(['exact']);
    r.remove('exact', compilePattern('a.b'));
    expect(r.route('a.b')).toEqual([]);
  });

  it('a subscription made after a type was routed receives it (bus)', () => {
    const bus = createBus();
    const first = bus.subscribe('orders.*');
    bus.publish('orders.created', 1); // the route of orders.created is now cached
    const late = bus.subscribe('orders.created');
    const glob = bus.subscribe('**.created');
    bus.publish('orders.created', 2);
    expect(late.drain().map((e) => e.data)).toEqual([2]);
    expect(glob.drain().map((e) => e.data)).toEqual([2]);
    first.unsubscribe();
    bus.publish('orders.created', 3);
    expect(late.drain().map((e) => e.data)).toEqual([3]);
    expect(first.drain()).toEqual([]);
    expect(bus.stats().subscriptions).toBe(2);
  });

  it('stays within its bound', () => {
    const r = new Router<string>(4);
    r.add('x', compilePattern('**'));
    for (let pass = 0; pass < 2; pass++) for (let i = 0; i < 50; i++) expect(r.route(`t${i}`)).toEqual(['x']);
    expect(r.cacheSize).toBe(4);
    const off = new Router<string>(0);
    off.add('x', compilePattern('**'));
    for (let i = 0; i < 5; i++) off.route(`t${i}`);
    expect(off.cacheSize).toBe(0);
  });
});

describe('answers kept by subscribed types', () => {
  it('a plain type with subscribers keeps its whole answer, globs included, until the index changes', () => {
    const r = new Router<string>(0); // no route cache: what is kept is the exact bucket's
    r.add('exact', compilePattern('a.b'));
    r.add('glob', compilePattern('a.*'));
    const first = r.route('a.b');
    expect(sorted(first)).toEqual(['exact', 'glob']);
    expect(r.route('a.b')).toBe(first);
    expect(r.cached('a.b')).toBe(first);
    r.add('more', compilePattern('**.b'));
    expect(r.cached('a.b')).toBeUndefined();
    expect(sorted(r.route('a.b'))).toEqual(['exact', 'glob', 'more']);
    r.remove('glob', compilePattern('a.*'));
    expect(sorted(r.route('a.b'))).toEqual(['exact', 'more']);
    r.remove('exact', compilePattern('a.b'));
    expect(r.route('a.b')).toEqual(['more']);
  });

  it('cached() then route() of the same type, with other types routed in between, answers each right', () => {
    const r = new Router<string>(100);
    r.add('x', compilePattern('x.*'));
    r.add('y', compilePattern('y.*'));
    for (let i = 0; i < 3; i++) {
      expect(r.cached('x.1')).toBeUndefined();
      expect(r.route('y.1')).toEqual(['y']);
      expect(r.route('x.1')).toEqual(['x']);
      r.add(`v${i}`, compilePattern('z')); // outdates what cached() found
    }
    // admitted on its second lookup, under its own hash
    expect(r.route('x.1')).toEqual(['x']);
    expect(r.cached('x.1')).toEqual(['x']);
  });
});

describe('dedupe', () => {
  it('a value reached by several patterns and alternatives appears once', () => {
    const r = new Router<string>();
    const ps = ['a.b', 'a.*', '**', '{a.b,a.*,*.b}', 'a.**', '{a,b}.{b,c}'];
    for (const p of ps) r.add('sub', compilePattern(p));
    r.add('other', compilePattern('a.b'));
    expect(sorted(r.route('a.b'))).toEqual(['other', 'sub']);
    // removing some patterns keeps the value while any remaining pattern matches
    for (const p of ps.slice(0, 5)) r.remove('sub', compilePattern(p));
    expect(sorted(r.route('a.b'))).toEqual(['other', 'sub']);
    r.remove('sub', compilePattern(ps[5]!));
    expect(r.route('a.b')).toEqual(['other']);
  });

  it('a subscription with overlapping patterns gets each event once (bus)', () => {
    const bus = createBus();
    const sub = bus.subscribe(['agent.*', 'agent.started', '**.started', '{agent,tool}.started', 'agent.**']);
    bus.publish('agent.started');
    bus.publish('tool.started');
    bus.publish('agent.stopped');
    expect(sub.drain().map((e) => e.event_type)).toEqual(['agent.started', 'tool.started', 'agent.stopped']);
    expect(sub.stats().total_received).toBe(3);
  });

  it('two subscriptions with the same pattern are independent', () => {
    const bus = createBus();
    const a = bus.subscribe('x.*');
    const b = bus.subscribe('x.*');
    bus.publish('x.1');
    a.unsubscribe();
    bus.publish('x.2');
    expect(b.drain().map((e) => e.event_type)).toEqual(['x.1', 'x.2']);
  });
});

describe('trie pruning', () => {
  it('removing every pattern leaves an empty trie', () => {
    const r = new Router<number>();
    const ps = ['a.*.c', 'a.*', '**.b', 'a.**.b.*', 'x?.[ab]*', '{p.*,q.**}', 'a.*.c.d.e', 'a.*.c'];
    ps.forEach((p, i) => r.add(i, compilePattern(p)));
    expect(shape(r).nodes).toBeGreaterThan(10);
    ps.forEach((p, i) => r.remove(i, compilePattern(p)));
    expect(shape(r)).toEqual(EMPTY_TRIE);
    expect(r.route('a.b.c')).toEqual([]);
  });

  it('pruning a pattern leaves the patterns sharing its path', () => {
    const r = new Router<string>();
    r.add('short', compilePattern('a.*'));
    r.add('long', compilePattern('a.*.c'));
    r.remove('short', compilePattern('a.*'));
    expect(r.route('a.b.c')).toEqual(['long']);
    expect(r.route('a.b')).toEqual([]);
    r.add('short', compilePattern('a.*'));
    r.remove('long', compilePattern('a.*.c'));
    expect(r.route('a.b')).toEqual(['short']);
    expect(r.route('a.b.c')).toEqual([]);
  });

  it('removing what was never added changes nothing', () => {
    const r = new Router<string>();
    r.add('v', compilePattern('a.*'));
    const before = shape(r);
    r.remove('w', compilePattern('a.*'));
    r.remove('v', compilePattern('b.*'));
    r.remove('v', compilePattern('a.b'));
    expect(shape(r)).toEqual(before);
    expect(r.route('a.x')).toEqual(['v']);
  });

  it('subscribe/unsubscribe churn leaves the trie as it found it (bus)', () => {
    const bus = createBus();
    const router = (bus as unknown as { router: Router<unknown> }).router;
    const keep = bus.subscribe('keep.*');
    const size = shape(router);
    for (let i = 0; i < 200; i++) bus.subscribe([`n${i}.*.x`, `**.m${i % 7}`, 'keep.*', `g${i}?.[ab]*`]).unsubscribe();
    expect(shape(router)).toEqual(size);
    bus.publish('keep.1');
    expect(keep.drain()).toHaveLength(1);
  });
});

describe('random model: the router equals a naive scan', () => {
  const POOL = ['a.*', 'a.b', '**', 'a.**', '**.b', '*.b', '{a,b}.*', 'a.**.b', 'a?', '[ab].*', '*.*.*', '**.a.**'];
  const pattern = fc.oneof(fc.constantFrom(...POOL), patternTree.map((t) => render(t, '.')));
  const typeArb = fc.oneof(
    eventType,
    fc.constantFrom('a', 'b', 'a.b', 'b.b', 'a.b.c', 'a.a.b', 'x.a.y'),
    fc.tuple(patternTree, fc.integer({ min: 1 })).map(([t, s]) => instantiate(t, s) ?? 'a.b'),
  );
  const op: fc.Arbitrary<RouterOp> = fc.oneof(
    { weight: 3, arbitrary: fc.record({ k: fc.constant('add' as const), v: fc.integer({ min: 0, max: 5 }), p: pattern }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('remove' as const), i: fc.nat() }) },
    { weight: 4, arbitrary: fc.record({ k: fc.constant('route' as const), t: typeArb }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('cached' as const), t: typeArb }) },
  );

  it('over random add/remove/route sequences', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 }), fc.array(op, { maxLength: 60 }), (cacheLimit, ops) => {
        const router = new Router<number>(cacheLimit);
        const live = runRouterModel(router, ops);
        // after removing everything, nothing routes and the trie is empty
        for (const x of live) router.remove(x.v, compilePattern(x.p));
        expect(router.route('a.b')).toEqual([]);
        expect(shape(router)).toEqual(EMPTY_TRIE);
      }),
      { numRuns: Number(process.env.CROSSTALK_FC_RUNS ?? 300) },
    );
  });
});

describe('pathological patterns', () => {
  const longA = Array.from({ length: 127 }, () => 'a').join('.'); // 253 characters
  const nasty = [
    '**.a.**.a.**.a.**.b',
    '**.a.**.a.**.a.**.a.**.a.**.a.**.a.**.a.**.b',
    '**.*.**.*.**.*.**.*.**.*.**.b',
    '**.a*.**.a*.**.a*.**.a*.**.b',
    '**.{a,*}.**.{a,*}.**.{a,*}.**.b',
  ];

  it('compilePattern().test stays linear on long types', () => {
    const start = performance.now();
    for (const p of nasty) {
      expect(compilePattern(p).test(longA)).toBe(false);
      expect(compilePattern(p).test(`${longA.slice(0, -1)}b`)).toBe(true);
    }
    expect(performance.now() - start).toBeLessThan(2000);
  });

  it('the router stays linear on long types', () => {
    const r = new Router<string>(0);
    for (const p of nasty) r.add(p, compilePattern(p));
    const start = performance.now();
    for (let i = 0; i < 5; i++) {
      expect(r.route(longA)).toEqual([]);
      expect(sorted(r.route(`${longA.slice(0, -1)}b`))).toEqual(sorted(nasty));
    }
    expect(performance.now() - start).toBeLessThan(2000);
  });

  it('a bus with such subscriptions publishes long types quickly', () => {
    const bus = createBus({ route_cache_size: 0 });
    const subs = nasty.map((p) => bus.subscribe(p));
    const start = performance.now();
    for (let i = 0; i < 20; i++) bus.publish(`${longA.slice(0, -1)}b`);
    expect(performance.now() - start).toBeLessThan(2000);
    for (const s of subs) expect(s.stats().queue_size).toBe(20);
  });
});
