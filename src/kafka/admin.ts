/** Topic lookups and creation, and offsets, for every process; one connection kept while in use. */
import { Admin, ListOffsetTimestamps } from '@platformatic/kafka';
import { SmonnetError } from '../errors.js';
import { type Backoff, retryUntilDone } from '../util/backoff.js';
import { clientOptions, type KafkaConnection } from './client.js';
import { describeKafkaError, hintOf } from './describe.js';

/** Waits for a missing source topic: 0.5 s, then up to 5 s between looks. */
const TOPIC_BACKOFF: Backoff = { initialMs: 500, maxMs: 5_000 };

export interface NewTopic {
  readonly topic: string;
  /** The broker's default when absent. */
  readonly partitions?: number;
  readonly configs?: Readonly<Record<string, string>>;
}

/** A topic another process creates at the same moment: it exists, which is all that was asked. */
const alreadyExists = (err: unknown): boolean => /already exists|TOPIC_ALREADY_EXISTS/i.test(describe(err));
const describe = (err: unknown): string =>
  err instanceof AggregateError
    ? `${err.message} ${err.errors.map((e) => describe(e)).join(' ')}`
    : `${(err as Error)?.message ?? err} ${JSON.stringify((err as { apiId?: unknown }).apiId ?? '')}`;

export class KafkaAdmin {
  private readonly admin: Admin;

  constructor(kafka: KafkaConnection, clientId: string) {
    this.admin = new Admin(clientOptions(kafka, clientId));
  }

  async topics(): Promise<Set<string>> {
    return new Set(await this.admin.listTopics());
  }

  /** Partitions of `topic`, or 0 when it does not exist. */
  async partitions(topic: string): Promise<number> {
    if (!(await this.topics()).has(topic)) return 0;
    const meta = await this.admin.metadata({ topics: [topic], forceUpdate: true });
    return meta.topics.get(topic)?.partitionsCount ?? 0;
  }

  /** Throws KAFKA_NOT_READY until `topic` exists (the source topic is the operator's to create). */
  async requireTopic(topic: string): Promise<number> {
    const n = await this.partitions(topic);
    if (n === 0) throw new SmonnetError('KAFKA_NOT_READY', `topic '${topic}' does not exist yet`);
    return n;
  }

  /** Creates those of `topics` that do not exist; returns once their leaders are known. */
  async ensureTopics(topics: readonly NewTopic[]): Promise<void> {
    const existing = await this.topics();
    for (const t of topics.filter((t) => !existing.has(t.topic))) {
      const configs: { name: string; value: string }[] = Object.entries(t.configs ?? {}).map(
        ([name, value]) => ({
          name,
          value,
        }),
      );
      try {
        await this.admin.createTopics({
          topics: [t.topic],
          partitions: t.partitions ?? -1,
          replicas: -1,
          configs,
        });
      } catch (err) {
        if (!alreadyExists(err)) throw err;
      }
    }
    // Metadata follows creation by a moment: a producer or consumer started now must find the leaders.
    for (const t of topics) {
      for (let i = 0; i < 50 && (await this.partitions(t.topic)) === 0; i++)
        await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The next offset to be written, per partition. */
  async endOffsets(topic: string): Promise<bigint[]> {
    return this.offsets(topic, ListOffsetTimestamps.LATEST);
  }

  /** The oldest offset still in the log, per partition. */
  async startOffsets(topic: string): Promise<bigint[]> {
    return this.offsets(topic, ListOffsetTimestamps.EARLIEST);
  }

  private async offsets(topic: string, timestamp: bigint): Promise<bigint[]> {
    const n = await this.requireTopic(topic);
    const partitions = Array.from({ length: n }, (_, partitionIndex) => ({ partitionIndex, timestamp }));
    const [listed] = await this.admin.listOffsets({ topics: [{ name: topic, partitions }] });
    const out: bigint[] = [];
    for (const p of listed?.partitions ?? []) out[p.partitionIndex] = p.offset;
    return out;
  }

  /** The next offset `groupId` reads in each partition of `topic`; -1 where it committed none. */
  async committedOffsets(groupId: string, topic: string): Promise<bigint[]> {
    const n = await this.requireTopic(topic);
    const [group] = await this.admin.listConsumerGroupOffsets({
      groups: [
        { groupId, topics: [{ name: topic, partitionIndexes: Array.from({ length: n }, (_, i) => i) }] },
      ],
    });
    const out: bigint[] = Array.from({ length: n }, () => -1n);
    for (const t of group?.topics ?? [])
      for (const p of t.partitions) out[p.partitionIndex] = p.committedOffset;
    return out;
  }

  /** Bytes the broker stores for `topics` (every partition, every log directory). */
  async storedBytes(topics: readonly string[]): Promise<number> {
    const request = await Promise.all(
      topics.map(async (name) => ({
        name,
        partitions: Array.from({ length: await this.partitions(name) }, (_, i) => i),
      })),
    );
    let bytes = 0n;
    for (const broker of await this.admin.describeLogDirs({ topics: request }))
      for (const dir of broker.results)
        for (const t of dir.topics) for (const p of t.partitions) bytes += p.partitionSize;
    return Number(bytes);
  }

  async groups(): Promise<string[]> {
    return [...(await this.admin.listGroups()).keys()];
  }

  async deleteTopics(topics: readonly string[]): Promise<void> {
    if (topics.length > 0) await this.admin.deleteTopics({ topics: [...topics] });
  }

  close(): Promise<void> {
    return this.admin.close();
  }
}

/** Runs `use` with an admin client, and closes it whatever happens. */
export async function withAdmin<T>(
  kafka: KafkaConnection,
  clientId: string,
  use: (admin: KafkaAdmin) => Promise<T>,
): Promise<T> {
  const admin = new KafkaAdmin(kafka, clientId);
  try {
    return await use(admin);
  } finally {
    await admin.close().catch(() => {});
  }
}

/**
 * Waits until `topic` exists (the source topic is the operator's to create: partitions,
 * retention) and returns its partitions. Each failed look goes to `onRetry` with its reason and,
 * when the broker refuses us rather than lacks the topic, the trouble to report meanwhile.
 */
export function waitForTopic(
  admin: KafkaAdmin,
  kafka: KafkaConnection,
  topic: string,
  stopping: () => boolean,
  onRetry: (reason: string, trouble: string | undefined, delayMs: number) => void,
): Promise<number> {
  return retryUntilDone(
    () => admin.requireTopic(topic),
    (err, delay) => {
      if (stopping()) throw err;
      const reason = describeKafkaError(err, hintOf(kafka.security));
      const missing = err instanceof SmonnetError && err.code === 'KAFKA_NOT_READY';
      onRetry(reason, missing ? undefined : `cannot reach Kafka: ${reason}`, delay);
    },
    TOPIC_BACKOFF,
  );
}
