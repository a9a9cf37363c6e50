/**
 * LuaLS (lua-language-server) annotations for a Lua script's globals
 * (docs/scripts.md "Editor support"): the `Event` table, the event and option
 * classes (`---@field` per option, so `Event.subscribe("x", {` completes
 * them), subscription handles with their methods, `JSON`, `arg` and the
 * error tables `pcall` returns. A `---@meta` file: LuaLS reads it through
 * `workspace.library`; as Lua it only defines empty stubs.
 * `crosstalk types --lua` prints it.
 */
import { ERROR_CODES } from '../../core/errors.js';
import { EVENT_FUNCTIONS, type Param, type ShapeName, type TypeSpec } from '../event-api.js';
import { EVENT_SHAPES } from '../event-shapes.js';
import { GENERATED, handleMethods, signatures, type Signature } from './signatures.js';

const CLASS = (name: string) => `crosstalk.${name}`;

function needsParens(t: TypeSpec): boolean {
  return typeof t === 'object' && ('oneOf' in t || 'fn' in t || ('literal' in t && t.literal.length > 1));
}

/** The LuaLS type of `t`. */
export function luaType(t: TypeSpec): string {
  if (typeof t === 'string') return t === 'json' ? 'any' : t;
  if ('ref' in t) return CLASS(t.ref);
  if ('list' in t) return needsParens(t.list) ? `(${luaType(t.list)})[]` : `${luaType(t.list)}[]`;
  if ('map' in t) return `table<string, ${luaType(t.map)}>`;
  if ('oneOf' in t) return t.oneOf.map(luaType).join('|');
  if ('literal' in t) return t.literal.map((s) => JSON.stringify(s)).join('|');
  return `fun(${t.fn.map(param).join(', ')})${t.returns === 'nil' ? '' : `: ${luaType(t.returns)}`}`;
}

function param(p: Param): string {
  return `${p.name}${p.optional === true ? '?' : ''}: ${luaType(p.type)}`;
}

/** One line of a doc comment (LuaLS reads `---` lines as markdown). */
function doc(text: string): string {
  return `---${text.replace(/\n/g, ' ')}\n`;
}

/** Annotations of a function: its doc, params, return and other forms as overloads. */
function annotate(forms: Signature[]): string {
  const [main, ...others] = forms;
  let out = doc(main!.doc);
  for (const p of main!.params) out += `---@param ${p.name}${p.optional === true ? '?' : ''} ${luaType(p.type)} ${p.doc ?? ''}\n`;
  if (main!.returns !== 'nil') out += `---@return ${luaType(main!.returns)} # ${main!.returnsDoc}\n`;
  for (const o of others) {
    out += `---@overload fun(${o.params.map(param).join(', ')})${o.returns === 'nil' ? '' : `: ${luaType(o.returns)}`}\n`;
  }
  return out;
}

function shape(name: ShapeName): string {
  const s = EVENT_SHAPES[name];
  let out = doc(s.doc) + `---@class ${CLASS(name)}${s.extends ? `: ${CLASS(s.extends)}` : ''}\n`;
  for (const f of s.fields) out += `---@field ${f.name}${f.optional === true ? '?' : ''} ${luaType(f.type)} ${f.doc ?? ''}\n`;
  if (name !== 'Subscription') return out + '\n';
  out += 'local Subscription = {}\n\n';
  for (const m of handleMethods()) {
    out += annotate([m.signature]) + `function Subscription:${m.name}(${m.signature.params.map((p) => p.name).join(', ')}) end\n\n`;
  }
  return out;
}

const OTHER_GLOBALS = `---JSON text and back, with the rules of event data: JSON.decode(JSON.encode(t)) is what a subscriber would receive.
JSON = {}

---Encodes a value as JSON text.
---@param value any
---@return string
function JSON.encode(value) end

---Decodes JSON text (INVALID_DATA when it is not JSON).
---@param text string
---@return any
function JSON.decode(text) end

---The command-line arguments after \`--\` (\`crosstalk run job.lua -- a b\`): arg[0] is the script, arg[1]… the arguments; also the chunk's \`...\`.
---@type string[]
arg = {}

---The sandbox has no shell: only "sleep N" (N seconds, decimals allowed) runs, waiting as Event.sleep does; other commands raise SCRIPT_ERROR.
---@param command? string "sleep N"
---@return boolean|nil ok true after the sleep; false for os.execute() (no shell)
---@return string|nil kind "exit"
---@return integer|nil code 0
function os.execute(command) end
`;

/** The whole annotations file. */
export function luaAnnotations(): string {
  let out = `---@meta\n-- ${GENERATED}\n`;
  out += '-- The globals of a crosstalk Lua script, for lua-language-server. The sandbox also has print, string, table, math,\n';
  out += '-- utf8, coroutine and os.time/clock/date/difftime; io, debug, package, require, dofile and loadfile are absent.\n\n';
  out += `---@alias ${CLASS('ErrorCode')} ${ERROR_CODES.map((c) => JSON.stringify(c)).join('|')}\n\n`;
  out += doc('What pcall returns when an Event call fails: tostring(err) is "CODE: message" (docs/scripts.md "Errors").');
  out += `---@class ${CLASS('Error')}\n---@field code ${CLASS('ErrorCode')} what went wrong\n---@field message string the explanation\n`;
  for (const [f, d] of [
    ['pattern', 'the pattern that failed to compile'],
    ['event_type', 'the event type that was rejected'],
    ['event_id', 'the event the failure is about'],
    ['subscription_id', 'the subscription the call named'],
    ['option', 'the option or query field at fault'],
    ['path', 'the path of the bad value, e.g. data.items[3]'],
  ]) {
    out += `---@field ${f}? string ${d}\n`;
  }
  out += '\n' + (Object.keys(EVENT_SHAPES) as ShapeName[]).map(shape).join('');
  out += doc('The bus, as every script sees it (docs/scripts.md "The `Event` API").') + `---@class ${CLASS('EventApi')}\nEvent = {}\n\n`;
  for (const f of EVENT_FUNCTIONS) {
    const forms = signatures(f);
    out += annotate(forms) + `function Event.${f.name}(${forms[0]!.params.map((p) => p.name).join(', ')}) end\n\n`;
  }
  return out + OTHER_GLOBALS;
}
