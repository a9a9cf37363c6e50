/**
 * Where events travel on NATS (docs/nats.md "Several processes: NATS JetStream").
 *
 * An event of type `order.paid` goes out on `<prefix>.e.order.paid`, or on
 * `<prefix>.p.order.paid` when it is persistent: the JetStream stream
 * captures `<prefix>.p.>` and nothing else. The kind token comes before the
 * type so that the two spaces never collide (a type may itself start with
 * `p`) and so that one server subscription, `<prefix>.*.<tail>`, receives
 * both kinds: a subscriber then gets one publisher's ephemeral and
 * persistent events on one connection, in the order they were sent.
 *
 * NATS wildcards are whole tokens: `*` is exactly one, a trailing `>` one or
 * more. A pattern maps to the narrowest subjects that cover it; the bus's
 * router filters remote events by the exact pattern, so a subject may be
 * wider than its pattern but never narrower.
 */
import type { CompiledPattern, Segment } from '../core/pattern.js';

export const EPHEMERAL_TOKEN = 'e';
export const PERSISTENT_TOKEN = 'p';

/** An event-type segment; NATS tokens allow all of these characters. */
const TOKEN_RE = /^[A-Za-z0-9_:-]+$/;
/** A prefix is one or more such tokens, as an event type is. */
const PREFIX_RE = /^[A-Za-z0-9_:-]+(?:\.[A-Za-z0-9_:-]+)*$/;
export const MAX_PREFIX_LENGTH = 64;

export function isValidPrefix(prefix: unknown): prefix is string {
  return typeof prefix === 'string' && prefix.length <= MAX_PREFIX_LENGTH && PREFIX_RE.test(prefix);
}

/** The subject an event is published on. */
export function eventSubject(prefix: string, eventType: string, persistent: boolean): string {
  return `${prefix}.${persistent ? PERSISTENT_TOKEN : EPHEMERAL_TOKEN}.${eventType}`;
}

/** The subjects JetStream keeps (every persistent event). */
export function persistentSubjects(prefix: string): string {
  return `${prefix}.${PERSISTENT_TOKEN}.>`;
}

/**
 * The event type a message's subject names, or null when the subject is not
 * one of ours (wrong prefix or kind token).
 */
export function typeOfSubject(prefix: string, subject: string): string | null {
  const head = prefix.length;
  if (subject.length < head + 4 || !subject.startsWith(prefix) || subject[head] !== '.' || subject[head + 2] !== '.') return null;
  const kind = subject[head + 1];
  if (kind !== EPHEMERAL_TOKEN && kind !== PERSISTENT_TOKEN) return null;
  return subject.slice(head + 3);
}

/**
 * Subject tails (what follows `<prefix>.<kind>.`) that together cover one
 * brace-free alternative of a pattern:
 * - a literal stays; `*` stays; a segment with `*`, `?` or a class inside
 *   becomes `*` (NATS has no partial tokens);
 * - the first `**` and everything after it become `>`. `>` needs at least
 *   one token where `**` may match none, so a trailing `a.**` also needs `a`
 *   itself; a `**` with segments after it always leaves at least one token.
 * A literal no event type could contain (an escaped `*`, a space) makes the
 * alternative match nothing: no tails.
 */
export function alternativeTails(alt: readonly Segment[]): string[] {
  const tokens: string[] = [];
  for (let i = 0; i < alt.length; i++) {
    const s = alt[i]!;
    if (s.kind === 'globstar') {
      const wide = [...tokens, '>'].join('.');
      return i === alt.length - 1 && tokens.length > 0 ? [tokens.join('.'), wide] : [wide];
    }
    if (s.kind === 'literal') {
      if (!TOKEN_RE.test(s.text)) return [];
      tokens.push(s.text);
    } else tokens.push('*');
  }
  return [tokens.join('.')];
}

/** Does subject `a` (with wildcards) match everything subject `b` (with wildcards) matches? */
export function subjectCovers(a: string, b: string): boolean {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; i < x.length; i++) {
    if (x[i] === '>') return i < y.length;
    if (i >= y.length) return false;
    if (y[i] === '>') return false;
    if (x[i] !== '*' && x[i] !== y[i]) return false;
  }
  return x.length === y.length;
}

/**
 * The server subscriptions that cover every event type `pattern` matches,
 * both kinds: no subject is listed that another one in the list covers.
 */
export function patternSubjects(prefix: string, pattern: CompiledPattern): string[] {
  const tails = [...new Set(pattern.alternatives.flatMap(alternativeTails))];
  const kept = tails.filter((t) => !tails.some((o) => o !== t && subjectCovers(o, t)));
  return kept.map((t) => `${prefix}.*.${t}`);
}
