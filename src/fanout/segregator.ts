/**
 * The segregator of fan-out mode: one consumer group on the raw topic that decodes each message
 * once, tests every tenant's filter on it (fanout/route.ts), and sends each tenant's share of a
 * batch to its topic in packs (fanout/pack.ts). A source offset is resolved, and so committed, only after
 * every produce for its batch was acknowledged: a crash re-routes from the last commit, and the
 * tenants' documents, whose ids come from the source coordinates, are overwritten, not doubled.
 * Undecodable records are dead-lettered here, once, not once per tenant.
 */
import type { AppConfig } from '../config/types.js';
import { MAX_MESSAGE_BYTES, tooLarge } from '../decode/limits.js';
import { KafkaAdmin, waitForTopic } from '../kafka/admin.js';
import { type ConsumedMessage, type FetchedBatch, GroupConsumer } from '../kafka/consumer.js';
import { describeKafkaError } from '../kafka/describe.js';
import { KafkaProducer, type OutMessage } from '../kafka/producer.js';
import type { Logger } from '../observability/logger.js';
import { emptySegregatorStats, type SegregatorGauges, type SegregatorStats } from '../observability/stats.js';
import { type DeadLetter, DeadLetterSink } from '../sink/dead-letter.js';
import { retryUntilDone, SERVICE_BACKOFF } from '../util/backoff.js';
import { DEAD_LETTERED_HEADER, PACK_HEADER, packMessages, packsOf, type SourceMessage } from './pack.js';
import { type Route, type Routing, SEGREGATOR, tenantRoutes, tenantTopic } from './route.js';

/** At most a worker's chunk (1000 messages, worker/options.ts): one pack, one bulk request at most. */
const PACK_LIMITS = { maxMessages: 1000, maxBytes: 512 * 1024 };
/** Tenant topics take a pack of one message of the largest size routed, and its index. */
const TENANT_TOPIC_MESSAGE_BYTES = 2 * MAX_MESSAGE_BYTES;

/** How often the offsets routed are committed: a crash re-routes at most this much again. */
const COMMIT_EVERY_MS = 1_000;

const where = (batch: FetchedBatch, m: ConsumedMessage) => ({
  topic: batch.topic,
  partition: batch.partition,
  offset: m.offset,
});

export class Segregator {
  readonly stats: SegregatorStats = emptySegregatorStats();
  /** Messages of the source topic routed to each tenant since the process started. */
  private readonly routed: Record<string, number> = {};
  private readonly admin: KafkaAdmin;
  private readonly producer: KafkaProducer;
  private readonly deadLetters: DeadLetterSink;
  private group: GroupConsumer | undefined;
  private routes: Route[] = [];
  private route: (value: Uint8Array) => Routing = () => ({
    tenants: [],
    records: 0,
    routed: 0,
    failures: [],
  });
  private partitions = 0;
  /** Per partition, the next offset to commit and the generation that routed up to it. */
  private readonly done = new Map<number, { next: bigint; generation: number }>();
  private commitTimer: NodeJS.Timeout | undefined;
  /** Why the source topic cannot be looked up now (while starting), or undefined. */
  private lookupTrouble: string | undefined;
  private stopping = false;

  constructor(
    private config: AppConfig,
    private readonly logger: Logger,
  ) {
    const clientId = 'smonnet-segregator';
    this.admin = new KafkaAdmin(config.kafka, clientId);
    // Idempotent: a send retried after a timeout writes its messages once.
    this.producer = new KafkaProducer(config.kafka, clientId, {
      idempotent: true,
      compression: config.kafka.compression,
    });
    this.deadLetters = new DeadLetterSink(config.kafka, clientId, SEGREGATOR);
  }

  get lag(): number | undefined {
    return this.group?.lag;
  }

  gauges(): SegregatorGauges {
    const lagByPartition = this.group?.lagRecord() ?? {};
    const trouble = this.lookupTrouble ?? this.group?.trouble;
    return {
      ...(trouble && { trouble }),
      lagByPartition,
      residentBytes: process.memoryUsage().rss,
      routedTo: { ...this.routed },
    };
  }

  async start(): Promise<void> {
    const { topic } = this.config.kafka;
    this.partitions = await waitForTopic(
      this.admin,
      this.config.kafka,
      topic,
      () => this.stopping,
      (reason, trouble) => {
        this.lookupTrouble = trouble;
        this.logger.debug({ topic, err: reason }, 'waiting for the source topic');
      },
    );
    this.lookupTrouble = undefined;
    await this.useConfig(this.config);
    if (this.stopping) return;
    this.group = new GroupConsumer(
      this.config.kafka,
      {
        clientId: 'smonnet-segregator',
        groupId: `${this.config.kafka.groupPrefix}-segregator`,
        topic,
        minBytes: 1,
        maxBytes: 4 * 1024 * 1024,
        maxBytesPerPartition: 1024 * 1024,
      },
      this.logger.child({ component: 'kafka' }),
      (batch) => this.onBatch(batch),
    );
    this.commitTimer = setInterval(() => void this.commitRouted(), COMMIT_EVERY_MS).unref();
    await this.group.start();
    this.logger.info({ topic, tenants: this.routes.length }, 'segregator routing');
  }

  /** A reload: tenants added (their topics created first), changed or removed. */
  async reloadEnrichment(config?: AppConfig): Promise<void> {
    if (config) await this.useConfig(config);
  }

  async stop(drainMs = 10_000): Promise<void> {
    this.stopping = true;
    if (this.commitTimer) clearInterval(this.commitTimer);
    await this.commitRouted();
    await this.group?.stop(drainMs);
    await this.producer.close().catch(() => {});
    await this.deadLetters.close().catch(() => {});
    await this.admin.close().catch(() => {});
  }

  private untilSent(what: string, batch: FetchedBatch, send: () => Promise<void>): Promise<void> {
    return retryUntilDone(
      send,
      (err, delay) => {
        if (this.stopping || batch.generation !== this.group?.generation) throw err;
        this.logger.warn(
          { topic: batch.topic, partition: batch.partition, retryInMs: delay, err: describeKafkaError(err) },
          `cannot send ${what} yet`,
        );
      },
      SERVICE_BACKOFF,
    );
  }

  /** Commits what was routed in the current generation; a commit that fails is covered by the next. */
  private async commitRouted(): Promise<void> {
    const group = this.group;
    if (!group) return;
    for (const [partition, { next, generation }] of [...this.done]) {
      if (generation !== group.generation) continue;
      try {
        await group.commit(partition, next);
        if (this.done.get(partition)?.next === next) this.done.delete(partition);
      } catch (err) {
        this.logger.debug(
          { partition, err: describeKafkaError(err) },
          'segregator commit failed; the next covers it',
        );
      }
    }
  }

  /** Creates the topics of tenants new to the segregator, then routes to them. */
  private async useConfig(config: AppConfig): Promise<void> {
    const { topic, tenantTopicRetentionHours } = config.kafka;
    const wanted = config.tenants.map((t) => tenantTopic(topic, t.name));
    await this.admin.ensureTopics(
      wanted.map((t) => ({
        topic: t,
        partitions: this.partitions,
        configs: {
          'retention.ms': String(tenantTopicRetentionHours * 3_600_000),
          'max.message.bytes': String(TENANT_TOPIC_MESSAGE_BYTES),
        },
      })),
    );
    this.config = config;
    ({ routes: this.routes, route: this.route } = tenantRoutes(config));
    for (const r of this.routes) this.routed[r.tenant] ??= 0;
  }

  /** Routes a fetch; fetching waits until its packs and dead letters are acknowledged. */
  private async onBatch(batch: FetchedBatch): Promise<void> {
    if (this.stopping || batch.messages.length === 0) return;
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
      this.stats.routed += routing.routed;
      this.stats.unmatched += routing.records - routing.routed - routing.failures.length;
      for (const f of routing.failures)
        letters.push({ ...where(batch, m), value, reason: f.reason, stage: 'decode', record: f.record });
      // Its bad records are dead-lettered here, once: the pack tells the tenants to skip them.
      const routed: SourceMessage =
        routing.failures.length === 0 ? m : { ...m, deadLettered: routing.failures.map((f) => f.record) };
      for (const i of routing.tenants) {
        out[i]!.push(routed);
        this.routed[routes[i]!.tenant]!++;
      }
    }
    const packs = routes.flatMap((r, i) =>
      packsOf(out[i]!, PACK_LIMITS).map(toPack(r.topic, batch.partition)),
    );
    // Fetching waits meanwhile: a broker that refuses for a while holds the segregator back, and
    // nothing after this batch is committed before it.
    await this.untilSent('packs', batch, () => this.producer.send(packs));
    if (letters.length > 0) {
      await this.untilSent('dead letters', batch, () => this.deadLetters.send(letters));
      this.stats.deadLettered += letters.length;
      this.stats.deadLetteredDecode += letters.filter((l) => l.stage === 'decode').length;
      this.stats.deadLetteredOversized += letters.filter((l) => l.stage === 'size').length;
    }
    const last = batch.messages[batch.messages.length - 1]!.offset;
    // Every produce of the batch was acknowledged: the offset may be committed.
    this.done.set(batch.partition, { next: BigInt(last) + 1n, generation: batch.generation });
    this.group?.succeeded();
  }
}

/** A pack as a message of a tenant topic: on the source partition, with its last message's timestamp. */
const toPack =
  (topic: string, partition: number) =>
  (messages: readonly SourceMessage[]): OutMessage => {
    const { value, index, deadLettered } = packMessages(messages);
    return {
      topic,
      value,
      partition,
      timestamp: Number(messages[messages.length - 1]!.timestamp),
      headers: { [PACK_HEADER]: index, ...(deadLettered && { [DEAD_LETTERED_HEADER]: deadLettered }) },
    };
  };
