/**
 * The young generation of script isolates (docs/scripts.md "Sandbox and limits").
 *
 * isolated-vm sizes an isolate's young generation from its memory limit: 2 MB
 * at the default 128 MB. A Lua script that takes events in batches holds
 * each batch as fengari tables (about 3 KB per event), so with 2 MB every
 * batch past a few hundred events outlives a scavenge, is copied into the
 * old generation and costs a full collection soon after: receive_batch got
 * slower per event as batches grew. Semi-spaces of a sixteenth of the limit
 * (at most 16 MB, V8's default for Node's own heap) let a batch of a few
 * thousand events die young.
 *
 * V8 reads the flag when it creates an isolate, so it is set for the
 * creation of one script's isolate and cleared (0: V8's own sizing) right
 * after; no other isolate of the process, a worker thread's included, sees
 * it. A semi-space starts small and grows only while a script's new objects
 * keep surviving, so idle scripts keep their small footprint. A user who
 * sets the flag on Node's command line keeps theirs.
 */
import ivm from 'isolated-vm';
import { setFlagsFromString } from 'node:v8';

export const MAX_SEMI_SPACE_MB = 16;

const userSet = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => /^--max[-_]semi[-_]space[-_]size\b/.test(a));

/** Semi-space size for an isolate with this memory limit: 0 keeps isolated-vm's own. */
export function semiSpaceMb(memoryLimitMb: number): number {
  const mb = Math.min(MAX_SEMI_SPACE_MB, Math.floor(memoryLimitMb / 16));
  // isolated-vm's young generation is 2^(limit/128) MB, three semi-spaces' worth
  return mb * 3 > 2 ** Math.min(4, memoryLimitMb / 128) ? mb : 0;
}

/** A script isolate with a young generation sized for its limit. */
export function createIsolate(options: ivm.IsolateOptions & { memoryLimit: number }): ivm.Isolate {
  const mb = userSet ? 0 : semiSpaceMb(options.memoryLimit);
  if (mb === 0) return new ivm.Isolate(options);
  setFlagsFromString(`--max-semi-space-size=${mb}`);
  try {
    return new ivm.Isolate(options);
  } finally {
    setFlagsFromString('--max-semi-space-size=0');
  }
}
