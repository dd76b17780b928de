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
});
