/**
 * The NDJSON bulk body: written record by record in the processing stage, cut into items again
 * when part of it must be resent. An item is an action line and a document line.
 */

export function documentId(topic: string, partition: number, offset: number, record: number): string {
  return `${topic}-${partition}-${offset}-${record}`;
}

const encoder = new TextEncoder();

/**
 * The bulk body, encoded line by line into one growing buffer. Joining the lines into one string
 * first cost more than building them: V8 flattens every concatenated line again.
 */
export class BodyWriter {
  // Allocated at the first document, then doubled: a batch its tenant rejects costs no zeroed
  // megabyte, and a tenant keeping a few records of each batch keeps no megabyte per batch in
  // flight (the whole buffer crosses back from the pool).
  // Its own empty buffer: the body's buffer is transferred to another thread, which detaches it.
  private bytes = new Uint8Array(0);
  length = 0;
  private readonly expected: number;
  constructor(expected: number) {
    this.expected = Math.min(expected, 256 * 1024);
  }
  write(text: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    if (this.bytes.length - this.length < text.length * 3) {
      const grown = new Uint8Array(
        Math.max(this.bytes.length * 2, this.length + text.length * 3, this.expected),
      );
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.length += encoder.encodeInto(text, this.bytes.subarray(this.length)).written;
  }
  done(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

/** Byte ranges of each item (action line + document line) in an NDJSON bulk body. */
export function itemRanges(body: Uint8Array): Array<readonly [number, number]> {
  const ranges: Array<readonly [number, number]> = [];
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  let start = 0;
  while (start < bytes.length) {
    const actionEnd = bytes.indexOf(0x0a, start);
    if (actionEnd < 0) break;
    const docEnd = bytes.indexOf(0x0a, actionEnd + 1);
    if (docEnd < 0) break;
    ranges.push([start, docEnd + 1]);
    start = docEnd + 1;
  }
  return ranges;
}

/** A body holding only the chosen items of another. */
export function subsetBody(
  body: Uint8Array,
  ranges: Array<readonly [number, number]>,
  pick: readonly number[],
): Uint8Array {
  let size = 0;
  for (const i of pick) size += ranges[i]![1] - ranges[i]![0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const i of pick) {
    const [a, b] = ranges[i]!;
    out.set(body.subarray(a, b), at);
    at += b - a;
  }
  return out;
}
