/** Kafka messages → the flat MessageBatch the processing stage takes (pure). */
import type { KafkaMessage } from 'kafkajs';
import type { MessageBatch } from '../pipeline/process.js';

export interface Chunk {
  readonly messages: readonly KafkaMessage[];
  /** Messages of `messages` that go to processing; packed index i is messages[kept[i]]. */
  readonly kept: readonly number[];
  /** Indices into `messages` of values over the size limit: dead-lettered without decoding. */
  readonly oversized: readonly number[];
  readonly batch: MessageBatch;
}

/** Cuts a partition's messages into chunks of at most `maxMessages` messages and about `maxBytes`. */
export function chunkMessages(
  topic: string,
  partition: number,
  messages: readonly KafkaMessage[],
  limits: { maxMessages: number; maxBytes: number; maxMessageBytes: number },
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
    chunks.push(pack(topic, partition, messages.slice(start, end), limits.maxMessageBytes));
    start = end;
  }
  return chunks;
}

function pack(
  topic: string,
  partition: number,
  messages: readonly KafkaMessage[],
  maxMessageBytes: number,
): Chunk {
  const kept: number[] = [];
  const oversized: number[] = [];
  let total = 0;
  messages.forEach((m, i) => {
    const size = m.value?.length ?? 0;
    if (size > maxMessageBytes) oversized.push(i);
    else {
      kept.push(i);
      total += size;
    }
  });
  const data = new Uint8Array(total);
  const ends = new Uint32Array(kept.length);
  const offsets = new Float64Array(kept.length);
  const timestamps = new Float64Array(kept.length);
  let at = 0;
  kept.forEach((mi, i) => {
    const m = messages[mi]!;
    if (m.value) {
      data.set(m.value, at);
      at += m.value.length;
    }
    ends[i] = at;
    offsets[i] = Number(m.offset);
    timestamps[i] = Number(m.timestamp);
  });
  return { messages, kept, oversized, batch: { topic, partition, data, ends, offsets, timestamps } };
}
