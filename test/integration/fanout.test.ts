/**
 * #18 fan-out mode on the real services: the segregator routes one topic to a topic per tenant;
 * each tenant indexes exactly the records its filter keeps, under the same document ids as in
 * direct mode for the same input.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import { SEGREGATOR, tenantTopic } from '../../src/fanout/route.js';
import { flowLine } from '../../src/gen/encode.js';
import { createLogger } from '../../src/observability/logger.js';
import type { SegregatorStatus, TenantStatus } from '../../src/supervisor/supervisor.js';
import { TenantWorker } from '../../src/worker/tenant-worker.js';
import { SAMPLE_FLOW } from '../fixtures/records.js';
import { ES_URL, testElasticsearch, testKafka, waitFor } from '../helpers.js';
import { daemonSections, freePort, startDaemon, waitRunning } from './daemon-fixtures.js';
import {
  countDocuments,
  createScenarioTopic,
  expectedRecords,
  produce,
  readDeadLetters,
  traffic,
  writeScenario,
} from './worker-fixtures.js';

const silent = createLogger({ level: process.env['SMONNET_TEST_LOG'] ?? 'silent' });

/** The tenant topics the segregator created are deleted when the test ends. */
function deleteTenantTopicsAfter(
  kafka: ReturnType<typeof testKafka>,
  topic: string,
  tenants: string[],
): void {
  onTestFinished(() => kafka.deleteTopics(tenants.map((t) => tenantTopic(topic, t))));
}

async function ids(es: ReturnType<typeof testElasticsearch>, index: string): Promise<string[]> {
  await es.indices.refresh({ index });
  const out: string[] = [];
  let page = await es.search({ index, size: 5000, scroll: '30s', _source: false, sort: ['_doc'] });
  while (page.hits.hits.length > 0) {
    for (const h of page.hits.hits) out.push(h._id!);
    page = await es.scroll({ scroll_id: page._scroll_id!, scroll: '30s' });
  }
  return out.sort();
}

describe('fan-out mode', () => {
  it('routes each tenant exactly its records, under the ids direct mode gives them', async () => {
    const kafka = testKafka();
    const port = await freePort();
    const tenants = {
      lab42: { keys: { vlan: '42, 100-110' } },
      physics: { keys: { ip: '10.2.0.0/24, 2001:db8:200::/48', schema: 'legacy' } },
      uplinks: { keys: { agent: '192.0.2.1', in_if: '1' } },
    };
    const scenario = writeScenario(tenants, { sections: daemonSections(port, '/tmp/placeholder') });
    const runtimeDir = join(dirname(scenario.file), 'run');
    const text = readFileSync(scenario.file, 'utf8');
    // The same tenants twice: fan-out under the daemon, direct in this process, other prefixes.
    const fanoutText = text
      .replace('/tmp/placeholder', runtimeDir)
      .replace(/^group_prefix = (.*)$/m, 'group_prefix = $1\nmode = fanout');
    writeFileSync(scenario.file, fanoutText);
    const directFile = join(dirname(scenario.file), 'direct.cfg');
    const directText = text
      .replace(/^group_prefix = (.*)$/m, 'group_prefix = $1-direct')
      .replace(/^index_prefix = (.*)$/gm, 'index_prefix = $1-direct');
    writeFileSync(directFile, directText);
    const direct = parseConfig(directText, directFile);

    const es = testElasticsearch(scenario.topic);
    await createScenarioTopic(kafka, scenario);
    deleteTenantTopicsAfter(kafka, scenario.topic, Object.keys(tenants));
    const messages = traffic({ count: 3000, seed: 18 });
    const expected = expectedRecords(scenario.config, messages);
    const records = messages.reduce((n, m) => n + m.records.length, 0);
    for (const name of Object.keys(tenants)) expect(expected[name]!.length, name).toBeGreaterThan(50);
    await produce(kafka, scenario.topic, messages);

    const daemon = startDaemon(scenario.file, port, runtimeDir);
    await waitRunning(daemon, Object.keys(tenants));
    const workers = direct.tenants.map((t) => new TenantWorker(direct, t, silent));
    try {
      await Promise.all(workers.map((w) => w.start()));
      for (const [name, prefix] of Object.entries(scenario.prefixes)) {
        for (const p of [prefix, `${prefix}-direct`])
          await waitFor(
            `${p} to index ${expected[name]!.length} records`,
            async () =>
              (await countDocuments(es, `${p}-2*,${p}-counters-*`)) >= expected[name]!.length
                ? true
                : undefined,
            120_000,
            1000,
          );
      }
      // Exactly the records of each tenant, and the same documents as direct mode.
      for (const [name, prefix] of Object.entries(scenario.prefixes)) {
        const routed = await ids(es, `${prefix}-2*,${prefix}-counters-*`);
        expect(routed.length, name).toBe(expected[name]!.length);
        expect(routed, name).toEqual(await ids(es, `${prefix}-direct-2*,${prefix}-direct-counters-*`));
      }
      // The segregator read every record once and routed each kept one.
      const listing = await daemon.api<{ segregator: SegregatorStatus | null }>('GET', '/api/v1/tenants');
      const seg = listing.json.segregator!;
      expect(seg.stats.consumed).toBe(records);
      expect(seg.stats.routed + seg.stats.unmatched).toBe(records);
      expect(Object.keys(seg.routedTo).sort()).toEqual(Object.keys(tenants).sort());
      const admin = kafka.admin();
      const partitions = await Promise.all(
        Object.keys(tenants).map((t) => admin.partitions(tenantTopic(scenario.topic, t))),
      );
      // Each tenant topic has the source's partitions.
      expect(partitions).toEqual([4, 4, 4]);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  }, 240_000);
});

/** A scenario in fan-out mode under a daemon on `port`. */
function fanoutScenario(tenants: Parameters<typeof writeScenario>[0], port: number) {
  const scenario = writeScenario(tenants, { sections: daemonSections(port, '/tmp/placeholder') });
  const runtimeDir = join(dirname(scenario.file), 'run');
  writeFileSync(
    scenario.file,
    readFileSync(scenario.file, 'utf8')
      .replace('/tmp/placeholder', runtimeDir)
      .replace(/^group_prefix = (.*)$/m, 'group_prefix = $1\nmode = fanout'),
  );
  return { scenario, runtimeDir };
}

describe('fan-out mode and bad records', () => {
  it('dead-letters a bad record once, by the segregator, and indexes the good records beside it', async () => {
    const kafka = testKafka();
    const port = await freePort();
    const tenants = { lab42: { keys: { vlan: '42' } }, all: { keys: {} }, lab100: { keys: { vlan: '100' } } };
    const { scenario, runtimeDir } = fanoutScenario(tenants, port);
    const es = testElasticsearch(scenario.topic);
    await createScenarioTopic(kafka, scenario);
    deleteTenantTopicsAfter(kafka, scenario.topic, Object.keys(tenants));
    const line = (vlan: number, port: number) => flowLine({ ...SAMPLE_FLOW, inVlan: vlan, srcPort: port });
    // A good and a bad record in one message (routed for the good one), a message of bad records
    // only (routed nowhere), and a good one alone.
    const values = [
      `${line(42, 40001)}\nFLOW,bad`,
      'FLOW,worse\nFLOW,worst',
      `FLOW,bad\n${line(100, 40002)}`,
      line(42, 40003),
    ];
    await kafka.produce(values.map((v) => ({ topic: scenario.topic, value: Buffer.from(v), partition: 0 })));

    const daemon = startDaemon(scenario.file, port, runtimeDir);
    await waitRunning(daemon, Object.keys(tenants));
    const want = { lab42: 2, all: 3, lab100: 1 };
    for (const [name, count] of Object.entries(want))
      await waitFor(
        `${name} to index ${count} records`,
        async () => ((await countDocuments(es, `${scenario.prefixes[name]}-*`)) >= count ? true : undefined),
        60_000,
        500,
      );
    // Each tenant's figures come whole with the chunk that indexed its records.
    const listing = await waitFor('every tenant reporting its records', async () => {
      const l = await daemon.api<{
        tenants: { name: string; live: TenantStatus | null }[];
        segregator: SegregatorStatus | null;
      }>('GET', '/api/v1/tenants');
      return l.json.tenants.every((t) => (t.live?.stats.indexed ?? 0) >= want[t.name as keyof typeof want])
        ? l.json
        : undefined;
    });
    for (const t of listing.tenants) {
      const count = want[t.name as keyof typeof want];
      expect(t.live!.stats, t.name).toMatchObject({ indexed: count, consumed: count, deadLettered: 0 });
    }
    expect(listing.segregator!.stats).toMatchObject({ consumed: 7, deadLettered: 4 });
    for (const [name, count] of Object.entries(want))
      expect(await countDocuments(es, `${scenario.prefixes[name]}-*`), name).toBe(count);
    const letters = await readDeadLetters(kafka, scenario, 3);
    expect(
      letters.map((l) => [l.headers['smonnet-source-offset'], l.headers['smonnet-tenant']]).sort(),
    ).toEqual([
      ['0', SEGREGATOR],
      ['1', SEGREGATOR],
      ['1', SEGREGATOR],
      ['2', SEGREGATOR],
    ]);
    expect(await kafka.messageCount(scenario.dlq)).toBe(4);
  }, 180_000);
});

/** A TCP relay to Elasticsearch that the test can cut and restore: one tenant's cluster outage. */
async function relay(target: URL): Promise<{ url: string; cut(): Promise<void>; restore(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const open = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(Number(target.port), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as AddressInfo).port;
        resolve();
      });
    });
  const cut = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server!.close(() => resolve());
    });
  await open();
  onTestFinished(cut);
  return { url: `http://127.0.0.1:${port}`, cut, restore: open };
}

describe('fan-out mode under faults', () => {
  it('loses and doubles nothing when the segregator and a worker are killed and one cluster is away', async () => {
    const kafka = testKafka();
    const port = await freePort();
    const away = await relay(new URL(ES_URL));
    const tenants = {
      lab42: { keys: { vlan: '42, 100-110' } },
      physics: { keys: { ip: '10.2.0.0/24, 2001:db8:200::/48' } },
      campus6: { keys: { dst_ip: '2001:db8::/32', es_nodes: away.url } },
    };
    const { scenario, runtimeDir } = fanoutScenario(tenants, port);
    const es = testElasticsearch(scenario.topic);
    await createScenarioTopic(kafka, scenario);
    deleteTenantTopicsAfter(kafka, scenario.topic, Object.keys(tenants));
    const daemon = startDaemon(scenario.file, port, runtimeDir);
    await waitRunning(daemon, Object.keys(tenants));
    const parts = [71, 72, 73].map((seed) => traffic({ count: 2000, seed }));
    const count = (name: string) =>
      countDocuments(es, `${scenario.prefixes[name]}-2*,${scenario.prefixes[name]}-counters-*`);
    const expectedAfter = (n: number) => expectedRecords(scenario.config, parts.slice(0, n).flat());
    const pidsOf = async (name: string) => {
      const r = await daemon.api<{
        segregator: SegregatorStatus | null;
        tenants: { name: string; live: TenantStatus | null }[];
      }>('GET', '/api/v1/tenants');
      return name === SEGREGATOR
        ? r.json.segregator!.pids
        : r.json.tenants.find((t) => t.name === name)!.live!.pids;
    };

    // Part 1, then the segregator is killed mid-stream; part 2, then a tenant's worker is.
    await produce(kafka, scenario.topic, parts[0]!);
    await waitFor('part 1 routed', async () => ((await count('lab42')) > 0 ? true : undefined), 60_000, 250);
    process.kill((await pidsOf(SEGREGATOR))[0]!, 'SIGKILL');
    await produce(kafka, scenario.topic, parts[1]!);
    await waitFor(
      'lab42 past part 1',
      async () => ((await count('lab42')) > expectedAfter(1)['lab42']!.length ? true : undefined),
      90_000,
      250,
    );
    process.kill((await pidsOf('lab42'))[0]!, 'SIGKILL');
    // Part 3 while campus6's cluster is away: the others index all of it meanwhile.
    await away.cut();
    await produce(kafka, scenario.topic, parts[2]!);
    const all = expectedAfter(3);
    for (const name of ['lab42', 'physics'])
      await waitFor(
        `${name} complete during the outage`,
        async () => ((await count(name)) === all[name]!.length ? true : undefined),
        120_000,
        500,
      );
    expect(await count('campus6')).toBeLessThan(all['campus6']!.length);
    await away.restore();
    await waitFor(
      'campus6 complete after the outage',
      async () => ((await count('campus6')) === all['campus6']!.length ? true : undefined),
      180_000,
      500,
    );
    // Exactly the records of each tenant: none lost, none twice (ids are the source coordinates).
    for (const name of Object.keys(tenants)) expect(await count(name), name).toBe(all[name]!.length);
  }, 400_000);
});
