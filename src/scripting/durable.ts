/**
 * Durable subscriptions (docs/scripts.md "Durable subscriptions"):
 * `subscribe(patterns, {durable = "name"})` makes a named subscription whose
 * queue outlives the script instance that made it. When that script ends,
 * the subscription stays on the bus and keeps queueing (under its own
 * max_queue_size and backpressure); the next script that subscribes under
 * the same name takes it over with what arrived meanwhile. An event counts
 * as processed once the script asks for the next one: what a stopped or
 * failed script was handed last is received again by the next holder
 * (api.ts ScriptContext.close), so nothing is lost.
 *
 * One script holds a durable name at a time (DURABLE_IN_USE for another).
 * Subscribing under a parked name with other patterns or options starts it
 * afresh: the old queue is dropped. Names live as long as the bus, in this
 * process.
 */
import { CrosstalkError, describeValue } from '../core/errors.js';
import type { PortSubscription } from '../core/port.js';
import type { SubscribeOptions } from '../core/types.js';
import type { ScriptContext } from './api.js';

const NAME_RE = /^[A-Za-z0-9_.:-]{1,128}$/;

interface Durable {
  sub: PortSubscription;
  /** patterns and options it was made with, to tell a changed subscription */
  shape: string;
  holder: ScriptContext | null;
}

const registries = new WeakMap<object, Map<string, Durable>>();

function registryOf(ctx: ScriptContext): Map<string, Durable> {
  let r = registries.get(ctx.port.bus);
  if (r === undefined) registries.set(ctx.port.bus, (r = new Map()));
  return r;
}

/** The `durable` option's name, checked; the rest of the options for the bus. */
export function splitDurable(options: unknown): { name: string | null; rest: SubscribeOptions | undefined } {
  if (options === null || typeof options !== 'object' || !Object.hasOwn(options, 'durable')) {
    return { name: null, rest: (options ?? undefined) as SubscribeOptions | undefined };
  }
  const { durable, ...rest } = options as { durable: unknown };
  if (typeof durable !== 'string' || !NAME_RE.test(durable)) {
    throw new CrosstalkError('INVALID_OPTION', `Expected \`durable\` to be a name of 1 to 128 letters, digits and _ . : -, got ${describeValue(durable)}`, {
      option: 'durable',
    });
  }
  return { name: durable, rest: rest as SubscribeOptions };
}

/**
 * The script's subscription under durable `name`: the parked one when its
 * patterns and options are these, else a new one from `make`.
 */
export function takeDurable(ctx: ScriptContext, name: string, patterns: unknown, options: SubscribeOptions | undefined, make: () => PortSubscription): PortSubscription {
  const registry = registryOf(ctx);
  const shape = JSON.stringify([patterns, options ?? {}]);
  const found = registry.get(name);
  if (found !== undefined && !found.sub.closed) {
    if (found.holder !== null) {
      throw new CrosstalkError('DURABLE_IN_USE', `durable subscription ${describeValue(name)} is held by ${found.holder.identity.component} (instance ${found.holder.identity.instance_id})`, {
        option: 'durable',
      });
    }
    if (found.shape === shape) {
      found.holder = ctx;
      ctx.keep(found.sub, () => (found.holder = null));
      return found.sub;
    }
    // changed patterns or options: it starts afresh
    registry.delete(name);
    found.sub.unsubscribe();
  }
  const sub = make();
  const entry: Durable = { sub, shape, holder: ctx };
  registry.set(name, entry);
  sub.onClose(() => {
    if (registry.get(name) === entry) registry.delete(name);
  });
  ctx.keep(sub, () => (entry.holder = null));
  return sub;
}
