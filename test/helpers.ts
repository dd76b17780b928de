/**
 * Fixtures for tests against the real local services (`npm run services -- up`). Every fixture
 * gets a random name and registers its own cleanup with onTestFinished (called inside a test, as
 * these are: afterAll registered there would never run), so tests never see each other's data.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import kafkajs, { type Admin, type Kafka } from 'kafkajs';
import { onTestFinished } from 'vitest';

const { Kafka: KafkaClient, logLevel } = kafkajs;

export const KAFKA_BROKERS = process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092';
export const ES_URL = process.env['ES_URL'] ?? 'http://127.0.0.1:9200';

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export function testKafka(): Kafka {
  return new KafkaClient({
    clientId: 'smonnet-test',
    brokers: KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
}

/** Creates a topic that is deleted when the test ends. */
export async function createTopic(kafka: Kafka, partitions = 4): Promise<string> {
  const topic = uniqueName('t');
  const admin: Admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  await admin.disconnect();
  onTestFinished(async () => {
    const a = kafka.admin();
    await a.connect();
    await a.deleteTopics({ topics: [topic] }).catch(() => {});
    await a.disconnect();
  });
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
