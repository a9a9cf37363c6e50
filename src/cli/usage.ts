/**
 * Bad usage, caught before a command has any effect (docs/cli.md "Command line"):
 * every flag and argument of a command is checked first, and a problem ends
 * the command with exit status 2 and one line naming the flag and the fix
 * (`unknown flag --wher; did you mean --where?`).
 *
 * yargs parses and prints --help. Its own checks (unknown flags, choices,
 * missing values) report through the `fail` callback, which must throw: a
 * callback that only prints lets yargs go on and run the command anyway.
 * Its messages are rewritten here into one line each. What yargs lets
 * through (a flag given twice, `--limit abc` read as NaN, `--no-where`, an
 * empty value) is checked by `checkParsed` before the command's handler.
 */
import type { Argv, CommandModule } from 'yargs';
import { CrosstalkError } from '../core/errors.js';

/** A usage error: one line, exit status 2. */
export function usage(message: string, option?: string): CrosstalkError {
  return new CrosstalkError('INVALID_OPTION', message, option === undefined ? {} : { option });
}

interface KnownFlags {
  /** every name and alias yargs accepts, as typed (`create-index`, `n`) */
  names: Set<string>;
  /** the command's arguments (`publish <type> [data]`): named TYPE, DATA in messages, not as flags */
  positional: Set<string>;
  /** canonical name → its aliases */
  aliases: Record<string, string[]>;
  array: Set<string>;
  number: Set<string>;
  string: Set<string>;
  boolean: Set<string>;
}

/** What the failing command is and which flags it has (set by its builder, which yargs runs first). */
interface Context {
  command: string | null;
  flags: KnownFlags | null;
  /** what to say when the command's positional argument is missing */
  missing: string | null;
  commands: string[];
  raw: readonly string[];
}

const context: Context = { command: null, flags: null, missing: null, commands: [], raw: [] };

export function startUsage(raw: readonly string[], commands: string[]): void {
  context.raw = raw;
  context.commands = commands;
}

/** The command being run, for the error line (`crosstalk query: …`). */
export function currentCommand(): string | null {
  return context.command;
}

/** What follows the first `--` of the command line (`crosstalk run job.lua -- --date 2026-12-05`): the scripts' arguments. */
export function argsAfterDashDash(): string[] {
  const end = context.raw.indexOf('--');
  return end < 0 ? [] : context.raw.slice(end + 1);
}

/** Whether the user asked for JSON (errors are then a JSON object). */
export function wantsJson(): boolean {
  const end = context.raw.indexOf('--');
  return (end < 0 ? context.raw : context.raw.slice(0, end)).includes('--json');
}

function capture(y: Argv<unknown>, command: string): KnownFlags {
  // getOptions() is yargs' own record of what the builder declared
  const o = (y as unknown as { getOptions(): Record<string, unknown> }).getOptions() as {
    key: Record<string, unknown>;
    alias: Record<string, string[]>;
    array: string[];
    number: string[];
    string: string[];
    boolean: string[];
  };
  return {
    names: new Set(Object.keys(o.key)),
    positional: new Set([...command.matchAll(/[<[](\w+)(?:\.\.)?[>\]]/g)].map((m) => m[1]!)),
    aliases: o.alias,
    array: new Set(o.array),
    number: new Set(o.number),
    string: new Set(o.string),
    boolean: new Set(o.boolean),
  };
}

export interface StrictOptions {
  /** the message when a required positional argument is missing */
  missing?: string;
}

/**
 * Wraps a command so that its flags are known to the usage messages, every
 * non-switch flag needs a value, and `checkParsed` runs before its handler.
 */
export function strictCommand<T>(cmd: CommandModule<object, T>, options: StrictOptions = {}): CommandModule<object, T> {
  const name = String(cmd.command).split(' ')[0]!;
  const builder = cmd.builder as (y: Argv<object>) => Argv<T>;
  return {
    ...cmd,
    builder: (y: Argv<object>) => {
      context.command = name;
      context.missing = options.missing ?? null;
      const built = builder(y);
      const flags = capture(built as Argv<unknown>, String(cmd.command));
      context.flags = flags;
      const valued = [...flags.string, ...flags.number].filter((k) => k !== 'help' && k !== 'version');
      return (valued.length > 0 ? built.requiresArg(valued) : built) as Argv<T>;
    },
    handler: async (argv) => {
      if (context.flags !== null) checkParsed(argv as Record<string, unknown>, context.flags);
      await cmd.handler(argv);
    },
  };
}

const flag = (k: string) => (k.length === 1 ? `-${k}` : `--${k}`);

/** The flag's name as the user typed it, long form preferred; an argument as its upper-case name. */
function display(flags: KnownFlags, key: string): string {
  if (flags.positional.has(key)) return `the ${key.toUpperCase()} argument`;
  const names = [key, ...(flags.aliases[key] ?? [])].filter((n) => n.length > 1 && !/[A-Z]/.test(n));
  return flag(names[0] ?? key);
}

/** Checks what yargs parsed but does not refuse. Throws INVALID_OPTION. */
export function checkParsed(argv: Record<string, unknown>, flags: KnownFlags): void {
  const seen = new Set<string>();
  for (const key of Object.keys(flags.aliases).concat([...flags.names])) {
    if (seen.has(key) || /[A-Z]/.test(key)) continue;
    for (const a of flags.aliases[key] ?? []) seen.add(a);
    seen.add(key);
    const v = argv[key];
    if (v === undefined) continue;
    const name = display(flags, key);
    const values = Array.isArray(v) ? v : [v];
    if (Array.isArray(v) && !flags.array.has(key)) {
      throw usage(`${name} was given ${v.length} times (${v.map((x) => JSON.stringify(x)).join(', ')}); give it once`, key);
    }
    if (flags.boolean.has(key)) {
      // yargs reads `--json=sometimes` as false without a word
      const given = rawValue(flags, key, true);
      if (given !== undefined && given !== 'true' && given !== 'false') throw usage(`${name} takes no value (or =true, =false), got ${JSON.stringify(given)}`, key);
      continue;
    }
    for (const x of values) {
      if (typeof x === 'boolean') throw usage(`${name} takes a value; --no-${name.replace(/^-+/, '')} means nothing`, key);
      if (flags.number.has(key) && (typeof x !== 'number' || Number.isNaN(x))) {
        throw usage(`${name} must be a number, got ${JSON.stringify(rawValue(flags, key) ?? String(x))}`, key);
      }
      if (flags.string.has(key) && typeof x === 'string' && x.trim() === '') throw usage(`${name} needs a value, got an empty string`, key);
    }
  }
}

/**
 * The text given for a flag on the command line, before any `--` (what
 * follows it is the scripts'): after `=` in `--flag=text`, or, unless
 * `equalsOnly`, the next word after `--flag`.
 */
function rawValue(flags: KnownFlags, key: string, equalsOnly = false): string | undefined {
  const names = new Set([key, ...(flags.aliases[key] ?? [])].map(flag));
  const end = context.raw.indexOf('--');
  const raw = end < 0 ? context.raw : context.raw.slice(0, end);
  for (let i = 0; i < raw.length; i++) {
    const t = raw[i]!;
    const eq = t.indexOf('=');
    if (eq > 0 && names.has(t.slice(0, eq))) return t.slice(eq + 1);
    if (!equalsOnly && names.has(t)) return raw[i + 1];
  }
  return undefined;
}

/** The nearest name within a small edit distance (or that the typed text starts), for "did you mean". */
export function nearest(typed: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    if (c === typed) return c;
    const d = distance(typed, c);
    const limit = Math.max(1, Math.min(3, Math.floor(c.length / 3)));
    const score = d <= limit ? d : c.startsWith(typed) && typed.length >= 3 ? limit + 0.5 : Infinity;
    if (score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  return best;
}

/** Damerau–Levenshtein distance (adjacent swaps count once: `wehre` → `where`). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** Was `name` typed as a flag (`--name`, `-n`, `--name=…`) rather than as an argument? */
function typedAsFlag(name: string): boolean {
  const end = context.raw.indexOf('--');
  for (const t of end < 0 ? context.raw : context.raw.slice(0, end)) {
    if (!t.startsWith('-')) continue;
    const body = t.replace(/^-+/, '').split('=')[0]!;
    // `-abc` is three short flags
    if (body === name || (!t.startsWith('--') && name.length === 1 && body.includes(name))) return true;
  }
  return false;
}

/** The first flag on the command line that the command (or, before one, crosstalk) does not have. */
function strayFlag(): string | undefined {
  const known = context.command === null ? new Set(['help', 'h', 'version']) : (context.flags?.names ?? new Set<string>());
  const end = context.raw.indexOf('--');
  for (const t of end < 0 ? context.raw : context.raw.slice(0, end)) {
    if (!t.startsWith('-') || t === '-') continue;
    const body = t.replace(/^-+/, '').split('=')[0]!;
    const names = t.startsWith('--') ? [body.replace(/^no-/, '')] : [...body];
    const unknown = names.find((n) => !known.has(n));
    if (unknown !== undefined) return t.startsWith('--') ? body : unknown;
  }
  return undefined;
}

function unknownFlag(name: string): string {
  const flags = context.flags;
  if (flags === null || context.command === null) return `unknown flag ${flag(name)}; crosstalk --help lists the commands`;
  const long = [...flags.names].filter((n) => n.length > 1 && !/[A-Z]/.test(n));
  const guess = nearest(name.replace(/^no-/, ''), long);
  const where = `crosstalk ${context.command} --help`;
  return guess !== undefined
    ? `unknown flag ${flag(name)}; did you mean --${guess}?`
    : `unknown flag ${flag(name)}; ${where} lists the flags`;
}

/**
 * yargs' message (several lines, yargs' words) → one line naming the flag
 * and the fix. Anything not recognised is kept, on one line.
 */
export function usageFromYargs(message: string): CrosstalkError {
  const msg = message.trim();
  let m = /^Unknown arguments?: (.+)$/s.exec(msg);
  if (m) {
    const names = m[1]!.split(', ').map((s) => s.trim());
    const flagName = names.find((n) => typedAsFlag(n));
    if (flagName !== undefined) return usage(unknownFlag(flagName), flagName);
    const word = names[0]!;
    if (context.command === null) {
      const guess = nearest(word, context.commands);
      return usage(`unknown command ${JSON.stringify(word)}; ${guess ? `did you mean crosstalk ${guess}?` : `commands are ${context.commands.join(', ')}`}`);
    }
    return usage(`unexpected argument ${JSON.stringify(word)}; crosstalk ${context.command} --help shows what it takes`);
  }
  m = /^Invalid values?:\s*Argument: (\S+), Given: (.*?), Choices: (.*)$/s.exec(msg);
  if (m) {
    const choices = m[3]!.split(/,\s*/).map((s) => s.replace(/^"|"$/g, ''));
    const key = m[1]!;
    const given = m[2]!.trim();
    const hint = given === '"parquet"' && context.command !== 'export' ? ' (Parquet is written by crosstalk export --out FILE.parquet)' : '';
    return usage(`--${key} ${given} is not one of ${choices.join(', ')}${hint}`, key);
  }
  m = /^Not enough arguments following: (\S+)$/.exec(msg);
  if (m) return usage(`${flag(m[1]!)} needs a value`, m[1]!);
  m = /^(?:Not enough non-option arguments|Missing required argument)/.exec(msg);
  if (m) {
    // `run --bogus job.lua` reads job.lua as the value of --bogus: the unknown flag is the mistake to name
    const stray = strayFlag();
    if (stray !== undefined) return usage(unknownFlag(stray), stray);
    if (context.command === null) return usage(`name a command: ${context.commands.join(', ')} (crosstalk --help)`);
    return usage(context.missing ?? `missing argument; crosstalk ${context.command} --help shows what it takes`);
  }
  m = /^Too many non-option arguments: got \d+, maximum of \d+$/.exec(msg);
  if (m) return usage(`too many arguments; crosstalk ${context.command ?? ''} --help shows what it takes`.replace('  ', ' '));
  return usage(msg.replace(/\s*\n\s*/g, '; '));
}

export const USAGE_CODES = new Set(['INVALID_QUERY', 'INVALID_OPTION', 'INVALID_PATTERN', 'INVALID_EVENT_TYPE', 'INVALID_DATA', 'PAYLOAD_TOO_LARGE']);

/**
 * Prints a CrosstalkError as one line on stderr (a JSON object with --json)
 * and sets the exit status: 2 for bad input, 1 for anything else.
 */
export function reportError(e: CrosstalkError, command = context.command, json = wantsJson()): void {
  const line = json
    ? JSON.stringify({ error: { code: e.code, message: e.message, ...(e.option ? { option: e.option } : {}), ...(e.column !== undefined ? { column: e.column } : {}) } })
    : `crosstalk${command ? ` ${command}` : ''}: ${e.code}: ${e.message}`;
  process.stderr.write(`${line}\n`);
  process.exitCode = USAGE_CODES.has(e.code) ? 2 : 1;
}
