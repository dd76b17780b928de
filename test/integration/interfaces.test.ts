/**
 * #16 on the real services: interface names and direction in both schemas, a tenant filtered by
 * interface name, a sampling override, retention of a tenant's own indices, and data views that
 * match one tenant's indices only.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildInterfaceMap } from '../../src/enrich/interfaces.js';
import { compileFilter } from '../../src/filter/compile.js';
import { AGENTS, CAMPUS_VLANS } from '../../src/gen/traffic.js';
import { dataViewPattern } from '../../src/kibana/saved-objects.js';
import { createLogger } from '../../src/observability/logger.js';
import type { FlowRecord } from '../../src/record.js';
import { TenantWorker } from '../../src/worker/tenant-worker.js';
import { testElasticsearch, testKafka, uniqueName, waitFor } from '../helpers.js';
import {
  allDocuments,
  countDocuments,
  createScenarioTopic,
  produce,
  type Scenario,
  traffic,
  writeScenario,
} from './worker-fixtures.js';

const silent = createLogger({ level: process.env['SMONNET_TEST_LOG'] ?? 'silent' });

// biome-ignore lint/suspicious/noExplicitAny: documents of two schemas, read field by field below
type Doc = Record<string, any>;

/** Every interface the sample traffic uses: each agent's uplink (external) and its VLAN ports. */
const INTERFACE_ROWS = AGENTS.flatMap((a) => [
  { agent: a.address, if_index: a.uplinkIf, name: `uplink-${a.uplinkIf}`, boundary: 'external', speed: 1e10 },
  ...CAMPUS_VLANS.map((v) => ({
    agent: a.address,
    if_index: v.ifIndex,
    name: `vlan${v.id}`,
    boundary: 'internal',
  })),
]);
const uplinkOf = (agent: string): number => AGENTS.find((a) => a.address === agent)!.uplinkIf;
const nameOf = (r: FlowRecord, ifIndex: number): string =>
  ifIndex === uplinkOf(r.agent)
    ? `uplink-${ifIndex}`
    : `vlan${CAMPUS_VLANS.find((v) => v.ifIndex === ifIndex)!.id}`;
const directionOf = (r: FlowRecord): string => {
  const srcInside = r.inIf !== uplinkOf(r.agent);
  const dstInside = r.outIf !== uplinkOf(r.agent);
  return srcInside ? (dstInside ? 'internal' : 'outbound') : dstInside ? 'inbound' : 'external';
};
/** Agent 192.0.2.2 reports 1024; the operator says it samples 1 in 3000. */
const OVERRIDDEN = '192.0.2.2';
const rateOf = (r: FlowRecord): number => (r.agent === OVERRIDDEN ? 3000 : r.samplingRate);

async function runUntilIndexed(scenario: Scenario, expected: Record<string, number>): Promise<void> {
  const es = testElasticsearch(scenario.topic);
  const workers: TenantWorker[] = [];
  try {
    for (const tenant of scenario.config.tenants) {
      const w = new TenantWorker(scenario.config, tenant, silent);
      workers.push(w);
      await w.start();
    }
    for (const [name, count] of Object.entries(expected)) {
      await waitFor(
        `${name} to index ${count} documents`,
        async () => ((await countDocuments(es, `${scenario.prefixes[name]}-*`)) >= count ? true : undefined),
        120_000,
        1000,
      );
    }
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}

describe('interfaces, direction, sampling', () => {
  it('names interfaces, directs flows and applies a sampling override in both schemas; filters by interface name', async () => {
    const kafka = testKafka();
    const probe = writeScenario({});
    const interfaces = join(dirname(probe.file), 'interfaces.json');
    writeFileSync(interfaces, JSON.stringify(INTERFACE_ROWS));
    const scenario = writeScenario(
      {
        ecs: { keys: {} },
        legacy: { keys: { schema: 'legacy' } },
        uplinks: { keys: { in_if_name: 'uplink-*' } },
      },
      { sections: ['[sampling]', `override ${OVERRIDDEN} = 3000`], interfaces },
    );
    await createScenarioTopic(kafka, scenario);
    const messages = traffic({ count: 1500, seed: 16, format: 'sflowtool' });
    const records = messages.flatMap((m) => m.records);
    const flows = records.filter((r): r is FlowRecord => r.kind === 'flow');
    // The uplink tenant: flows in through an uplink, and the uplinks' own counters.
    const map = buildInterfaceMap(INTERFACE_ROWS, interfaces);
    const uplinkFilter = compileFilter(
      scenario.config.tenants.find((t) => t.name === 'uplinks')!.filter,
      map,
    );
    const uplinkFlows = flows.filter((r) => r.inIf === uplinkOf(r.agent));
    const uplinkCounters = records.filter((r) => r.kind === 'counter' && r.ifIndex === uplinkOf(r.agent));
    expect(uplinkFlows.length).toBeGreaterThan(100);
    expect(uplinkFlows.length).toBeLessThan(flows.length);
    expect(
      records.filter((r) => (r.kind === 'flow' ? uplinkFilter.flow(r) : uplinkFilter.counter(r))),
    ).toHaveLength(uplinkFlows.length + uplinkCounters.length);
    await produce(kafka, scenario.topic, messages);
    await runUntilIndexed(scenario, {
      ecs: records.length,
      legacy: flows.length,
      uplinks: uplinkFlows.length + uplinkCounters.length,
    });

    const es = testElasticsearch(scenario.topic);
    const byKey = new Map(
      flows.map((r) => [`${r.agent}|${r.srcIp}|${r.srcPort}|${r.dstIp}|${r.dstPort}|${r.frameLength}`, r]),
    );
    const ecs = (await allDocuments<Doc>(es, `${scenario.prefixes['ecs']}-2*`)).map((d) => d.source);
    expect(ecs).toHaveLength(flows.length);
    for (const d of ecs) {
      const r = byKey.get(
        `${d['observer'].ip}|${d['source'].ip}|${d['source'].port ?? 0}|${d['destination'].ip}|${d['destination'].port ?? 0}|${d['sflow'].frame_length}`,
      )!;
      expect(r).toBeDefined();
      expect(d['observer'].ingress.interface.name).toBe(nameOf(r, r.inIf));
      expect(d['observer'].egress.interface.name).toBe(nameOf(r, r.outIf));
      expect(d['observer'].ingress.zone).toBe(r.inIf === uplinkOf(r.agent) ? 'external' : 'internal');
      expect(d['network'].direction).toBe(directionOf(r));
      expect(d['network'].bytes).toBe(r.frameLength * rateOf(r));
      expect(d['sflow'].sampling_rate).toBe(rateOf(r));
    }
    const legacy = (await allDocuments<Doc>(es, `${scenario.prefixes['legacy']}-2*`)).map((d) => d.source);
    expect(legacy).toHaveLength(flows.length);
    for (const d of legacy) {
      const src = d['smonnet_srcIPv6'] ?? d['sflow_srcIP'];
      const dst = d['smonnet_dstIPv6'] ?? d['sflow_dstIP'];
      const r = byKey.get(
        `${d['sflow_ReporterIP']}|${src}|${d['sflow_srcPort']}|${dst}|${d['sflow_dstPort']}|${d['sflow_PacketSize']}`,
      )!;
      expect(r).toBeDefined();
      expect([d['smonnet_inputPortName'], d['smonnet_outputPortName'], d['smonnet_direction']]).toEqual([
        nameOf(r, r.inIf),
        nameOf(r, r.outIf),
        directionOf(r),
      ]);
      expect(d['sflow_SampleRate']).toBe(rateOf(r));
    }
    // Every direction occurs, and the mapped fields aggregate (they are in the index templates).
    const directions = await es.search({
      index: `${scenario.prefixes['ecs']}-2*`,
      size: 0,
      aggs: {
        d: { terms: { field: 'network.direction' } },
        i: { terms: { field: 'observer.ingress.interface.name', size: 50 } },
      },
    });
    const buckets = (directions.aggregations as Doc)['d'].buckets.map((b: Doc) => b['key']).sort();
    expect(buckets).toEqual(['inbound', 'internal', 'outbound']);
    // Exactly the uplink tenant's records, no more (waited for at least that many above).
    expect(await countDocuments(es, `${scenario.prefixes['uplinks']}-2*`)).toBe(uplinkFlows.length);
    expect(await countDocuments(es, `${scenario.prefixes['uplinks']}-counters-*`)).toBe(
      uplinkCounters.length,
    );
  }, 240_000);
});

describe('retention and data views', () => {
  it("deletes exactly the tenant's expired daily indices, never one of a tenant with an overlapping prefix", async () => {
    const kafka = testKafka();
    const scenario = writeScenario({ lab: { keys: { retention_days: '30' } } });
    const prefix = scenario.prefixes['lab']!;
    const es = testElasticsearch(scenario.topic);
    const day = (daysAgo: number) => {
      const d = new Date(Date.now() - daysAgo * 86_400_000);
      return `${d.getUTCFullYear()}.${String(d.getUTCMonth() + 1).padStart(2, '0')}.${String(d.getUTCDate()).padStart(2, '0')}`;
    };
    const expired = [`${prefix}-${day(31)}`, `${prefix}-counters-${day(40)}`, `${prefix}-2020.01.01`];
    const kept = [
      `${prefix}-${day(0)}`,
      `${prefix}-${day(30)}`,
      `${prefix}-counters-${day(30)}`,
      // Another tenant's, whose prefix extends this one's, and names that are not a day.
      `${prefix}-x-2020.01.01`,
      `${prefix}-x-counters-2020.01.01`,
      `${prefix}-2020.01.01-restored`,
    ];
    for (const index of [...expired, ...kept]) await es.indices.create({ index });
    await createScenarioTopic(kafka, scenario);
    const worker = new TenantWorker(scenario.config, scenario.config.tenants[0]!, silent);
    try {
      await worker.start();
      await waitFor(
        'expired indices deleted',
        async () => (worker.stats.indicesDeleted === expired.length ? true : undefined),
        60_000,
        250,
      );
      const left = (await es.cat.indices({ index: `${prefix}-*`, format: 'json', h: 'index' }))
        .map((r) => r.index)
        .sort();
      expect(left).toEqual([...kept].sort());
    } finally {
      await worker.stop();
    }
  }, 120_000);

  it('gives tenants with overlapping prefixes data views that match only their own flow indices', async () => {
    const es = testElasticsearch(uniqueName('dv'));
    const a = uniqueName('ecs1');
    const b = `${a}-lab`;
    const c = `${a}-2x`;
    const indices = [
      `${a}-2026.11.30`,
      `${a}-counters-2026.11.30`,
      `${b}-2026.11.30`,
      `${b}-counters-2026.11.30`,
      `${c}-2026.11.30`,
    ];
    for (const index of indices) await es.indices.create({ index });
    const resolve = async (prefix: string) =>
      (await es.indices.resolveIndex({ name: dataViewPattern(prefix) })).indices.map((i) => i.name).sort();
    expect(await resolve(a)).toEqual([`${a}-2026.11.30`]);
    expect(await resolve(b)).toEqual([`${b}-2026.11.30`]);
    expect(await resolve(c)).toEqual([`${c}-2026.11.30`]);
    // And the same through _field_caps, which is how Kibana reads a data view's fields.
    const caps = await es.fieldCaps({ index: dataViewPattern(a), fields: '_index', include_unmapped: true });
    expect(caps.indices).toEqual([`${a}-2026.11.30`]);
  });
});
