/** Kafka messages → the flat MessageBatch the processing stage takes (pure). */

import { tooLarge } from '../decode/limits.js';
import { DEAD_LETTERED_HEADER, PACK_HEADER, type SourceMessage, unpackMessages } from '../fanout/pack.js';
import { SOURCE_OFFSET_HEADER } from '../fanout/route.js';
import type { ConsumedMessage } from '../kafka/consumer.js';
import { type MessageBatch, packBatch } from '../pipeline/process.js';

/** A message dead-lettered without decoding: over the size limit, or a pack that cannot be read. */
export interface Unread {
  /** Index into the chunk's `messages`. */
  readonly index: number;
  readonly stage: 'size' | 'pack';
  readonly reason: string;
}

export interface Chunk {
  /** The source topic's messages, known by their offsets there (in fan-out mode, unpacked). */
  readonly messages: readonly SourceMessage[];
  /** The offset, in the topic consumed, past which the chunk is committed once settled. */
  readonly last: string;
  /** Messages of `messages` that go to processing; packed index i is messages[kept[i]]. */
  readonly kept: readonly number[];
  readonly unread: readonly Unread[];
  readonly batch: MessageBatch;
}

export interface ChunkLimits {
  readonly maxMessages: number;
  readonly maxBytes: number;
  readonly maxMessageBytes: number;
  /** Fan-out mode: the messages consumed are packs of the source topic's (fanout/pack.ts). */
  readonly packed?: boolean;
}

/**
 * Cuts a partition's messages into chunks of about `maxMessages` source messages and `maxBytes`.
 * A pack is never split: a chunk commits whole messages of the topic consumed. `topic` is the
 * source topic, whose coordinates name the documents in both modes.
 */
export function chunkMessages(
  topic: string,
  partition: number,
  consumed: readonly ConsumedMessage[],
  limits: ChunkLimits,
): Chunk[] {
  const chunks: Chunk[] = [];
  let messages: SourceMessage[] = [];
  let unread: Unread[] = [];
  let bytes = 0;
  const cut = (last: string) => {
    chunks.push(chunk(topic, partition, messages, unread, last, limits.maxMessageBytes));
    messages = [];
    unread = [];
    bytes = 0;
  };
  for (let i = 0; i < consumed.length; i++) {
    const m = consumed[i]!;
    const sources = limits.packed ? unpacked(m) : m;
    const size = m.value?.length ?? 0;
    const count = Array.isArray(sources) ? sources.length : 1;
    if (
      messages.length > 0 &&
      (messages.length + count > limits.maxMessages ||
        (bytes + size > limits.maxBytes && size <= limits.maxMessageBytes))
    )
      cut(consumed[i - 1]!.offset);
    if (typeof sources === 'string') {
      unread.push({ index: messages.length, stage: 'pack', reason: sources });
      messages.push(m);
    } else if (Array.isArray(sources)) messages.push(...sources);
    else messages.push(sources);
    if (size <= limits.maxMessageBytes) bytes += size;
  }
  if (messages.length > 0) cut(consumed[consumed.length - 1]!.offset);
  return chunks;
}

/** A consumed message of a tenant topic → the source messages it carries, or why it cannot be read. */
function unpacked(m: ConsumedMessage): SourceMessage[] | SourceMessage | string {
  const index = m.headers?.[PACK_HEADER];
  if (Buffer.isBuffer(index))
    return unpackMessages(m.value ?? Buffer.alloc(0), index, m.headers?.[DEAD_LETTERED_HEADER]);
  // One message per Kafka record, as the first fan-out version wrote it.
  const routed = m.headers?.[SOURCE_OFFSET_HEADER];
  if (routed !== undefined) return { value: m.value, offset: String(routed), timestamp: m.timestamp };
  return `message at offset ${m.offset} of a tenant topic carries no ${PACK_HEADER} index`;
}

function chunk(
  topic: string,
  partition: number,
  messages: readonly SourceMessage[],
  unreadable: readonly Unread[],
  last: string,
  maxMessageBytes: number,
): Chunk {
  const kept: number[] = [];
  const unread = [...unreadable];
  const skip = new Set(unreadable.map((u) => u.index));
  messages.forEach((m, i) => {
    const size = m.value?.length ?? 0;
    if (skip.has(i)) return;
    if (size > maxMessageBytes)
      unread.push({ index: i, stage: 'size', reason: tooLarge(size, maxMessageBytes) });
    else kept.push(i);
  });
  const batch = packBatch(
    topic,
    partition,
    kept.map((i) => {
      const m = messages[i]!;
      return { value: m.value, offset: Number(m.offset), timestamp: Number(m.timestamp) };
    }),
  );
  return { messages, last, kept, unread, batch };
}

/** Bytes of the message values a chunk holds (what it keeps in memory until settled). */
export function chunkBytes(chunk: Chunk): number {
  let bytes = 0;
  for (const m of chunk.messages) bytes += m.value?.length ?? 0;
  return bytes;
}
