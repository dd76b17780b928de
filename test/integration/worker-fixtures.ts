/**
 * Fixtures for tenant-worker tests: a config file with unique topic, group and index names, the
 * sample traffic and the exact records each tenant must end up with, and worker processes.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@elastic/elasticsearch';
import { onTestFinished } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import type { AppConfig, KafkaCompression } from '../../src/config/types.js';
import { compileFilter } from '../../src/filter/compile.js';
import type { EncodedMessage } from '../../src/gen/encode.js';
import { type GenSettings, sampleMessages } from '../../src/gen/sample.js';
import type { SflowRecord } from '../../src/record.js';
import {
  type CapturedProcess,
  ES_URL,
  KAFKA_BROKERS,
  spawnCaptured,
  type TestKafka,
  uniqueName,
} from '../helpers.js';

const root = new URL('../../', import.meta.url).pathname;
export const GEOIP = join(root, 'test/fixtures/geoip');

export interface TenantSpec {
  /** Filter and other keys as they appear in a [tenant.NAME] section. */
  readonly keys: Record<string, string>;
}

export interface Scenario {
  readonly file: string;
  readonly config: AppConfig;
  readonly topic: string;
  readonly dlq: string;
  /** Tenant name → its index prefix (unique to this scenario). */
  readonly prefixes: Record<string, string>;
}

/** Creates the scenario's topic (4 partitions); it is deleted when the test file ends. */
export async function createScenarioTopic(kafka: TestKafka, scenario: Scenario): Promise<void> {
  await kafka.admin().ensureTopics([{ topic: scenario.topic, partitions: 4 }]);
  onTestFinished(() => kafka.deleteTopics([scenario.topic, scenario.dlq]));
}

/** Writes a config with a fresh topic, dead-letter topic, group prefix and index prefixes. */
export function writeScenario(
  tenants: Record<string, TenantSpec>,
  extra: {
    threads?: number;
    ipmap?: object;
    sections?: string[];
    interfaces?: string;
    /** Lines of [kafka] beside the scenario's own (brokers given here win). */
    kafka?: string[];
  } = {},
): Scenario {
  const dir = mkdtempSync(join(tmpdir(), 'smonnet-'));
  const id = uniqueName('w');
  const topic = `${id}`;
  const dlq = `${id}.dlq`;
  const ipmap = join(dir, 'ipmap.json');
  writeFileSync(
    ipmap,
    JSON.stringify(
      extra.ipmap ?? {
        nat: { '10.1.42.10': '203.0.113.10' },
        labels: { '10.1.42.0/24': 'lab42-net', '2001:db8:200::/48': 'physics-v6' },
      },
    ),
  );
  const prefixes: Record<string, string> = {};
  const sections = Object.entries(tenants).map(([name, spec]) => {
    prefixes[name] = `${id}-${name}`;
    const keys = { es_nodes: ES_URL, index_prefix: prefixes[name]!, ...spec.keys };
    return `[tenant.${name}]\n${Object.entries(keys)
      .map(([k, v]) => `${k} = ${v}`)
      .join('\n')}\n`;
  });
  const text = [
    '[kafka]',
    ...(extra.kafka?.some((l) => l.startsWith('brokers')) ? [] : [`brokers = ${KAFKA_BROKERS}`]),
    ...(extra.kafka ?? []),
    `topic = ${topic}`,
    `dead_letter_topic = ${dlq}`,
    `group_prefix = ${id}`,
    '[enrich]',
    `geoip_city = ${GEOIP}/GeoLite2-City-Test.mmdb`,
    `geoip_asn = ${GEOIP}/GeoLite2-ASN-Test.mmdb`,
    `ipmap = ${ipmap}`,
    `threads = ${extra.threads ?? 1}`,
    ...(extra.interfaces ? [`interfaces = ${extra.interfaces}`] : []),
    ...(extra.sections ?? []),
    ...sections,
  ].join('\n');
  const file = join(dir, 'api.cfg');
  writeFileSync(file, text);
  return { file, config: parseConfig(text, file), topic, dlq, prefixes };
}

/** The records each tenant must receive from these messages, by its compiled filter. */
export function expectedRecords(
  config: AppConfig,
  messages: readonly EncodedMessage[],
): Record<string, SflowRecord[]> {
  const out: Record<string, SflowRecord[]> = {};
  for (const tenant of config.tenants) {
    const f = compileFilter(tenant.filter);
    out[tenant.name] = messages
      .flatMap((m) => m.records)
      .filter((r) => (r.kind === 'flow' ? f.flow(r) : f.counter(r)));
  }
  return out;
}

export async function produce(
  kafka: TestKafka,
  topic: string,
  messages: readonly EncodedMessage[],
  compression: KafkaCompression = 'none',
): Promise<void> {
  // Idempotent (TestKafka's producers are): a send retried after a timeout on a busy machine must
  // not write a message twice, or the exact counts would see a record rightly indexed twice.
  const producer = kafka.producer(compression);
  for (let i = 0; i < messages.length; i += 500) {
    await producer.send(
      messages.slice(i, i + 500).map((m) => ({ topic, key: m.key, value: Buffer.from(m.value) })),
    );
  }
}

export function traffic(overrides: Partial<GenSettings> = {}): EncodedMessage[] {
  return [
    ...sampleMessages({
      format: 'mixed',
      count: 3000,
      seed: 11,
      start: Date.parse('2026-11-20T06:00:00Z'),
      intervalMs: 7,
      linesPerMessage: 2,
      counterEvery: 40,
      ...overrides,
    }),
  ];
}

/** Starts `smonnet worker` as its own process (node + tsx, no npx in between, so signals reach it). */
export function spawnWorker(scenario: Scenario, tenant: string): CapturedProcess {
  return spawnCaptured(
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'worker',
      '-c',
      scenario.file,
      '-t',
      tenant,
      '--stats-interval',
      '2',
    ],
    { SMONNET_LOG_LEVEL: 'info' },
  );
}

/** The last `progress` or `stopped` figures a worker logged. */
export function lastFigures(output: string): Record<string, number> | undefined {
  const lines = output.split('\n').filter((l) => l.includes('"consumed"'));
  const last = lines[lines.length - 1];
  return last ? JSON.parse(last) : undefined;
}

export async function countDocuments(es: Client, index: string): Promise<number> {
  await es.indices.refresh({ index, ignore_unavailable: true, allow_no_indices: true });
  const r = await es.count({ index, ignore_unavailable: true, allow_no_indices: true });
  return r.count;
}

/** Every document of an index pattern, by scrolling (counts may exceed one page). */
export async function allDocuments<T>(es: Client, index: string): Promise<{ id: string; source: T }[]> {
  await es.indices.refresh({ index });
  const out: { id: string; source: T }[] = [];
  let page = await es.search<T>({ index, size: 5000, scroll: '30s', sort: ['_doc'] });
  while (page.hits.hits.length > 0) {
    for (const h of page.hits.hits) out.push({ id: h._id!, source: h._source as T });
    page = await es.scroll<T>({ scroll_id: page._scroll_id!, scroll: '30s' });
  }
  if (page._scroll_id) await es.clearScroll({ scroll_id: page._scroll_id }).catch(() => {});
  return out;
}

const run = promisify(execFile);

/**
 * The longest `scripts/services.sh up es` may take: it waits up to 180 s for yellow. A test that
 * restarts Elasticsearch adds this to its own budget, since the JVM start and shard recovery take
 * from 15 s on an idle machine to over a minute on a loaded one.
 */
export const ES_RESTART_MS = 180_000;

export async function services(...args: string[]): Promise<void> {
  await run('bash', [join(root, 'scripts/services.sh'), ...args], { cwd: root });
}

export interface ReadLetter {
  readonly value: Buffer;
  readonly headers: Record<string, string>;
}

/**
 * The scenario's dead letters, once at least `distinct` source offsets have one (they are at least
 * once: a replay may repeat a letter).
 */
export async function readDeadLetters(
  kafka: TestKafka,
  scenario: Scenario,
  distinct: number,
): Promise<ReadLetter[]> {
  const asLetter = (m: { value: Buffer | null; headers: Readonly<Record<string, Buffer>> | undefined }) => ({
    value: m.value!,
    headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)])),
  });
  const offsets = (letters: readonly ReadLetter[]) =>
    new Set(
      letters.map((l) => `${l.headers['smonnet-source-partition']}/${l.headers['smonnet-source-offset']}`),
    );
  const messages = await kafka.read(
    scenario.dlq,
    (got) => offsets(got.map(asLetter)).size >= distinct,
    60_000,
  );
  const letters = messages.map(asLetter);
  return letters;
}
