/**
 * The real goflow2 (v2.2.6, built by scripts/goflow2.sh) receives real sFlow datagrams (pmacct's
 * sfprobe, test/fixtures/sflow-datagrams) over UDP on 127.0.0.1 and writes them to the local Kafka
 * as JSON and as protobuf; smonnet's tenants read that topic. Every record goflow2 wrote must be
 * indexed (or filtered out), with the values goflow2 gave it.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import { decodeValue } from '../../src/decode/detect.js';
import { tenantTopic } from '../../src/fanout/route.js';
import { Segregator } from '../../src/fanout/segregator.js';
import type { FlowRecord } from '../../src/record.js';
import { TenantWorker } from '../../src/worker/tenant-worker.js';
import { KAFKA_BROKERS, type TestKafka, testElasticsearch, testKafka, waitFor } from '../helpers.js';
import { freePort } from './daemon-fixtures.js';
import { allDocuments, createScenarioTopic, type Scenario, writeScenario } from './worker-fixtures.js';

const root = new URL('../../', import.meta.url).pathname;
const DATAGRAMS = readFileSync(
  new URL('../fixtures/sflow-datagrams/pmacct-sfprobe.b64', import.meta.url),
  'utf8',
)
  .split('\n')
  .filter((l) => l.length > 0)
  .map((l) => Buffer.from(l, 'base64'));

/** goflow2 collecting sFlow on 127.0.0.1:`port` into `topic`; stopped when the test ends. */
async function startGoflow2(
  topic: string,
  format: 'json' | 'bin',
  port: number,
  compression = 'none',
): Promise<ChildProcess> {
  const bin = execFileSync('bash', [`${root}scripts/goflow2.sh`], { encoding: 'utf8' }).trim();
  const child = spawn(
    bin,
    [
      `-listen=sflow://127.0.0.1:${port}`,
      `-addr=127.0.0.1:${await freePort()}`,
      '-transport=kafka',
      `-transport.kafka.brokers=${KAFKA_BROKERS}`,
      `-transport.kafka.topic=${topic}`,
      '-transport.kafka.flushfreq=200ms',
      `-transport.kafka.compression=${compression}`,
      `-format=${format}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  onTestFinished(() => {
    child.kill('SIGTERM');
  });
  await waitFor(
    'goflow2 collecting',
    async () => (log.includes('starting collection') ? true : undefined),
    30_000,
  );
  return child;
}

async function sendDatagrams(port: number): Promise<void> {
  const socket = createSocket('udp4');
  for (const d of DATAGRAMS)
    await new Promise<void>((r, j) => socket.send(d, port, '127.0.0.1', (e) => (e ? j(e) : r())));
  socket.close();
}

/** Every message goflow2 wrote to the topic, once the topic's end offsets stood still for 3 s. */
async function written(
  kafka: TestKafka,
  topic: string,
): Promise<{ partition: number; offset: string; value: Buffer }[]> {
  let seen = { count: 0, since: Date.now() };
  const count = await waitFor(
    'goflow2 done writing',
    async () => {
      const n = await kafka.messageCount(topic);
      if (n !== seen.count) seen = { count: n, since: Date.now() };
      return n > 0 && Date.now() - seen.since > 3000 ? n : undefined;
    },
    60_000,
    500,
  );
  const messages = await kafka.read(topic, count, 60_000);
  return messages.map((m) => ({ partition: m.partition, offset: m.offset, value: m.value! }));
}

function flowOf(value: Buffer): FlowRecord {
  const records: FlowRecord[] = [];
  decodeValue(value, 'auto', undefined, {
    record: (_i, r) => records.push(r as FlowRecord),
    error: (_i, e) => {
      throw new Error(e);
    },
  });
  return records[0]!;
}

type Doc = Record<string, Record<string, unknown> & { port?: number; ip?: string }>;

async function runTenants(scenario: Scenario, expected: number): Promise<TenantWorker[]> {
  const workers = scenario.config.tenants.map(
    (t) => new TenantWorker(scenario.config, t, pino({ level: 'silent' })),
  );
  await Promise.all(workers.map((w) => w.start()));
  onTestFinished(async () => {
    await Promise.all(workers.map((w) => w.stop()));
  });
  await waitFor(
    'every record settled',
    async () => (workers.every((w) => w.stats.consumed >= expected && w.lag === 0) ? true : undefined),
    90_000,
    500,
  );
  return workers;
}

describe('goflow2 between real sFlow and smonnet', () => {
  it.each(['json', 'bin'] as const)(
    'indexes every record goflow2 writes as %s, with its values',
    async (format) => {
      const kafka = testKafka();
      const scenario = writeScenario({
        all: { keys: {} },
        web: { keys: { port: '18080', schema: 'legacy' } },
      });
      const es = testElasticsearch(scenario.topic);
      await createScenarioTopic(kafka, scenario);
      const port = await freePort();
      await startGoflow2(scenario.topic, format, port);
      await sendDatagrams(port);
      const messages = await written(kafka, scenario.topic);
      // 18 datagrams of pmacct's sfprobe hold 88 flow samples.
      expect(messages.length).toBe(88);
      const records = new Map(
        messages.map((m) => [`${scenario.topic}-${m.partition}-${m.offset}-0`, flowOf(m.value)]),
      );

      const [all, web] = await runTenants(scenario, messages.length);
      const webRecords = [...records.values()].filter((r) => r.srcPort === 18080 || r.dstPort === 18080);
      expect(all!.stats).toMatchObject({ consumed: 88, indexed: 88, deadLettered: 0 });
      expect(web!.stats).toMatchObject({
        indexed: webRecords.length,
        filteredOut: 88 - webRecords.length,
        deadLettered: 0,
      });
      expect(webRecords.length).toBeGreaterThan(0);

      const docs = await allDocuments<Doc>(es, `${scenario.prefixes['all']}-*`);
      expect(docs.map((d) => d.id).sort()).toEqual([...records.keys()].sort());
      for (const { id, source: d } of docs) {
        const r = records.get(id)!;
        expect(d['observer']!['ip'], id).toBe('10.77.3.1');
        expect(d['source']!.ip, id).toBe(r.srcIp || undefined);
        expect(d['destination']!.ip, id).toBe(r.dstIp || undefined);
        expect(d['source']!.port, id).toBe(r.srcIp === '' || r.icmpType >= 0 ? undefined : r.srcPort);
        expect(d['network']!['bytes'], id).toBe(r.frameLength * r.samplingRate);
        expect(d['network']!['packets'], id).toBe(2);
        // pmacct's sfprobe reports its capture interface as "internal": no interface id.
        expect(d['observer']!['ingress'], id).toEqual({});
        expect((d['sflow'] as Record<string, unknown>)['in_interface_format'], id).toBe('internal');
      }
      // ICMPv6 (neighbour discovery) and MLD samples carry no ports.
      const icmp = docs.filter((d) => d.source['sflow'] && 'icmp_type' in (d.source['sflow'] as object));
      expect(icmp.length).toBeGreaterThan(0);
      const legacy = await allDocuments<Record<string, unknown>>(es, `${scenario.prefixes['web']}-*`);
      expect(legacy).toHaveLength(webRecords.length);
      for (const { source: d } of legacy) expect([d['sflow_srcPort'], d['sflow_dstPort']]).toContain(18080);
    },
  );
});

describe('goflow2 compressing what it writes', () => {
  it.each(['none', 'gzip', 'snappy', 'lz4', 'zstd'])(
    '%s: every record is indexed, in direct and in fan-out mode',
    async (compression) => {
      const kafka = testKafka();
      const scenario = writeScenario({ all: { keys: {} } });
      const es = testElasticsearch(scenario.topic);
      await createScenarioTopic(kafka, scenario);
      onTestFinished(() => kafka.deleteTopics([tenantTopic(scenario.topic, 'all')]));
      const port = await freePort();
      await startGoflow2(scenario.topic, 'json', port, compression);
      await sendDatagrams(port);
      // Read back through smonnet's consumer, which decompresses what the broker hands it.
      const messages = await written(kafka, scenario.topic);
      expect(messages.length).toBe(88);
      const ids = messages.map((m) => `${scenario.topic}-${m.partition}-${m.offset}-0`).sort();
      const stored = await kafka.admin().storedBytes([scenario.topic]);
      bytesOf.set(compression, stored);
      if (compression !== 'none' && bytesOf.has('none')) expect(stored).toBeLessThan(bytesOf.get('none')!);

      // Direct: the tenant reads the compressed topic itself.
      await runTenants(scenario, 88);
      const direct = await allDocuments(es, `${scenario.prefixes['all']}-*`);
      expect(direct.map((d) => d.id).sort()).toEqual(ids);

      // Fan-out: the segregator reads it and writes packs; the tenant reads those, same ids.
      const text = readFileSync(scenario.file, 'utf8')
        .replace(/^group_prefix = (.*)$/m, 'group_prefix = $1-fanout\nmode = fanout')
        .replace(/^index_prefix = (.*)$/m, 'index_prefix = $1-fanout');
      const fanout = parseConfig(text, scenario.file);
      const segregator = new Segregator(fanout, pino({ level: 'silent' }));
      const worker = new TenantWorker(fanout, fanout.tenants[0]!, pino({ level: 'silent' }));
      onTestFinished(async () => {
        await worker.stop();
        await segregator.stop();
      });
      await segregator.start();
      await worker.start();
      await waitFor(
        'the fan-out tenant settled every record',
        async () =>
          worker.stats.consumed >= 88 && worker.lag === 0 && segregator.lag === 0 ? true : undefined,
        90_000,
        500,
      );
      const routed = await allDocuments(es, `${scenario.prefixes['all']}-fanout-*`);
      expect(routed.map((d) => d.id).sort()).toEqual(ids);
      expect(segregator.stats.consumed).toBe(88);
    },
    150_000,
  );
});

/** Bytes the broker stored for each codec's topic (the same 88 records each time). */
const bytesOf = new Map<string, number>();
