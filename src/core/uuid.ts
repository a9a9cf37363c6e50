/**
 * UUID v4 for event ids, as flat strings.
 *
 * crypto.randomUUID() builds its string by concatenating 20 pieces, so each
 * id is a rope of ~13 cons cells: ~490 bytes of heap while the event is
 * queued, against 56 for a flat 36-character string. This draws 16 random
 * bytes per id from a pooled crypto.randomFillSync, writes the text into a
 * pooled buffer, and cuts each id out as one flat string.
 */
import { randomFillSync } from 'node:crypto';

const POOL = 512;
const HEX = new Uint8Array(512);
for (let i = 0; i < 256; i++) {
  HEX[2 * i] = '0123456789abcdef'.charCodeAt(i >> 4);
  HEX[2 * i + 1] = '0123456789abcdef'.charCodeAt(i & 15);
}
const random = Buffer.allocUnsafe(16 * POOL);
const text = Buffer.allocUnsafe(36 * POOL);
let next = text.length;

function refill(): void {
  writeUuids(text, 0, POOL);
  next = 0;
}

/**
 * Writes `count` random UUID v4s as text (36 bytes each) into `out` from
 * byte `at`. A holder of many ids (the batch publisher's waiting events)
 * keeps them there as bytes and cuts each string out with uuidAt when it
 * needs it, instead of keeping a string object per id alive.
 */
export function writeUuids(out: Buffer, at: number, count: number): void {
  for (let done = 0; done < count; done += POOL) {
    const n = Math.min(POOL, count - done);
    randomFillSync(random, 0, 16 * n);
    for (let k = 0, r = 0, p = at + 36 * done; k < n; k++, r += 16) {
      random[r + 6] = (random[r + 6]! & 0x0f) | 0x40; // version 4
      random[r + 8] = (random[r + 8]! & 0x3f) | 0x80; // variant 10
      for (let i = 0; i < 16; i++) {
        if (i === 4 || i === 6 || i === 8 || i === 10) out[p++] = 0x2d; // '-'
        const b = random[r + i]! << 1;
        out[p++] = HEX[b]!;
        out[p++] = HEX[b + 1]!;
      }
    }
  }
}

/**
 * buf's bytes [from, to) as a latin1 string. Buffer#toString goes through
 * argument checks and an encoding lookup that cost more than cutting out a
 * 36-byte id; Buffer's own latin1Slice (untyped, present in every Node
 * release) does only the cut.
 */
type Latin1 = Buffer & { latin1Slice?: (from: number, to: number) => string };
const HAS_LATIN1_SLICE = typeof (Buffer.prototype as Latin1).latin1Slice === 'function';
function latin1(buf: Buffer, from: number, to: number): string {
  return HAS_LATIN1_SLICE ? (buf as Latin1).latin1Slice!(from, to) : buf.toString('latin1', from, to);
}

/** A random UUID v4, lower case, as a flat string. */
export function uuidV4(): string {
  if (next === text.length) refill();
  const id = latin1(text, next, next + 36);
  next += 36;
  return id;
}

/** The id writeUuids wrote at byte `at`. */
export function uuidAt(buf: Buffer, at: number): string {
  return latin1(buf, at, at + 36);
}

