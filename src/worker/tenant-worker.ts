/**
 * One tenant, end to end: its own consumer group reads the whole topic, the enrichment pool turns
 * raw messages into bulk bodies, Elasticsearch receives them, and only then is the offset
 * committed. Nothing is committed before every record of a chunk is indexed, filtered out or
 * dead-lettered; a crash replays from the last commit, and document ids make the replay overwrite.
 */

import { availableParallelism } from 'node:os';
import type { Client } from '@elastic/elasticsearch';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import pLimit, { type LimitFunction } from 'p-limit';
import { poolThreads } from '../config/parse.js';
import type { AppConfig, TenantConfig } from '../config/types.js';
import { loadDatabase } from '../enrich/geoip.js';
import { readIpMapFile } from '../enrich/ipmap.js';
import { createProcessor, type Processor } from '../enrich/pool.js';
import { createKafka } from '../kafka-client.js';
import type { Logger } from '../observability/logger.js';
import { RateLimitedLog } from '../observability/rate-limited.js';
import type { BatchResult } from '../pipeline/process.js';
import type { StageSpec } from '../pipeline/stages.js';
import { type DeadLetter, DeadLetterSink } from '../sink/dead-letter.js';
import { createElasticsearchClient } from '../sink/elasticsearch/client.js';
import { DeliveryAborted, deliver } from '../sink/elasticsearch/deliver.js';
import { retryUntilDone } from '../sink/elasticsearch/retry.js';
import { installTemplates } from '../sink/elasticsearch/template.js';
import { type Chunk, chunkBytes, chunkMessages } from './batches.js';
import { type ChunkOutcome, CommitLane } from './commit-lane.js';
import { Signal } from './signal.js';
import { emptyStats, type TenantStats, type WorkerGauges } from './stats.js';

export interface WorkerOptions {
  /** Overrides [enrich] threads. */
  threads?: number;
  /** Messages per processing task. */
  chunkMessages?: number;
  /** Larger Kafka messages are dead-lettered undecoded. */
  maxMessageBytes?: number;
  /** Kafka partitions processed at once. */
  partitionsConcurrently?: number;
  /** Bulk requests in flight at once, over all partitions. */
  bulksInFlight?: number;
  /** Message bytes fetched but not yet settled before the worker stops fetching (default 1 MB). */
  maxInFlightBytes?: number;
  /** Wraps each processor the worker creates: tests inject failures nobody expected with it. */
  wrapProcessor?: (processor: Processor) => Processor;
}

/** Reads the enrichment sources once; a missing file turns its enrichment off with one warning. */
export function stageSpec(config: AppConfig, tenant: TenantConfig, logger: Logger): StageSpec {
  const e = config.enrich;
  const database = (file: string | undefined, what: string) => {
    if (!file) return undefined;
    const bytes = loadDatabase(file);
    if (!bytes) {
      logger.warn({ file }, `${what} database not found: ${what} enrichment is off`);
      return undefined;
    }
    return { file, bytes };
  };
  let ipmap: StageSpec['ipmap'];
  if (e.ipmap) ipmap = { file: e.ipmap, doc: readIpMapFile(e.ipmap) };
  return {
    tenant: tenant.name,
    format: config.kafka.format,
    filter: tenant.filter,
    schema: tenant.schema,
    indexPrefix: tenant.indexPrefix,
    geoipCity: database(e.geoipCity, 'GeoIP City'),
    geoipAsn: database(e.geoipAsn, 'GeoIP ASN'),
    ipmap,
  };
}

export class TenantWorker {
  readonly stats: TenantStats = emptyStats();
  private readonly kafka: Kafka;
  private readonly es: Client;
  private readonly warn: RateLimitedLog;
  private readonly deadLetters: DeadLetterSink;
  private processor: Processor | undefined;
  private consumer: Consumer | undefined;
  private stopping = false;
  /** Messages behind the partition end, per partition, as of each partition's last commit. */
  private readonly lagByPartition = new Map<number, number>();
  private inFlightMessages = 0;
  private inFlightBytes = 0;
  private readonly maxInFlightBytes: number;
  private readonly room = new Signal();
  private readonly bulkSlots: LimitFunction;
  private readonly lanes = new Map<number, CommitLane>();
  /** Bumped when the group is joined again: chunks of an earlier generation are not committed. */
  private generation = 0;
  private restarting: Promise<void> | undefined;
  /** From an unexpected failure until the consumer has stopped: nothing new may be taken on. */
  private failing = false;
  private restartDelayMs = 1_000;
  private elasticsearchReachable = true;
  private lastBulkAt = 0;
  private bulkSamples: Array<[number, number]> = [];
  private pingTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly tenant: TenantConfig,
    private readonly logger: Logger,
    private readonly options: WorkerOptions = {},
  ) {
    this.kafka = createKafka(config.kafka.brokers, `smonnet-${tenant.name}`, logger);
    this.es = createElasticsearchClient(tenant.elasticsearch);
    this.warn = new RateLimitedLog(logger);
    this.deadLetters = new DeadLetterSink(this.kafka, config.kafka.deadLetterTopic, tenant.name);
    this.maxInFlightBytes = options.maxInFlightBytes ?? 1024 * 1024;
    this.bulkSlots = pLimit(options.bulksInFlight ?? 4);
  }

  /** Records the group has yet to read, summed over partitions; undefined before the first batch. */
  get lag(): number | undefined {
    if (this.lagByPartition.size === 0) return undefined;
    let sum = 0;
    for (const l of this.lagByPartition.values()) sum += l;
    return sum;
  }

  /**
   * Reopens the GeoIP databases and the IP map. Batches already handed to the old pool finish
   * there; the next ones go to the new pool. A file that no longer loads keeps the old pool.
   */
  async reloadEnrichment(): Promise<void> {
    const spec = stageSpec(this.config, this.tenant, this.logger);
    const next = this.newProcessor(spec);
    const previous = this.processor;
    this.processor = next;
    await previous?.close();
    this.logger.info('enrichment sources reloaded');
  }

  /** What the worker is doing now, for the supervisor's metrics and readiness. */
  gauges(): WorkerGauges {
    return {
      inFlightMessages: this.inFlightMessages,
      poolUtilization: this.processor?.utilization() ?? 0,
      elasticsearchReachable: this.elasticsearchReachable,
      lagByPartition: Object.fromEntries(this.lagByPartition),
      residentBytes: process.memoryUsage().rss,
    };
  }

  /** Bulk requests since the last call: [milliseconds, body bytes]. */
  drainBulkSamples(): Array<[number, number]> {
    const samples = this.bulkSamples;
    this.bulkSamples = [];
    return samples;
  }

  /**
   * With no traffic no bulk tells whether Elasticsearch is there: ask it now and then. The
   * question is whether the tenant's indices exist (any answer will do), not a ping of `/`: it
   * needs only the index privileges the worker has anyway, and some distributions serve no `/`.
   */
  private watchElasticsearch(): void {
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastBulkAt < 5_000) return;
      this.es.indices.exists({ index: `${this.tenant.indexPrefix}-*`, allow_no_indices: true }).then(
        () => {
          this.elasticsearchReachable = true;
        },
        () => {
          this.elasticsearchReachable = false;
        },
      );
    }, 5_000);
    this.pingTimer.unref();
  }

  get groupId(): string {
    return `${this.config.kafka.groupPrefix}-${this.tenant.name}`;
  }

  private newProcessor(spec: StageSpec): Processor {
    const threads = this.options.threads ?? poolThreads(this.config, availableParallelism());
    const processor = createProcessor(spec, threads);
    return this.options.wrapProcessor?.(processor) ?? processor;
  }

  async start(): Promise<void> {
    const spec = stageSpec(this.config, this.tenant, this.logger);
    this.processor = this.newProcessor(spec);
    this.watchElasticsearch();
    await this.waitForTemplates();
    await this.waitForTopic(this.config.kafka.topic);
    await this.ensureTopic(this.config.kafka.deadLetterTopic);
    await this.deadLetters.connect();
    // Stopped while starting: nothing consumed yet, nothing to drain.
    if (this.stopping) return;
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: 30_000,
      rebalanceTimeout: 60_000,
      heartbeatInterval: 3_000,
      // Small fetches keep a worker's memory low (eight tenants of a 2-core host stay under
      // 200 MB each); a fetch still carries thousands of sFlow records.
      maxBytesPerPartition: 512 * 1024,
      maxBytes: 2 * 1024 * 1024,
      maxWaitTimeInMs: 250,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    // A new generation (rebalance, restart) re-reads from the last commit: what is still queued
    // from the previous one must not be committed.
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.generation++;
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.config.kafka.topic, fromBeginning: true });
    await this.runConsumer();
    this.logger.info({ group: this.groupId, topic: this.config.kafka.topic }, 'tenant worker consuming');
  }

  private runConsumer(): Promise<void> {
    return this.consumer!.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConcurrently ?? 4,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  /** Stops consuming; a chunk in flight either finishes and commits or stays uncommitted. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.room.notify();
    // Commits need a running consumer: let the lanes finish before leaving the group. Queued
    // chunks are abandoned at once; a bulk in flight finishes, or gives up while it waits.
    const drained = await Promise.race([
      Promise.all([...this.lanes.values()].map((l) => l.idle())).then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), 10_000).unref()),
    ]);
    if (!drained) this.logger.warn('chunks in flight did not finish within 10 s; they stay uncommitted');
    // Leaving the group can wait for a rebalance (a killed member's session to expire). Every
    // processed chunk is committed already, so after a while we go without a clean leave.
    const left = this.consumer
      ?.disconnect()
      .catch((err) => this.logger.warn({ err }, 'consumer disconnect failed'));
    const timedOut = await Promise.race([
      left?.then(() => false),
      new Promise<boolean>((r) => setTimeout(() => r(true), 10_000).unref()),
    ]);
    if (timedOut) this.logger.warn('consumer did not leave its group within 10 s; exiting without waiting');
    await this.processor?.close();
    await this.deadLetters.disconnect().catch(() => {});
    await this.es.close().catch(() => {});
    this.warn.flush();
  }

  /** Elasticsearch may be down when we start: wait for it rather than crash-loop. */
  private waitForTemplates(): Promise<void> {
    return retryUntilDone(
      () => installTemplates(this.es, this.tenant.indexPrefix, this.tenant.schema),
      (err, delay) => {
        if (this.stopping) throw err;
        this.warn.warn(
          'es-templates',
          { retryInMs: delay, err: (err as Error).message },
          'cannot install index templates yet',
        );
      },
    );
  }

  /** The source topic is the operator's to create (partitions, retention): wait until it exists. */
  private waitForTopic(topic: string): Promise<void> {
    return retryUntilDone(
      async () => {
        const admin = this.kafka.admin();
        await admin.connect();
        try {
          const topics = await admin.listTopics();
          if (!topics.includes(topic)) throw new Error(`topic '${topic}' does not exist yet`);
        } finally {
          await admin.disconnect();
        }
      },
      (err, delay) => {
        if (this.stopping) throw err;
        this.warn.warn('no-topic', { topic, retryInMs: delay }, (err as Error).message);
      },
      { initialMs: 500, maxMs: 5_000 },
    );
  }

  private async ensureTopic(topic: string): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = await admin.listTopics();
      if (!existing.includes(topic)) await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Hands a fetch's chunks to the pool and to delivery, then returns so the next fetch can start
   * while they are indexed: Elasticsearch never waits for Kafka. The fetch position moves past the
   * batch at once; the commit follows each chunk's delivery, in order (CommitLane). Only when too
   * much is in flight does this wait, keeping the group membership alive meanwhile.
   */
  private async onBatch({ batch, heartbeat, isRunning, resolveOffset }: EachBatchPayload): Promise<void> {
    // After a failure, until the consumer stopped: a batch fetched now would commit past the
    // chunks just abandoned. Unresolved, it is fetched again once the consumer restarts.
    if (this.stopping || this.failing || batch.messages.length === 0) return;
    const generation = this.generation;
    const halted = (): boolean =>
      this.stopping || this.failing || !isRunning() || generation !== this.generation;
    const processor = this.processor!;
    const lane = this.laneFor(batch.partition);
    const highWatermark = Number(batch.highWatermark);
    const chunks = chunkMessages(batch.topic, batch.partition, batch.messages, {
      maxMessages: this.options.chunkMessages ?? 1000,
      maxBytes: 2 * 1024 * 1024,
      maxMessageBytes: this.options.maxMessageBytes ?? 1024 * 1024,
    });
    for (const chunk of chunks) {
      const messages = chunk.messages.length;
      const bytes = chunkBytes(chunk);
      this.inFlightMessages += messages;
      this.inFlightBytes += bytes;
      // Every chunk goes to the pool at once so its threads work while earlier chunks are indexed.
      const processing = processor.process(chunk.batch);
      processing.catch(() => {});
      const outcome = this.bulkSlots(() => this.settleChunk(chunk, processing, halted)).finally(() => {
        this.inFlightMessages -= messages;
        this.inFlightBytes -= bytes;
        this.room.notify();
      });
      lane.enqueue(generation, outcome, () => this.commit(chunk, highWatermark));
    }
    resolveOffset(batch.messages[batch.messages.length - 1]!.offset);
    while (this.inFlightBytes > this.maxInFlightBytes && !halted()) {
      await this.room.wait(1_000);
      await heartbeat();
    }
  }

  private laneFor(partition: number): CommitLane {
    let lane = this.lanes.get(partition);
    if (!lane) {
      const topic = this.config.kafka.topic;
      lane = new CommitLane(
        () => this.generation,
        (err) =>
          this.warn.warn(
            'commit-failed',
            { topic, partition, err: (err as Error).message },
            'offset commit failed; the next commit covers it',
          ),
      );
      this.lanes.set(partition, lane);
    }
    return lane;
  }

  /** Never rejects: whatever goes wrong, the chunk is either settled or abandoned. */
  private async settleChunk(
    chunk: Chunk,
    processing: Promise<BatchResult>,
    halted: () => boolean,
  ): Promise<ChunkOutcome> {
    if (halted()) return 'abandoned';
    try {
      const result = await processing;
      // Nothing waits in eachBatch while a bulk is retried: kafkajs keeps the membership alive.
      await this.settle(chunk, result, halted);
      this.restartDelayMs = 1_000;
      return 'settled';
    } catch (err) {
      if (!(err instanceof DeliveryAborted)) this.restartConsumer(err, chunk);
      return 'abandoned';
    }
  }

  private async commit(chunk: Chunk, highWatermark: number): Promise<void> {
    const { topic, partition } = chunk.batch;
    const next = Number(chunk.messages[chunk.messages.length - 1]!.offset) + 1;
    await this.consumer!.commitOffsets([{ topic, partition, offset: String(next) }]);
    this.lagByPartition.set(partition, Math.max(0, highWatermark - next));
  }

  /**
   * Something nobody expected failed a chunk (the pool, a bug): the chunks after it must not be
   * committed, and what was fetched past it must be read again. A new consumer generation gives
   * both: every queued chunk is abandoned, and the group is rejoined from the last commit.
   */
  private restartConsumer(err: unknown, chunk: Chunk): void {
    const { topic, partition } = chunk.batch;
    this.generation++;
    this.failing = true;
    // The chunks in flight beside it fail the same way: one restart, one log line.
    if (this.restarting || this.stopping) return;
    // A failure that comes back at once (a bug, a broken pool) must not spin: back off.
    const delay = this.restartDelayMs;
    this.restartDelayMs = Math.min(60_000, delay * 2);
    this.logger.error(
      { err, topic, partition, offset: chunk.messages[0]?.offset, restartInMs: delay },
      'chunk failed; consumer restarts from the last committed offset',
    );
    this.restarting = (async () => {
      await new Promise((r) => setTimeout(r, delay));
      await this.consumer?.stop();
      this.failing = false;
      if (!this.stopping) await this.runConsumer();
    })()
      .catch((e) => this.logger.error({ err: e }, 'consumer restart failed'))
      .finally(() => {
        this.restarting = undefined;
      });
  }

  /** Indexes, dead-letters and counts one chunk; returns only when every record is settled. */
  private async settle(chunk: Chunk, result: BatchResult, shouldStop: () => boolean): Promise<void> {
    const { topic, partition } = chunk.batch;
    const message = (packed: number) => chunk.messages[chunk.kept[packed]!]!;
    const letters: DeadLetter[] = [];
    for (const i of chunk.oversized) {
      const m = chunk.messages[i]!;
      letters.push({
        value: m.value!,
        reason: `message of ${m.value!.length} bytes exceeds the ${this.options.maxMessageBytes ?? 1024 * 1024}-byte limit`,
        topic,
        partition,
        offset: m.offset,
        record: 0,
      });
    }
    for (const f of result.failures) {
      const m = message(f.message);
      letters.push({
        value: f.raw !== undefined ? Buffer.from(f.raw) : (m.value ?? Buffer.alloc(0)),
        reason: f.reason,
        topic,
        partition,
        offset: m.offset,
        record: f.record,
      });
      this.warn.warn('bad-record', { topic, partition, offset: m.offset, record: f.record }, f.reason);
    }
    const delivery = await deliver(
      {
        client: this.es,
        tenant: this.tenant.name,
        warn: this.warn,
        shouldStop,
        onBulk: (ms, _items, bytes) => {
          this.stats.bulkRequests++;
          this.stats.bulkMs += ms;
          this.stats.bulkBytes += bytes;
          this.bulkSamples.push([ms, bytes]);
          this.lastBulkAt = Date.now();
          this.elasticsearchReachable = true;
        },
        onUnavailable: () => {
          this.elasticsearchReachable = false;
        },
      },
      result.body,
      result.documents,
    );
    for (const r of delivery.rejected) {
      const m = message(result.items[2 * r.item]!);
      const record = result.items[2 * r.item + 1]!;
      letters.push({
        value: m.value ?? Buffer.alloc(0),
        reason: r.reason,
        topic,
        partition,
        offset: m.offset,
        record,
      });
      this.warn.warn('es-rejected', { topic, partition, offset: m.offset, record }, r.reason);
    }
    await this.sendDeadLetters(letters, shouldStop);
    this.stats.consumed += result.records + chunk.oversized.length;
    this.stats.indexed += delivery.indexed;
    this.stats.filteredOut += result.filtered;
    this.stats.deadLettered += letters.length;
    this.stats.deadLetteredOversized += chunk.oversized.length;
    this.stats.deadLetteredDecode += result.failures.length;
    this.stats.deadLetteredRejected += delivery.rejected.length;
  }

  private sendDeadLetters(letters: DeadLetter[], shouldStop: () => boolean): Promise<void> {
    return retryUntilDone(
      () => this.deadLetters.send(letters),
      async (err, delay) => {
        if (shouldStop()) throw new DeliveryAborted();
        this.warn.warn(
          'dead-letter-failed',
          { retryInMs: delay, err: (err as Error).message },
          'cannot write dead letters yet',
        );
      },
    );
  }
}
