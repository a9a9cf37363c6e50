/**
 * Events arriving in an isolate: the inverse of the host's packed form
 * (../isolate/codec.ts: `[types, timestamps, sources, rows]`, 9 fields per
 * row). Every event gets fresh objects, so a script changing one event's
 * source or metadata changes no other event.
 */
import { PRIORITIES, type UniversalEvent } from '../../core/event.js';
import { jsonParse, objectKeys } from './intrinsics.js';

interface Source {
  component: string;
  instance_id: string;
  language: string;
  correlation_id?: string;
}

function copySource(s: Record<string, unknown>): Source {
  const out: Record<string, unknown> = {};
  const keys = objectKeys(s);
  for (let i = 0; i < keys.length; i++) out[keys[i]!] = s[keys[i]!];
  return out as unknown as Source;
}

export function decodeEvents(json: string): UniversalEvent[] {
  const packed = jsonParse(json) as [string[], string[], Source[], unknown[]];
  const [types, times, sources, r] = packed;
  // the usual source has exactly these three keys: built as a literal
  const plain: boolean[] = [];
  for (let i = 0; i < sources.length; i++) {
    const s = sources[i]!;
    plain[i] = objectKeys(s).length === 3 && typeof s.component === 'string' && typeof s.instance_id === 'string' && typeof s.language === 'string';
  }
  const out: UniversalEvent[] = [];
  for (let k = 0, n = 0; k < r.length; k += 9, n++) {
    const si = r[k + 4] as number;
    const s = sources[si]!;
    const e: UniversalEvent = {
      id: r[k] as string,
      event_type: types[r[k + 1] as number]!,
      timestamp: times[r[k + 2] as number]!,
      version: '1.0',
      sequence: r[k + 3] as number,
      source: plain[si] ? { component: s.component, instance_id: s.instance_id, language: s.language } : copySource(s as unknown as Record<string, unknown>),
      data: r[k + 7] as UniversalEvent['data'],
      metadata: r[k + 6] === 0 ? {} : (r[k + 6] as UniversalEvent['metadata']),
      priority: PRIORITIES[r[k + 5] as number]!,
    };
    if (r[k + 8] !== 0) e.ttl_seconds = r[k + 8] as number;
    out[n] = e;
  }
  return out;
}
