/**
 * UTF-8 for the isolates, which have no TextEncoder or TextDecoder (those
 * are web APIs; an isolate has only what V8 itself provides). Lua strings
 * are bytes; event data is text.
 */

/** Thrown by `decodeUtf8` in strict mode. */
export class Utf8Error extends Error {}

const REPLACEMENT = 0xfffd;

/**
 * Bytes → text. `strict`: bytes that are not well-formed UTF-8 (overlong
 * forms, surrogates, truncated sequences, code points past U+10FFFF) throw
 * Utf8Error; otherwise each bad sequence becomes U+FFFD.
 */
export function decodeUtf8(b: Uint8Array, strict: boolean): string {
  const n = b.length;
  const units: number[] = [];
  let out = '';
  let i = 0;
  while (i < n) {
    const c = b[i]!;
    let cp = -1;
    let len = 1;
    if (c < 0x80) cp = c;
    else if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
      const c1 = b[i + 1];
      if (c1 !== undefined && (c1 & 0xc0) === 0x80) cp = ((c & 0x1f) << 6) | (c1 & 0x3f);
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      const c1 = b[i + 1];
      const c2 = b[i + 2];
      if (c1 !== undefined && c2 !== undefined && (c1 & 0xc0) === 0x80 && (c2 & 0xc0) === 0x80) {
        const v = ((c & 0x0f) << 12) | ((c1 & 0x3f) << 6) | (c2 & 0x3f);
        if (v >= 0x800 && (v < 0xd800 || v > 0xdfff)) cp = v;
      }
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      const c1 = b[i + 1];
      const c2 = b[i + 2];
      const c3 = b[i + 3];
      if (c1 !== undefined && c2 !== undefined && c3 !== undefined && (c1 & 0xc0) === 0x80 && (c2 & 0xc0) === 0x80 && (c3 & 0xc0) === 0x80) {
        const v = ((c & 0x07) << 18) | ((c1 & 0x3f) << 12) | ((c2 & 0x3f) << 6) | (c3 & 0x3f);
        if (v >= 0x10000 && v <= 0x10ffff) cp = v;
      }
    }
    if (cp < 0) {
      if (strict) throw new Utf8Error('not valid UTF-8');
      cp = REPLACEMENT;
      len = 1;
    }
    if (cp < 0x10000) units.push(cp);
    else {
      const v = cp - 0x10000;
      units.push(0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff));
    }
    i += len;
    if (units.length >= 4096) {
      out += String.fromCharCode.apply(null, units);
      units.length = 0;
    }
  }
  return units.length > 0 ? out + String.fromCharCode.apply(null, units) : out;
}

/** Text → bytes; a lone surrogate becomes U+FFFD, as TextEncoder does. */
export function encodeUtf8Text(s: string): Uint8Array {
  const n = s.length;
  let size = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) size += 1;
    else if (c < 0x800) size += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      size += 4;
      i++;
    } else size += 3;
  }
  const out = new Uint8Array(size);
  let o = 0;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[o++] = c;
      continue;
    }
    if (c < 0x800) {
      out[o++] = 0xc0 | (c >> 6);
      out[o++] = 0x80 | (c & 0x3f);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      const cp = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(i + 1) - 0xdc00);
      i++;
      out[o++] = 0xf0 | (cp >> 18);
      out[o++] = 0x80 | ((cp >> 12) & 0x3f);
      out[o++] = 0x80 | ((cp >> 6) & 0x3f);
      out[o++] = 0x80 | (cp & 0x3f);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) c = REPLACEMENT;
    out[o++] = 0xe0 | (c >> 12);
    out[o++] = 0x80 | ((c >> 6) & 0x3f);
    out[o++] = 0x80 | (c & 0x3f);
  }
  return out;
}
