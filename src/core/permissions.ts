/**
 * Per-script permissions (docs/scripts.md "Script permissions"), after NATS's
 * per-user subject permissions: for publishing and for subscribing, an
 * allow list and a deny list of patterns.
 *
 * - A publish of type T is allowed when T matches an allowed pattern (or
 *   there is no allow list) and no denied pattern.
 * - A subscription pattern P is allowed when an allowed pattern covers P —
 *   every type P can match, it matches too (or there is no allow list) —
 *   and no denied pattern covers P. Events of a subscription that a denied
 *   pattern matches are never delivered to it: `**` with `secret.**`
 *   denied receives everything else.
 * - Types under `crosstalk.` are the host's (lifecycle events, reply
 *   inboxes): a script never publishes them, whatever its permissions.
 *
 * "Covers" is decided on the patterns' segments, soundly: a `**` covers any
 * run of segments, `*` any one segment or in-segment glob, a glob a plain
 * segment it matches or the same glob, a plain segment itself; a `**` of P
 * is covered only by a `**`. So a pattern is never allowed for more than
 * its rules allow.
 */
import { CrosstalkError, describeValue } from './errors.js';
import { compilePattern, type CompiledPattern, type Segment } from './pattern.js';

/** An allow list, or allow and deny lists. */
export type PermissionRule = readonly string[] | { readonly allow?: readonly string[]; readonly deny?: readonly string[] };

export interface ScriptPermissions {
  readonly publish?: PermissionRule;
  readonly subscribe?: PermissionRule;
}

/** Types only the host publishes. */
export const HOST_TYPE_PREFIX = 'crosstalk.';

interface Lists {
  /** null: everything not denied */
  allow: CompiledPattern[] | null;
  deny: CompiledPattern[];
}

const RULE_KEYS = ['allow', 'deny'];
const PERMISSION_KEYS = ['publish', 'subscribe'];

function lists(rule: unknown, where: string): Lists {
  if (rule === undefined) return { allow: null, deny: [] };
  const patterns = (v: unknown, what: string): CompiledPattern[] => {
    if (!Array.isArray(v)) {
      throw new CrosstalkError('INVALID_OPTION', `Expected \`${what}\` to be a list of patterns, got ${describeValue(v)}`, { option: what });
    }
    return v.map((p, i) => {
      try {
        return compilePattern(p);
      } catch (e) {
        throw new CrosstalkError('INVALID_OPTION', `\`${what}[${i}]\`: ${(e as Error).message}`, { option: what, cause: e });
      }
    });
  };
  if (Array.isArray(rule)) return { allow: patterns(rule, where), deny: [] };
  if (rule === null || typeof rule !== 'object') {
    throw new CrosstalkError('INVALID_OPTION', `Expected \`${where}\` to be a list of allowed patterns or {allow, deny}, got ${describeValue(rule)}`, {
      option: where,
    });
  }
  for (const k of Object.keys(rule)) {
    if (!RULE_KEYS.includes(k)) throw new CrosstalkError('INVALID_OPTION', `unknown key ${describeValue(k)} in \`${where}\`; known: allow, deny`, { option: where });
  }
  const r = rule as { allow?: unknown; deny?: unknown };
  return {
    allow: r.allow === undefined ? null : patterns(r.allow, `${where}.allow`),
    deny: r.deny === undefined ? [] : patterns(r.deny, `${where}.deny`),
  };
}

/** Does segment `g` take in every segment `p` can match? */
function segmentCovers(g: Segment, p: Segment): boolean {
  switch (g.kind) {
    case 'globstar':
    case 'star':
      return p.kind !== 'globstar';
    case 'literal':
      return p.kind === 'literal' && p.text === g.text;
    case 'glob':
      return (p.kind === 'literal' && g.glob.test(p.text)) || (p.kind === 'glob' && p.glob.source === g.glob.source);
  }
}

/** Does the alternative `g` match every type the alternative `p` matches? Linear DP over p's segments. */
function alternativeCovers(g: readonly Segment[], p: readonly Segment[]): boolean {
  // reach[j]: g's segments so far take in p's first j segments
  let reach = new Uint8Array(p.length + 1);
  reach[0] = 1;
  for (const s of g) {
    const next = new Uint8Array(p.length + 1);
    if (s.kind === 'globstar') {
      let on = 0;
      for (let j = 0; j <= p.length; j++) {
        on |= reach[j]!;
        next[j] = on;
      }
    } else {
      for (let j = 0; j < p.length; j++) if (reach[j] && segmentCovers(s, p[j]!)) next[j + 1] = 1;
    }
    reach = next;
  }
  return reach[p.length] === 1;
}

/** Does `g` match every type that `p` matches? (Sound: true only when it does.) */
export function patternCovers(g: CompiledPattern, p: CompiledPattern): boolean {
  return p.alternatives.every((pa) => g.alternatives.some((ga) => alternativeCovers(ga, pa)));
}

function denied(message: string, details: { eventType?: string; pattern?: string }): CrosstalkError {
  return new CrosstalkError('PERMISSION_DENIED', message, details);
}

/** One script's permissions, checked. */
export class PermissionCheck {
  private readonly pub: Lists;
  private readonly sub: Lists;
  /** the type the last publish check allowed: a script mostly publishes one type after another (a hot path) */
  private lastAllowed = '';

  /** Throws INVALID_OPTION naming the key for a malformed value. */
  constructor(
    readonly script: string,
    permissions: unknown,
    where = 'permissions',
  ) {
    if (permissions === undefined) permissions = {};
    if (permissions === null || typeof permissions !== 'object' || Array.isArray(permissions)) {
      throw new CrosstalkError('INVALID_OPTION', `Expected \`${where}\` to be {publish, subscribe}, got ${describeValue(permissions)}`, { option: where });
    }
    for (const k of Object.keys(permissions)) {
      if (!PERMISSION_KEYS.includes(k)) {
        throw new CrosstalkError('INVALID_OPTION', `unknown key ${describeValue(k)} in \`${where}\`; known: publish, subscribe`, { option: where });
      }
    }
    const p = permissions as { publish?: unknown; subscribe?: unknown };
    this.pub = lists(p.publish, `${where}.publish`);
    this.sub = lists(p.subscribe, `${where}.subscribe`);
  }

  /** The publish rules as pattern sources, for the script's isolate (which checks its batched publishes at the call). */
  get publishRules(): { allow: string[] | null; deny: string[] } {
    return { allow: this.pub.allow?.map((c) => c.source) ?? null, deny: this.pub.deny.map((c) => c.source) };
  }

  /** Whether the script has any rule at all. */
  get limited(): boolean {
    return this.limitsSubscriptions || this.pub.allow !== null || this.pub.deny.length > 0;
  }

  /** Whether the script has any subscribe rule (else every subscription is as it asked). */
  get limitsSubscriptions(): boolean {
    return this.sub.allow !== null || this.sub.deny.length > 0;
  }

  /** PERMISSION_DENIED unless the script may publish `type`. */
  checkPublish(type: string): void {
    if (type === this.lastAllowed) return;
    const why = publishRefusal(type, this.pub.allow, this.pub.deny);
    if (why !== null) throw publishDenied(this.script, type, why);
    this.lastAllowed = type;
  }

  /** PERMISSION_DENIED unless the script may subscribe to every one of `patterns`. */
  checkSubscribe(patterns: readonly string[]): void {
    for (const source of patterns) {
      const p = compilePattern(source);
      const deny = this.sub.deny.find((d) => patternCovers(d, p));
      if (deny !== undefined) throw denied(`${this.script} may not subscribe to ${describeValue(source)}: it is denied by ${describeValue(deny.source)}`, { pattern: source });
      if (this.sub.allow !== null && !this.sub.allow.some((a) => patternCovers(a, p))) {
        throw denied(`${this.script} may not subscribe to ${describeValue(source)}: no allowed pattern covers it (allowed: ${this.sub.allow.map((a) => a.source).join(', ') || 'none'})`, {
          pattern: source,
        });
      }
    }
  }

  /** Whether an event of `type` may reach one of the script's subscriptions (false when a denied pattern matches it). */
  delivers(type: string): boolean {
    for (const d of this.sub.deny) if (d.test(type)) return false;
    return true;
  }

  /** Whether the script may read stored or retained events of `type` (query, replay, retained). */
  reads(type: string): boolean {
    if (!this.delivers(type)) return false;
    return this.sub.allow === null || this.sub.allow.some((a) => a.test(type));
  }
}

/** The error for a publish the rules refuse, `why` from publishRefusal. */
export function publishDenied(script: string, type: string, why: string): CrosstalkError {
  return denied(`${script} may not publish ${describeValue(type)}: ${why}`, { eventType: type });
}

/**
 * Why a script may not publish `type` under these lists, or null when it
 * may. Shared by the host and the script's isolate, so both refuse alike.
 */
export function publishRefusal(type: string, allow: readonly CompiledPattern[] | null, deny: readonly CompiledPattern[]): string | null {
  if (type.startsWith(HOST_TYPE_PREFIX)) return `types under ${HOST_TYPE_PREFIX} are the host's`;
  const d = deny.find((c) => c.test(type));
  if (d !== undefined) return `it is denied by ${describeValue(d.source)}`;
  if (allow !== null && !allow.some((c) => c.test(type))) return `no allowed pattern matches it (allowed: ${allow.map((a) => a.source).join(', ') || 'none'})`;
  return null;
}
