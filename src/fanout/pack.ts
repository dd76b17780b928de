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
 *
 * A message routed for its good records may carry bad ones: the segregator dead-letters those, and
 * DEAD_LETTERED_HEADER names them (pairs of u32: the message's place in the pack, the record's
 * number in the message) so that no tenant dead-letters them again.
 */

/** The header naming a pack's index. */
export const PACK_HEADER = 'smonnet-pack';
/** The header naming the records of a pack the segregator already dead-lettered. */
export const DEAD_LETTERED_HEADER = 'smonnet-dead-lettered';

/** A source topic message, as the segregator read it and as the worker gets it back. */
export interface SourceMessage {
  readonly value: Buffer | null;
  /** Its offset in the source topic (a decimal string, exact at any size). */
  readonly offset: string;
  readonly timestamp: string;
  /** Numbers of its records that did not decode and were dead-lettered before it was routed. */
  readonly deadLettered?: readonly number[];
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

/**
 * One pack: the values end to end, the index for PACK_HEADER, and for DEAD_LETTERED_HEADER the
 * records already dead-lettered (undefined when none were).
 */
export function packMessages(messages: readonly SourceMessage[]): {
  value: Buffer;
  index: Buffer;
  deadLettered: Buffer | undefined;
} {
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
  return { value, index, deadLettered: deadLetteredIndex(messages) };
}

function deadLetteredIndex(messages: readonly SourceMessage[]): Buffer | undefined {
  let pairs = 0;
  for (const m of messages) pairs += m.deadLettered?.length ?? 0;
  if (pairs === 0) return undefined;
  const out = Buffer.allocUnsafe(8 * pairs);
  let at = 0;
  messages.forEach((m, i) => {
    for (const record of m.deadLettered ?? []) {
      out.writeUInt32LE(i, at);
      out.writeUInt32LE(record, at + 4);
      at += 8;
    }
  });
  return out;
}

/**
 * The source messages of a pack (values are views of `value`, not copies), or why the pack cannot
 * be read: its index does not describe exactly `value`.
 */
export function unpackMessages(
  value: Buffer,
  index: Buffer,
  deadLettered?: Buffer,
): SourceMessage[] | string {
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
  return deadLettered === undefined ? messages : markDeadLettered(messages, deadLettered);
}

function markDeadLettered(messages: SourceMessage[], header: Buffer): SourceMessage[] | string {
  if (header.length % 8 !== 0) return `${DEAD_LETTERED_HEADER} of ${header.length} bytes is not pairs of u32`;
  const byMessage = new Map<number, number[]>();
  for (let at = 0; at < header.length; at += 8) {
    const i = header.readUInt32LE(at);
    if (i >= messages.length)
      return `${DEAD_LETTERED_HEADER} names message ${i} of a pack of ${messages.length}`;
    const records = byMessage.get(i) ?? [];
    records.push(header.readUInt32LE(at + 4));
    byMessage.set(i, records);
  }
  for (const [i, records] of byMessage) messages[i] = { ...messages[i]!, deadLettered: records };
  return messages;
}
