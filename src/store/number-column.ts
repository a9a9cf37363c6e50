/**
 * Collects the numbers found at one path, per group, into growing
 * Float64Arrays: what `numbersAt` returns from either store.
 */
import type { NumberColumn } from './types.js';

class Column {
  values = new Float64Array(1024);
  n = 0;
  matched = 0;

  push(v: number): void {
    if (this.n === this.values.length) {
      const grown = new Float64Array(this.n * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.n++] = v;
  }
}

export class NumberColumns {
  private readonly columns = new Map<string, Column>();
  /** the last group added to: rows come in runs of one group (all of them, ungrouped) */
  private lastKey: string | null = null;
  private last: Column | null = null;

  private column(key: string): Column {
    if (key === this.lastKey) return this.last!;
    let c = this.columns.get(key);
    if (c === undefined) this.columns.set(key, (c = new Column()));
    this.lastKey = key;
    this.last = c;
    return c;
  }

  /** one matching event of group `key`, with the number found (or undefined when there is none) */
  add(key: string, value: number | undefined): void {
    const c = this.column(key);
    c.matched++;
    if (value !== undefined) c.push(value);
  }

  /** a number for group `key` whose event was already counted by `add` */
  push(key: string, value: number): void {
    this.column(key).push(value);
  }

  result(): Map<string, NumberColumn> {
    const out = new Map<string, NumberColumn>();
    for (const [k, c] of this.columns) out.set(k, { matched: c.matched, values: c.values.subarray(0, c.n) });
    return out;
  }
}
