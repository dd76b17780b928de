/**
 * No record can fail more than itself: poisonous records are dead-lettered with their reason and
 * stage, the good ones around them are indexed, the partition is committed to its end, and a
 * worker that failed lately says so.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { goflow2Json } from '../../src/gen/encode.js';
import { balanced } from '../../src/observability/stats.js';
import { TenantWorker } from '../../src/worker/tenant-worker.js';
import { SAMPLE_FLOW } from '../fixtures/records.js';
import { type TestKafka, testElasticsearch, testKafka, waitFor } from '../helpers.js';
import { allDocuments, readDeadLetters, type Scenario, writeScenario } from './worker-fixtures.js';

const silent = pino({ level: 'silent' });
const GOOD =
  'FLOW,192.0.2.1,12,1,02a3914cac00,00005e0001fe,0x0800,42,0,10.1.42.27,81.2.69.142,6,0x00,63,42879,443,0x18,70,52,512';

async function onePartition(
  kafka: TestKafka,
  scenario: Scenario,
  values: (string | Buffer)[],
): Promise<void> {
  await kafka.admin().ensureTopics([{ topic: scenario.topic, partitions: 1 }]);
  await kafka.produce(
    values.map((value) => ({ topic: scenario.topic, value: Buffer.from(value), partition: 0 })),
  );
}

async function committed(kafka: TestKafka, scenario: Scenario, tenant: string): Promise<[number, number]> {
  const admin = kafka.admin();
  const [end] = await admin.endOffsets(scenario.topic);
  const [at] = await admin.committedOffsets(`${scenario.config.kafka.groupPrefix}-${tenant}`, scenario.topic);
  return [Number(at), Number(end)];
}

describe('isolation of bad records', () => {
  it('indexes every good record around poisonous ones, dead-letters those with reason and stage, and commits to the end', async () => {
    const kafka = testKafka();
    const scenario = writeScenario({ all: { keys: {} } });
    const es = testElasticsearch(scenario.topic);
    const json = JSON.parse(goflow2Json(SAMPLE_FLOW, 1)) as Record<string, unknown>;
    const values = [
      GOOD,
      // An impossible time: the record keeps the Kafka time (counted), as the value rules say.
      JSON.stringify({ ...json, time_received_ns: 1e30, time_flow_start_ns: 1e30 }),
      // An impossible port: dead-lettered by the decoder, naming it.
      JSON.stringify({ ...json, dst_port: 1e30 }),
      // Makes the processing of any chunk holding it fail, like a bug in a stage would.
      'POISON',
      GOOD.replace('443', '80'),
    ];
    await onePartition(kafka, scenario, values);
    const tenant = scenario.config.tenants[0]!;
    const worker = new TenantWorker(scenario.config, tenant, silent, {
      wrapProcessor: (processor) => ({
        ...processor,
        utilization: () => processor.utilization(),
        close: () => processor.close(),
        process: (batch) =>
          Buffer.from(batch.data).includes('POISON')
            ? Promise.reject(new Error('injected: a stage threw'))
            : processor.process(batch),
      }),
    });
    await worker.start();
    try {
      await waitFor(
        'the partition committed to its end',
        async () => {
          const [at, end] = await committed(kafka, scenario, 'all');
          return at === end ? true : undefined;
        },
        90_000,
        500,
      );
      expect(worker.stats).toMatchObject({ indexed: 3, deadLettered: 2, timesReplaced: 1 });
      expect(worker.stats.chunkFailures).toBeGreaterThanOrEqual(1);
      expect(balanced(worker.stats)).toBe(true);
      expect(worker.lag).toBe(0);
      // A failure in the last minute makes the worker report trouble (status: degraded, /readyz 503).
      expect(worker.gauges().trouble).toMatch(/chunk failed as a whole.*injected: a stage threw/);
    } finally {
      await worker.stop();
    }
    const docs = await allDocuments<{ destination: { port: number }; '@timestamp': string }>(
      es,
      `${scenario.prefixes['all']}-*`,
    );
    expect(docs.map((d) => d.id).sort()).toEqual(
      [0, 1, 4].map((offset) => `${scenario.topic}-0-${offset}-0`).sort(),
    );
    const letters = await readDeadLetters(kafka, scenario, 2);
    const byOffset = new Map(letters.map((l) => [l.headers['smonnet-source-offset'], l.headers]));
    expect(byOffset.get('2')).toMatchObject({
      'smonnet-reason': "dst_port '1e+30' is not a valid value",
      'smonnet-stage': 'decode',
      'smonnet-source-topic': scenario.topic,
      'smonnet-source-partition': '0',
    });
    expect(byOffset.get('3')).toMatchObject({
      'smonnet-reason': 'processing failed: injected: a stage threw',
      'smonnet-stage': 'process',
    });
  });
});
