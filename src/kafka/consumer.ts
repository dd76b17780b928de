/**
 * A consumer group member on one topic, for tenant workers and the segregator alike: it hands
 * the messages of each fetch to its handler as one batch per partition, pauses fetching while a
 * handler says it holds too much, commits what its owner settled, and knows its lag from the
 * moment it joins (end offsets against committed ones). Whatever stops it from reading (a refused
 * credential, an untrusted certificate, a batch it cannot decompress) is kept as `trouble` and
 * retried with backoff, never left as a silent standstill.
 */
import {
  Consumer,
  ListOffsetTimestamps,
  type Message,
  type MessagesStream,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
} from '@platformatic/kafka';
import type { Logger } from '../observability/logger.js';
import { type Backoff, doublingDelay, sleep } from '../util/backoff.js';
import { clientOptions, type KafkaConnection } from './client.js';
import { describeKafkaError, hintOf } from './describe.js';

/** A consumed message, as every stage after Kafka sees it. */
export interface ConsumedMessage {
  readonly key?: Buffer | null;
  readonly value: Buffer | null;
  /** Offsets and timestamps as decimal strings: exact, and what documents ids are made of. */
  readonly offset: string;
  readonly timestamp: string;
  readonly headers: Readonly<Record<string, Buffer>> | undefined;
}

export interface FetchedBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly ConsumedMessage[];
  /** The group generation it was fetched in: work of an earlier one must not commit. */
  readonly generation: number;
}

/** Returns a promise while its owner holds too much: fetching pauses until it settles. */
export type BatchHandler = (batch: FetchedBatch) => void | Promise<void>;

export interface GroupSettings {
  readonly clientId: string;
  readonly groupId: string;
  readonly topic: string;
  /** The broker holds a fetch until this much is there, or IDLE_FETCH_WAIT_MS passed. */
  readonly minBytes: number;
  readonly maxBytes: number;
  readonly maxBytesPerPartition: number;
}

/** How long the broker holds a fetch that finds too little. */
export const IDLE_FETCH_WAIT_MS = 1000;
/** Group membership timings of every smonnet consumer: tenant workers and the segregator. */
export const GROUP_TIMINGS = { sessionTimeout: 30_000, rebalanceTimeout: 60_000, heartbeatInterval: 3_000 };
/** End offsets are asked this often: lag between two looks grows with what is consumed. */
const LAG_POLL_MS = 2_000;
/** Reopening after a failure: 1 s, doubling up to 30 s. */
const REOPEN_BACKOFF: Backoff = { initialMs: 1_000, maxMs: 30_000 };

export class GroupConsumer {
  /** Bumped at each join and each reopen: chunks of an earlier generation are not committed. */
  generation = 0;
  /** Why the group cannot read now, or undefined. */
  trouble: string | undefined;
  /** From a failure until the group is joined again: nothing fetched meanwhile is taken on. */
  failing = false;
  private consumer: Consumer | undefined;
  private stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  private assigned: readonly number[] = [];
  private joined = false;
  private readonly ends = new Map<number, bigint>();
  private readonly committed = new Map<number, bigint>();
  private readonly epochs = new Map<number, number>();
  private pending = new Map<number, ConsumedMessage[]>();
  private flushing = false;
  private holds = 0;
  private failures = 0;
  private readFailed = false;
  private stopping = false;
  private reopening: Promise<void> | undefined;
  private lagTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly kafka: KafkaConnection,
    private readonly settings: GroupSettings,
    private readonly logger: Logger,
    private readonly onBatch: BatchHandler,
  ) {}

  /** Joins the group; returns once consuming (or stopped), retrying what fails with backoff. */
  async start(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.open();
        this.lagTimer ??= setInterval(() => void this.refreshLag(), LAG_POLL_MS).unref();
        return;
      } catch (err) {
        await this.closeConsumer();
        await this.backOff(err, 'cannot join the consumer group');
      }
    }
  }

  private async open(): Promise<void> {
    const { topic } = this.settings;
    const consumer = new Consumer({
      ...clientOptions(this.kafka, this.settings.clientId),
      groupId: this.settings.groupId,
      ...GROUP_TIMINGS,
      autocommit: false,
      minBytes: this.settings.minBytes,
      maxBytes: this.settings.maxBytes,
      maxBytesPerPartition: this.settings.maxBytesPerPartition,
      maxWaitTime: IDLE_FETCH_WAIT_MS,
      // Messages wait in the stream only while the owner pauses it: a fetch or two.
      highWaterMark: 64,
    });
    this.consumer = consumer;
    consumer.on('consumer:group:join', (payload) => {
      this.generation++;
      this.joined = true;
      this.assigned = payload.assignments?.find((a) => a.topic === topic)?.partitions ?? [];
      this.committed.clear();
      void this.refreshLag();
    });
    const stream = await consumer.consume({
      topics: [topic],
      mode: MessagesStreamModes.COMMITTED,
      fallbackMode: MessagesStreamFallbackModes.EARLIEST,
    });
    this.stream = stream;
    this.failing = false;
    // Joined: a refusal to join is over. A topic that could not be read stays the trouble until
    // records flow again or nothing is left to read (refreshLag).
    if (!this.readFailed) this.trouble = undefined;
    stream.on('data', (m: Message<Buffer, Buffer, Buffer, Buffer>) => this.take(consumer, m));
    stream.on('error', (err: Error) => {
      this.readFailed = true;
      this.reopen(err, 'cannot read the topic');
    });
  }

  private take(consumer: Consumer, m: Message<Buffer, Buffer, Buffer, Buffer>): void {
    // Fetched before the group moved on: the new generation reads it again from the last commit.
    if (
      this.failing ||
      consumer !== this.consumer ||
      (m.metadata.consumer as { generationId?: number })?.generationId !== consumer.generationId
    )
      return;
    let list = this.pending.get(m.partition);
    if (!list) {
      list = [];
      this.pending.set(m.partition, list);
      // Once a partition and fetch, not once a message: a commit needs a recent epoch, not the last.
      this.epochs.set(m.partition, m.leaderEpoch);
    }
    let headers: Record<string, Buffer> | undefined;
    if (m.headers.size > 0) {
      headers = {};
      for (const [k, v] of m.headers) headers[k.toString()] = v;
    }
    list.push({
      key: m.key ?? null,
      value: m.value ?? null,
      offset: String(m.offset),
      timestamp: String(m.timestamp),
      headers,
    });
    // Every message of one fetch answer arrives in one turn of the event loop: one batch each.
    if (!this.flushing) {
      this.flushing = true;
      queueMicrotask(() => this.flush());
    }
  }

  private flush(): void {
    this.flushing = false;
    this.readable();
    const batches = this.pending;
    this.pending = new Map();
    const waits: Promise<void>[] = [];
    for (const [partition, messages] of batches) {
      const last = BigInt(messages[messages.length - 1]!.offset) + 1n;
      if (last > (this.ends.get(partition) ?? 0n)) this.ends.set(partition, last);
      const wait = this.onBatch({
        topic: this.settings.topic,
        partition,
        messages,
        generation: this.generation,
      });
      if (wait) waits.push(wait.catch((err: unknown) => this.reopen(err, 'a batch failed')));
    }
    if (waits.length === 0) return;
    const stream = this.stream;
    this.holds++;
    stream?.pause();
    void Promise.allSettled(waits).then(() => {
      if (--this.holds === 0 && stream === this.stream && !this.stopping) stream?.resume();
    });
  }

  private readable(): void {
    this.readFailed = false;
    this.trouble = undefined;
  }

  /** Commits `next` (the first offset not settled) for `partition`. */
  async commit(partition: number, next: bigint): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) throw new Error('not consuming');
    await consumer.commit({
      offsets: [
        {
          topic: this.settings.topic,
          partition,
          offset: next,
          leaderEpoch: this.epochs.get(partition) ?? -1,
        },
      ],
    });
    if (next > (this.committed.get(partition) ?? -1n)) this.committed.set(partition, next);
  }

  /**
   * Reads again from the last commit after `delayMs`: a new generation, so nothing queued from
   * this one commits.
   */
  restart(err: unknown, what: string): void {
    this.reopen(err, what);
  }

  private reopen(err: unknown, what: string): void {
    this.generation++;
    this.failing = true;
    if (this.reopening || this.stopping) return;
    this.reopening = (async () => {
      await this.backOff(err, what);
      await this.closeConsumer();
      await this.start();
    })()
      .catch((e) => this.logger.error({ err: e }, 'consumer reopen failed'))
      .finally(() => {
        this.reopening = undefined;
      });
  }

  private async backOff(err: unknown, what: string): Promise<void> {
    this.trouble = `${what}: ${describeKafkaError(err, hintOf(this.kafka.security))}`;
    const delay = doublingDelay(this.failures++, REOPEN_BACKOFF);
    this.logger.warn(
      { topic: this.settings.topic, group: this.settings.groupId, retryInMs: delay },
      this.trouble,
    );
    await sleep(delay);
  }

  /** Something was consumed and settled since the last failure: backoff starts over. */
  succeeded(): void {
    this.failures = 0;
  }

  /** End and committed offsets of the partitions assigned, asked of the broker. */
  private async refreshLag(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer || !this.joined || this.stopping) return;
    const { topic } = this.settings;
    const partitions = [...this.assigned];
    try {
      const ends = (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? [];
      const needsCommitted = partitions.filter((p) => !this.committed.has(p));
      if (needsCommitted.length > 0) {
        const committed =
          (await consumer.listCommittedOffsets({ topics: [{ topic, partitions: needsCommitted }] })).get(
            topic,
          ) ?? [];
        const starts =
          (await consumer.listOffsets({ topics: [topic], timestamp: ListOffsetTimestamps.EARLIEST })).get(
            topic,
          ) ?? [];
        for (const p of needsCommitted) {
          const c = committed[p] ?? -1n;
          if (!this.committed.has(p)) this.committed.set(p, c >= 0n ? c : (starts[p] ?? 0n));
        }
      }
      for (const p of partitions) {
        const end = ends[p];
        if (end !== undefined && end > (this.ends.get(p) ?? -1n)) this.ends.set(p, end);
      }
      if (this.readFailed && this.lag === 0) this.readable();
    } catch (err) {
      this.logger.debug({ err: describeKafkaError(err) }, 'lag lookup failed; the next one tries again');
    }
  }

  /** Records not yet committed, per assigned partition; undefined before the group was joined. */
  lagRecord(): Record<string, number> | undefined {
    if (!this.joined) return undefined;
    const out: Record<string, number> = {};
    for (const p of this.assigned) {
      const c = this.committed.get(p);
      const e = this.ends.get(p);
      if (c === undefined || e === undefined) return undefined;
      out[p] = Math.max(0, Number(e - c));
    }
    return out;
  }

  get lag(): number | undefined {
    const record = this.lagRecord();
    if (!record) return undefined;
    let sum = 0;
    for (const l of Object.values(record)) sum += l;
    return sum;
  }

  /** Leaves the group (at once: every settled chunk is committed by then), within `waitMs`. */
  async stop(waitMs: number): Promise<void> {
    this.stopping = true;
    if (this.lagTimer) clearInterval(this.lagTimer);
    const left = await Promise.race([this.closeConsumer().then(() => true), sleep(waitMs).then(() => false)]);
    if (!left)
      this.logger.warn(`consumer did not leave its group within ${waitMs} ms; exiting without waiting`);
  }

  private async closeConsumer(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    this.stream = undefined;
    this.joined = false;
    this.pending.clear();
    if (!consumer) return;
    await consumer
      .close(true)
      .catch((err: unknown) => this.logger.debug({ err: describeKafkaError(err) }, 'consumer close failed'));
  }
}
