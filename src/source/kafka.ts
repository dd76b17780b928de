/**
 * A tenant's Kafka side: its consumer group on the source topic, the consumer generations that
 * decide whether queued chunks may still commit, commits in order per partition, lag, and the
 * restart from the last commit after an unexpected failure.
 */

import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { SmonnetError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { RateLimitedLog } from '../observability/rate-limited.js';
import { type Backoff, doublingDelay, retryUntilDone, sleep } from '../util/backoff.js';
import { type ChunkOutcome, CommitLane } from './commit-lane.js';

export interface SourceSettings {
  readonly topic: string;
  readonly groupId: string;
  readonly partitionsConcurrently: number;
  /** [kafka] fetch_min_kb, in bytes. */
  readonly minBytes: number;
}

/** How long the broker holds a fetch that finds nothing (see start). */
export const IDLE_FETCH_WAIT_MS = 1000;

/** Group membership timings of every smonnet consumer: tenant workers and the segregator. */
export const GROUP_TIMINGS = { sessionTimeout: 30_000, rebalanceTimeout: 60_000, heartbeatInterval: 3_000 };

/** Waits for a missing source topic: 0.5 s, then up to 5 s between looks. */
const TOPIC_BACKOFF: Backoff = { initialMs: 500, maxMs: 5_000 };
/** A failure that comes back at once (a bug, a broken pool) must not spin: 1 s up to 60 s. */
const RESTART_BACKOFF: Backoff = { initialMs: 1_000, maxMs: 60_000 };

/** Runs `use` with a connected admin client, and disconnects it whatever happens. */
export async function withAdmin<T>(
  kafka: Kafka,
  use: (admin: ReturnType<Kafka['admin']>) => Promise<T>,
): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

export class KafkaSource {
  /** Bumped when the group is joined again: chunks of an earlier generation are not committed. */
  generation = 0;
  private consumer: Consumer | undefined;
  private eachBatch: ((payload: EachBatchPayload) => Promise<void>) | undefined;
  /**
   * Per partition: the end of the log as last fetched, and the next offset to settle (the last
   * commit, or the first offset fetched before any). Their difference is the lag, which keeps
   * growing while nothing can be committed (an outage), as an operator needs to see it.
   */
  private readonly ends = new Map<number, number>();
  private readonly settledTo = new Map<number, number>();
  private readonly lanes = new Map<number, CommitLane>();
  private restarting: Promise<void> | undefined;
  /** From an unexpected failure until the consumer has stopped: nothing new may be taken on. */
  failing = false;
  private failures = 0;
  private stopping = false;
  /** When an offset was last committed (or the source was created): a standstill shows here. */
  lastCommitAt = Date.now();

  constructor(
    private readonly kafka: Kafka,
    private readonly settings: SourceSettings,
    private readonly logger: Logger,
    private readonly warn: RateLimitedLog,
  ) {}

  /** The source topic is the operator's to create (partitions, retention): wait until it exists. */
  waitForTopic(): Promise<void> {
    const { topic } = this.settings;
    return retryUntilDone(
      () =>
        withAdmin(this.kafka, async (admin) => {
          if (!(await admin.listTopics()).includes(topic))
            throw new SmonnetError('KAFKA_NOT_READY', `topic '${topic}' does not exist yet`);
        }),
      (err, delay) => {
        if (this.stopping) throw err;
        this.warn.warn('no-topic', { topic, retryInMs: delay }, (err as Error).message);
      },
      TOPIC_BACKOFF,
    );
  }

  /** Creates `topic` with the broker's defaults unless it exists (the dead-letter topic). */
  ensureTopic(topic: string): Promise<void> {
    return withAdmin(this.kafka, async (admin) => {
      if (!(await admin.listTopics()).includes(topic))
        await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
    });
  }

  /** Joins the group and hands every fetched batch to `eachBatch`. */
  async start(eachBatch: (payload: EachBatchPayload) => Promise<void>): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.settings.groupId,
      ...GROUP_TIMINGS,
      // Small fetches keep a worker's memory low (eight tenants of a 2-core host stay under
      // 200 MB each); a fetch still carries thousands of sFlow records.
      maxBytesPerPartition: 512 * 1024,
      maxBytes: 2 * 1024 * 1024,
      // The broker answers as soon as a record is there: the wait only paces an idle consumer,
      // and 24 idle tenants polling 4 times a second cost a host a measurable share of a core.
      maxWaitTimeInMs: IDLE_FETCH_WAIT_MS,
      // A tenant of many gets a trickle: each fetch, chunk, bulk request and commit costs its
      // process, Kafka and Elasticsearch the same whatever it carries. Waiting for a useful amount
      // (at most IDLE_FETCH_WAIT_MS) took 24 fan-out tenants' CPU per record from ~50 to ~20 µs.
      minBytes: this.settings.minBytes,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    this.eachBatch = eachBatch;
    // A new generation (rebalance, restart) re-reads from the last commit: what is still queued
    // from the previous one must not be committed.
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.generation++;
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.settings.topic, fromBeginning: true });
    await this.run();
  }

  private run(): Promise<void> {
    return this.consumer!.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.settings.partitionsConcurrently,
      eachBatch: (payload) => this.eachBatch!(payload),
    });
  }

  /** Whether work of `generation` must stop: stopping, failing, or the group moved on. */
  halted(generation: number, isRunning: () => boolean = () => true): boolean {
    return this.stopping || this.failing || !isRunning() || generation !== this.generation;
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
    highWatermark: number,
  ): void {
    this.lane(partition).enqueue(generation, outcome, async () => {
      const next = Number(lastOffset) + 1;
      await this.consumer!.commitOffsets([{ topic: this.settings.topic, partition, offset: String(next) }]);
      this.settledTo.set(partition, next);
      this.ends.set(partition, Math.max(highWatermark, this.ends.get(partition) ?? 0));
      this.lastCommitAt = Date.now();
    });
  }

  private lane(partition: number): CommitLane {
    let lane = this.lanes.get(partition);
    if (!lane) {
      const topic = this.settings.topic;
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

  /** A chunk settled: failures before it were not a loop. */
  succeeded(): void {
    this.failures = 0;
  }

  /**
   * Something nobody expected failed a chunk (the pool, a bug): the chunks after it must not be
   * committed, and what was fetched past it must be read again. A new consumer generation gives
   * both: every queued chunk is abandoned, and the group is rejoined from the last commit.
   */
  restart(err: unknown, where: { topic: string; partition: number; offset: string | undefined }): void {
    this.generation++;
    this.failing = true;
    // The chunks in flight beside it fail the same way: one restart, one log line.
    if (this.restarting || this.stopping) return;
    const delay = doublingDelay(this.failures++, RESTART_BACKOFF);
    this.logger.error(
      { err, ...where, restartInMs: delay },
      'chunk failed; consumer restarts from the last committed offset',
    );
    this.restarting = (async () => {
      await sleep(delay);
      await this.consumer?.stop();
      this.failing = false;
      if (!this.stopping) await this.run();
    })()
      .catch((e) => this.logger.error({ err: e }, 'consumer restart failed'))
      .finally(() => {
        this.restarting = undefined;
      });
  }

  /** A batch was fetched: the partition's end is known, and where settling starts if nothing was committed yet. */
  fetched(partition: number, firstOffset: string, highWatermark: number): void {
    this.ends.set(partition, Math.max(highWatermark, this.ends.get(partition) ?? 0));
    if (!this.settledTo.has(partition)) this.settledTo.set(partition, Number(firstOffset));
  }

  /** Records not yet settled, per partition: up to the log's end as last fetched. */
  lagRecord(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [partition, end] of this.ends)
      out[partition] = Math.max(0, end - (this.settledTo.get(partition) ?? end));
    return out;
  }

  /** Records the group has yet to settle, summed over partitions; undefined before the first fetch. */
  get lag(): number | undefined {
    if (this.ends.size === 0) return undefined;
    let sum = 0;
    for (const l of Object.values(this.lagRecord())) sum += l;
    return sum;
  }

  /**
   * Commits need a running consumer: lets the lanes finish (up to `drainMs`) before leaving the
   * group. Queued chunks are abandoned at once; a bulk in flight finishes, or gives up waiting.
   */
  async stop(drainMs: number): Promise<void> {
    this.stopping = true;
    const within = <T>(work: Promise<T>, fallback: T): Promise<T> =>
      Promise.race([work, new Promise<T>((r) => setTimeout(() => r(fallback), drainMs).unref())]);
    const lanes = Promise.all([...this.lanes.values()].map((l) => l.idle()));
    if (
      !(await within(
        lanes.then(() => true),
        false,
      ))
    )
      this.logger.warn(`chunks in flight did not finish within ${drainMs} ms; they stay uncommitted`);
    // Leaving the group can wait for a rebalance (a killed member's session to expire). Every
    // processed chunk is committed already, so after a while we go without a clean leave.
    const left = this.consumer
      ?.disconnect()
      .catch((err) => this.logger.warn({ err }, 'consumer disconnect failed'));
    if (
      left &&
      !(await within(
        left.then(() => true),
        false,
      ))
    )
      this.logger.warn(`consumer did not leave its group within ${drainMs} ms; exiting without waiting`);
  }
}
