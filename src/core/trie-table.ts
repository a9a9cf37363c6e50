/**
 * The hash table the trie and the router key strings with: open addressing
 * (linear probing), laid out flat as [hash, key, value] triples so that a
 * probe reads one array and touches a key string only when its hash matches.
 * `find` takes the key as a slice of another string, by bounds and hash, so a
 * walk over an event type neither cuts segments out nor hashes new strings
 * (V8 hashes every fresh string it is asked to look up in a Map).
 */

/** A string's hash: 30 bits, so it stays a small integer. `Lookup.read` computes the same per segment. */
export function hashOf(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return finish(h);
}

/** The last step of hashOf, for callers that run the loop themselves. */
export function finish(h: number): number {
  return (h ^ (h >>> 15)) & 0x3fffffff;
}

/** Literal children of a trie node; the router's exact types. */
export class Table<T> {
  private slots: (number | string | T | null)[] = [0, null, null, 0, null, null];
  size = 0;

  /** The value for the key s[from, to) whose hash is `h`, or null. */
  find(s: string, from: number, to: number, h: number): T | null {
    const slots = this.slots;
    const mask = slots.length / 3 - 1;
    for (let j = h & mask; ; j = (j + 1) & mask) {
      const key = slots[3 * j + 1] as string | null;
      if (key === null) return null;
      if (slots[3 * j] === h && key.length === to - from && s.startsWith(key, from)) return slots[3 * j + 2] as T;
    }
  }

  /** The value for the whole string `s`, whose hash is `h`, or null: keys compare with `===`, which is one pointer comparison when both are the same string. */
  findKey(s: string, h: number): T | null {
    const slots = this.slots;
    const mask = slots.length / 3 - 1;
    for (let j = h & mask; ; j = (j + 1) & mask) {
      const key = slots[3 * j + 1] as string | null;
      if (key === null) return null;
      if (slots[3 * j] === h && key === s) return slots[3 * j + 2] as T;
    }
  }

  get(key: string): T | null {
    return this.find(key, 0, key.length, hashOf(key));
  }

  /** Adds `key`, which must not be there yet. The table stays at most half full, so a probe for a missing key stops soon. */
  set(key: string, value: T): void {
    if ((this.size + 1) * 2 > this.slots.length / 3) this.grow();
    this.place(hashOf(key), key, value);
    this.size++;
  }

  delete(key: string): void {
    const slots = this.slots;
    const mask = slots.length / 3 - 1;
    let j = hashOf(key) & mask;
    while (slots[3 * j + 1] !== key) {
      if (slots[3 * j + 1] === null) return;
      j = (j + 1) & mask;
    }
    // backward-shift deletion: pull later entries of the probe run into the gap
    for (let k = (j + 1) & mask; slots[3 * k + 1] !== null; k = (k + 1) & mask) {
      const home = (slots[3 * k] as number) & mask;
      // the entry at k may fill the gap at j unless its home lies cyclically in (j, k]
      if (j < k ? home <= j || home > k : home <= j && home > k) {
        slots[3 * j] = slots[3 * k]!;
        slots[3 * j + 1] = slots[3 * k + 1]!;
        slots[3 * j + 2] = slots[3 * k + 2]!;
        j = k;
      }
    }
    slots[3 * j] = 0;
    slots[3 * j + 1] = null;
    slots[3 * j + 2] = null;
    this.size--;
  }

  *values(): IterableIterator<T> {
    for (let j = 1; j < this.slots.length; j += 3) if (this.slots[j] !== null) yield this.slots[j + 1] as T;
  }

  private place(h: number, key: string, value: T): void {
    const slots = this.slots;
    const mask = slots.length / 3 - 1;
    let j = h & mask;
    while (slots[3 * j + 1] !== null) j = (j + 1) & mask;
    slots[3 * j] = h;
    slots[3 * j + 1] = key;
    slots[3 * j + 2] = value;
  }

  private grow(): void {
    const old = this.slots;
    // filled to its exact size: an array built by push keeps spare capacity
    this.slots = new Array<number | string | T | null>(old.length * 2).fill(null);
    for (let j = 0; j < this.slots.length; j += 3) this.slots[j] = 0;
    for (let j = 0; j < old.length; j += 3) if (old[j + 1] !== null) this.place(old[j] as number, old[j + 1] as string, old[j + 2] as T);
  }
}
