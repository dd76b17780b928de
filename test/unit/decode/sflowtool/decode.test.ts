import { describe, expect, it } from 'vitest';
import { decodeSflowtool, parseCounterLine, parseFlowLine } from '../../../../src/decode/sflowtool/decode.js';
import type { SflowRecord } from '../../../../src/record.js';

const FLOW =
  'FLOW,192.0.2.1,12,1,02a3914cac00,00005e0001fe,0x0800,42,0,10.1.42.27,89.160.20.130,6,0x28,63,42879,443,0x18,70,52,512';
const FLOW6 =
  'FLOW,192.0.2.3,2,41,00005e0001fe,024eced3e600,0x86dd,0,300,2001:0218:0000:0000:0000:0000:0000:0001,2001:db8:300:1::3e,17,0x00,52,53116,53,0x00,365,347,2048';
const CNTR = 'CNTR,192.0.2.1,41,6,1000000000,1,3,61110959,86437,47,14,3,0,0,58817272,67451,42,19,0,0,0';

function decode(text: string) {
  const records: [number, SflowRecord][] = [];
  const errors: [number, string, string | undefined][] = [];
  decodeSflowtool(text, 1234, {
    record: (i, r) => records.push([i, r]),
    error: (i, e, raw) => errors.push([i, e, raw]),
  });
  return { records, errors };
}

describe('sflowtool FLOW lines', () => {
  it('reads all 20 fields, hex included', () => {
    expect(parseFlowLine(FLOW, 1234)).toEqual({
      kind: 'flow',
      timeMs: 1234,
      agent: '192.0.2.1',
      inIf: 12,
      outIf: 1,
      inIfKind: 0,
      outIfKind: 0,
      srcMac: '02a3914cac00',
      dstMac: '00005e0001fe',
      etype: 0x0800,
      inVlan: 42,
      outVlan: 0,
      srcIp: '10.1.42.27',
      dstIp: '89.160.20.130',
      proto: 6,
      tos: 0x28,
      ttl: 63,
      srcPort: 42879,
      dstPort: 443,
      icmpType: -1,
      icmpCode: -1,
      tcpFlags: 0x18,
      frameLength: 70,
      ipSize: 52,
      samplingRate: 512,
    });
  });

  it('canonicalizes IPv6 addresses however sflowtool printed them', () => {
    const r = parseFlowLine(FLOW6, undefined);
    expect(r).toMatchObject({
      srcIp: '2001:218::1',
      dstIp: '2001:db8:300:1::3e',
      etype: 0x86dd,
      outVlan: 300,
    });
  });

  it('names the problem of a wrong field count, bad address, bad number or bad MAC', () => {
    expect(parseFlowLine('FLOW,192.0.2.1,12', undefined)).toBe('FLOW line has 3 fields, expected 20');
    expect(parseFlowLine(FLOW.replace('89.160.20.130', '89.160.20.330'), undefined)).toBe(
      "destination address '89.160.20.330' is not an IP address",
    );
    expect(parseFlowLine(FLOW.replace(',6,0x28,', ',300,0x28,'), undefined)).toBe(
      "proto '300' is not a valid value",
    );
    expect(parseFlowLine(FLOW.replace('0x18', '18'), undefined)).toBe("tcpFlags '18' is not a valid value");
    expect(parseFlowLine(FLOW.replace('02a3914cac00', '02:a3:91:4c'), undefined)).toBe(
      "MAC '02:a3:91:4c' is not 12 hex digits",
    );
  });
});

describe('sflowtool CNTR lines', () => {
  it('reads the agent and the 19 interface counters', () => {
    expect(parseCounterLine(CNTR, undefined)).toMatchObject({
      kind: 'counter',
      agent: '192.0.2.1',
      ifIndex: 41,
      ifSpeed: 1_000_000_000,
      ifInOctets: 61110959,
      ifOutOctets: 58817272,
      ifPromiscuousMode: 0,
    });
    expect(parseCounterLine('CNTR,192.0.2.1,41,x', undefined)).toBe('CNTR line has 4 fields, expected 21');
  });
});

describe('decodeSflowtool', () => {
  it('decodes each line of a message with its line index, CRLF and blank lines included', () => {
    const { records, errors } = decode(`${FLOW}\r\n\n${CNTR}\nGARBAGE,1,2\n${FLOW6}`);
    expect(records.map(([i, r]) => [i, r.kind])).toEqual([
      [0, 'flow'],
      [2, 'counter'],
      [4, 'flow'],
    ]);
    expect(errors).toEqual([[3, "line starts with 'GARBAGE,1,2', expected FLOW or CNTR", 'GARBAGE,1,2']]);
  });

  it('keeps the good lines of a message whose last line was cut short', () => {
    const { records, errors } = decode(`${FLOW}\n${FLOW.slice(0, 40)}`);
    expect(records).toHaveLength(1);
    expect(errors[0]?.[1]).toMatch(/^FLOW line has \d+ fields, expected 20$/);
  });
});
