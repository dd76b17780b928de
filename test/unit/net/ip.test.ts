import { describe, expect, it } from 'vitest';
import {
  canonicalIp,
  formatIpv6,
  ipFromBytes,
  parseCidr,
  parseIpv4,
  parseIpv6,
} from '../../../src/net/ip.js';

describe('IPv4', () => {
  it('parses dotted quads and refuses anything else', () => {
    expect(parseIpv4('10.1.42.7')).toBe(0x0a012a07);
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
    for (const bad of ['256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1..2.3', 'a.b.c.d', '', '1.2.3.4 ']) {
      expect(parseIpv4(bad), bad).toBeUndefined();
    }
  });
});

describe('IPv6', () => {
  it('parses every text form to the same words', () => {
    const full = parseIpv6('2001:0db8:0042:0000:0000:0000:0000:0001');
    expect(parseIpv6('2001:db8:42::1')).toEqual(full);
    expect(parseIpv6('2001:DB8:42:0:0:0:0:1')).toEqual(full);
    expect(parseIpv6('::')).toEqual([0, 0, 0, 0]);
    expect(parseIpv6('::ffff:10.1.2.3')).toEqual([0, 0, 0xffff, 0x0a010203]);
  });

  it('refuses malformed addresses', () => {
    for (const bad of ['1::2::3', '2001:db8', '12345::', 'g::1', ':::', '1:2:3:4:5:6:7:8:9', '::1.2.3']) {
      expect(parseIpv6(bad), bad).toBeUndefined();
    }
  });

  it('formats as RFC 5952: lowercase, longest zero run compressed, first on ties', () => {
    expect(formatIpv6(parseIpv6('2001:0DB8:0:0:1:0:0:1')!)).toBe('2001:db8::1:0:0:1');
    expect(formatIpv6(parseIpv6('2001:db8:0:1:1:1:1:1')!)).toBe('2001:db8:0:1:1:1:1:1');
    expect(formatIpv6(parseIpv6('0:0:0:0:0:0:0:1')!)).toBe('::1');
    expect(canonicalIp('2001:0218:0000:0000:0000:0000:0000:0001')).toBe('2001:218::1');
  });

  it('reads 4- and 16-byte addresses from protobuf bytes', () => {
    expect(ipFromBytes(Uint8Array.from([192, 0, 2, 1]))).toBe('192.0.2.1');
    const v6 = new Uint8Array(16);
    v6[0] = 0x20;
    v6[1] = 0x01;
    v6[15] = 1;
    expect(ipFromBytes(v6)).toBe('2001::1');
    expect(ipFromBytes(new Uint8Array(5))).toBeUndefined();
  });
});

describe('parseCidr', () => {
  it('parses networks of both families and bare addresses', () => {
    expect(parseCidr('10.1.0.0/16')).toEqual({ family: 4, network: 0x0a010000, bits: 16 });
    expect(parseCidr('2001:db8:42::/48')).toMatchObject({ family: 6, bits: 48 });
    expect(parseCidr('192.0.2.1')).toEqual({ family: 4, network: 0xc0000201, bits: 32 });
  });

  it('names what is wrong', () => {
    expect(parseCidr('10.1.0.1/16')).toEqual({
      error: "'10.1.0.1/16' has host bits set (did you mean 10.1.0.0/16?)",
    });
    expect(parseCidr('10.0.0.0/33')).toEqual({ error: "prefix length '33' is not 0..32" });
    expect(parseCidr('lab/8')).toEqual({ error: "'lab' is not an IPv4 or IPv6 address" });
  });
});
