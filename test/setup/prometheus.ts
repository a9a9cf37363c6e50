/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4),
 * for tests that scrape a real endpoint: every line must be a comment, a
 * HELP/TYPE line or a sample; label values are unescaped; a sample must
 * belong to a family announced by TYPE. Anything else throws, naming the line.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE_RE = new RegExp(`^(${NAME})(?:\\{(.*)\\})?\\s+(\\S+)(?:\\s+(-?\\d+))?$`);
const LABEL_RE = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;

/** As Prometheus reads values (Go's ParseFloat): Inf and NaN in any case (prom-client writes `Nan`). */
function number(text: string, line: string): number {
  const t = text.toLowerCase();
  if (t === '+inf' || t === 'inf') return Infinity;
  if (t === '-inf') return -Infinity;
  if (t === 'nan') return NaN;
  const v = Number(text);
  if (text.trim() === '' || Number.isNaN(v)) throw new Error(`bad value ${JSON.stringify(text)} in: ${line}`);
  return v;
}

function labels(text: string, line: string): Record<string, string> {
  const out: Record<string, string> = {};
  LABEL_RE.lastIndex = 0;
  while (LABEL_RE.lastIndex < text.length) {
    const m = LABEL_RE.exec(text);
    if (m === null) throw new Error(`bad labels in: ${line}`);
    if (m[1]! in out) throw new Error(`label ${m[1]} twice in: ${line}`);
    out[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    if (m[3] === '') break;
  }
  return out;
}

/** The families of an exposition text, by name. */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const owner = (sample: string): Family | undefined => {
    const f = families.get(sample);
    if (f) return f;
    for (const suffix of ['_bucket', '_sum', '_count']) {
      if (sample.endsWith(suffix)) {
        const base = families.get(sample.slice(0, -suffix.length));
        if (base && (base.type === 'histogram' || base.type === 'summary')) return base;
      }
    }
    return undefined;
  };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (m === null) continue; // a plain comment
      const [, kind, name, rest] = m;
      if (!new RegExp(`^${NAME}$`).test(name!)) throw new Error(`bad metric name in: ${line}`);
      const f = families.get(name!) ?? { name: name!, type: 'untyped', help: '', samples: [] };
      if (kind === 'HELP') f.help = rest!;
      else {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest!)) throw new Error(`bad type in: ${line}`);
        f.type = rest as Family['type'];
      }
      families.set(name!, f);
      continue;
    }
    const m = SAMPLE_RE.exec(line);
    if (m === null) throw new Error(`not a sample: ${line}`);
    const f = owner(m[1]!);
    if (f === undefined) throw new Error(`sample of an undeclared family: ${line}`);
    f.samples.push({ name: m[1]!, labels: m[2] ? labels(m[2], line) : {}, value: number(m[3]!, line) });
  }
  return families;
}

/** The value of the sample `name` whose labels include `match`; undefined when there is none. */
export function sampleValue(families: Map<string, Family>, name: string, match: Record<string, string> = {}): number | undefined {
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v)) return s.value;
    }
  }
  return undefined;
}
