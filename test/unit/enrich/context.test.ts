import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import { flowContexts } from '../../../src/enrich/context.js';
import { buildInterfaceMap } from '../../../src/enrich/interfaces.js';
import { SAMPLE_FLOW } from '../../fixtures/records.js';

const interfaces = buildInterfaceMap(
  [
    { agent: '192.0.2.1', if_index: 12, name: 'Gi1/0/12', boundary: 'internal' },
    { agent: '192.0.2.1', if_index: 1, name: 'uplink', boundary: 'external' },
  ],
  'if.json',
);
const networksOf = (keys: string) =>
  parseConfig(`[kafka]\n[tenant.t]\nes_nodes = h:9200\n${keys}\n`, 't.cfg').tenants[0]!.networks;

describe('flow context', () => {
  it("directs flows by the tenant's networks: its own key, else its filter's addresses", () => {
    const ctx = flowContexts(undefined, networksOf('networks = 10.1.0.0/16, 2001:db8:42::/48'))!;
    const dir = (srcIp: string, dstIp: string) => ctx({ ...SAMPLE_FLOW, srcIp, dstIp }).direction;
    expect(dir('10.1.42.27', '89.160.20.130')).toBe('outbound');
    expect(dir('89.160.20.130', '2001:db8:42::5')).toBe('inbound');
    expect(dir('10.1.0.1', '10.1.0.2')).toBe('internal');
    expect(dir('192.0.2.9', '198.51.100.1')).toBe('external');
    // A frame that is not IP has no direction by address.
    expect(dir('', '')).toBeUndefined();
    expect(networksOf('src_ip = 10.1.0.0/16\ndst_port = 443').map((c) => c.bits)).toEqual([16]);
    expect(networksOf('vlan = 42')).toEqual([]);
  });

  it('names interfaces from the file and directs flows by their boundaries without networks', () => {
    const ctx = flowContexts(interfaces, [])!;
    const out = ctx(SAMPLE_FLOW);
    expect([out.ingress?.name, out.egress?.name, out.direction]).toEqual(['Gi1/0/12', 'uplink', 'outbound']);
    expect(ctx({ ...SAMPLE_FLOW, inIf: 1, outIf: 12 }).direction).toBe('inbound');
    // Unknown interface: no name, no direction.
    expect(ctx({ ...SAMPLE_FLOW, outIf: 99 })).toMatchObject({ egress: undefined, direction: undefined });
    // A sample whose output is "several interfaces" names none of them.
    expect(ctx({ ...SAMPLE_FLOW, outIfKind: 2, outIf: 1 }).egress).toBeUndefined();
    // Networks win over boundaries when the tenant has them.
    const both = flowContexts(interfaces, networksOf('networks = 0.0.0.0/0'))!;
    expect(both(SAMPLE_FLOW).direction).toBe('internal');
    expect(flowContexts(undefined, [])).toBeUndefined();
  });
});
