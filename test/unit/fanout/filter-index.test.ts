import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import { indexFilters } from '../../../src/fanout/filter-index.js';
import { flowJudge, tenantRoutes } from '../../../src/fanout/route.js';
import { compileFilter } from '../../../src/filter/compile.js';
import { flowLine } from '../../../src/gen/encode.js';
import { generateTraffic } from '../../../src/gen/traffic.js';
import type { FlowRecord } from '../../../src/record.js';
import { SAMPLE_FLOW } from '../../fixtures/records.js';

const tenants = (keys: readonly string[], head = '[kafka]\n') =>
  parseConfig(
    head + keys.map((k, i) => `[tenant.t${i}]\nes_nodes = h:9200\nindex_prefix = t${i}\n${k}\n`).join(''),
    'index.cfg',
  );

const flows: FlowRecord[] = [];
for (const r of generateTraffic({ seed: 11, startMs: 0, intervalMs: 1, counterEvery: 0 })) {
  if (r.kind === 'flow') flows.push(r);
  if (flows.length >= 4000) break;
}
const distinct = <T>(of: (r: FlowRecord) => T) => [...new Set(flows.map(of))];

describe('the filter index', () => {
  it('finds exactly the tenants that testing every filter finds', () => {
    const vlans = distinct((r) => r.inVlan).filter((v) => v > 0);
    const ports = distinct((r) => r.dstPort).sort((a, b) => a - b);
    const v4 = distinct((r) => r.srcIp).filter((a) => !a.includes(':'));
    const [a, b, c] = v4[0]!.split('.');
    const keys = [
      // The port key, used most, is indexed: ranges overlapping, nested, single ports.
      ...Array.from({ length: 20 }, (_, i) => `port = ${ports[i * 3]}-${ports[i * 3 + 5] ?? 65535}`),
      `port = ${ports[0]}, ${ports[7]}\nvlan = ${vlans[0]}`,
      `port = 1-65535\nproto = 6`,
      ...vlans.slice(0, 6).map((v) => `vlan = ${v}`),
      `ip = ${a}.0.0.0/8`,
      `ip = ${a}.${b}.0.0/16, 2001:db8::/32`,
      `src_ip = ${a}.${b}.${c}.0/24`,
      '',
      `agent = ${flows[0]!.agent}`,
    ];
    const cfg = tenants(keys);
    const specs = cfg.tenants.map((t) => t.filter);
    const filters = specs.map((s) => compileFilter(s));
    const index = indexFilters(specs);
    expect(index?.key).toBe('port');
    const indexed = flowJudge(filters, index);
    const inRow = flowJudge(filters);
    const [x, y, candidates] = [[] as number[], [] as number[], [] as number[]];
    let kept = 0;
    let tested = 0;
    for (const r of flows) {
      const n = indexed(r, x);
      expect(x.slice(0, n).sort((p, q) => p - q)).toEqual(y.slice(0, inRow(r, y)));
      kept += n;
      tested += index!.candidates(r, candidates);
    }
    expect(kept).toBeGreaterThan(flows.length);
    // The index spares most of the port tenants' filters.
    expect(tested / flows.length).toBeLessThan(filters.length / 2);
  });

  it('holds networks inside networks and both address families', () => {
    const specs = tenants([
      'ip = 10.0.0.0/8',
      'ip = 10.1.0.0/16',
      'dst_ip = 10.1.2.0/24',
      'ip = 2001:db8::/32, 10.1.2.3',
    ]).tenants.map((t) => t.filter);
    const index = indexFilters(specs)!;
    expect(index.key).toBe('ip');
    const into: number[] = [];
    const of = (srcIp: string, dstIp = '') =>
      into.slice(0, index.candidates({ ...SAMPLE_FLOW, srcIp, dstIp }, into)).sort();
    // t2 filters on dst_ip, not the indexed key: always a candidate.
    expect(of('10.1.2.3')).toEqual([0, 1, 2, 3]);
    expect(of('10.2.0.1')).toEqual([0, 2]);
    expect(of('192.0.2.1', '10.1.9.9')).toEqual([0, 1, 2]);
    expect(of('2001:db8:1::1')).toEqual([2, 3]);
    expect(of('2001:db9::1')).toEqual([2]);
  });

  it('is not built when no key is shared by two tenants', () => {
    expect(indexFilters(tenants(['vlan = 1', 'port = 53', '']).tenants.map((t) => t.filter))).toBeUndefined();
  });

  it('lets the segregator judge interface names by the interface file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'smonnet-index-'));
    const file = join(dir, 'interfaces.json');
    writeFileSync(
      file,
      JSON.stringify([{ agent: SAMPLE_FLOW.agent, if_index: SAMPLE_FLOW.inIf, name: 'uplink-1' }]),
    );
    const cfg = tenants(
      ['in_if_name = uplink-*', 'in_if_name = core-*'],
      `[kafka]\nmode = fanout\n[enrich]\ninterfaces = ${file}\n`,
    );
    const { routes, route } = tenantRoutes(cfg);
    expect(routes.map((r) => r.topic)).toEqual(['sflow.tenant.t0', 'sflow.tenant.t1']);
    expect(route(new TextEncoder().encode(flowLine(SAMPLE_FLOW))).tenants).toEqual([0]);
  });
});
