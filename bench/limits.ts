/** Section 3 of `npm run bench`: Kafka's limit, Elasticsearch's limit, and one tenant end to end. */
import { cpus } from 'node:os';
import type { Client } from '@elastic/elasticsearch';
import { createLogger } from '../dist/observability/logger.js';
import { processBatch } from '../dist/pipeline/process.js';
import { buildStages, loadStageSpec } from '../dist/pipeline/stages.js';
import { itemRanges } from '../dist/sink/elasticsearch/bulk-body.js';
import { installTemplates } from '../dist/sink/elasticsearch/template.js';
import { TenantWorker } from '../dist/worker/tenant-worker.js';
import { env, round, run, say, sleep, tenantConfig } from './common.js';
import { kafkaLimit, produceAll } from './kafka.js';
import { cpuMeter, pin, servicePid } from './proc.js';
import { benchMessages, packedMessages } from './stages.js';

// 3. ------------------------------------------------------------------------------------------
export async function produce(topic: string, count: number, seed: number): Promise<number> {
  const messages = benchMessages('sflowtool', count, seed);
  await produceAll(
    topic,
    messages.map((m) => ({ key: m.key, value: m.value as string })),
  );
  return messages.reduce((n, m) => n + m.records.length, 0);
}

interface Measured {
  rate: number;
  /** CPU µs per record of: this process (the worker or the loader), Elasticsearch, Kafka. */
  cpu: { self: number; es: number; kafka: number };
}

function meter() {
  const stop = cpuMeter({ es: servicePid('es'), kafka: servicePid('kafka') });
  const self = process.cpuUsage();
  return (records: number) => {
    const s = stop();
    const used = process.cpuUsage(self);
    return {
      self: (used.user + used.system) / records,
      es: (s['es']! * 1e6) / records,
      kafka: (s['kafka']! * 1e6) / records,
    };
  };
}

/** The tenant worker of a checkout's compiled code: this one, or BENCH_BASELINE's. */
export type WorkerClass = typeof TenantWorker;

export async function endToEnd(
  topic: string,
  total: number,
  prefix: string,
  Worker: WorkerClass = TenantWorker,
): Promise<Measured & { rss: number }> {
  const config = tenantConfig(topic, prefix, env('BENCH_THREADS', 2));
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const rssTimer = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }, 100);
  const worker = new Worker(config, config.tenants[0]!, createLogger({ level: 'warn' }), {
    ...(process.env['BENCH_CHUNK'] && { chunkMessages: Number(process.env['BENCH_CHUNK']) }),
    ...(process.env['BENCH_BULKS'] && { bulksInFlight: Number(process.env['BENCH_BULKS']) }),
    ...(process.env['BENCH_INFLIGHT_MB'] && {
      maxInFlightBytes: Number(process.env['BENCH_INFLIGHT_MB']) * 1024 * 1024,
    }),
  });
  await worker.start();
  // Steady state: from the first settled chunk (group join and template install excluded, as a
  // bulk load has neither) to the last.
  while (worker.stats.consumed === 0) await sleep(5);
  const first = worker.stats.consumed;
  const started = process.hrtime.bigint();
  const stop = meter();
  while (worker.stats.consumed < total) await sleep(5);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = stop(total - first);
  await worker.stop();
  clearInterval(rssTimer);
  if (worker.stats.indexed !== total)
    throw new Error(`end to end indexed ${worker.stats.indexed} of ${total}`);
  return { rate: (total - first) / seconds, cpu, rss: rssPeak / 2 ** 20 };
}

/** The same documents the worker indexes, straight into Elasticsearch, `concurrency` bulks in flight. */
async function directLoad(
  es: Client,
  bodies: readonly Uint8Array[],
  concurrency: number,
  prefix: string,
): Promise<Measured> {
  await installTemplates(es, prefix, 'ecs');
  let next = 0;
  let docs = 0;
  const started = process.hrtime.bigint();
  const stop = meter();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const r = (await es.transport.request({
          method: 'POST',
          path: '/_bulk',
          bulkBody: Buffer.from(body),
          querystring: { filter_path: 'errors' },
        })) as { errors: boolean };
        if (r.errors) throw new Error('direct bulk load had item errors');
        docs += itemRanges(body).length;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { rate: docs / seconds, cpu: stop(docs) };
}

function bulkBodies(
  topic: string,
  prefix: string,
  messages: ReturnType<typeof packedMessages>,
): Uint8Array[] {
  const config = tenantConfig(topic, prefix, 0);
  const st = buildStages(loadStageSpec(config, config.tenants[0]!, createLogger({ level: 'silent' })));
  return messages.batches.map((b) => processBatch({ ...b, topic }, st).body);
}

interface LimitFigures {
  e2e: number;
  limit: number;
}

/** Two rounds of: one tenant end to end, then the same documents bulk-loaded directly. */
async function limitRounds(
  es: Client,
  topic: string,
  total: number,
  messages: ReturnType<typeof packedMessages>,
  placement: string,
): Promise<LimitFigures> {
  let e2e = 0;
  let limit = 0;
  for (let roundNo = 1; roundNo <= 2; roundNo++) {
    const tag = `${placement.replace(/\W/g, '')}${roundNo}`;
    const b = await endToEnd(topic, total, `${run}-e2e${tag}`);
    say(
      `| ${placement} | end to end, one tenant, round ${roundNo} | ${round(b.rate)} | ${round(b.cpu.self, 1)} | ${round(b.cpu.es, 1)} | ${round(b.cpu.kafka, 1)} |`,
    );
    e2e = Math.max(e2e, b.rate);
    for (const concurrency of [2, 4]) {
      const prefix = `${run}-direct${tag}c${concurrency}`;
      const c = await directLoad(es, bulkBodies(topic, prefix, messages), concurrency, prefix);
      say(
        `| ${placement} | Elasticsearch limit: bulk-loaded directly, ${concurrency} in flight, round ${roundNo} | ${round(c.rate)} | ${round(c.cpu.self, 1)} | ${round(c.cpu.es, 1)} | ${round(c.cpu.kafka, 1)} |`,
      );
      limit = Math.max(limit, c.rate);
    }
  }
  return { e2e, limit };
}

/**
 * Runs `fn` with Elasticsearch alone on the last core and everything else (Kafka, this process,
 * the worker and its threads) on the others: a tenant's Elasticsearch normally has machines of
 * its own, and on a shared 2-core host every µs the worker uses is taken from Elasticsearch.
 */
async function withElasticsearchOnItsOwnCore<T>(fn: () => Promise<T>): Promise<T | undefined> {
  const esPid = servicePid('es');
  const kafkaPid = servicePid('kafka');
  const n = cpus().length;
  if (!esPid || !kafkaPid || n < 2 || !pin(process.pid, '0')) return undefined;
  const all = `0-${n - 1}`;
  const others = n === 2 ? '0' : `0-${n - 2}`;
  try {
    pin(esPid, String(n - 1));
    pin(kafkaPid, others);
    pin(process.pid, others);
    return await fn();
  } finally {
    for (const pid of [esPid, kafkaPid, process.pid]) pin(pid, all);
  }
}

export async function limits(es: Client, topic: string, total: number): Promise<void> {
  say(`## 3. Limits and one tenant end to end: ${total} sflowtool records, every record indexed`);
  say();
  const bare = await kafkaLimit(topic, total, `${run}-bare`);
  say(
    `Kafka limit, smonnet's consumer alone, counting (4 partitions): **${round(bare.rate)} records/s**, ${round(bare.cpuUs, 1)} CPU µs/record in the consumer.`,
  );
  say();
  const messages = packedMessages('sflowtool', total);
  await directLoad(es, bulkBodies(topic, `${run}-warm`, messages), 2, `${run}-warm`); // Elasticsearch's JIT and caches
  say(
    '"shared": every process may run on every core. "own core": Elasticsearch alone on one core, Kafka and the worker (or the loader) on the other.',
  );
  say();
  say('| cores | measure | records/s | CPU µs/record: worker or loader | Elasticsearch | Kafka |');
  say('| --- | --- | ---: | ---: | ---: | ---: |');
  const shared = await limitRounds(es, topic, total, messages, 'shared');
  const own = await withElasticsearchOnItsOwnCore(() => limitRounds(es, topic, total, messages, 'own core'));
  say();
  say(
    `End to end / Elasticsearch limit, best of each (goal ≥ 0.9): **${round(shared.e2e / shared.limit, 2)}** with shared cores` +
      (own
        ? `, **${round(own.e2e / own.limit, 2)}** with Elasticsearch on its own core.`
        : '; the own-core run needs taskset and at least 2 cores.'),
  );
  say();
}
