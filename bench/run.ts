import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { Client } from '@elastic/elasticsearch';
import { TenantWorker } from '../dist/worker/tenant-worker.js';
import {
  BASELINE,
  ES_URL,
  LAG_RATES,
  ONLY,
  out,
  RECORDS,
  root,
  run,
  SECTIONS,
  say,
  WARMUP,
} from './common.js';
import { clients, codecs } from './compare.js';
import { drainRun, startDaemon } from './daemon.js';
import { createTopic, deleteTopicsOf, storedBytes } from './kafka.js';
import { endToEnd, limits, produce, type WorkerClass } from './limits.js';
import { outage } from './outage.js';
import { pool, stages } from './pipeline.js';
import { lag, scaling } from './scaling.js';
import { benchMessages } from './stages.js';

async function main(): Promise<void> {
  const es = new Client({ node: ES_URL });
  const topic = `${run}-topic`;
  say('# smonnet benchmark');
  say();
  say(
    `Machine: ${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, Kafka 3.9.2 (KRaft, one node), Elasticsearch 8.19.21 (one node, 1 GiB heap), all on 127.0.0.1. GeoIP City + ASN test databases and the sample IP map.`,
  );
  say();
  try {
    if (ONLY.has('stages')) stages();
    if (ONLY.has('pool')) await pool();
    let total = 0;
    if (ONLY.has('limits') || (BASELINE && ONLY.has('clients'))) {
      await createTopic(topic, 4);
      total = await produce(topic, RECORDS, 1);
    }
    if (ONLY.has('limits')) await limits(es, topic, total);
    if (ONLY.has('scaling')) await scaling(RECORDS);
    if (ONLY.has('lag'))
      for (const [i, rate] of LAG_RATES.entries()) await lag(rate, LAG_RATES.length > 1 ? `5.${i + 1}` : '5');
    if (ONLY.has('codecs')) await codecs({ say, drainRun, storedBytes }, RECORDS, WARMUP);
    if (BASELINE && ONLY.has('clients'))
      await clients(
        {
          say,
          baseline: BASELINE,
          drainRun,
          endToEnd: async (checkout, tag) => {
            const Worker =
              checkout === root
                ? TenantWorker
                : ((await import(`${checkout}dist/worker/tenant-worker.js`)) as { TenantWorker: WorkerClass })
                    .TenantWorker;
            return endToEnd(topic, total, `${run}-cl${tag}`, Worker);
          },
        },
        RECORDS,
        root,
      );
    if (ONLY.has('outage'))
      await outage(
        {
          root,
          say,
          createTopic,
          startDaemon,
          messages: (n) =>
            benchMessages('sflowtool', n, 7).map((m) => ({ key: m.key, value: m.value as string })),
        },
        `${run}-outage`,
      );
    if (ONLY.size === SECTIONS.split(',').length)
      writeFileSync(new URL('results.md', import.meta.url), `${out.join('\n')}\n`);
  } finally {
    await es.indices
      .delete({ index: `${run}-*`, ignore_unavailable: true, allow_no_indices: true })
      .catch(() => {});
    await es.indices.deleteIndexTemplate({ name: `smonnet-${run}-*` }).catch(() => {});
    await es.close();
    await deleteTopicsOf(run);
  }
}

await main();
