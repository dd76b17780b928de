/**
 * `npm run bench`: how fast one tenant worker is, and whether it is what holds indexing back.
 *
 *   (a) processing stage: decode + filter + enrich + serialize on in-memory batches, output
 *       discarded; with the piscina pool and inline on the main thread;
 *   (b) end to end: one worker, Kafka → Elasticsearch, every record indexed;
 *   (c) the limit: the same final documents bulk-loaded straight into the same Elasticsearch;
 *   (d) (b) / (c).
 *
 * Needs the local services (`npm run services -- up`). BENCH_RECORDS sets the size (200000).
 * Prints a table and writes it to bench/results.md.
 */

import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { Client } from '@elastic/elasticsearch';
import kafkajs from 'kafkajs';
import { sampleMessages } from '../dist/cli/gen.js';
import { parseConfig } from '../dist/config/parse.js';
import { createProcessor } from '../dist/enrich/pool.js';
import type { EncodedMessage } from '../dist/gen/encode.js';
import { createLogger } from '../dist/observability/logger.js';
import { type MessageBatch, packBatch, processBatch } from '../dist/pipeline/process.js';
import { buildStages } from '../dist/pipeline/stages.js';
import { itemRanges } from '../dist/sink/elasticsearch/bulk.js';
import { installTemplates } from '../dist/sink/elasticsearch/template.js';
import { stageSpec, TenantWorker } from '../dist/worker/tenant-worker.js';

const { Kafka, logLevel, Partitioners } = kafkajs;
const RECORDS = Number(process.env['BENCH_RECORDS'] ?? 200_000);
const BROKERS = process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092';
const ES_URL = process.env['ES_URL'] ?? 'http://127.0.0.1:9200';
const root = new URL('../', import.meta.url).pathname;
const run = `bench-${Date.now().toString(36)}`;

function configText(threads: number): string {
  return [
    '[kafka]',
    `brokers = ${BROKERS}`,
    `topic = ${run}`,
    `dead_letter_topic = ${run}.dlq`,
    `group_prefix = ${run}`,
    '[enrich]',
    `geoip_city = ${root}test/fixtures/geoip/GeoLite2-City-Test.mmdb`,
    `geoip_asn = ${root}test/fixtures/geoip/GeoLite2-ASN-Test.mmdb`,
    `ipmap = ${root}ipmap.json`,
    `threads = ${threads}`,
    '[tenant.all]',
    `es_nodes = ${ES_URL}`,
    `index_prefix = ${run}-e2e`,
  ].join('\n');
}

function toBatches(messages: readonly EncodedMessage[], size: number): MessageBatch[] {
  const enc = new TextEncoder();
  const now = Date.now();
  const batches: MessageBatch[] = [];
  for (let start = 0; start < messages.length; start += size) {
    const slice = messages.slice(start, start + size).map((m, i) => ({
      value: typeof m.value === 'string' ? enc.encode(m.value) : m.value,
      offset: start + i,
      timestamp: now,
    }));
    batches.push(packBatch(run, 0, slice));
  }
  return batches;
}

const copy = (b: MessageBatch): MessageBatch => ({ ...b, data: b.data.slice() });

async function stageRate(messages: readonly EncodedMessage[], threads: number): Promise<number> {
  const config = parseConfig(configText(threads), 'bench.cfg');
  const spec = stageSpec(config, config.tenants[0]!, createLogger({ level: 'silent' }));
  const processor = createProcessor(spec, threads);
  const batches = toBatches(messages, 1000);
  // Warm-up: threads start, JIT compiles.
  await Promise.all(batches.slice(0, 4).map((b) => processor.process(copy(b))));
  const inputs = batches.map(copy);
  const started = process.hrtime.bigint();
  let records = 0;
  // Keep the pool busy: every batch is queued at once, as the worker does with a fetch.
  const results = await Promise.all(inputs.map((b) => processor.process(b)));
  for (const r of results) records += r.records;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await processor.close();
  return records / seconds;
}

async function produce(messages: readonly EncodedMessage[]): Promise<void> {
  const kafka = new Kafka({ clientId: 'bench', brokers: [BROKERS], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: run, numPartitions: 4 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  for (let i = 0; i < messages.length; i += 2000) {
    await producer.send({
      topic: run,
      messages: messages
        .slice(i, i + 2000)
        .map((m) => ({ key: m.key, value: typeof m.value === 'string' ? m.value : Buffer.from(m.value) })),
    });
  }
  await producer.disconnect();
}

async function endToEnd(total: number, prefix: string): Promise<number> {
  // A fresh group and index prefix per round: each round reads the whole topic again.
  const text = configText(Number(process.env['BENCH_THREADS'] ?? 2))
    .replace(`${run}-e2e`, prefix)
    .replace(`group_prefix = ${run}`, `group_prefix = ${prefix}`);
  const config = parseConfig(text, 'bench.cfg');
  const worker = new TenantWorker(config, config.tenants[0]!, createLogger({ level: 'warn' }), {
    ...(process.env['BENCH_CHUNK'] && { chunkMessages: Number(process.env['BENCH_CHUNK']) }),
    ...(process.env['BENCH_PARTITIONS'] && {
      partitionsConcurrently: Number(process.env['BENCH_PARTITIONS']),
    }),
  });
  await worker.start();
  // Steady state: from the first settled chunk (group join and template install excluded, as a
  // bulk load has neither) to the last.
  while (worker.stats.consumed === 0) await new Promise((r) => setTimeout(r, 5));
  const first = worker.stats.consumed;
  const started = process.hrtime.bigint();
  while (worker.stats.consumed < total) await new Promise((r) => setTimeout(r, 5));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await worker.stop();
  if (worker.stats.indexed !== total)
    throw new Error(`end to end indexed ${worker.stats.indexed} of ${total}`);
  return (total - first) / seconds;
}

/** The same documents the worker indexed, straight into Elasticsearch with `concurrency` bulks in flight. */
async function directLoad(
  es: Client,
  messages: readonly EncodedMessage[],
  concurrency: number,
  prefix: string,
): Promise<number> {
  const config = parseConfig(configText(0).replace(`${run}-e2e`, prefix), 'bench.cfg');
  const stages = buildStages(stageSpec(config, config.tenants[0]!, createLogger({ level: 'silent' })));
  const bodies = toBatches(messages, 1000).map((b) => processBatch(b, stages));
  await installTemplates(es, prefix, 'ecs');
  let next = 0;
  let docs = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const r = (await es.transport.request({
          method: 'POST',
          path: '/_bulk',
          bulkBody: Buffer.from(body.body),
          querystring: { filter_path: 'errors' },
        })) as { errors: boolean };
        if (r.errors) throw new Error('direct bulk load had item errors');
        docs += itemRanges(body.body).length;
      }
    }),
  );
  return docs / (Number(process.hrtime.bigint() - started) / 1e9);
}

async function main(): Promise<void> {
  const messages = [
    ...sampleMessages({
      format: 'sflowtool',
      count: RECORDS,
      seed: 1,
      start: Date.parse('2026-11-20T00:00:00Z'),
      intervalMs: 1,
      linesPerMessage: 1,
      counterEvery: 50,
    }),
  ];
  const total = messages.reduce((n, m) => n + m.records.length, 0);
  const es = new Client({ node: ES_URL });
  const lines: string[] = [];
  const say = (line: string): void => {
    console.log(line);
    lines.push(line);
  };
  try {
    say(`# smonnet benchmark — one tenant worker`);
    say('');
    say(
      `${total} sflowtool records (one line per Kafka message), tenant without filter (every record indexed),`,
    );
    say(
      `GeoIP City + ASN test databases and the sample IP map. Machine: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, Kafka 3.9.2, Elasticsearch 8.19.21 (local, 1 GiB heap).`,
    );
    say('');
    say('| measure | records/s |');
    say('| --- | ---: |');
    if (!process.env['BENCH_ONLY_E2E']) {
      const pooled = await stageRate(messages, 2);
      say(`| (a) processing stage, pool of 2 threads | ${Math.round(pooled)} |`);
      const inline = await stageRate(messages, 0);
      say(`| (a) processing stage, inline (no pool) | ${Math.round(inline)} |`);
    }
    await produce(messages);
    // Elasticsearch warms up (JIT, caches) on its first load: give it one, unreported, so neither
    // side of the ratio pays for it. Then each side runs twice, interleaved; the best of each counts.
    if (!process.env['BENCH_ONLY_E2E']) await directLoad(es, messages, 2, `${run}-warmup`);
    let e2e = 0;
    let limit = 0;
    for (let round = 1; round <= 2; round++) {
      const rate = await endToEnd(total, `${run}-e2e${round}`);
      say(`| (b) end to end, Kafka → worker → Elasticsearch, round ${round} | ${Math.round(rate)} |`);
      e2e = Math.max(e2e, rate);
      if (process.env['BENCH_ONLY_E2E']) continue;
      const direct = await directLoad(es, messages, 2, `${run}-direct${round}`);
      say(
        `| (c) same documents bulk-loaded directly, 2 requests in flight, round ${round} | ${Math.round(direct)} |`,
      );
      limit = Math.max(limit, direct);
    }
    say('');
    say(`(d) end to end / Elasticsearch limit = ${(e2e / limit).toFixed(2)} (goal ≥ 0.9)`);
    if (!process.env['BENCH_ONLY_E2E'])
      writeFileSync(new URL('results.md', import.meta.url), `${lines.join('\n')}\n`);
  } finally {
    await es.indices
      .delete({ index: `${run}-*`, ignore_unavailable: true, allow_no_indices: true })
      .catch(() => {});
    await es.close();
    const kafka = new Kafka({ clientId: 'bench', brokers: [BROKERS], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [run, `${run}.dlq`] }).catch(() => {});
    await admin.disconnect();
  }
}

await main();
