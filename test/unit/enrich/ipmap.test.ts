import { describe, expect, it } from 'vitest';
import { buildIpMap } from '../../../src/enrich/ipmap.js';
import { EnrichmentSourceError } from '../../../src/errors.js';

describe('IP map', () => {
  const map = buildIpMap(
    {
      nat: { '203.0.113.42': '10.1.42.10', '2001:db8:feed::42': '2001:DB8:42:1::10' },
      labels: {
        '10.0.0.0/8': 'campus',
        '10.1.0.0/16': 'labs',
        '10.1.42.0/24': 'lab42',
        '2001:db8::/32': 'campus-v6',
        '2001:db8:42::/48': 'lab42-v6',
        '0.0.0.0/0': 'anywhere',
      },
    },
    'ipmap.json',
  );

  it('translates exact addresses, IPv6 in canonical form', () => {
    expect(map.translate('203.0.113.42')).toBe('10.1.42.10');
    expect(map.translate('2001:db8:feed::42')).toBe('2001:db8:42:1::10');
    expect(map.translate('203.0.113.43')).toBeUndefined();
  });

  it('labels with the longest matching prefix, IPv4 and IPv6', () => {
    expect(map.label('10.1.42.7')).toBe('lab42');
    expect(map.label('10.1.43.7')).toBe('labs');
    expect(map.label('10.9.0.1')).toBe('campus');
    expect(map.label('8.8.8.8')).toBe('anywhere');
    expect(map.label('2001:db8:42:1::5')).toBe('lab42-v6');
    expect(map.label('2001:db8:7::1')).toBe('campus-v6');
    expect(map.label('2001:218::1')).toBeUndefined();
  });

  it("reads Smonnet's flat address → address object as the NAT map", () => {
    expect(buildIpMap({ '198.51.100.7': '10.3.0.7' }, 'legacy.json').translate('198.51.100.7')).toBe(
      '10.3.0.7',
    );
  });

  it('refuses bad entries with the file and the entry named', () => {
    expect(() => buildIpMap({ nat: { 'not-an-ip': '10.0.0.1' } }, 'm.json')).toThrow(
      "m.json: nat: 'not-an-ip' is not an IP address",
    );
    expect(() => buildIpMap({ labels: { '10.0.0.1/8': 'x' } }, 'm.json')).toThrow(/has host bits set/);
    expect(() => buildIpMap({ nat: {}, extra: 1 }, 'm.json')).toThrow(EnrichmentSourceError);
    expect(() => buildIpMap([], 'm.json')).toThrow('m.json: must be a JSON object');
  });
});
