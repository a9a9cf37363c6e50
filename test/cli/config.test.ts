/**
 * `crosstalk run --config FILE` through the real CLI: the interceptors of
 * the file apply to the scripts' publishes; a malformed file stops the run
 * before anything starts (exit 2, one line naming the file and the field).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crosstalk } from '../setup/cli.js';

const fx = (name: string) => path.join('test/fixtures/config', name);
const dir = mkdtempSync(path.join(tmpdir(), 'crosstalk-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(text: string): string {
  const f = path.join(dir, `c${++n}.json`);
  writeFileSync(f, text);
  return f;
}

describe('crosstalk run --config', () => {
  it('applies the interceptors of the file to every script', async () => {
    const r = await crosstalk(['run', '--config', fx('limits.json'), fx('limited.lua')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual(['1\tok', '2\tok', '3\tRATE_LIMITED', '4\tRATE_LIMITED', 'received\tapi.call api.call order.created', '']);
  });

  const bad: [string, string, RegExp][] = [
    ['a missing file', path.join(dir, 'nope.json'), /cannot read it: no such file/],
    ['not JSON', file('{ "interceptors": [ '), /not JSON/],
    ['not an object', file('[1, 2]'), /Expected `\(the file\)` to be an object/],
    ['an unknown key', file('{ "intercepters": [] }'), /unknown configuration key "intercepters"/],
    ['interceptors not a list', file('{ "interceptors": {} }'), /Expected `interceptors` to be a list/],
    ['an interceptor that is not an object', file('{ "interceptors": [ 5 ] }'), /Expected `interceptors\[0\]` to be an object/],
    ['an unknown interceptor type', file('{ "interceptors": [ { "type": "throttle" } ] }'), /Expected `interceptors\[0\]\.type` to be block \| allow_list/],
    ['a bad rate', file('{ "interceptors": [ { "type": "block" }, { "type": "rate_limit", "rate": -1 } ] }'), /Expected `interceptors\[1\]\.rate` to be a number/],
    ['a bad burst', file('{ "interceptors": [ { "type": "rate_limit", "rate": 5, "burst": 0.5 } ] }'), /`interceptors\[0\]\.burst`/],
    ['an unknown field of a rule', file('{ "interceptors": [ { "type": "block", "rate": 5 } ] }'), /unknown interceptors\[0\] \(block\) option "rate"/],
    ['a bad pattern', file('{ "interceptors": [ { "type": "block", "pattern": "a..b" } ] }'), /interceptors\[0\]\.pattern: invalid pattern/],
    ['a bad list key', file('{ "interceptors": [ { "type": "allow_list", "by": "user", "values": [] } ] }'), /`interceptors\[0\]\.by`/],
    ['a bad list value', file('{ "interceptors": [ { "type": "block_list", "by": "session", "values": ["a", 3] } ] }'), /`interceptors\[0\]\.values\[1\]`/],
    ['a bad transform type', file('{ "interceptors": [ { "type": "transform", "event_type": "no spaces allowed" } ] }'), /interceptors\[0\]\.event_type: invalid event_type/],
    ['a modify with nothing', file('{ "interceptors": [ { "type": "modify" } ] }'), /interceptors\[0\]: a modify rule changes data, metadata or priority/],
    ['a function rule', file('{ "interceptors": [ { "type": "function" } ] }'), /interceptors\[0\]\.type: "function" rules are for the host API/],
    ['a bad window', file('{ "dedup_window_ms": 0 }'), /Expected `dedup_window_ms`/],
    ['a bad retained bound', file('{ "max_retained": "lots" }'), /`max_retained`/],
    ['a bad retention age', file('{ "retention": { "default": "90 days" } }'), /`retention\.default` to be an age/],
    ['a bad retention pattern', file('{ "retention": { "by_type": { "a..b": "1d" } } }'), /retention\.by_type\["a\.\.b"\]: invalid pattern/],
    ['a bad retention size', file('{ "retention": { "max_bytes": "huge" } }'), /`retention\.max_bytes`/],
    ['an unknown retention key', file('{ "retention": { "max_age": "1d" } }'), /unknown retention option "max_age"/],
    ['permissions not an object', file('{ "permissions": ["limited.lua"] }'), /Expected `permissions` to be an object/],
    ['permissions for no script of the run', file('{ "permissions": { "limitd.lua": { "publish": [] } } }'), /permissions name "limitd\.lua", which is not a script of this run/],
    ['a permission rule that is not a list', file('{ "permissions": { "*": { "publish": "api.*" } } }'), /`permissions\["\*"\]\.publish` to be a list/],
    ['a bad permission pattern', file('{ "permissions": { "limited.lua": { "subscribe": { "deny": ["a..b"] } } } }'), /`permissions\["limited\.lua"\]\.subscribe\.deny\[0\]`: invalid pattern/],
    ['an unknown permission key', file('{ "permissions": { "limited.lua": { "receive": [] } } }'), /unknown key "receive"/],
  ];
  it.each(bad)('refuses %s: exit 2, one line, no script run', async (_what, f, message) => {
    const r = await crosstalk(['run', '--config', f, fx('limited.lua')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^crosstalk run: INVALID_OPTION: --config /);
    expect(lines[0]).toMatch(message);
  });

  it('refuses --config given twice', async () => {
    const r = await crosstalk(['run', '--config', fx('limits.json'), '--config', fx('limits.json'), fx('limited.lua')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/INVALID_OPTION: --config was given 2 times .*; give it once/);
  });
});
