/**
 * One tenant, end to end, as wiring: its Kafka source feeds chunks to the processing pool, the
 * Elasticsearch sink indexes them, and only then does the source commit. Nothing is committed
 * before every record of a chunk is indexed, filtered out or dead-lettered; a crash replays from
 * the last commit, and document ids make the replay overwrite.
 */
import { availableParallelism } from 'node:os';
import pLimit, { type LimitFunction } from 'p-limit';
import { poolThreads } from '../config/parse.js';
import type { AppConfig, TenantConfig } from '../config/types.js';
import { DeliveryAborted } from '../errors.js';
import { tenantTopic } from '../fanout/route.js';
import type { FetchedBatch } from '../kafka/consumer.js';
import type { Logger } from '../observability/logger.js';
import { RateLimitedLog } from '../observability/rate-limited.js';
import { emptyStats, type TenantStats, type WorkerGauges } from '../observability/stats.js';
import { createProcessor, type Processor } from '../pipeline/pool.js';
import type { BatchResult } from '../pipeline/process.js';
import { loadStageSpec } from '../pipeline/stages.js';
import { DeadLetterSink } from '../sink/dead-letter.js';
import { ElasticsearchSink } from '../sink/elasticsearch/sink.js';
import type { ChunkOutcome } from '../source/commit-lane.js';
import { KafkaSource } from '../source/kafka.js';
import { AlertRunner } from './alerts.js';
import { deliverWithin, InFlight } from './backpressure.js';
import { type Chunk, chunkBytes, chunkMessages } from './batches.js';
import { Health } from './health.js';
import { type ChunkSinks, indexChunk } from './index-chunk.js';
import { resultOf } from './isolate.js';
import { type WorkerOptions, workerOptions } from './options.js';
import { type RetentionSchedule, retentionSchedule } from './retention.js';

export class TenantWorker {
  readonly stats: TenantStats = emptyStats();
  private readonly options: Readonly<WorkerOptions>;
  private readonly warn: RateLimitedLog;
  private readonly source: KafkaSource;
  private readonly sink: ElasticsearchSink;
  private readonly deadLetters: DeadLetterSink;
  private readonly inFlight: InFlight;
  private readonly bulkSlots: LimitFunction;
  private processor: Processor | undefined;
  private stopping = false;
  private readonly health = new Health();
  private readonly sinks: ChunkSinks;
  private readonly retention: RetentionSchedule;
  private readonly alerts: AlertRunner;

  constructor(
    private config: AppConfig,
    private tenant: TenantConfig,
    private readonly logger: Logger,
    options: Partial<WorkerOptions> = {},
  ) {
    this.options = workerOptions(options);
    this.warn = new RateLimitedLog(logger);
    const clientId = `smonnet-${tenant.name}`;
    this.source = new KafkaSource(
      config.kafka,
      {
        clientId,
        // Fan-out mode: the tenant's own topic, which the segregator fills.
        topic:
          config.kafka.mode === 'fanout' ? tenantTopic(config.kafka.topic, tenant.name) : config.kafka.topic,
        groupId: this.groupId,
        minBytes: config.kafka.fetchMinBytes,
      },
      logger,
      this.warn,
      (batch) => this.onBatch(batch),
    );
    this.sink = new ElasticsearchSink(tenant, this.warn, this.stats);
    this.deadLetters = new DeadLetterSink(config.kafka, clientId, tenant.name);
    this.inFlight = new InFlight(this.options.maxInFlightBytes);
    const { sink, deadLetters, warn, stats } = this;
    this.sinks = { sink, deadLetters, warn, stats };
    this.bulkSlots = pLimit(this.options.bulksInFlight);
    this.alerts = new AlertRunner(config, tenant, logger);
    this.retention = retentionSchedule({
      days: () => this.tenant.retentionDays,
      expire: (days) => this.sink.expire(days),
      stats,
      logger,
    });
  }

  get groupId(): string {
    return this.tenant.groupId ?? `${this.config.kafka.groupPrefix}-${this.tenant.name}`;
  }

  /** Records the group has yet to read, summed over partitions; undefined before the first commit. */
  get lag(): number | undefined {
    return this.source.lag;
  }

  /** What the worker is doing now, for the supervisor's metrics and readiness. */
  gauges(): WorkerGauges {
    return {
      inFlightMessages: this.inFlight.messages,
      poolUtilization: this.processor?.utilization() ?? 0,
      elasticsearchReachable: this.sink.reachable,
      lagByPartition: this.source.lagRecord(),
      residentBytes: process.memoryUsage().rss,
      trouble: this.trouble(),
      alerts: this.alerts.status(),
    };
  }

  /** Bulk requests since the last call: [milliseconds, body bytes]. */
  drainBulkSamples(): Array<[number, number]> {
    return this.sink.drainBulkSamples();
  }

  private newProcessor(): Processor {
    const spec = loadStageSpec(this.config, this.tenant, this.logger);
    const processor = createProcessor(
      spec,
      this.options.threads ?? poolThreads(this.config, availableParallelism()),
    );
    return this.options.wrapProcessor?.(processor) ?? processor;
  }

  /**
   * Reopens the GeoIP databases, the IP map and the interface file, with `config` when a reload
   * brought one (sampling rules, networks, retention: what changes without a restart). Batches
   * already handed to the old pool finish there; the next ones go to the new pool. A file that no
   * longer loads keeps the old pool and the old configuration.
   */
  async reloadEnrichment(config?: AppConfig): Promise<void> {
    const tenant = config?.tenants.find((t) => t.name === this.tenant.name);
    const before = { config: this.config, tenant: this.tenant };
    if (config && tenant) {
      this.config = config;
      this.tenant = tenant;
    }
    let next: Processor;
    try {
      next = this.newProcessor();
    } catch (err) {
      this.config = before.config;
      this.tenant = before.tenant;
      throw err;
    }
    if (this.tenant.retentionDays !== before.tenant.retentionDays) void this.retention.run();
    if (config) this.alerts.update(config);
    const previous = this.processor;
    this.processor = next;
    await previous?.close();
    this.logger.info('enrichment sources reloaded');
  }

  /** Starts in data-flow order; `stop` undoes whatever part of it ran. */
  async start(): Promise<void> {
    this.processor = this.newProcessor();
    this.sink.watch();
    await this.sink.installTemplates(() => this.stopping);
    void this.retention.run();
    await this.source.waitForTopic();
    await this.source.ensureTopics([{ topic: this.config.kafka.deadLetterTopic }]);
    // Stopped while starting: nothing consumed yet, nothing to drain.
    if (this.stopping) return;
    await this.source.start();
    this.logger.info({ group: this.groupId, topic: this.config.kafka.topic }, 'tenant worker consuming');
  }

  /**
   * Stops consuming; a chunk in flight either finishes and commits within `drainMs` or stays
   * uncommitted (read again by whoever takes the partition).
   */
  async stop(drainMs = this.options.drainMs): Promise<void> {
    this.stopping = true;
    this.retention.stop();
    this.alerts.stop();
    this.inFlight.wake();
    await this.source.stop(drainMs);
    await this.processor?.close();
    await this.deadLetters.close().catch(() => {});
    await this.sink.close();
    this.warn.flush();
  }

  /**
   * Hands a fetch's chunks to the pool and to delivery, then returns so the next fetch can start
   * while they are indexed: Elasticsearch never waits for Kafka. The fetch position moves past the
   * batch at once; the commit follows each chunk's delivery, in order. Chunks go on while the
   * worker holds no more than its byte budget; past it this returns a wait, and fetching pauses
   * until it ends (the group's heartbeats go on).
   */
  private onBatch(batch: FetchedBatch): Promise<void> | undefined {
    const { generation } = batch;
    // After a failure, until the group is joined again: a batch fetched now would commit past
    // the chunks just abandoned. The new generation reads it again from the last commit.
    if (this.stopping || this.source.halted(generation) || batch.messages.length === 0) return undefined;
    const halted = (): boolean => this.stopping || this.source.halted(generation);
    const { chunkMessages: maxMessages, chunkBytes: maxBytes, maxMessageBytes } = this.options;
    // Documents are named after the raw topic's coordinates, in both modes.
    const chunks = chunkMessages(this.config.kafka.topic, batch.partition, batch.messages, {
      maxMessages,
      maxBytes,
      maxMessageBytes,
      packed: this.config.kafka.mode === 'fanout',
    });
    const deliver = (chunk: Chunk) => this.deliver(batch.partition, generation, chunk, halted);
    return deliverWithin(this.inFlight, chunks, deliver, halted, this.options.maxProcessingBytes);
  }

  /** One chunk to the pool at once (its threads work while earlier chunks are indexed), then to delivery. */
  private deliver(partition: number, generation: number, chunk: Chunk, halted: () => boolean): void {
    const messages = chunk.messages.length;
    const bytes = chunkBytes(chunk);
    this.inFlight.add(messages, bytes);
    const processing = this.processor!.process(chunk.batch);
    processing.catch(() => {});
    const outcome = this.bulkSlots(() => this.runChunk(chunk, processing, halted)).finally(() =>
      this.inFlight.release(messages, bytes),
    );
    this.source.commitAfter(partition, generation, outcome, chunk.last);
  }

  /** Never rejects: whatever goes wrong, the chunk is either settled or abandoned. */
  private async runChunk(
    chunk: Chunk,
    processing: Promise<BatchResult>,
    halted: () => boolean,
  ): Promise<ChunkOutcome> {
    if (halted()) return 'abandoned';
    const { topic, partition } = chunk.batch;
    const where = { topic, partition, offset: chunk.messages[0]?.offset };
    try {
      // A bug that fails the whole chunk costs only the messages that fail alone.
      const result = await resultOf(processing, this.processor!, chunk, (err) => {
        this.stats.chunkFailures++;
        this.failure(err, where, 'chunk failed as a whole; processing it message by message');
      });
      await indexChunk(this.sinks, chunk, result, halted);
      // Counted once indexed: a chunk abandoned and fetched again is not counted twice.
      this.alerts.add(result.alerts);
      this.source.succeeded();
      return 'settled';
    } catch (err) {
      if (!(err instanceof DeliveryAborted)) {
        this.stats.consumerRestarts++;
        this.failure(err, where, 'chunk failed; the consumer restarts from the last commit');
        this.source.restart(err, where);
      }
      return 'abandoned';
    }
  }

  private failure(err: unknown, where: object, what: string): void {
    this.health.failed(what, err);
    this.logger.error({ err, ...where }, what);
  }

  /** Why this worker is not healthy although it runs (worker/health.ts), or undefined. */
  trouble(): string | undefined {
    return this.health.trouble({
      kafka: this.source.trouble,
      lag: this.source.lag,
      lastCommitAt: this.source.lastCommitAt,
      sinkReachable: this.sink.reachable,
    });
  }
}
