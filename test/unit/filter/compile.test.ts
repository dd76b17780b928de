import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import type { FilterSpec } from '../../../src/config/types.js';
import { compileFilter } from '../../../src/filter/compile.js';
import type { CounterRecord, FlowRecord } from '../../../src/record.js';
import { SAMPLE_FLOW } from '../../fixtures/records.js';

const base = SAMPLE_FLOW;
const counter = { kind: 'counter', agent: '192.0.2.1', ifIndex: 12 } as CounterRecord;

/** Filter keys written as in api.cfg, compiled through the real parser. */
function filterOf(keys: Record<string, string>): FilterSpec {
  const lines = Object.entries(keys).map(([k, v]) => `${k} = ${v}`);
  const cfg = parseConfig(`[kafka]\n[tenant.t]\nes_nodes = h:9200\n${lines.join('\n')}\n`, 'test.cfg');
  return cfg.tenants[0]!.filter;
}
const matches = (keys: Record<string, string>, r: Partial<FlowRecord> = {}) =>
  compileFilter(filterOf(keys)).flow({ ...base, ...r });

describe('compileFilter', () => {
  it('matches everything, counters included, when a tenant has no filter key', () => {
    const f = compileFilter({});
    expect(f.flow(base)).toBe(true);
    expect(f.counter(counter)).toBe(true);
  });

  it('matches vlan on either side, src_vlan and dst_vlan on one side, ranges included', () => {
    expect(matches({ vlan: '42' })).toBe(true);
    expect(matches({ vlan: '100-110' }, { inVlan: 0, outVlan: 105 })).toBe(true);
    expect(matches({ vlan: '100-110' })).toBe(false);
    expect(matches({ src_vlan: '42' })).toBe(true);
    expect(matches({ dst_vlan: '42' })).toBe(false);
  });

  it('matches IPv4 and IPv6 CIDRs, in either or one direction', () => {
    expect(matches({ ip: '89.160.20.128/25' })).toBe(true);
    expect(matches({ src_ip: '89.160.20.128/25' })).toBe(false);
    expect(matches({ dst_ip: '10.1.0.0/16, 2001:db8:42::/48' }, { dstIp: '2001:db8:42:1::10' })).toBe(true);
    expect(matches({ dst_ip: '2001:db8:42::/48' }, { dstIp: '2001:db8:43::1' })).toBe(false);
    expect(matches({ ip: '10.0.0.0/8' }, { srcIp: '2001:db8::1', dstIp: '2001:db8::2' })).toBe(false);
    expect(matches({ agent: '192.0.2.0/24' })).toBe(true);
  });

  it('matches protocols by number or name and ports or port ranges', () => {
    expect(matches({ proto: 'tcp' })).toBe(true);
    expect(matches({ proto: 'udp, icmp' })).toBe(false);
    expect(matches({ proto: '6' })).toBe(true);
    expect(matches({ port: '443' })).toBe(true);
    expect(matches({ src_port: '443' })).toBe(false);
    expect(matches({ dst_port: '400-500' })).toBe(true);
    expect(matches({ in_if: '12' })).toBe(true);
    expect(matches({ out_if: '12' })).toBe(false);
  });

  it('ANDs keys together', () => {
    expect(matches({ vlan: '42', dst_port: '443' })).toBe(true);
    expect(matches({ vlan: '42', dst_port: '80' })).toBe(false);
  });

  it('gives counters only to tenants filtering by agent or interface', () => {
    expect(compileFilter(filterOf({ vlan: '42' })).counter(counter)).toBe(false);
    expect(compileFilter(filterOf({ agent: '192.0.2.1', in_if: '12' })).counter(counter)).toBe(true);
    expect(compileFilter(filterOf({ agent: '192.0.2.9' })).counter(counter)).toBe(false);
    expect(compileFilter(filterOf({ out_if: '13' })).counter(counter)).toBe(false);
  });

  it('matches the decoded-only keys: hex numbers, MACs in any spelling, sizes and rates', () => {
    expect(matches({ ether_type: '0x0800', tcp_flags: '0x18', tos: '0' })).toBe(true);
    expect(matches({ ether_type: '0x86dd' })).toBe(false);
    expect(matches({ ttl: '60-64', packet_size: '70', ip_size: '52', sampling_rate: '512' })).toBe(true);
    expect(matches({ src_mac: '02:A3:91:4C:AC:00' })).toBe(true);
    expect(matches({ dst_mac: '0000.5e00.01fe' })).toBe(true);
    expect(matches({ dst_mac: '02a3914cac00' })).toBe(false);
    // Those fields are not in a peek's view: a tenant using them has every record decoded.
    expect(compileFilter(filterOf({ tos: '0' })).peekable).toBe(false);
    expect(compileFilter(filterOf({ vlan: '42', dst_port: '443' })).peekable).toBe(true);
    expect(compileFilter(filterOf({ tos: '0' })).needs.fields).toEqual([]);
  });

  it('tests country, AS and NAT keys on what enrichment found, after the flow check', () => {
    const geo = `[enrich]\ngeoip_city = city.mmdb\ngeoip_asn = asn.mmdb\n`;
    const spec = (keys: string) =>
      parseConfig(`${geo}[kafka]\n[tenant.t]\nes_nodes = h:9200\n${keys}\n`, 't.cfg').tenants[0]!.filter;
    const sweden = {
      geo: { countryIsoCode: 'SE', countryName: 'Sweden', cityName: undefined, location: undefined },
      as: { number: 29518, organization: 'Bredband2 AB' },
      nat: undefined,
      label: undefined,
    };
    const nothing = { geo: undefined, as: undefined, nat: undefined, label: undefined };
    const nat = { ...nothing, nat: '203.0.113.42' };
    const f = (keys: string) => compileFilter(spec(keys));
    expect(f('dst_country = se').enriched(base, nothing, sweden)).toBe(true);
    expect(f('dst_country = Sweden, Norway').enriched(base, nothing, sweden)).toBe(true);
    expect(f('src_country = Sweden').enriched(base, nothing, sweden)).toBe(false);
    expect(f('dst_as = AS29518').enriched(base, nothing, sweden)).toBe(true);
    expect(f('dst_as = bredband2 ab').enriched(base, nothing, sweden)).toBe(true);
    expect(f('dst_as = 64500').enriched(base, nothing, sweden)).toBe(false);
    // The translation, else the address itself, as Smonnet's sflow_NEWsrcIP.
    expect(f('src_nat = 203.0.113.0/24').enriched(base, nat, nothing)).toBe(true);
    expect(f('src_nat = 10.1.42.27').enriched(base, nothing, nothing)).toBe(true);
    expect(f('src_nat = 10.1.42.27').enriched(base, nat, nothing)).toBe(false);
    expect(f('src_nat = 10.1.42.27').testsEnrichment).toBe(true);
    expect(f('vlan = 42').testsEnrichment).toBe(false);
    // Without the database that answers it, such a key would never match: refused.
    expect(() => parseConfig('[kafka]\n[tenant.t]\nes_nodes = h:9200\nsrc_as = 64500\n', 't.cfg')).toThrow(
      /\[tenant\.t\] src_as: tests what \[enrich\] geoip_asn gives, but it is not set/,
    );
  });
});
