/**
 * The tenant worker against the real Kafka and Elasticsearch: segregation by overlapping filters,
 * malformed input, a kill -9 mid-stream, and Elasticsearch going away for 30 seconds.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { balanced } from '../../src/observability/stats.js';
import type { SflowRecord } from '../../src/record.js';
import { TenantWorker } from '../../src/worker/tenant-worker.js';
import { type TestKafka, testElasticsearch, testKafka, waitFor } from '../helpers.js';
import {
  allDocuments,
  countDocuments,
  createScenarioTopic,
  ES_RESTART_MS,
  expectedRecords,
  lastFigures,
  produce,
  readDeadLetters,
  type Scenario,
  services,
  spawnWorker,
  traffic,
  writeScenario,
} from './worker-fixtures.js';

// SMONNET_TEST_LOG=info shows the in-process workers' logs when a test needs explaining.
const silent = createLogger({ level: process.env['SMONNET_TEST_LOG'] ?? 'silent' });

/** What identifies a record in both a record and a document, whatever the schema. */
function recordKey(r: SflowRecord): string {
  if (r.kind === 'counter') return `C|${r.agent}|${r.ifIndex}|${r.ifInOctets}`;
  return `F|${r.agent}|${r.srcIp}|${r.srcPort}|${r.dstIp}|${r.dstPort}|${r.proto}|${r.frameLength}`;
}

// biome-ignore lint/suspicious/noExplicitAny: documents of two schemas, read field by field below
type Doc = Record<string, any>;
function documentKey(d: Doc): string {
  if (d['SampleType'] === 'CNTR')
    return `C|${d['sflow_ReporterIP']}|${d['sflow_ifIndex']}|${d['sflow_ifInOctets']}`;
  if (d['SampleType'] === 'FLOW') {
    // The original's address fields hold IPv4 only (0.0.0.0 otherwise); smonnet adds the IPv6 ones.
    const src = d['smonnet_srcIPv6'] ?? d['sflow_srcIP'];
    const dst = d['smonnet_dstIPv6'] ?? d['sflow_dstIP'];
    return `F|${d['sflow_ReporterIP']}|${src}|${d['sflow_srcPort']}|${dst}|${d['sflow_dstPort']}|${d['sflow_IP_Protocol']}|${d['sflow_PacketSize']}`;
  }
  if (d['event']?.dataset === 'sflow.counters') {
    const c = d['sflow'].counters;
    return `C|${d['observer'].ip}|${c.if_index}|${c.in_octets}`;
  }
  // ICMP documents carry no ports (sflow.icmp_* instead): 0, as the records have.
  return `F|${d['observer'].ip}|${d['source'].ip}|${d['source'].port ?? 0}|${d['destination'].ip}|${d['destination'].port ?? 0}|${d['network'].iana_number}|${d['sflow'].frame_length}`;
}

const sorted = (keys: string[]) => [...keys].sort();

async function startWorker(scenario: Scenario, name: string): Promise<TenantWorker> {
  const tenant = scenario.config.tenants.find((t) => t.name === name)!;
  const worker = new TenantWorker(scenario.config, tenant, silent);
  await worker.start();
  return worker;
}

/** The tenant's group has committed every partition of the scenario's topic up to its end. */
async function expectCommittedToEnd(kafka: TestKafka, scenario: Scenario, tenant: string): Promise<void> {
  const admin = kafka.admin();
  const ends = await admin.endOffsets(scenario.topic);
  const committed = await admin.committedOffsets(
    `${scenario.config.kafka.groupPrefix}-${tenant}`,
    scenario.topic,
  );
  for (const [p, end] of ends.entries()) if (end > 0n) expect(committed[p], `partition ${p}`).toBe(end);
}

describe('tenant worker', () => {
  it('gives three tenants with overlapping filters exactly their own records, from all formats mixed', async () => {
    const kafka = testKafka();
    const scenario = writeScenario({
      lab42: { keys: { vlan: '42, 100-110' } },
      physics: { keys: { ip: '10.2.0.0/24, 2001:db8:200::/48', schema: 'legacy' } },
      campus6: { keys: { dst_ip: '2001:db8::/32' } },
    });
    const es = testElasticsearch(scenario.topic);
    const messages = traffic();
    const expected = expectedRecords(scenario.config, messages);
    // The filters overlap, and every tenant has work to do.
    for (const name of ['lab42', 'physics', 'campus6']) expect(expected[name]!.length).toBeGreaterThan(100);
    const physicsV6 = expected['physics']!.filter((r) => r.kind === 'flow' && r.srcIp.includes(':'));
    expect(physicsV6.length).toBeGreaterThan(0);

    await produce(kafka, scenario.topic, messages);
    const workers = await Promise.all(['lab42', 'physics', 'campus6'].map((n) => startWorker(scenario, n)));
    try {
      for (const [name, prefix] of Object.entries(scenario.prefixes)) {
        await waitFor(
          `${name} to index ${expected[name]!.length} documents`,
          async () =>
            (await countDocuments(es, `${prefix}-*`)) >= expected[name]!.length ? true : undefined,
          90_000,
          1000,
        );
      }
      const records = messages.reduce((n, m) => n + m.records.length, 0);
      // At least: a rebalance before a commit replays a chunk (documents overwrite by id).
      await waitFor('every record consumed', async () =>
        workers.every((w) => w.stats.consumed >= records) ? true : undefined,
      );

      for (const [name, prefix] of Object.entries(scenario.prefixes)) {
        const docs = await allDocuments<Doc>(es, `${prefix}-*`);
        expect(sorted(docs.map((d) => documentKey(d.source))), name).toEqual(
          sorted(expected[name]!.map(recordKey)),
        );
      }
      for (const w of workers) {
        expect(w.stats.deadLettered).toBe(0);
        expect(balanced(w.stats)).toBe(true);
      }

      // Spot checks: enrichment from the test databases and the IP map, in both schemas.
      const lab42 = await es.search<Doc>({
        index: `${scenario.prefixes['lab42']}-*`,
        size: 1,
        query: { term: { 'destination.ip': '89.160.20.130' } },
      });
      expect(lab42.hits.hits[0]?._source).toMatchObject({
        destination: {
          geo: { city_name: 'Linköping', country_iso_code: 'SE' },
          as: { number: 29518, organization: { name: 'Bredband2 AB' } },
        },
      });
      const natted = await es.search<Doc>({
        index: `${scenario.prefixes['lab42']}-*`,
        size: 1,
        query: { term: { 'source.ip': '10.1.42.10' } },
      });
      if (expected['lab42']!.some((r) => r.kind === 'flow' && r.srcIp === '10.1.42.10')) {
        expect(natted.hits.hits[0]?._source).toMatchObject({
          source: { nat: { ip: '203.0.113.10' } },
          labels: { source_network: 'lab42-net' },
        });
      }
      const physics = await es.search<Doc>({
        index: `${scenario.prefixes['physics']}-*`,
        size: 1,
        query: { term: { smonnet_srcIPv6: '2001:db8:200::/48' } },
      });
      expect(physics.hits.hits[0]?._source).toMatchObject({
        SampleType: 'FLOW',
        sflow_srcIP: '0.0.0.0',
        smonnet_src_label: 'physics-v6',
      });
      // VLAN-only and address-only tenants get no interface counters; nobody here filters by port.
      expect(await countDocuments(es, `${scenario.prefixes['lab42']}-counters-*`)).toBe(0);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  });

  it('dead-letters malformed messages with their reason, counts them, and keeps running', async () => {
    const kafka = testKafka();
    const scenario = writeScenario({ all: { keys: {} } });
    const es = testElasticsearch(scenario.topic);
    const good =
      'FLOW,192.0.2.1,12,1,02a3914cac00,00005e0001fe,0x0800,42,0,10.1.42.27,81.2.69.142,6,0x00,63,42879,443,0x18,70,52,512';
    const malformed: { value: Buffer; reason: RegExp }[] = [
      { value: randomBytes(64), reason: /protobuf|bytes, expected 4 or 16/ },
      { value: Buffer.from(good.slice(0, 60)), reason: /^FLOW line has \d+ fields, expected 20$/ },
      { value: Buffer.from(`${good},extra`), reason: /^FLOW line has 21 fields, expected 20$/ },
      {
        value: Buffer.from(good.replace('81.2.69.142', '81.2.69.1420')),
        reason: /destination address '81.2.69.1420' is not an IP address/,
      },
      { value: Buffer.alloc(10 * 1024 * 1024, 'F'), reason: /exceeds the 1048576-byte limit/ },
      {
        value: Buffer.concat([Buffer.from('FLOW,'), Buffer.from([0xc3, 0x28, 0xa0, 0xa1])]),
        reason: /not valid UTF-8/,
      },
    ];
    const producer = kafka.producer();
    // One partition, so offsets 1..6 are the malformed messages in order.
    const values = [good, ...malformed.map((m) => m.value), good.replace('443', '80')];
    await producer.send(
      values.map((value) => ({ topic: scenario.topic, value: Buffer.from(value), partition: 0 })),
    );

    const worker = await startWorker(scenario, 'all');
    try {
      // Counted at least once: a rebalance before a commit replays a chunk, and counts it again.
      await waitFor(
        'all 8 messages settled',
        async () => (worker.stats.consumed >= 8 ? true : undefined),
        60_000,
      );
      const replays = worker.stats.consumed / 8;
      expect(worker.stats).toMatchObject({ indexed: 2 * replays, filteredOut: 0, deadLettered: 6 * replays });

      // Still running: more good records are indexed.
      await producer.send([{ topic: scenario.topic, value: Buffer.from(good.replace('443', '22')) }]);
      const indexedBefore = worker.stats.indexed;
      await waitFor('the next good record indexed', async () =>
        worker.stats.indexed > indexedBefore ? true : undefined,
      );
      expect(await countDocuments(es, `${scenario.prefixes['all']}-*`)).toBe(3);
    } finally {
      await worker.stop();
    }

    // Each dead letter carries the original bytes (cut when huge) and says whose, where and why.
    const letters = await readDeadLetters(kafka, scenario, 6);
    const offsets = new Set(letters.map((l) => l.headers['smonnet-source-offset']));
    // Dead letters are at least once: one per malformed message, possibly repeated by a replay.
    expect(offsets.size).toBe(6);
    for (const [i, m] of malformed.entries()) {
      const letter = letters.find((l) => Number(l.headers['smonnet-source-offset']) === i + 1)!;
      expect(letter.headers).toMatchObject({
        'smonnet-tenant': 'all',
        'smonnet-source-topic': scenario.topic,
      });
      expect(letter.headers['smonnet-reason']).toMatch(m.reason);
      if (m.value.length < 900_000) expect(letter.value.equals(m.value)).toBe(true);
      else expect(letter.headers['smonnet-original-bytes']).toBe(String(m.value.length));
    }
  });

  it('dead-letters documents Elasticsearch refuses for good (mapping conflicts) with its reason', async () => {
    const kafka = testKafka();
    const scenario = writeScenario({ strict: { keys: {} } });
    const es = testElasticsearch(scenario.topic);
    // An index that exists before the worker's template, with a mapping our documents break.
    await es.indices.create({
      index: `${scenario.prefixes['strict']}-2026.11.20`,
      mappings: { properties: { source: { properties: { mac: { type: 'boolean' } } } } },
    });
    const messages = traffic({ format: 'goflow2-json', count: 5, counterEvery: 0 });
    await produce(kafka, scenario.topic, messages);
    const worker = await startWorker(scenario, 'strict');
    try {
      await waitFor('5 records settled', async () => (worker.stats.consumed >= 5 ? true : undefined), 60_000);
      expect(worker.stats.indexed).toBe(0);
      expect(worker.stats.deadLettered).toBe(worker.stats.consumed);
    } finally {
      await worker.stop();
    }
    // At least once: one dead letter per record, possibly repeated by a replay.
    const reasons = new Map(
      (await readDeadLetters(kafka, scenario, 5)).map((l) => [
        `${l.headers['smonnet-source-partition']}/${l.headers['smonnet-source-offset']}`,
        l.headers['smonnet-reason'],
      ]),
    );
    expect([...reasons.keys()].sort(), JSON.stringify([...reasons])).toHaveLength(5);
    for (const r of reasons.values()) expect(r).toMatch(/parsing_exception.*source\.mac/);
  });

  it('loses and duplicates nothing when a worker is killed with SIGKILL mid-stream and restarted', async () => {
    const kafka = testKafka();
    const scenario = writeScenario({ all: { keys: {} } }, { threads: 2 });
    const es = testElasticsearch(scenario.topic);
    const messages = traffic({ count: 20_000, seed: 5 });
    const expected = messages.reduce((n, m) => n + m.records.length, 0);
    await produce(kafka, scenario.topic, messages);
    const index = `${scenario.prefixes['all']}-*`;

    const first = spawnWorker(scenario, 'all');
    await waitFor(
      'some documents indexed',
      async () => ((await countDocuments(es, index)) >= 2000 ? true : undefined),
      90_000,
      300,
    );
    first.child.kill('SIGKILL');
    await first.exited;
    const atKill = await countDocuments(es, index);
    expect(atKill).toBeLessThan(expected);

    const second = spawnWorker(scenario, 'all');
    await waitFor(
      `${expected} documents`,
      async () => ((await countDocuments(es, index)) >= expected ? true : undefined),
      120_000,
      1000,
    );
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const docs = await allDocuments<Doc>(es, index);
    expect(docs).toHaveLength(expected);
    expect(sorted(docs.map((d) => documentKey(d.source)))).toEqual(
      sorted(messages.flatMap((m) => m.records).map(recordKey)),
    );
    // The graceful stop left the group's committed offsets at the end of every partition.
    await expectCommittedToEnd(kafka, scenario, 'all');
    expect(second.output()).toMatch(/"balanced":true/);
  });

  it('restarts its consumer from the last commit when processing fails unexpectedly, losing nothing', async () => {
    const kafka = testKafka();
    const scenario = writeScenario({ all: { keys: {} } });
    const es = testElasticsearch(scenario.topic);
    const messages = traffic({ count: 6_000, seed: 9 });
    const expected = messages.reduce((n, m) => n + m.records.length, 0);
    await produce(kafka, scenario.topic, messages);
    const index = `${scenario.prefixes['all']}-*`;
    // The third chunk handed to processing fails, once, as a bug in the pool would.
    let chunks = 0;
    let failed = 0;
    const tenant = scenario.config.tenants[0]!;
    const worker = new TenantWorker(scenario.config, tenant, silent, {
      chunkMessages: 200,
      wrapProcessor: (processor) => ({
        ...processor,
        utilization: () => processor.utilization(),
        close: () => processor.close(),
        process: (batch) => {
          if (++chunks === 3) {
            failed++;
            return Promise.reject(new Error('injected: processing failed'));
          }
          return processor.process(batch);
        },
      }),
    });
    await worker.start();
    try {
      await waitFor(
        `${expected} documents`,
        async () => ((await countDocuments(es, index)) >= expected ? true : undefined),
        120_000,
        1000,
      );
    } finally {
      await worker.stop();
    }
    expect(failed).toBe(1);
    const docs = await allDocuments<Doc>(es, index);
    expect(docs).toHaveLength(expected);
    expect(sorted(docs.map((d) => documentKey(d.source)))).toEqual(
      sorted(messages.flatMap((m) => m.records).map(recordKey)),
    );
    // The failed chunk and those after it were read again: nothing was committed past them.
    expect(worker.stats.indexed).toBeGreaterThanOrEqual(expected);
    await expectCommittedToEnd(kafka, scenario, 'all');
  });

  it(
    'loses nothing while Elasticsearch is stopped for 30 seconds as records keep arriving',
    async () => {
      const kafka = testKafka();
      const scenario = writeScenario({ lab: { keys: { vlan: '42, 100-110, 200' } } });
      const es = testElasticsearch(scenario.topic);
      await createScenarioTopic(kafka, scenario);
      const messages = traffic({ count: 4000, seed: 9 });
      const expected = expectedRecords(scenario.config, messages)['lab']!;
      const index = `${scenario.prefixes['lab']}-*`;
      const worker = spawnWorker(scenario, 'lab');
      await waitFor(
        'worker consuming',
        async () => (worker.output().includes('tenant worker consuming') ? true : undefined),
        60_000,
      );

      // A quarter before the outage, half during it, a quarter after.
      const quarter = Math.ceil(messages.length / 4);
      await produce(kafka, scenario.topic, messages.slice(0, quarter));
      await waitFor(
        'first quarter indexed',
        async () => ((await countDocuments(es, index)) > 0 ? true : undefined),
        60_000,
        500,
      );
      await services('down', 'es');
      try {
        const outageStarted = Date.now();
        await produce(kafka, scenario.topic, messages.slice(quarter, 3 * quarter));
        await new Promise((resolve) =>
          setTimeout(resolve, Math.max(0, 30_000 - (Date.now() - outageStarted))),
        );
        expect(worker.child.exitCode).toBeNull();
        expect(worker.output()).toMatch(/Elasticsearch unavailable/);
      } finally {
        await services('up', 'es');
      }
      await produce(kafka, scenario.topic, messages.slice(3 * quarter));
      await waitFor(
        `${expected.length} documents`,
        async () => ((await countDocuments(es, index)) >= expected.length ? true : undefined),
        120_000,
        1000,
      );
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
      const docs = await allDocuments<Doc>(es, index);
      expect(sorted(docs.map((d) => documentKey(d.source)))).toEqual(sorted(expected.map(recordKey)));
      const figures = lastFigures(worker.output())!;
      expect(figures['deadLettered']).toBe(0);
      // The sum of its waits: start, first quarter, the outage, Elasticsearch's restart, catching up.
    },
    60_000 + 60_000 + 30_000 + ES_RESTART_MS + 120_000,
  );
});
