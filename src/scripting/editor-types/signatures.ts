/**
 * What both editor generators read off the declarations: every call form of
 * an `Event` function (its parameters, result and docs) and the methods of
 * a subscription handle, in one place so the TypeScript declaration and the
 * LuaLS annotations describe the same API.
 */
import { HANDLE_METHODS, eventFunction, type EventFunction, type Param, type TypeSpec } from '../event-api.js';

export interface Signature {
  readonly doc: string;
  readonly params: readonly Param[];
  readonly returns: TypeSpec;
  readonly returnsDoc: string;
}

/** The main form (from the arguments), then the other forms. */
export function signatures(f: EventFunction): Signature[] {
  const main: Signature = {
    doc: f.doc,
    params: f.args.map((a) => ({ name: a.param ?? a.name, type: a.type, doc: a.doc, ...(a.optional === true ? { optional: true } : {}) })),
    returns: f.returns,
    returnsDoc: f.returnsDoc,
  };
  return [main, ...(f.forms ?? []).map((form) => ({ doc: form.doc, params: form.params, returns: form.returns, returnsDoc: f.returnsDoc }))];
}

export interface Method {
  /** snake_case (Lua) */
  readonly name: string;
  /** camelCase (JS) */
  readonly camel: string;
  readonly signature: Signature;
}

/** The handle's methods: the function's main form without the subscription argument when the handle is it. */
export function handleMethods(): Method[] {
  return HANDLE_METHODS.map((m) => {
    const f = eventFunction(m.fn);
    if (f === undefined) throw new Error(`a handle method calls Event.${m.fn}, which is not declared`);
    const main = signatures(f)[0]!;
    const params = m.self ? main.params.filter((_, i) => i !== f.subscriptionArg) : main.params;
    return { name: f.name, camel: f.camel ?? f.name, signature: { ...main, params } };
  });
}

/** The header both files start with (after the language's own first line). */
export const GENERATED = 'Generated from src/scripting/event-api.ts by `crosstalk types`; do not edit (docs/scripts.md "Editor support").';
