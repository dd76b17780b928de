/**
 * Byte and text readers shared by every wire format's decoder and peek, so that a value is read
 * by one rule whether it comes from a string or straight from a message's bytes.
 */

/** Longest decimal text read: 20 digits hold any 64-bit number; the value check does the rest. */
const MAX_DIGITS = 20;

/** A decimal integer in [0, max] in text[start, end), or -1. Stricter and faster than Number(). */
function decimalIn(text: string, start: number, end: number, max: number): number {
  if (end <= start || end - start > MAX_DIGITS) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n <= max ? n : -1;
}

/** A decimal integer in [0, max], or -1 (also for undefined). */
export const decimal = (text: string | undefined, max: number): number =>
  text === undefined ? -1 : decimalIn(text, 0, text.length, max);

/** The same rule as `decimalIn`, over bytes b[start, end). */
export function decimalBytes(b: Uint8Array, start: number, end: number, max: number): number {
  if (end <= start || end - start > MAX_DIGITS) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = b[i]! - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n <= max ? n : -1;
}

/** "0x1f" (any case, 1+ hex digits) in [0, max], or -1. */
export function hexadecimal(text: string | undefined, max: number): number {
  if (text === undefined || text.length < 3 || text.charCodeAt(0) !== 48 || (text.charCodeAt(1) | 32) !== 120)
    return -1;
  let n = 0;
  for (let i = 2; i < text.length; i++) {
    const c = text.charCodeAt(i) | 32;
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (d < 0) return -1;
    n = n * 16 + d;
    if (n > max) return -1;
  }
  return n;
}

/** End of b[start, end) without trailing blanks and line breaks. */
export function trimEnd(b: Uint8Array, start: number, end: number): number {
  while (
    end > start &&
    (b[end - 1] === 0x0a || b[end - 1] === 0x0d || b[end - 1] === 0x20 || b[end - 1] === 0x09)
  )
    end--;
  return end;
}

/** Where the last `varint` call stopped reading. */
export const cursor = { pos: 0 };

/**
 * A protobuf varint of at most 35 bits (a length, a tag) at b[pos]; -1 when it runs past `end` or
 * is longer. `cursor.pos` is left after it.
 */
export function varint(b: Uint8Array, pos: number, end: number): number {
  let value = 0;
  let shift = 0;
  let byte: number;
  do {
    if (pos >= end || shift > 28) return -1;
    byte = b[pos++]!;
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  cursor.pos = pos;
  return value;
}
