/** Kafka messages → the flat MessageBatch the processing stage takes (pure). */
import type { KafkaMessage } from 'kafkajs';
import { SOURCE_OFFSET_HEADER } from '../fanout/route.js';
import { type MessageBatch, packBatch } from '../pipeline/process.js';

export interface Chunk {
  readonly messages: readonly KafkaMessage[];
  /** Messages of `messages` that go to processing; packed index i is messages[kept[i]]. */
  readonly kept: readonly number[];
  /** Indices into `messages` of values over the size limit: dead-lettered without decoding. */
  readonly oversized: readonly number[];
  readonly batch: MessageBatch;
}

/**
 * Cuts a partition's messages into chunks of at most `maxMessages` messages and about `maxBytes`.
 * With `sourceOffsets` (fan-out mode) each message is known by the raw topic's offset the
 * segregator put in its headers, so its documents get the ids they get in direct mode.
 */
export function chunkMessages(
  topic: string,
  partition: number,
  messages: readonly KafkaMessage[],
  limits: { maxMessages: number; maxBytes: number; maxMessageBytes: number; sourceOffsets?: boolean },
): Chunk[] {
  const chunks: Chunk[] = [];
  let start = 0;
  while (start < messages.length) {
    let end = start;
    let bytes = 0;
    while (end < messages.length && end - start < limits.maxMessages) {
      const size = messages[end]!.value?.length ?? 0;
      if (end > start && bytes + size > limits.maxBytes && size <= limits.maxMessageBytes) break;
      if (size <= limits.maxMessageBytes) bytes += size;
      end++;
    }
    chunks.push(
      pack(
        topic,
        partition,
        messages.slice(start, end),
        limits.maxMessageBytes,
        limits.sourceOffsets === true,
      ),
    );
    start = end;
  }
  return chunks;
}

function pack(
  topic: string,
  partition: number,
  messages: readonly KafkaMessage[],
  maxMessageBytes: number,
  sourceOffsets: boolean,
): Chunk {
  const kept: number[] = [];
  const oversized: number[] = [];
  messages.forEach((m, i) => {
    if ((m.value?.length ?? 0) > maxMessageBytes) oversized.push(i);
    else kept.push(i);
  });
  const batch = packBatch(
    topic,
    partition,
    kept.map((i) => {
      const m = messages[i]!;
      const routed = sourceOffsets ? m.headers?.[SOURCE_OFFSET_HEADER] : undefined;
      const offset = routed === undefined ? m.offset : String(routed);
      return { value: m.value, offset: Number(offset), timestamp: Number(m.timestamp) };
    }),
  );
  return { messages, kept, oversized, batch };
}

/** Bytes of the message values a chunk holds (what it keeps in memory until settled). */
export function chunkBytes(chunk: Chunk): number {
  let bytes = 0;
  for (const m of chunk.messages) bytes += m.value?.length ?? 0;
  return bytes;
}
