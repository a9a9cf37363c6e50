/**
 * Bad invocations of every command, through the real CLI: each ends with exit
 * status 2 and one line on stderr naming the flag and the fix, prints nothing
 * on stdout, and changes nothing on disk (no file created, truncated or
 * touched, no event stored, no checkpoint moved, no script started).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite.js';
import { EventMaker } from '../store/helpers.js';
import { crosstalk, ROOT } from '../setup/cli.js';

let dir: string;
const PERSIST = path.join(ROOT, 'test/fixtures/run/persist.lua');

/** Every file under `dir` with its size and a hash of its bytes. */
function snapshot(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = `${st.size}:${createHash('sha1').update(readFileSync(p)).digest('hex')}`;
    }
  };
  walk(dir);
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'crosstalk-usage-'));
  const store = new SqliteStore(path.join(dir, 'ev.db'), { sweepIntervalMs: 0 });
  const mk = new EventMaker();
  for (let i = 0; i < 5; i++) store.append(mk.make(i % 2 ? 'order.paid' : 'order.created', { amount: i * 100 }));
  store.setCheckpoint('nightly', 2);
  await store.close();
  writeFileSync(path.join(dir, 'keep.csv'), 'precious\n');
  writeFileSync(path.join(dir, 'keep.parquet'), 'precious too\n');
  mkdirSync(path.join(dir, 'sub.csv'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Row = [args: string[], message: RegExp];

const BAD: Record<string, Row[]> = {
  crosstalk: [
    [[], /^crosstalk: INVALID_OPTION: name a command: run, query, replay, tail, export, publish, stats, compact, trace, analyze, dashboard, bench/],
    [['qury'], /unknown command "qury"; did you mean crosstalk query\?/],
    [['--bogus'], /unknown flag --bogus/],
  ],
  query: [
    [['query', '--store', 'ev.db', '--wher', 'data.amount>=100'], /^crosstalk query: INVALID_OPTION: unknown flag --wher; did you mean --where\?$/],
    [['query', '--store', 'ev.db', '--limt', '5'], /unknown flag --limt; did you mean --limit\?/],
    [['query', '--store', 'ev.db', '--wehre', 'x=1'], /did you mean --where\?/],
    [['query', '--store', 'ev.db', '--order', 'up'], /--order "up" is not one of asc, desc/],
    [['query', '--store', 'ev.db', '--format', 'parquet'], /--format "parquet" is not one of table, json, jsonl, csv \(Parquet is written by crosstalk export/],
    [['query', '--store', 'ev.db', '--format', 'garbage'], /^crosstalk query: INVALID_OPTION: --format "garbage" is not one of table, json, jsonl, csv$/],
    [['query', '--store', 'ev.db', '-n'], /-n needs a value/],
    [['query', '--store', 'ev.db', '-n', 'abc'], /--limit must be a number, got "abc"/],
    [['query', '--store', 'ev.db', '-n', '0'], /INVALID_QUERY: .*limit/],
    [['query', '--store', 'ev.db', '-n', '3', '-n', '4'], /--limit was given 2 times \(3, 4\); give it once/],
    [['query', '--store', 'ev.db', '--where'], /--where needs a value/],
    [['query', '--store', 'ev.db', '--no-where'], /--where takes a value; --no-where means nothing/],
    [['query', '--store', 'ev.db', '--where', 'data.amount between 1'], /INVALID_QUERY: --where "data.amount between 1"/],
    [['query', '--store', 'ev.db', '--filter', '{nope'], /INVALID_QUERY: --filter is not JSON/],
    [['query', '--store', 'ev.db', '--filter', '{"data.tags": ["eu", "vip"]}'], /INVALID_QUERY: filter on data\.tags: .*\{op: "=", value: \[\.\.\.\]\}/],
    [['query', '--store', 'ev.db', '--since', 'last tuesday'], /INVALID_QUERY: .*start_time/],
    [['query', '--store', 'ev.db', '-t', 'a..b'], /INVALID_(QUERY|PATTERN): .*a\.\.b/],
    [['query', '--store', 'ev.db', '--after', 'x'], /--after must be a number, got "x"/],
    [['query', '--store', 'ev.db', '--json', '--format', 'csv'], /--json prints json, --format asks for csv: give one of them/],
    [['query', '--store', 'memory'], /--store memory is empty in a new process: crosstalk query reads a SQLite file/],
    [['query', '--store', 'postgres://x'], /postgres:\/\/ stores are not supported/],
    [['query', '--store', 'memroy'], /store must be .*got "memroy"/],
    [['query', '--store'], /--store needs a value/],
    [['query', '--store', 'ev.db', 'extra'], /unexpected argument "extra"/],
    [['query', '--store', 'ev.db', '--create-index', 'not a path'], /INVALID_QUERY: filter path "not a path"/],
    [['query', '--store', 'ev.db', '--type', 'a.*', '--type', 'b.*'], /--type was given 2 times/],
  ],
  export: [
    [['export', '--store', 'ev.db', '--out', 'keep.csv', '--wher', 'data.amount>=100'], /unknown flag --wher; did you mean --where\?/],
    [['export', '--store', 'ev.db', '--out', 'x.xlsx'], /cannot tell the format of --out x\.xlsx from \.xlsx: add --format jsonl\|csv\|parquet/],
    [['export', '--store', 'ev.db', '--format', 'xlsx', '--out', 'x.xlsx'], /--format "xlsx" is not one of jsonl, csv, parquet/],
    [['export', '--store', 'ev.db', '--out', 'keep.csv', '--format', 'parquet'], /--format parquet contradicts --out keep\.csv, which names a csv file/],
    [['export', '--store', 'ev.db', '--out', 'keep.parquet', '--format', 'jsonl'], /contradicts --out keep\.parquet/],
    [['export', '--store', 'ev.db', '--format', 'parquet'], /Parquet needs a file: add --out FILE\.parquet/],
    [['export', '--store', 'ev.db', '--order', 'desc'], /unknown flag --order/],
    [['export', '--store', 'ev.db', '--out', 'nodir/x.csv'], /--out nodir\/x\.csv: the directory .* does not exist/],
    [['export', '--store', 'ev.db', '--out', 'sub.csv'], /--out sub\.csv is a directory; name a file/],
    [['export', '--store', 'ev.db', '--out', 'x.csv', '--limit', '0'], /--limit must be a positive integer/],
    [['export', '--store', 'memory', '--out', 'x.csv'], /--store memory is empty/],
  ],
  replay: [
    [['replay', '--store', 'ev.db', '--checkpoint', 'nightly'], /--checkpoint records what was delivered, and without --bus nothing is: add --bus nats:\/\/host:port/],
    [['replay', '--store', 'ev.db', '--speed', '-1'], /speed must be a finite number >= 0/],
    [['replay', '--store', 'ev.db', '--speed', 'fast'], /--speed must be a number, got "fast"/],
    [['replay', '--store', 'ev.db', '--bus', 'http://x'], /invalid bus URL "http:\/\/x"/],
    [['replay', '--store', 'ev.db', '--order', 'desc'], /unknown flag --order/],
    [['replay', '--store', 'ev.db', '--json', '--format', 'table'], /--json prints jsonl, --format asks for table/],
    [['replay', '--store', 'ev.db', '--format', 'json'], /--format "json" is not one of table, jsonl, csv/],
    [['replay', '--store', 'ev.db', '--checkpoint', 'nightly', '--bus', 'nats://127.0.0.1:9', '--wher', 'x'], /unknown flag --wher; did you mean --where\?/],
    [['replay', '--store', 'ev.db', '--checkpoint', 'bad\u0001name', '--bus', 'nats://127.0.0.1:9'], /checkpoint must be a name of 1–/],
    [['replay', '--store', 'memory'], /--store memory is empty/],
  ],
  tail: [
    [['tail', '--store', 'ev.db'], /^crosstalk tail: INVALID_OPTION: tail needs a pattern: crosstalk tail 'order\.\*' \('\*\*' follows every event\)$/],
    [['tail', '**', '--store', 'ev.db', '--order', 'desc'], /unknown flag --order/],
    [['tail', '**', '--store', 'ev.db', '--limit', '5'], /unknown flag --limit/],
    [['tail', 'a.*', '--store', 'ev.db', '-t', 'b.*'], /the pattern is given twice \("a\.\*" and -t "b\.\*"\): give one/],
    [['tail', '**', '--bus', 'nats://127.0.0.1:9', '--until', '1h'], /--until ends a follow of a store; with --bus, tail follows until --count or Ctrl-C/],
    [['tail', '**', '--bus', 'nats://127.0.0.1:9', '--store', 'ev.db'], /--store is about a store; with --bus/],
    [['tail', '**', '--bus', 'nats://127.0.0.1:9', '--wait'], /--wait is about a store/],
    [['tail', '**', '--bus', 'nats:/x'], /invalid bus URL/],
    [['tail', '**', '--store', 'ev.db', '--interval', '5'], /--interval must be an integer >= 10, got 5/],
    [['tail', '**', '--store', 'ev.db', '--count', '0'], /--count must be an integer >= 1, got 0/],
    [['tail', '**', '--store', 'ev.db', '--last', '-1'], /--last must be an integer >= 0/],
    [['tail', '**', '--store', 'memory'], /--store memory is empty/],
    [['tail', 'a..b', '--store', 'ev.db'], /INVALID_(QUERY|PATTERN): .*a\.\.b/],
    [['tail', '**', '--store', 'ev.db', '--format', 'garbage'], /--format "garbage" is not one of table, jsonl, csv/],
    [['tail', '**', '--store', 'ev.db', '--json', '--format', 'csv'], /--json prints jsonl, --format asks for csv/],
  ],
  stats: [
    [['stats', '--store', 'ev.db', '--top', '-1'], /--top must be an integer >= 0, got -1/],
    [['stats', '--store', 'ev.db', '--top', 'x'], /--top must be a number, got "x"/],
    [['stats', '--store', 'memory'], /--store memory is empty/],
    [['stats', '--store', 'ev.db', '--jsn'], /unknown flag --jsn; did you mean --json\?/],
  ],
  run: [
    [['run', '--store', 'sqlite:ran.db', '--timout', '100', PERSIST], /^crosstalk run: INVALID_OPTION: unknown flag --timout; did you mean --timeout\?$/],
    [['run', '--store', 'sqlite:ran.db', '--timeout', '5', '--timeout', '6', PERSIST], /--cpu-limit was given 2 times/],
    [['run', '--store', 'sqlite:ran.db', '--timeout', 'soon', PERSIST], /--cpu-limit must be a number, got "soon"/],
    [['run'], /name at least one script to run: crosstalk run job\.lua/],
  ],
  publish: [
    [['publish'], /name the event type: crosstalk publish order\.paid/],
    [['publish', 'order.paid'], /publish needs somewhere to publish: --bus nats:\/\/host:port .* and\/or --store PATH/],
    [['publish', 'bad type!', '{}', '--store', 'pub.db'], /INVALID_EVENT_TYPE/],
    [['publish', 'a.b', '{nope', '--store', 'pub.db'], /INVALID_DATA: DATA is not JSON/],
    [['publish', 'a.b', 'hello', '--store', 'pub.db'], /DATA is not JSON: .*\(text must be quoted: '"hello"'\)/],
    [['publish', 'a.b', '{}', '--ttl', '0', '--store', 'pub.db'], /ttl_seconds/],
    [['publish', 'a.b', '{}', '--priority', 'urgent', '--store', 'pub.db'], /--priority "urgent" is not one of critical, high, normal, low/],
    [['publish', 'a.b', '{}', '--metadata', '[1]', '--store', 'pub.db'], /--metadata must be a JSON object/],
    [['publish', 'a.b', '{}', '--store', 'memory'], /--store memory is empty/],
    [['publish', 'a.b', '{}', '--bus', 'http://x'], /invalid bus URL/],
    [['publish', 'a.b', '{}', '--store', 'pub.db', '--persistant'], /unknown flag --persistant; did you mean --persistent\?/],
    [['publish', '-', '-', '--store', 'pub.db'], /give - once/],
    [['publish', 'a.b', '', '--store', 'pub.db'], /^crosstalk publish: INVALID_OPTION: the DATA argument needs a value, got an empty string$/],
    [['publish', 'a.b', '{}', 'more', '--store', 'pub.db'], /unexpected argument "more"|too many arguments/],
  ],
  trace: [
    [['trace', '--store', 'ev.db'], /^crosstalk trace: INVALID_OPTION: name a correlation id or an event id: crosstalk trace <id>$/],
    [['trace', 'req-1', '--store', 'ev.db', '--limt', '5'], /unknown flag --limt; did you mean --limit\?/],
    [['trace', 'req-1', '--store', 'memory'], /--store memory is empty/],
  ],
  bench: [
    [['bench', '--quik'], /unknown flag --quik; did you mean --quick\?/],
    [['bench', '--runs', '2', '--runs', '3'], /--runs was given 2 times/],
  ],
};

const rows = Object.entries(BAD).flatMap(([cmd, list]) => list.map(([args, message]) => ({ cmd, args, message })));

describe.each(Object.keys(BAD))('crosstalk %s refuses bad invocations before any effect', (cmd) => {
  it.each(rows.filter((r) => r.cmd === cmd).map((r) => [r.args.join(' '), r.args, r.message] as const))(
    '%s',
    async (_name, args, message) => {
      const before = snapshot();
      const r = await crosstalk(args, { cwd: dir });
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: '' });
      const lines = r.stderr.split('\n').filter(Boolean);
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(snapshot()).toEqual(before);
    },
  );
});

describe('a command that fails after checking its flags leaves nothing behind either', () => {
  it.each([
    [['export', '--store', 'missing.db', '--out', 'new.csv'], /STORE_UNAVAILABLE: no store at missing\.db/],
    [['query', '--store', 'missing.db'], /STORE_UNAVAILABLE: no store at missing\.db/],
    [['replay', '--store', 'missing.db', '--checkpoint', 'x', '--bus', 'nats://127.0.0.1:9'], /STORE_UNAVAILABLE: no store at missing\.db/],
    [['query', '--store', 'sub.csv/../sub.csv'], /STORE_UNAVAILABLE|store must be/],
  ])('%j', async (args, message) => {
    const before = snapshot();
    const r = await crosstalk(args, { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(snapshot()).toEqual(before);
  });

  it('publish with a bad line on stdin publishes nothing (all or nothing) and names the line', async () => {
    const before = snapshot();
    const stdin = '{"event_type": "a.one", "data": 1}\n{"event_type": "a two", "data": 2}\n{"event_type": "a.three"}\n';
    const r = await crosstalk(['publish', '-', '--store', 'ev.db'], { cwd: dir, stdin });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toMatch(/^crosstalk publish: INVALID_EVENT_TYPE: stdin line 2: .*"a two".*\(nothing was published\)$/);
    expect(snapshot()).toEqual(before);
  });
});
