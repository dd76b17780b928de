/**
 * The segregator of fan-out mode: one consumer group on the raw topic that decodes each message
 * once, tests every tenant's filter on it (fanout/route.ts), and sends each tenant's share of a
 * batch to its topic in packs (fanout/pack.ts). A source offset is resolved, and so committed, only after
 * every produce for its batch was acknowledged: a crash re-routes from the last commit, and the
 * tenants' documents, whose ids come from the source coordinates, are overwritten, not doubled.
 * Undecodable records are dead-lettered here, once, not once per tenant.
 */
import kafkajs, {
  type Consumer,
  type EachBatchPayload,
  type Kafka,
  type KafkaMessage,
  type Message,
  type Producer,
} from 'kafkajs';
import type { AppConfig } from '../config/types.js';
import { SmonnetError } from '../errors.js';
import { createKafka } from '../kafka-client.js';
import type { Logger } from '../observability/logger.js';
import { emptyStats, type TenantStats, type WorkerGauges } from '../observability/stats.js';
import { type DeadLetter, DeadLetterSink } from '../sink/dead-letter.js';
import { GROUP_TIMINGS, IDLE_FETCH_WAIT_MS, withAdmin } from '../source/kafka.js';
import { retryUntilDone, SERVICE_BACKOFF } from '../util/backoff.js';
import { tooLarge } from '../worker/batches.js';
import { workerOptions } from '../worker/options.js';
import { PACK_HEADER, packMessages, packsOf, type SourceMessage } from './pack.js';
import { type Route, type Routing, SEGREGATOR, tenantRoutes, tenantTopic } from './route.js';

const { Partitioners } = kafkajs;

/** A pack holds at most a worker's chunk (worker/options.ts): one pack, one bulk request at most. */
const PACK_LIMITS = { maxMessages: 1000, maxBytes: 512 * 1024 };
const MAX_MESSAGE_BYTES = workerOptions().maxMessageBytes;
/** Tenant topics take a pack of one message of the largest size routed, and its index. */
const TENANT_TOPIC_MESSAGE_BYTES = 2 * MAX_MESSAGE_BYTES;

const where = (batch: EachBatchPayload['batch'], m: KafkaMessage) => ({
  topic: batch.topic,
  partition: batch.partition,
  offset: m.offset,
});

export class Segregator {
  readonly stats: TenantStats = emptyStats();
  /** Records routed to each tenant since the process started. */
  private readonly routed: Record<string, number> = {};
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly deadLetters: DeadLetterSink;
  private consumer: Consumer | undefined;
  private routes: Route[] = [];
  private route: (value: Uint8Array) => Routing = () => ({
    tenants: [],
    records: 0,
    routed: 0,
    failures: [],
  });
  private partitions = 0;
  private readonly ends = new Map<number, number>();
  private readonly done = new Map<number, number>();
  private stopping = false;

  constructor(
    private config: AppConfig,
    private readonly logger: Logger,
  ) {
    this.kafka = createKafka(config.kafka.brokers, 'smonnet-segregator', logger);
    // Idempotent: a send retried after a timeout writes its messages once.
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.deadLetters = new DeadLetterSink(this.kafka, config.kafka.deadLetterTopic, SEGREGATOR);
  }

  get lag(): number | undefined {
    if (this.done.size === 0) return undefined;
    let lag = 0;
    for (const [p, end] of this.ends) lag += Math.max(0, end - (this.done.get(p) ?? 0));
    return lag;
  }

  gauges(): WorkerGauges {
    const lagByPartition: Record<string, number> = {};
    for (const [p, end] of this.ends) lagByPartition[String(p)] = Math.max(0, end - (this.done.get(p) ?? 0));
    return {
      inFlightMessages: 0,
      poolUtilization: 0,
      elasticsearchReachable: true,
      lagByPartition,
      residentBytes: process.memoryUsage().rss,
      routed: { ...this.routed },
    };
  }

  drainBulkSamples(): Array<[number, number]> {
    return [];
  }

  async start(): Promise<void> {
    const { topic } = this.config.kafka;
    this.partitions = await retryUntilDone(
      () =>
        withAdmin(this.kafka, async (admin) => {
          const meta = await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => undefined);
          const n = meta?.topics[0]?.partitions.length ?? 0;
          if (n === 0) throw new SmonnetError('KAFKA_NOT_READY', `topic '${topic}' does not exist yet`);
          return n;
        }),
      (err) => {
        if (this.stopping) throw err;
      },
      SERVICE_BACKOFF,
    );
    await this.useConfig(this.config);
    await this.producer.connect();
    await this.deadLetters.connect();
    if (this.stopping) return;
    const consumer = this.kafka.consumer({
      groupId: `${this.config.kafka.groupPrefix}-segregator`,
      ...GROUP_TIMINGS,
      maxBytesPerPartition: 1024 * 1024,
      maxWaitTimeInMs: IDLE_FETCH_WAIT_MS,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachBatchAutoResolve: false,
      autoCommit: true,
      autoCommitInterval: 1000,
      eachBatch: (payload) => this.onBatch(payload),
    });
    this.logger.info({ topic, tenants: this.routes.length }, 'segregator routing');
  }

  /** A reload: tenants added (their topics created first), changed or removed. */
  async reloadEnrichment(config?: AppConfig): Promise<void> {
    if (config) await this.useConfig(config);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.consumer?.disconnect().catch(() => {});
    await this.producer.disconnect().catch(() => {});
    await this.deadLetters.disconnect().catch(() => {});
  }

  /** Creates the topics of tenants new to the segregator, then routes to them. */
  private async useConfig(config: AppConfig): Promise<void> {
    const { topic, tenantTopicRetentionHours } = config.kafka;
    const wanted = config.tenants.map((t) => tenantTopic(topic, t.name));
    await withAdmin(this.kafka, async (admin) => {
      const existing = new Set(await admin.listTopics());
      const missing = wanted.filter((t) => !existing.has(t));
      if (missing.length > 0)
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((t) => ({
            topic: t,
            numPartitions: this.partitions,
            configEntries: [
              { name: 'retention.ms', value: String(tenantTopicRetentionHours * 3_600_000) },
              { name: 'max.message.bytes', value: String(TENANT_TOPIC_MESSAGE_BYTES) },
            ],
          })),
        });
    });
    this.config = config;
    ({ routes: this.routes, route: this.route } = tenantRoutes(config));
    for (const r of this.routes) this.routed[r.tenant] ??= 0;
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning }: EachBatchPayload): Promise<void> {
    if (this.stopping || batch.messages.length === 0) return;
    this.ends.set(batch.partition, Number(batch.highWatermark));
    const { routes, route } = this;
    const out = routes.map(() => [] as SourceMessage[]);
    const letters: DeadLetter[] = [];
    for (const m of batch.messages) {
      const value = m.value ?? Buffer.alloc(0);
      if (value.length > MAX_MESSAGE_BYTES) {
        // Every worker would refuse it: refused once here, it cannot make a pack the broker refuses.
        letters.push({
          ...where(batch, m),
          value,
          reason: tooLarge(value.length, MAX_MESSAGE_BYTES),
          stage: 'size',
          record: 0,
        });
        this.stats.consumed++;
        continue;
      }
      const routing = route(value);
      this.stats.consumed += routing.records;
      this.stats.indexed += routing.routed;
      this.stats.filteredOut += routing.records - routing.routed - routing.failures.length;
      for (const f of routing.failures)
        letters.push({ ...where(batch, m), value, reason: f.reason, stage: 'decode', record: f.record });
      for (const i of routing.tenants) {
        out[i]!.push(m);
        this.routed[routes[i]!.tenant]!++;
      }
    }
    const topicMessages = routes
      .map((r, i) => ({
        topic: r.topic,
        messages: packsOf(out[i]!, PACK_LIMITS).map(toPack(batch.partition)),
      }))
      .filter((t) => t.messages.length > 0);
    if (topicMessages.length > 0) await this.producer.sendBatch({ topicMessages, acks: -1 });
    if (letters.length > 0) {
      await this.deadLetters.send(letters);
      this.stats.deadLettered += letters.length;
      this.stats.deadLetteredDecode += letters.filter((l) => l.stage === 'decode').length;
      this.stats.deadLetteredOversized += letters.filter((l) => l.stage === 'size').length;
    }
    if (!isRunning()) return;
    const last = batch.messages[batch.messages.length - 1]!.offset;
    // Every produce of the batch was acknowledged: the offset may be committed.
    resolveOffset(last);
    this.done.set(batch.partition, Number(last) + 1);
    await heartbeat();
  }
}

/** A pack as a message of a tenant topic: on the source partition, with its last message's timestamp. */
const toPack =
  (partition: number) =>
  (messages: readonly SourceMessage[]): Message => {
    const { value, index } = packMessages(messages);
    return {
      value,
      partition,
      timestamp: messages[messages.length - 1]!.timestamp,
      headers: { [PACK_HEADER]: index },
    };
  };
