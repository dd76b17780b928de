/**
 * How routed messages travel in fan-out mode: the messages of one source batch that go to one
 * tenant are packed into one Kafka message of the tenant's topic. Its value is their values end to
 * end (text formats stay readable with any console consumer); a header indexes them: each one's
 * offset, timestamp and length in the source topic. The worker unpacks a pack back into the very
 * messages it would have read in direct mode, so format detection, record numbering, times and
 * document ids are the same. One Kafka record per source message cost the segregator's producer and
 * every tenant's consumer several microseconds each (encoding, CRC, allocation, garbage): a pack
 * costs that once per batch.
 *
 * Index layout, little-endian: version u8 (1), count u32, then per message its offset f64 (exact
 * up to 2^53), timestamp f64 and length u32: twenty bytes a message.
 */

/** The header naming a pack's index. */
export const PACK_HEADER = 'smonnet-pack';

/** A source topic message, as the segregator read it and as the worker gets it back. */
export interface SourceMessage {
  readonly value: Buffer | null;
  /** Its offset in the source topic (a decimal string, exact at any size). */
  readonly offset: string;
  readonly timestamp: string;
}

const VERSION = 1;
const HEAD = 5;
const PER_MESSAGE = 20;

/**
 * The packs for `messages` (one partition, in offset order): each of at most `maxMessages` messages
 * and `maxBytes` of values, or a single message over that.
 */
export function packsOf(
  messages: readonly SourceMessage[],
  { maxMessages, maxBytes }: { maxMessages: number; maxBytes: number },
): SourceMessage[][] {
  const packs: SourceMessage[][] = [];
  let current: SourceMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = m.value?.length ?? 0;
    if (current.length > 0 && (current.length === maxMessages || bytes + size > maxBytes)) {
      packs.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += size;
  }
  if (current.length > 0) packs.push(current);
  return packs;
}

/** One pack: the values end to end, and the index for PACK_HEADER. */
export function packMessages(messages: readonly SourceMessage[]): { value: Buffer; index: Buffer } {
  const index = Buffer.allocUnsafe(HEAD + PER_MESSAGE * messages.length);
  index.writeUInt8(VERSION, 0);
  index.writeUInt32LE(messages.length, 1);
  let at = HEAD;
  for (const m of messages) {
    index.writeDoubleLE(Number(m.offset), at);
    index.writeDoubleLE(Number(m.timestamp), at + 8);
    index.writeUInt32LE(m.value?.length ?? 0, at + 16);
    at += PER_MESSAGE;
  }
  const value = Buffer.concat(messages.flatMap((m) => (m.value ? [m.value] : [])));
  return { value, index };
}

/**
 * The source messages of a pack (values are views of `value`, not copies), or why the pack cannot
 * be read: its index does not describe exactly `value`.
 */
export function unpackMessages(value: Buffer, index: Buffer): SourceMessage[] | string {
  if (index.length < HEAD || index.readUInt8(0) !== VERSION) return 'pack index of an unknown version';
  const count = index.readUInt32LE(1);
  if (index.length !== HEAD + PER_MESSAGE * count)
    return `pack index of ${index.length} bytes cannot describe ${count} messages`;
  const messages: SourceMessage[] = [];
  let start = 0;
  for (let at = HEAD; at < index.length; at += PER_MESSAGE) {
    const length = index.readUInt32LE(at + 16);
    if (start + length > value.length) return `pack index describes more than its ${value.length} bytes`;
    messages.push({
      value: value.subarray(start, start + length),
      offset: String(index.readDoubleLE(at)),
      timestamp: String(index.readDoubleLE(at + 8)),
    });
    start += length;
  }
  if (start !== value.length) return `pack index describes ${start} of its ${value.length} bytes`;
  return messages;
}
