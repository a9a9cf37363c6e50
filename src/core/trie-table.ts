/**
 * The hash table the trie and the router key strings with: open addressing
 * (linear probing), laid out flat as [code, key, value] triples so that a
 * probe reads one array and touches a key string only when its code matches.
 * `find` takes the key as a slice of another string, by bounds and code, so a
 * walk over an event type neither cuts segments out nor hashes new strings
 * (V8 hashes every fresh string it is asked to look up in a Map).
 *
 * A key of at most four characters below U+0080 (most segments of real
 * types: `v1`, `eu`, `api`, `user`) is its own code, packed: equal codes then
 * mean equal keys, and a probe never reads the key string, a cold read per
 * trie step saved at scale. Longer keys are hashed; the packed flag keeps the
 * two kinds of code apart.
 */

/** Set in a packed code (the key itself), clear in a hashed one. */
export const PACKED = 1 << 29;

/**
 * A string's code (30 bits, a small integer). The loop only hashes (what a
 * long type needs; a lookup the route cache answers is mostly this loop),
 * and a short string is packed after it (codeOf). `Lookup.read` computes the
 * same per segment, in its own loop.
 */
export function hashOf(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return codeOf(s, 0, s.length, h);
}

/**
 * hashOf of s[from, to), whose hash `h` (`h = h * 31 + c` over its
 * characters) the caller computed in its own loop. A short key's characters
 * are read again (at most four, just read) and packed 7 bits apart; none is
 * 0, so a packed key's length is where its zeros start.
 */
export function codeOf(s: string, from: number, to: number, h: number): number {
  if (to - from <= 4) {
    let p = 0;
    for (let i = from; i < to; i++) {
      const c = s.charCodeAt(i);
      if (c === 0 || c > 0x7f) return hashed(h);
      p |= c << (7 * (i - from));
    }
    return PACKED | scramble(p);
  }
  return hashed(h);
}

function hashed(h: number): number {
  return (h ^ (h >>> 15)) & (PACKED - 1);
}

/**
 * Packed characters spread over 28 bits one to one (an odd multiplier mod
 * 2^28, then an xor-shift), so that the low bits a table indexes by depend
 * on every character, as a hash's do.
 */
function scramble(p: number): number {
  const x = Math.imul(p, 0x9e3779b1) & 0x0fffffff;
  return x ^ (x >>> 14);
}

/** The table's storage: [code, key, value] per slot. A trie node keeps it to probe without a hop through the Table. */
export type Slots<T> = (number | string | T | null)[];

/** The value for the key s[from, to) whose code is `code`, or null. */
export function find<T>(slots: Slots<T>, s: string, from: number, to: number, code: number): T | null {
  const mask = ((slots.length / 3) | 0) - 1;
  for (let j = code & mask; ; j = (j + 1) & mask) {
    const key = slots[3 * j + 1] as string | null;
    if (key === null) return null;
    if (slots[3 * j] === code && ((code & PACKED) !== 0 || (key.length === to - from && s.startsWith(key, from)))) return slots[3 * j + 2] as T;
  }
}

/** Literal children of a trie node; the router's exact types. */
export class Table<T> {
  /** read by the trie's walk in place (find); replaced when the table grows */
  slots: Slots<T> = [0, null, null, 0, null, null];
  size = 0;

  /** The value for the key s[from, to) whose code is `code`, or null. */
  find(s: string, from: number, to: number, code: number): T | null {
    return find(this.slots, s, from, to, code);
  }

  /** The value for the whole string `s`, whose code is `code`, or null: keys compare with `===`, which is one pointer comparison when both are the same string. */
  findKey(s: string, code: number): T | null {
    const slots = this.slots;
    const mask = ((slots.length / 3) | 0) - 1;
    for (let j = code & mask; ; j = (j + 1) & mask) {
      const key = slots[3 * j + 1] as string | null;
      if (key === null) return null;
      if (slots[3 * j] === code && ((code & PACKED) !== 0 || key === s)) return slots[3 * j + 2] as T;
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
    const mask = ((slots.length / 3) | 0) - 1;
    let j = hashOf(key) & mask;
    while (slots[3 * j + 1] !== key) {
      if (slots[3 * j + 1] === null) return;
      j = (j + 1) & mask;
    }
    // backward-shift deletion: pull later entries of the probe run into the gap
    for (let k = (j + 1) & mask; slots[3 * k + 1] !== null; k = (k + 1) & mask) {
      const at = (slots[3 * k] as number) & mask;
      // the entry at k may fill the gap at j unless its home lies cyclically in (j, k]
      if (j < k ? at <= j || at > k : at <= j && at > k) {
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

  private place(code: number, key: string, value: T): void {
    const slots = this.slots;
    const mask = ((slots.length / 3) | 0) - 1;
    let j = code & mask;
    while (slots[3 * j + 1] !== null) j = (j + 1) & mask;
    slots[3 * j] = code;
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
