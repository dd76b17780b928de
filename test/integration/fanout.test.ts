/**
 * #18 fan-out mode on the real services: the segregator routes one topic to a topic per tenant;
 * each tenant indexes exactly the records its filter keeps, under the same document ids as in
 * direct mode for the same input.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import { tenantTopic } from '../../src/fanout/route.js';
import { createLogger } from '../../src/observability/logger.js';
import type { TenantStatus } from '../../src/supervisor/supervisor.js';
import { TenantWorker } from '../../src/worker/tenant-worker.js';
import { testElasticsearch, testKafka, waitFor } from '../helpers.js';
import { daemonSections, freePort, startDaemon, waitRunning } from './daemon-fixtures.js';
import {
  countDocuments,
  createScenarioTopic,
  expectedRecords,
  produce,
  traffic,
  writeScenario,
} from './worker-fixtures.js';

const silent = createLogger({ level: process.env['SMONNET_TEST_LOG'] ?? 'silent' });

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
    onTestFinished(async () => {
      const admin = kafka.admin();
      await admin.connect();
      await admin
        .deleteTopics({ topics: Object.keys(tenants).map((t) => tenantTopic(scenario.topic, t)) })
        .catch(() => {});
      await admin.disconnect();
    });
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
      const listing = await daemon.api<{ segregator: TenantStatus | null }>('GET', '/api/v1/tenants');
      const seg = listing.json.segregator!;
      expect(seg.stats.consumed).toBe(records);
      expect(seg.stats.indexed + seg.stats.filteredOut).toBe(records);
      const admin = kafka.admin();
      await admin.connect();
      const topics = await admin.fetchTopicMetadata({
        topics: Object.keys(tenants).map((t) => tenantTopic(scenario.topic, t)),
      });
      await admin.disconnect();
      // Each tenant topic has the source's partitions.
      expect(topics.topics.map((t) => t.partitions.length)).toEqual([4, 4, 4]);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  }, 240_000);
});
