/**
 * A tenant's Kafka side: its consumer group on the source topic (kafka/consumer.ts), the
 * generations that decide whether queued chunks may still commit, commits in order per
 * partition, and the restart from the last commit after an unexpected failure.
 */

import type { KafkaSettings } from '../config/types.js';
import { KafkaAdmin, type NewTopic, waitForTopic } from '../kafka/admin.js';
import { type BatchHandler, GroupConsumer } from '../kafka/consumer.js';
import { describeKafkaError } from '../kafka/describe.js';
import type { Logger } from '../observability/logger.js';
import type { RateLimitedLog } from '../observability/rate-limited.js';
import { sleep } from '../util/backoff.js';
import { type ChunkOutcome, CommitLane } from './commit-lane.js';

export interface SourceSettings {
  readonly clientId: string;
  readonly topic: string;
  readonly groupId: string;
  /** [kafka] fetch_min_kb, in bytes. */
  readonly minBytes: number;
}

/**
 * Small fetches keep a worker's memory low (eight tenants of a 2-core host stay under 200 MB
 * each); a fetch still carries thousands of sFlow records.
 */
const FETCH = { maxBytes: 2 * 1024 * 1024, maxBytesPerPartition: 512 * 1024 };

export class KafkaSource {
  private readonly group: GroupConsumer;
  private readonly admin: KafkaAdmin;
  private readonly lanes = new Map<number, CommitLane>();
  private stopping = false;
  /** When an offset was last committed (or the source was created): a standstill shows here. */
  lastCommitAt = Date.now();
  /** Why the source topic cannot be looked up now (while waiting for it), or undefined. */
  private lookupTrouble: string | undefined;

  constructor(
    private readonly kafka: KafkaSettings,
    private readonly settings: SourceSettings,
    private readonly logger: Logger,
    private readonly warn: RateLimitedLog,
    onBatch: BatchHandler,
  ) {
    this.admin = new KafkaAdmin(kafka, settings.clientId);
    this.group = new GroupConsumer(
      kafka,
      { ...settings, ...FETCH },
      logger.child({ component: 'kafka' }),
      onBatch,
    );
  }

  get generation(): number {
    return this.group.generation;
  }

  /** From an unexpected failure until the group is joined again: nothing new may be taken on. */
  get failing(): boolean {
    return this.group.failing;
  }

  /** Why the worker cannot read from Kafka now (credentials, certificate, codec), or undefined. */
  get trouble(): string | undefined {
    return this.lookupTrouble ?? this.group.trouble;
  }

  /** Waits until the source topic exists; a broker that refuses us is the worker's trouble meanwhile. */
  async waitForTopic(): Promise<void> {
    const { topic } = this.settings;
    await waitForTopic(
      this.admin,
      this.kafka,
      topic,
      () => this.stopping,
      (reason, trouble, delay) => {
        this.lookupTrouble = trouble;
        this.warn.warn('no-topic', { topic, retryInMs: delay }, reason);
      },
    );
    this.lookupTrouble = undefined;
  }

  /** Creates the topics unless they exist (the dead-letter topic). */
  ensureTopics(topics: readonly NewTopic[]): Promise<void> {
    return this.admin.ensureTopics(topics);
  }

  /** Joins the group: every fetched batch goes to the handler given at construction. */
  async start(): Promise<void> {
    await this.admin.close().catch(() => {});
    await this.group.start();
  }

  /** Whether work of `generation` must stop: stopping, failing, or the group moved on. */
  halted(generation: number): boolean {
    return this.stopping || this.group.failing || generation !== this.group.generation;
  }

  /**
   * Commits past the chunk ending at `lastOffset` once `outcome` settled and every chunk queued
   * before it in its partition did too (CommitLane).
   */
  commitAfter(
    partition: number,
    generation: number,
    outcome: Promise<ChunkOutcome>,
    lastOffset: string,
  ): void {
    this.lane(partition).enqueue(generation, outcome, async () => {
      await this.group.commit(partition, BigInt(lastOffset) + 1n);
      this.lastCommitAt = Date.now();
    });
  }

  private lane(partition: number): CommitLane {
    let lane = this.lanes.get(partition);
    if (!lane) {
      const topic = this.settings.topic;
      lane = new CommitLane(
        () => this.group.generation,
        (err) =>
          this.warn.warn(
            'commit-failed',
            { topic, partition, err: describeKafkaError(err) },
            'offset commit failed; the next commit covers it',
          ),
      );
      this.lanes.set(partition, lane);
    }
    return lane;
  }

  /** A chunk settled: failures before it were not a loop. */
  succeeded(): void {
    this.group.succeeded();
  }

  /**
   * Something nobody expected failed a chunk (the pool, a bug): the chunks after it must not be
   * committed, and what was fetched past it must be read again. A new consumer generation gives
   * both: every queued chunk is abandoned, and the group is rejoined from the last commit.
   */
  restart(err: unknown, where: { topic: string; partition: number; offset: string | undefined }): void {
    // The chunks in flight beside it fail the same way: one restart, one log line.
    if (!this.group.failing && !this.stopping)
      this.logger.error({ err, ...where }, 'chunk failed; consumer restarts from the last committed offset');
    this.group.restart(err, 'chunk failed');
  }

  lagRecord(): Record<string, number> {
    return this.group.lagRecord() ?? {};
  }

  /** Records the group has yet to commit, summed over its partitions; undefined before it joined. */
  get lag(): number | undefined {
    return this.group.lag;
  }

  /**
   * Commits need the group: lets the lanes finish (up to `drainMs`) before leaving it. Queued
   * chunks are abandoned at once; a bulk in flight finishes, or gives up waiting.
   */
  async stop(drainMs: number): Promise<void> {
    this.stopping = true;
    const lanes = Promise.all([...this.lanes.values()].map((l) => l.idle()));
    const drained = await Promise.race([lanes.then(() => true), sleep(drainMs).then(() => false)]);
    if (!drained)
      this.logger.warn(`chunks in flight did not finish within ${drainMs} ms; they stay uncommitted`);
    await this.group.stop(drainMs);
    await this.admin.close().catch(() => {});
  }
}
