/** The side-effect edge of the generator: sends encoded messages to Kafka, paced if asked. */
import type { KafkaProducer } from '../kafka/producer.js';
import type { EncodedMessage } from './encode.js';

export interface ProduceOptions {
  /** Records per second; 0 sends as fast as the broker takes them. */
  rate: number;
  /** Messages per produce request. */
  batchSize: number;
  signal?: AbortSignal;
  onProgress?: (sent: ProduceTotals) => void;
}

export interface ProduceTotals {
  messages: number;
  records: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function produceMessages(
  producer: KafkaProducer,
  topic: string,
  messages: Iterable<EncodedMessage>,
  options: ProduceOptions,
): Promise<ProduceTotals> {
  const totals: ProduceTotals = { messages: 0, records: 0 };
  const started = Date.now();
  let batch: EncodedMessage[] = [];
  const send = async (): Promise<void> => {
    if (batch.length === 0) return;
    await producer.send(
      batch.map((m) => ({
        topic,
        ...(m.key != null && { key: m.key }),
        value: typeof m.value === 'string' ? Buffer.from(m.value) : Buffer.from(m.value),
      })),
    );
    totals.messages += batch.length;
    for (const m of batch) totals.records += m.records.length;
    batch = [];
    options.onProgress?.(totals);
    if (options.rate > 0) {
      const due = (totals.records / options.rate) * 1000 - (Date.now() - started);
      if (due > 0) await sleep(due);
    }
  };
  // With a rate, batches shrink so pacing stays smooth (about 20 sends a second).
  const batchSize =
    options.rate > 0
      ? Math.max(1, Math.min(options.batchSize, Math.ceil(options.rate / 20)))
      : options.batchSize;
  for (const message of messages) {
    if (options.signal?.aborted) break;
    batch.push(message);
    if (batch.length >= batchSize) await send();
  }
  await send();
  return totals;
}
