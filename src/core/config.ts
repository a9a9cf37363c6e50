/**
 * The configuration a file can hold (`crosstalk run --config FILE`, the
 * store commands' `--config FILE`, docs/coordination.md "Configuration file"): the
 * coordination options of createBus() and its `masking` rules as plain
 * JSON, the store's `retention` policies, and the scripts' `permissions`
 * (docs/scripts.md "Script permissions"). Every bad field is INVALID_OPTION naming its path in
 * the file (`interceptors[2].rate`, `retention.by_type["a.*"]`).
 */
import { CrosstalkError, describeValue } from './errors.js';
import { checkObject } from './check.js';
import { InterceptorChain, type InterceptorSpec } from './interceptors.js';
import { resolveBusOptions, type BusOptions } from './options.js';
import { resolveRetention, type RetentionOptions } from './retention.js';
import { createMasker, type MaskRule } from './masking.js';
import { PermissionCheck, type ScriptPermissions } from './permissions.js';

const BUS_KEYS = ['interceptors', 'dedup_window_ms', 'dedup_max_ids', 'max_retained', 'masking'] as const;
export const CONFIG_KEYS = [...BUS_KEYS, 'retention', 'permissions'] as const;

export type BusConfig = Pick<BusOptions, (typeof BUS_KEYS)[number]>;

/** Everything a configuration file holds, validated: the bus's options and the store's. */
export interface CrosstalkConfig {
  /** for createBus() */
  bus: BusConfig;
  /** for openStore() / openSqliteStore() / createMemoryStore(): `{ retention }` */
  retention: RetentionOptions | null;
  /** for runScripts(): what each script (by name, `*` for the rest) may publish and subscribe to */
  permissions: Readonly<Record<string, ScriptPermissions>> | null;
}

/** Validates a parsed configuration file, every part of it. */
export function parseConfig(value: unknown): CrosstalkConfig {
  const bus = parseBusConfig(value);
  const retention = (value as { retention?: RetentionOptions }).retention ?? null;
  const permissions = (value as { permissions?: unknown }).permissions;
  return { bus, retention: resolveRetention(retention) === null ? null : retention, permissions: permissions === undefined ? null : checkPermissionTable(permissions) };
}

/** `permissions`: script names (or `*`) to rules, each checked; which names are scripts of the run is runScripts' to say. */
function checkPermissionTable(v: unknown): Record<string, ScriptPermissions> {
  const table = checkObject('permissions', v);
  for (const [name, rules] of Object.entries(table)) new PermissionCheck(name, rules, `permissions[${JSON.stringify(name)}]`);
  return table as Record<string, ScriptPermissions>;
}

/** Validates a parsed configuration (all of it); returns the options to give createBus(). */
export function parseBusConfig(value: unknown): BusConfig {
  const o = checkObject('(the file)', value);
  for (const k of Object.keys(o)) {
    if (!(CONFIG_KEYS as readonly string[]).includes(k)) {
      throw new CrosstalkError('INVALID_OPTION', `unknown configuration key ${describeValue(k)}; known: ${CONFIG_KEYS.join(', ')}`, { option: k });
    }
  }
  const out: BusConfig = {};
  if (o.interceptors !== undefined) {
    if (!Array.isArray(o.interceptors)) {
      throw new CrosstalkError('INVALID_OPTION', `Expected \`interceptors\` to be a list of interceptor rules, got ${describeValue(o.interceptors)}`, {
        option: 'interceptors',
      });
    }
    // a file holds data: the host's function rules are not among its rules
    o.interceptors.forEach((spec, i) => {
      if (spec !== null && typeof spec === 'object' && (spec as { type?: unknown }).type === 'function') {
        throw new CrosstalkError('INVALID_OPTION', `interceptors[${i}].type: "function" rules are for the host API (createBus, addInterceptor); a file takes the other types`, {
          option: `interceptors[${i}].type`,
        });
      }
    });
    const chain = new InterceptorChain(64);
    o.interceptors.forEach((spec, i) => chain.add(spec, `interceptors[${i}]`));
    out.interceptors = o.interceptors as InterceptorSpec[];
  }
  resolveRetention(o.retention);
  if (o.permissions !== undefined) checkPermissionTable(o.permissions);
  if (o.masking !== undefined) {
    createMasker(o.masking);
    out.masking = o.masking as MaskRule[];
  }
  for (const k of ['dedup_window_ms', 'dedup_max_ids', 'max_retained'] as const) {
    if (o[k] !== undefined) out[k] = o[k] as number;
  }
  // the same checks createBus makes, with the same option names (they are the paths)
  resolveBusOptions({ ...out, interceptors: [] });
  return out;
}
