import { describe, expect, it } from 'vitest';
import { decodeGoflow2Json } from '../../../../src/decode/goflow2-json/decode.js';
import { goflow2Json } from '../../../../src/gen/encode.js';
import { collect, flow } from '../../../fixtures/records.js';

describe('goflow2 JSON', () => {
  it('reads v2 snake_case output back to the same flow', () => {
    const { records, errors } = collect((s) => decodeGoflow2Json(goflow2Json(flow, 1), undefined, s));
    expect(errors).toEqual([]);
    expect(records[0]).toEqual(flow);
  });

  it('reads v1 CamelCase output, times in seconds and numeric etype/proto', () => {
    const v1 = JSON.stringify({
      Type: 'SFLOW_5',
      TimeReceived: 1795176000,
      SamplingRate: 2048,
      SamplerAddress: '192.0.2.3',
      Bytes: 1522,
      SrcAddr: '10.1.42.9',
      DstAddr: '81.2.69.142',
      Etype: 2048,
      Proto: 6,
      SrcPort: 50000,
      DstPort: 443,
      InIf: 12,
      OutIf: 1,
      SrcMac: 0x02a3914cac00,
      DstMac: 0x00005e0001fe,
      SrcVlan: 42,
      DstVlan: 0,
      IpTos: 0,
      IpTtl: 63,
      TcpFlags: 16,
    });
    const { records } = collect((s) => decodeGoflow2Json(v1, undefined, s));
    expect(records[0]).toMatchObject({
      timeMs: 1795176000000,
      agent: '192.0.2.3',
      srcIp: '10.1.42.9',
      dstIp: '81.2.69.142',
      srcMac: '02a3914cac00',
      inVlan: 42,
      proto: 6,
      samplingRate: 2048,
      frameLength: 1522,
      tcpFlags: 16,
    });
  });

  it('names invalid JSON, non-objects and bad addresses', () => {
    const { errors } = collect((s) => {
      decodeGoflow2Json('{"src_addr": ', undefined, s);
      decodeGoflow2Json('[1,2]', undefined, s);
      decodeGoflow2Json(goflow2Json({ ...flow, srcIp: '10.0.0.999' }, 1), undefined, s);
    });
    expect(errors[0]).toMatch(/^invalid JSON/);
    expect(errors[1]).toBe('JSON message is not an object');
    expect(errors[2]).toBe("src_addr '10.0.0.999' is not an IP address");
  });
});
