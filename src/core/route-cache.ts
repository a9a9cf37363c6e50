/**
 * The route cache: type → answer for the types routed lately (docs/event-api.md "Patterns": a
 * bounded cache that changes to subscriptions keep correct; the router
 * clears it on every change).
 *
 * At most `limit` answers in sets of four slots, LRU within a set, the set
 * chosen by the type's hash. A miss costs one probe of one set's keys (32
 * bytes of an Int32Array), with no allocation; `clear` is O(1), since a slot
 * counts only while it carries the current stamp. On a Zipf mix it keeps a
 * few percent more answers than two generations of Maps did, and misses
 * cost less; a hit pays for hashing the type in JS, which a Map would not
 * (V8 keeps a string's hash), about 20 ns. The table grows with use up to
 * the limit, and admits a type on its second lookup (`admit`).
 */
export class RouteCache<V> {
  /** [stamp, hash] per slot, `ways` slots per set, most recent first: a set's keys sit in one cache line */
  private keys = new Int32Array(0);
  /** [type, answer] per slot, in the same order: read only once a slot's stamp and hash match */
  private refs: (string | (readonly V[]) | null)[] = [];
  private sets = 0;
  private readonly maxSets: number;
  private readonly ways: number;
  private stamp = 1;
  size = 0;
  /** the doorkeeper: one bit per hash slot, set on a type's first miss */
  private readonly door: Uint32Array;
  private readonly doorMask: number;
  private readonly doorWindow: number;
  private doorSeen = 0;

  constructor(limit: number) {
    this.ways = Math.min(4, limit);
    this.maxSets = Math.floor(limit / this.ways);
    // it remembers the first sightings of the last bits/8 new types (at least
    // twice what the cache holds, up to 2 MiB of bits): at most one bit in 8
    // set keeps false admissions (two types on one bit) rare
    const bits = Math.min(1 << 24, nextPow2(Math.max(8192, 16 * limit)));
    this.door = new Uint32Array(bits / 32);
    this.doorMask = bits - 1;
    this.doorWindow = bits / 8;
  }

  get(type: string, h: number): readonly V[] | undefined {
    if (this.sets === 0) return undefined;
    const k = this.keys;
    const at = (h % this.sets) * this.ways;
    for (let x = at; x < at + this.ways; x++) {
      if (k[2 * x] === this.stamp && k[2 * x + 1] === h && this.refs[2 * x] === type) {
        const answer = this.refs[2 * x + 1] as readonly V[];
        if (x > at) this.toFront(at, x, h, type, answer);
        return answer;
      }
    }
    return undefined;
  }

  /**
   * Whether an answer just computed should be kept. A type is admitted on
   * its second miss within the doorkeeper's memory (TinyLFU's doorkeeper):
   * the first sighting only sets a bit. Traffic where most types come once
   * (ids, tenants, hosts in the type) then costs one bit per miss instead of
   * a write that evicts an answer that would have been used again; a type
   * that comes back is cached from its second lookup on.
   */
  admit(h: number): boolean {
    const door = this.door;
    const bit = h & this.doorMask;
    const word = bit >>> 5;
    const mask = 1 << (bit & 31);
    if ((door[word]! & mask) !== 0) return true;
    door[word] = door[word]! | mask;
    if (++this.doorSeen >= this.doorWindow) {
      door.fill(0);
      this.doorSeen = 0;
    }
    return false;
  }

  put(type: string, h: number, answer: readonly V[]): void {
    // below the limit, a full set makes the table grow rather than drop an answer
    if (this.sets < this.maxSets && (this.sets === 0 || this.keys[2 * this.lastOf(h)] === this.stamp)) this.grow();
    this.place(type, h, answer);
  }

  clear(): void {
    if (this.size === 0) return;
    this.size = 0;
    if (++this.stamp > 0x3fffffff) {
      this.stamp = 1;
      this.keys.fill(0);
    }
  }

  private lastOf(h: number): number {
    return (h % this.sets) * this.ways + this.ways - 1;
  }

  /** Puts the answer first in its set; the least recent slot falls out. */
  private place(type: string, h: number, answer: readonly V[]): void {
    const last = this.lastOf(h);
    if (this.keys[2 * last] !== this.stamp) this.size++;
    this.toFront(last - (this.ways - 1), last, h, type, answer);
  }

  /** Moves the slots from `at` up to `x` one place back and writes the answer at `at`. */
  private toFront(at: number, x: number, h: number, type: string, answer: readonly V[]): void {
    const k = this.keys;
    const r = this.refs;
    for (let y = x; y > at; y--) {
      k[2 * y] = k[2 * y - 2]!;
      k[2 * y + 1] = k[2 * y - 1]!;
      r[2 * y] = r[2 * y - 2]!;
      r[2 * y + 1] = r[2 * y - 1]!;
    }
    k[2 * at] = this.stamp;
    k[2 * at + 1] = h;
    r[2 * at] = type;
    r[2 * at + 1] = answer;
  }

  /** Starts at 256 sets, then quadruples up to the limit, keeping what it holds. */
  private grow(): void {
    const { keys, refs } = this;
    this.sets = Math.min(this.maxSets, Math.max(256, this.sets * 4));
    const slots = this.sets * this.ways;
    this.keys = new Int32Array(2 * slots);
    this.refs = new Array<string | (readonly V[]) | null>(2 * slots).fill(null);
    this.size = 0;
    // least recent first, so that each set keeps its most recent answers
    for (let x = keys.length / 2 - 1; x >= 0; x--) {
      if (keys[2 * x] === this.stamp) this.place(refs[2 * x] as string, keys[2 * x + 1]!, refs[2 * x + 1] as readonly V[]);
    }
  }
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
