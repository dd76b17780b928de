/**
 * Fixtures for tests against the real local services (`npm run services -- up`). Every fixture
 * gets a random name and registers its own cleanup with onTestFinished (called inside a test, as
 * these are: afterAll registered there would never run), so tests never see each other's data.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import { onTestFinished } from 'vitest';
import type { KafkaCompression } from '../src/config/types.js';
import { KafkaAdmin } from '../src/kafka/admin.js';
import { type KafkaConnection, PLAINTEXT } from '../src/kafka/client.js';
import { type ConsumedMessage, GroupConsumer } from '../src/kafka/consumer.js';
import { KafkaProducer, type OutMessage } from '../src/kafka/producer.js';
import { createLogger } from '../src/observability/logger.js';

export const KAFKA_BROKERS = process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092';
export const ES_URL = process.env['ES_URL'] ?? 'http://127.0.0.1:9200';

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export type ReadMessage = ConsumedMessage & { readonly partition: number };

/**
 * The tests' way into the local broker, through smonnet's own Kafka layer (so the tests exercise
 * the clients the daemon uses): admin calls, produce, and reading a topic back. Every client it
 * opens is closed when the test ends.
 */
export class TestKafka {
  private readonly closers: Array<() => Promise<void>> = [];

  constructor(readonly connection: KafkaConnection = { brokers: KAFKA_BROKERS, security: PLAINTEXT }) {
    // Outside a test (a beforeAll), the caller closes it.
    try {
      onTestFinished(() => this.close());
    } catch {}
  }

  admin(): KafkaAdmin {
    const admin = new KafkaAdmin(this.connection, 'smonnet-test');
    this.closers.push(() => admin.close());
    return admin;
  }

  producer(compression: KafkaCompression = 'none'): KafkaProducer {
    const producer = new KafkaProducer(this.connection, 'smonnet-test', {
      idempotent: true,
      compression,
      createTopics: true,
    });
    this.closers.push(() => producer.close());
    return producer;
  }

  async produce(messages: readonly OutMessage[], compression: KafkaCompression = 'none'): Promise<void> {
    const producer = new KafkaProducer(this.connection, 'smonnet-test', {
      idempotent: true,
      compression,
      createTopics: true,
    });
    try {
      await producer.send(messages);
    } finally {
      await producer.close().catch(() => {});
    }
  }

  /** With an admin of its own, so that it works in a cleanup run after this one was closed. */
  async deleteTopics(topics: readonly string[]): Promise<void> {
    const admin = new KafkaAdmin(this.connection, 'smonnet-test');
    await admin.deleteTopics(topics).catch(() => {});
    await admin.close().catch(() => {});
  }

  async endOffsets(topic: string): Promise<bigint[]> {
    return this.admin().endOffsets(topic);
  }

  /** Messages in `topic` (end minus start offsets), summed over its partitions. */
  async messageCount(topic: string): Promise<number> {
    const admin = this.admin();
    const [ends, starts] = await Promise.all([admin.endOffsets(topic), admin.startOffsets(topic)]);
    return ends.reduce((sum, e, p) => sum + Number(e - (starts[p] ?? 0n)), 0);
  }

  /**
   * Reads `topic` from the start in a group of its own until `until` messages came (or it says
   * enough), or `timeoutMs`
   * passed (then it returns what it has: the caller's assertion says what was missing).
   */
  async read(
    topic: string,
    until: number | ((got: readonly ConsumedMessage[]) => boolean),
    timeoutMs = 30_000,
  ): Promise<ReadMessage[]> {
    const enoughOf =
      typeof until === 'number' ? (got: readonly ConsumedMessage[]) => got.length >= until : until;
    const got: ReadMessage[] = [];
    let done: () => void = () => {};
    const enough = new Promise<void>((resolve) => {
      done = resolve;
    });
    const group = new GroupConsumer(
      this.connection,
      {
        clientId: 'smonnet-test',
        groupId: uniqueName(`${topic}-reader`),
        topic,
        minBytes: 1,
        maxBytes: 8 * 1024 * 1024,
        maxBytesPerPartition: 2 * 1024 * 1024,
      },
      createLogger({ name: 'test-reader', level: 'silent' }),
      (batch) => {
        for (const m of batch.messages) got.push({ ...m, partition: batch.partition });
        if (enoughOf(got)) done();
      },
    );
    try {
      await group.start();
      await Promise.race([enough, new Promise((r) => setTimeout(r, timeoutMs))]);
    } finally {
      await group.stop(5_000);
    }
    return got;
  }

  async close(): Promise<void> {
    for (const close of this.closers.splice(0)) await close().catch(() => {});
  }
}

export function testKafka(connection?: KafkaConnection): TestKafka {
  return new TestKafka(connection);
}

/** Creates a topic that is deleted when the test ends. */
export async function createTopic(kafka: TestKafka, partitions = 4): Promise<string> {
  const topic = uniqueName('t');
  await kafka.admin().ensureTopics([{ topic, partitions }]);
  onTestFinished(() => kafka.deleteTopics([topic]));
  return topic;
}

/** An Elasticsearch client whose indices and templates matching `prefix*` are deleted when the test ends. */
export function testElasticsearch(prefix: string): Client {
  const es = new Client({ node: ES_URL });
  onTestFinished(async () => {
    await es.indices
      .delete({ index: `${prefix}*`, ignore_unavailable: true, allow_no_indices: true })
      .catch(() => {});
    await es.close();
  });
  return es;
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export interface CapturedProcess {
  readonly child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  readonly output: () => string;
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>;
}

/**
 * Starts a Node program of this repository with its output captured. When the test ends it gets
 * SIGTERM, `graceMs` to exit, then SIGKILL: no process outlives its test.
 */
export function spawnCaptured(
  args: readonly string[],
  env: Record<string, string>,
  graceMs = 25_000,
): CapturedProcess {
  let out = '';
  const child = spawn(process.execPath, args, {
    cwd: new URL('../', import.meta.url).pathname,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (d: Buffer): void => {
    out += d.toString();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  onTestFinished(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, output: () => out, exited };
}
