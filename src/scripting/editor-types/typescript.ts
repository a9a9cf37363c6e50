/**
 * The TypeScript declaration of a JS script's globals (docs/scripts.md "Editor
 * support"): `Event` under its snake_case names and camelCase aliases, the
 * event and option shapes, handles, `args`, `console`, `CrosstalkError` and
 * the timers. Editors read it for `.js` scripts through a jsconfig.json or
 * a `/// <reference path>` line; `crosstalk types --js` prints it.
 *
 * The shapes live in `namespace Crosstalk`, so the only globals it adds are
 * the ones a script really has.
 */
import { ERROR_CODES } from '../../core/errors.js';
import { EVENT_FUNCTIONS, type Param, type ShapeName, type TypeSpec } from '../event-api.js';
import { EVENT_SHAPES } from '../event-shapes.js';
import { GENERATED, handleMethods, signatures, type Signature } from './signatures.js';

function needsParens(t: TypeSpec): boolean {
  return typeof t === 'object' && ('oneOf' in t || 'fn' in t || ('literal' in t && t.literal.length > 1));
}

/** The TypeScript type of `t`; `callback` types results as a callback's (nil → void). */
export function tsType(t: TypeSpec, callback = false): string {
  if (typeof t === 'string') {
    switch (t) {
      case 'integer':
        return 'number';
      case 'json':
        return 'any';
      case 'nil':
        return callback ? 'void' : 'null';
      default:
        return t;
    }
  }
  if ('ref' in t) return t.ref;
  if ('list' in t) return needsParens(t.list) ? `(${tsType(t.list)})[]` : `${tsType(t.list)}[]`;
  if ('map' in t) return `{ [key: string]: ${tsType(t.map)} }`;
  if ('oneOf' in t) return t.oneOf.map((x) => (typeof x === 'object' && 'fn' in x ? `(${tsType(x)})` : tsType(x))).join(' | ');
  if ('literal' in t) return t.literal.map((s) => JSON.stringify(s)).join(' | ');
  return `(${params(t.fn)}) => ${tsType(t.returns, true)}`;
}

function params(ps: readonly Param[]): string {
  return ps.map((p) => `${p.name}${p.optional === true ? '?' : ''}: ${tsType(p.type)}`).join(', ');
}

function comment(lines: string[], indent: string): string {
  const body = lines.map((l) => l.replace(/\*\//g, '*\\/'));
  if (body.length === 1) return `${indent}/** ${body[0]} */\n`;
  return `${indent}/**\n${body.map((l) => `${indent} * ${l}`).join('\n')}\n${indent} */\n`;
}

function method(name: string, s: Signature, indent: string, note = ''): string {
  const lines = [s.doc + note, ...s.params.map((p) => `@param ${p.name} ${p.doc ?? ''}`.trimEnd()), `@returns ${s.returnsDoc}`];
  return comment(lines, indent) + `${indent}${name}(${params(s.params)}): ${tsType(s.returns, true)};\n`;
}

function shape(name: ShapeName): string {
  const s = EVENT_SHAPES[name];
  let out = comment([s.doc], '  ') + `  interface ${name}${s.extends ? ` extends ${s.extends}` : ''} {\n`;
  const readonly = name === 'Subscription' ? 'readonly ' : '';
  for (const f of s.fields) out += comment([f.doc ?? ''], '    ') + `    ${readonly}${f.name}${f.optional === true ? '?' : ''}: ${tsType(f.type)};\n`;
  if (name === 'Subscription') {
    for (const m of handleMethods()) out += method(m.camel, m.signature, '    ');
    out += comment(['the subscription id'], '    ') + '    toString(): string;\n';
  }
  return out + '  }\n';
}

function eventApi(): string {
  let out = comment(['The `Event` global: every function under its snake_case name and, where it has one, its camelCase alias.'], '  ');
  out += '  interface EventApi {\n';
  for (const f of EVENT_FUNCTIONS) {
    for (const name of f.camel === undefined ? [f.name] : [f.name, f.camel]) {
      const note = name === f.camel ? ` (alias of \`${f.name}\`)` : '';
      for (const s of signatures(f)) out += method(name, s, '    ', note);
    }
  }
  return out + '  }\n';
}

const GLOBALS = `
/** The bus, as every script sees it (docs/scripts.md "The \`Event\` API"). */
declare const Event: Crosstalk.EventApi;

/** The command-line arguments after \`--\` (\`crosstalk run job.js -- a b\`). */
declare const args: readonly string[];

/** Writes to the host's output, prefixed [script] when several scripts run: log/info/debug to stdout, error/warn to stderr. */
declare const console: {
  log(...data: any[]): void;
  info(...data: any[]): void;
  debug(...data: any[]): void;
  error(...data: any[]): void;
  warn(...data: any[]): void;
};

/** What every failed \`Event\` call throws: \`e.code\` says what went wrong (docs/scripts.md "Errors"); \`String(e)\` is "CODE: message". */
declare class CrosstalkError extends Error {
  constructor(code: Crosstalk.ErrorCode, message: string, details?: Crosstalk.ErrorDetails);
  readonly name: 'CrosstalkError';
  readonly code: Crosstalk.ErrorCode;
  /** the pattern that failed to compile */
  readonly pattern?: string;
  /** the event type that was rejected */
  readonly eventType?: string;
  /** the subscription the call named */
  readonly subscriptionId?: string;
  /** the option or query field at fault */
  readonly option?: string;
  /** the path of the bad value, e.g. data.items[3].fn */
  readonly path?: string;
  readonly script?: string;
  readonly line?: number;
  readonly eventId?: string;
  /** 1-based column of the mistake in a filter expression */
  readonly column?: number;
}

/** Runs callback once after ms (default 0) from the script's event loop; the script stays alive while it is pending. */
declare function setTimeout<A extends any[]>(callback: (...args: A) => void, ms?: number, ...args: A): number;
/** Runs callback every ms from the script's event loop until clearInterval. */
declare function setInterval<A extends any[]>(callback: (...args: A) => void, ms?: number, ...args: A): number;
/** Cancels a setTimeout. */
declare function clearTimeout(id: number | undefined): void;
/** Cancels a setInterval. */
declare function clearInterval(id: number | undefined): void;
`;

/** The whole declaration file. */
export function jsDeclaration(): string {
  // A script's isolate has ES2022 and none of the DOM or Node, which both declare an `Event` global of their own:
  // no-default-lib keeps the DOM out of a program that reads this file (a `/// <reference path>` line is enough).
  let out = '/// <reference no-default-lib="true" />\n/// <reference lib="es2022" />\n';
  out += `// ${GENERATED}\n`;
  out += '// The globals of a crosstalk JavaScript script. Scripts have no DOM and no Node: in a project with @types/node,\n';
  out += '// use a jsconfig.json with "types": [] (docs/scripts.md "Editor support").\n\n';
  out += 'declare namespace Crosstalk {\n';
  out += `  type ErrorCode =\n${ERROR_CODES.map((c) => `    | ${JSON.stringify(c)}`).join('\n')};\n\n`;
  out += '  interface ErrorDetails {\n    cause?: unknown;\n    pattern?: string;\n    eventType?: string;\n    subscriptionId?: string;\n    option?: string;\n    path?: string;\n  }\n\n';
  out += (Object.keys(EVENT_SHAPES) as ShapeName[]).map(shape).join('\n');
  out += '\n' + eventApi();
  out += '}\n';
  return out + GLOBALS;
}
