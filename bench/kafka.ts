/** The benchmark's way into the local Kafka, through smonnet's own Kafka layer (compiled). */
import { KafkaAdmin, withAdmin } from '../dist/kafka/admin.js';
import { PLAINTEXT } from '../dist/kafka/client.js';
import { GroupConsumer } from '../dist/kafka/consumer.js';
import { KafkaProducer } from '../dist/kafka/producer.js';
import { createLogger } from '../dist/observability/logger.js';

export const BROKERS = process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092';
export const connection = { brokers: BROKERS, security: PLAINTEXT };

export interface BenchMessage {
  readonly key: string;
  readonly value: string;
}

export function createTopic(topic: string, partitions: number): Promise<void> {
  return withAdmin(connection, 'bench', (admin) => admin.ensureTopics([{ topic, partitions }]));
}

export function producer(): KafkaProducer {
  return new KafkaProducer(connection, 'bench', { idempotent: false, compression: 'none' });
}

export const asOut = (topic: string, messages: readonly BenchMessage[]) =>
  messages.map((m) => ({ topic, key: m.key, value: Buffer.from(m.value) }));

/** Sends `messages` as fast as one producer can: several requests in flight, 2,000 messages each. */
export async function produceAll(topic: string, messages: readonly BenchMessage[]): Promise<void> {
  const p = producer();
  const slices: BenchMessage[][] = [];
  for (let i = 0; i < messages.length; i += 2000) slices.push(messages.slice(i, i + 2000));
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < slices.length) await p.send(asOut(topic, slices[next++]!));
      }),
    );
  } finally {
    await p.close();
  }
}

/** smonnet's consumer alone, counting: the most it reads here, and its CPU per record. */
export async function kafkaLimit(
  topic: string,
  total: number,
  groupId: string,
): Promise<{ rate: number; cpuUs: number }> {
  let seen = 0;
  let started = 0n;
  let cpu = process.cpuUsage();
  let done: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    done = resolve;
  });
  const group = new GroupConsumer(
    connection,
    { clientId: 'bench', groupId, topic, minBytes: 1, maxBytes: 32 << 20, maxBytesPerPartition: 4 << 20 },
    createLogger({ level: 'silent' }),
    (batch) => {
      // From the first batch: fetching and decoding it counts, joining the group does not.
      if (started === 0n) {
        started = process.hrtime.bigint();
        cpu = process.cpuUsage();
      }
      seen += batch.messages.length;
      if (seen >= total) done();
    },
  );
  await group.start();
  await all;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  await group.stop(5_000);
  return { rate: total / seconds, cpuUs: (used.user + used.system) / total };
}

/** Bytes the broker keeps for `topics`. */
export function storedBytes(topics: readonly string[]): Promise<number> {
  return withAdmin(connection, 'bench', (admin) => admin.storedBytes(topics));
}

/** Deletes every topic whose name starts with `prefix` (a run's). */
export async function deleteTopicsOf(prefix: string): Promise<void> {
  const admin = new KafkaAdmin(connection, 'bench');
  try {
    await admin.deleteTopics([...(await admin.topics())].filter((t) => t.startsWith(prefix))).catch(() => {});
  } finally {
    await admin.close().catch(() => {});
  }
}
