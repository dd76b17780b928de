/**
 * #18 fan-out mode reloaded: a SIGHUP that adds a tenant and changes another updates the running
 * segregator (same process) without losing or doubling a record of the tenant left alone; the new
 * tenant receives what the segregator reads from then on, the changed one its new share.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import { tenantTopic } from '../../src/fanout/route.js';
import type { SegregatorStatus } from '../../src/supervisor/supervisor.js';
import { ES_URL, testElasticsearch, testKafka, waitFor } from '../helpers.js';
import { daemonSections, freePort, startDaemon, waitRunning } from './daemon-fixtures.js';
import {
  countDocuments,
  createScenarioTopic,
  expectedRecords,
  produce,
  traffic,
  writeScenario,
} from './worker-fixtures.js';

describe('fan-out mode reloaded', () => {
  it('adds and changes tenants in the running segregator; the others lose and double nothing', async () => {
    const kafka = testKafka();
    const port = await freePort();
    const tenants = {
      lab42: { keys: { vlan: '42, 100-110' } },
      physics: { keys: { ip: '10.2.0.0/24' } },
    };
    const scenario = writeScenario(tenants, { sections: daemonSections(port, '/tmp/placeholder') });
    const runtimeDir = join(dirname(scenario.file), 'run');
    const before = readFileSync(scenario.file, 'utf8')
      .replace('/tmp/placeholder', runtimeDir)
      .replace(/^group_prefix = (.*)$/m, 'group_prefix = $1\nmode = fanout');
    writeFileSync(scenario.file, before);
    const uplinksPrefix = `${scenario.prefixes['lab42']}-up`;
    const after = `${before.replace('ip = 10.2.0.0/24', 'ip = 10.2.0.0/16, 2001:db8:200::/48')}\n[tenant.uplinks]\nes_nodes = ${ES_URL}\nindex_prefix = ${uplinksPrefix}\nagent = 192.0.2.1\nin_if = 1\n`;
    const prefixes = { ...scenario.prefixes, uplinks: uplinksPrefix };
    onTestFinished(() =>
      kafka.deleteTopics(Object.keys(prefixes).map((t) => tenantTopic(scenario.topic, t))),
    );

    const es = testElasticsearch(scenario.topic);
    await createScenarioTopic(kafka, scenario);
    const first = traffic({ count: 2000, seed: 21 });
    const second = traffic({ count: 2000, seed: 22, start: Date.parse('2026-11-21T00:00:00Z') });
    const expected1 = expectedRecords(parseConfig(before, scenario.file), first);
    const expected2 = expectedRecords(parseConfig(after, scenario.file), second);
    const wanted: Record<string, number> = {
      lab42: expected1['lab42']!.length + expected2['lab42']!.length,
      physics: expected1['physics']!.length + expected2['physics']!.length,
      uplinks: expected2['uplinks']!.length,
    };
    // The change matters: the new physics filter keeps records the old one did not.
    expect(expected2['physics']!.length).toBeGreaterThan(
      expectedRecords(parseConfig(before, scenario.file), second)['physics']!.length,
    );
    for (const [name, n] of Object.entries(wanted)) expect(n, name).toBeGreaterThan(50);

    const daemon = startDaemon(scenario.file, port, runtimeDir);
    const pids = await waitRunning(daemon, ['lab42', 'physics']);
    await produce(kafka, scenario.topic, first);
    const indexed = async (name: string, n: number) =>
      waitFor(
        `${name} to index ${n} records`,
        async () => {
          const p = prefixes[name as keyof typeof prefixes]!;
          return (await countDocuments(es, `${p}-2*,${p}-counters-*`)) >= n ? true : undefined;
        },
        120_000,
        1000,
      );
    await indexed('lab42', expected1['lab42']!.length);
    await indexed('physics', expected1['physics']!.length);
    const segregator = async () =>
      (await daemon.api<{ segregator: SegregatorStatus | null }>('GET', '/api/v1/tenants')).json.segregator!;
    const segregatorPids = (await segregator()).pids;

    writeFileSync(scenario.file, after);
    daemon.child.kill('SIGHUP');
    // The segregator names a tenant in its routed counts once it routes to it.
    await waitFor(
      'the segregator to route to uplinks',
      async () => {
        const metrics = await fetch(`http://127.0.0.1:${port}/metrics`, {
          headers: { authorization: `Bearer ${readFileSync(join(runtimeDir, 'api.token'), 'utf8').trim()}` },
        }).then((r) => r.text());
        return /smonnet_fanout_routed_records_total\{tenant="uplinks"\}/.test(metrics) ? true : undefined;
      },
      60_000,
      500,
    );
    const running = await waitRunning(daemon, ['lab42', 'physics', 'uplinks']);
    await produce(kafka, scenario.topic, second);
    for (const [name, n] of Object.entries(wanted)) await indexed(name, n);

    // Exact: nothing lost, nothing doubled, nothing from before the reload for the new tenant.
    for (const [name, n] of Object.entries(wanted)) {
      const p = prefixes[name as keyof typeof prefixes];
      expect(await countDocuments(es, `${p}-2*,${p}-counters-*`), name).toBe(n);
    }
    // The segregator and the tenant left alone kept their processes; the changed one restarted.
    expect((await segregator()).pids).toEqual(segregatorPids);
    expect(running['lab42']).toEqual(pids['lab42']);
    expect(running['physics']).not.toEqual(pids['physics']);
    const seg = await segregator();
    expect(seg.stats.consumed).toBe([...first, ...second].reduce((n, m) => n + m.records.length, 0));
  }, 240_000);
});
