/**
 * Options of work-queue subscriptions (docs/coordination.md "Work queues"): which group a
 * subscription joins, how the group spreads events over its members, and
 * acknowledgements. Plain JSON, so scripts pass them as they are.
 */
import { CrosstalkError, describeValue } from './errors.js';
import { checkBoolean, checkInt, invalidOption } from './check.js';

export type Balance = 'round_robin' | 'least_loaded' | 'weighted';
export const BALANCES: readonly Balance[] = ['round_robin', 'least_loaded', 'weighted'];

/** @default 'round_robin' */
export const DEFAULT_BALANCE: Balance = 'round_robin';
/** @default 30_000 (as a JetStream consumer) */
export const DEFAULT_ACK_WAIT_MS = 30_000;
/** @default 5 */
export const DEFAULT_MAX_DELIVER = 5;
/** @default 5_000 */
export const DEFAULT_STALL_MS = 5_000;
/** @default 1 */
export const DEFAULT_WEIGHT = 1;
export const MAX_WEIGHT = 1000;
export const MAX_MAX_DELIVER = 1_000_000;
/** the longest ack wait or stall: a day */
const MAX_WAIT_MS = 86_400_000;

/** Dead letters of group G are published as `crosstalk.dead_letter.G`. */
export const DEAD_LETTER_PREFIX = 'crosstalk.dead_letter.';

/** A group name is one event-type segment, so it can name the dead-letter type. */
const GROUP_NAME_RE = /^[A-Za-z0-9_:-]{1,64}$/;

export const GROUP_KEYS = ['group', 'balance', 'weight', 'ack', 'ack_wait_ms', 'max_deliver', 'stall_ms'] as const;

/** The settings every member of one group shares (the first member sets them). */
export interface GroupSettings {
  balance: Balance;
  ack: boolean;
  ack_wait_ms: number;
  max_deliver: number;
  stall_ms: number;
}

export interface GroupMemberOptions extends GroupSettings {
  name: string;
  weight: number;
}

/** The group part of subscribe options; null when `group` is absent. */
export function resolveGroupOptions(o: Record<string, unknown>): GroupMemberOptions | null {
  if (o.group === undefined || o.group === null) {
    const stray = GROUP_KEYS.find((k) => k !== 'group' && o[k] !== undefined);
    if (stray !== undefined) {
      throw new CrosstalkError('INVALID_OPTION', `\`${stray}\` is an option of group members: add group: "name" (a group of one is fine)`, {
        option: stray,
      });
    }
    return null;
  }
  if (typeof o.group !== 'string' || !GROUP_NAME_RE.test(o.group)) {
    throw invalidOption('group', "a name of 1 to 64 letters, digits, '_', '-', ':'", o.group);
  }
  const balance = (o.balance ?? DEFAULT_BALANCE) as Balance;
  if (!BALANCES.includes(balance)) throw invalidOption('balance', BALANCES.join(' | '), o.balance);
  return {
    name: o.group,
    balance,
    weight: o.weight === undefined ? DEFAULT_WEIGHT : checkInt('weight', o.weight, 1, MAX_WEIGHT),
    ack: o.ack === undefined ? false : checkBoolean('ack', o.ack),
    ack_wait_ms: o.ack_wait_ms === undefined ? DEFAULT_ACK_WAIT_MS : checkInt('ack_wait_ms', o.ack_wait_ms, 1, MAX_WAIT_MS),
    max_deliver: o.max_deliver === undefined ? DEFAULT_MAX_DELIVER : checkInt('max_deliver', o.max_deliver, 1, MAX_MAX_DELIVER),
    stall_ms: o.stall_ms === undefined ? DEFAULT_STALL_MS : checkInt('stall_ms', o.stall_ms, 1, MAX_WAIT_MS),
  };
}

/**
 * A member joining an existing group must agree with it on every shared
 * setting it names (omitted ones are taken from the group).
 */
export function checkAgreement(
  group: string,
  settings: Readonly<Record<string, unknown>>,
  member: Readonly<Record<string, unknown>>,
  given: ReadonlySet<string>,
  keys: readonly string[],
): void {
  for (const k of keys) {
    if (given.has(k) && settings[k] !== member[k]) {
      throw new CrosstalkError(
        'INVALID_OPTION',
        `group ${describeValue(group)} has ${k} = ${describeValue(settings[k])}; a member cannot join with ${describeValue(member[k])} (leave it out to take the group's)`,
        { option: k },
      );
    }
  }
}
