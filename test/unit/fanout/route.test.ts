import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import { createRouter, routeMessage, runners, SEGREGATOR, tenantTopic } from '../../../src/fanout/route.js';
import { compileFilter } from '../../../src/filter/compile.js';
import { flowLine } from '../../../src/gen/encode.js';
import { generateTraffic } from '../../../src/gen/traffic.js';
import type { SflowRecord } from '../../../src/record.js';
import { SAMPLE_FLOW } from '../../fixtures/records.js';

const config = (mode: string) =>
  parseConfig(
    `[kafka]\ntopic = flows\nmode = ${mode}\nsegregator_replicas = 2\n[tenant.a]\nes_nodes = h:9200\nvlan = 42\n[tenant.b]\nes_nodes = h:9200\nindex_prefix = b\ndst_port = 53\n[tenant.c]\nes_nodes = h:9200\nindex_prefix = c\nsrc_country = SE\n[enrich]\ngeoip_city = x.mmdb\n`,
    'f.cfg',
  );

describe('fan-out routing', () => {
  const cfg = config('fanout');
  const filters = cfg.tenants.map((t) => compileFilter(t.filter));
  const enc = (text: string) => new TextEncoder().encode(text);

  it('sends a message to each tenant that keeps one of its records, once', () => {
    const lines = [
      flowLine(SAMPLE_FLOW),
      flowLine({ ...SAMPLE_FLOW, inVlan: 7, dstPort: 53 }),
      flowLine(SAMPLE_FLOW),
    ];
    expect(routeMessage(enc(lines.join('\n')), 'auto', filters)).toEqual({
      // c filters on what enrichment finds: the segregator cannot tell, its worker will.
      tenants: [0, 1, 2],
      records: 3,
      routed: 3,
      failures: [],
    });
    expect(
      routeMessage(enc(flowLine({ ...SAMPLE_FLOW, inVlan: 7 })), 'auto', filters.slice(0, 2)),
    ).toMatchObject({
      tenants: [],
      routed: 0,
    });
  });

  it('reports what it cannot decode, so it is dead-lettered once', () => {
    expect(routeMessage(enc(`${flowLine(SAMPLE_FLOW)}\nFLOW,bad`), 'auto', filters)).toMatchObject({
      tenants: [0, 2],
      records: 2,
      routed: 1,
      failures: [{ record: 1 }],
    });
    expect(routeMessage(new Uint8Array(0), 'auto', filters).failures).toHaveLength(1);
  });

  it('runs the segregator as a tenant of its own in fan-out mode only', () => {
    expect(runners(cfg).map((t) => [t.name, t.replicas])).toEqual([
      [SEGREGATOR, 2],
      ['a', 1],
      ['b', 1],
      ['c', 1],
    ]);
    expect(runners(config('direct')).map((t) => t.name)).toEqual(['a', 'b', 'c']);
    expect(tenantTopic('flows', 'a')).toBe('flows.tenant.a');
    expect(() => config('broadcast')).toThrow(/\[kafka\] mode: 'broadcast' is not one of direct, fanout/);
  });

  it('routes single-record messages by one peek for every tenant as a full decode would', () => {
    const peekable = parseConfig(
      '[kafka]\n[tenant.a]\nes_nodes = h:9200\nvlan = 42\n[tenant.b]\nes_nodes = h:9200\nindex_prefix = b\nip = 10.2.0.0/24, 2001:db8:200::/48\n[tenant.c]\nes_nodes = h:9200\nindex_prefix = c\nagent = 192.0.2.1\nin_if = 1\n[tenant.d]\nes_nodes = h:9200\nindex_prefix = d\n',
      'p.cfg',
    ).tenants.map((t) => compileFilter(t.filter));
    const route = createRouter('auto', peekable);
    // The generator never ends: its first 3000 records.
    const records: SflowRecord[] = [];
    for (const r of generateTraffic({ seed: 3, startMs: 0, intervalMs: 1, counterEvery: 20 }))
      if (records.push(r) >= 3000) break;
    let peeked = 0;
    for (const r of records) {
      const value = enc(
        r.kind === 'flow'
          ? flowLine(r)
          : `CNTR,${r.agent},${r.ifIndex},6,1000000000,1,3,1,2,3,4,5,6,7,8,9,10,11,12,13,14`,
      );
      const full = routeMessage(value, 'auto', peekable);
      const fast = route(value);
      expect(fast.tenants.sort()).toEqual(full.tenants.sort());
      if (fast.failures.length === 0 && r.kind === 'flow') peeked++;
    }
    expect(peeked).toBeGreaterThan(2000);
  });
});
