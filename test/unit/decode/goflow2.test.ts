import { describe, expect, it } from 'vitest';
import { decodeValue, detectFormat } from '../../../src/decode/detect.js';
import { decodeGoflow2Json } from '../../../src/decode/goflow2-json/decode.js';
import { decodeGoflow2Pb, FlowMessage, splitDelimited } from '../../../src/decode/goflow2-pb/decode.js';
import { goflow2Json, goflow2Protobuf } from '../../../src/gen/encode.js';
import type { FlowRecord, SflowRecord } from '../../../src/record.js';

const flow: FlowRecord = {
  kind: 'flow',
  timeMs: Date.parse('2026-11-20T12:00:00.123Z'),
  agent: '192.0.2.2',
  inIf: 40,
  outIf: 1,
  srcMac: '025542076c00',
  dstMac: '00005e0001fe',
  etype: 0x86dd,
  inVlan: 200,
  outVlan: 0,
  srcIp: '2001:db8:200:1::5',
  dstIp: '2001:220::8',
  proto: 17,
  tos: 0,
  ttl: 127,
  srcPort: 40838,
  dstPort: 443,
  tcpFlags: 0,
  frameLength: 1256,
  ipSize: 1238,
  samplingRate: 1024,
};

function collect(
  run: (sink: { record: (i: number, r: SflowRecord) => void; error: (i: number, e: string) => void }) => void,
) {
  const records: SflowRecord[] = [];
  const errors: string[] = [];
  run({ record: (_i, r) => records.push(r), error: (_i, e) => errors.push(e) });
  return { records, errors };
}

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
      IPTos: 0,
      IPTTL: 63,
      TCPFlags: 16,
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

describe('goflow2 protobuf', () => {
  it('reads a length-prefixed message back to the same flow', () => {
    const { records, errors } = collect((s) => decodeGoflow2Pb(goflow2Protobuf(flow, 1), undefined, s));
    expect(errors).toEqual([]);
    expect(records[0]).toEqual({ ...flow, ipSize: flow.frameLength - 18 });
  });

  it('reads a message without the length prefix, and several prefixed ones in one buffer', () => {
    const bare = goflow2Protobuf(flow, 1);
    const unprefixed = splitDelimited(bare)![0]!;
    expect(collect((s) => decodeGoflow2Pb(unprefixed, undefined, s)).records).toHaveLength(1);
    const two = new Uint8Array([...bare, ...goflow2Protobuf({ ...flow, dstPort: 53 }, 2)]);
    const { records } = collect((s) => decodeGoflow2Pb(two, undefined, s));
    expect(records.map((r) => (r as FlowRecord).dstPort)).toEqual([443, 53]);
  });

  it('refuses addresses of the wrong length and bytes that are no FlowMessage', () => {
    const bad = FlowMessage.encodeDelimited(
      FlowMessage.fromObject({ sampler_address: new Uint8Array(3) }),
    ).finish();
    expect(collect((s) => decodeGoflow2Pb(bad, undefined, s)).errors).toEqual([
      'sampler_address has 3 bytes, expected 4 or 16',
    ]);
    const random = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02]);
    expect(collect((s) => decodeGoflow2Pb(random, undefined, s)).errors[0]).toMatch(
      /not a goflow2 protobuf FlowMessage|expected 4 or 16/,
    );
  });
});

describe('format detection', () => {
  it('tells the three formats apart per message', () => {
    const enc = (t: string) => new TextEncoder().encode(t);
    expect(detectFormat(enc('FLOW,1'))).toBe('sflowtool');
    expect(detectFormat(enc('CNTR,1'))).toBe('sflowtool');
    expect(detectFormat(enc('  {"a":1}'))).toBe('goflow2-json');
    expect(detectFormat(goflow2Protobuf(flow, 1))).toBe('goflow2-pb');
    expect(detectFormat(enc('FLOWX'))).toBe('goflow2-pb');
  });

  it('reads protobuf messages whose length prefix looks like text (123 bytes starts with "{")', () => {
    // Search small field variations for encodings whose first byte is '{' or whitespace.
    const tricky: Uint8Array[] = [];
    const v4 = { agent: '192.0.2.2', srcIp: '10.1.1.1', dstIp: '10.1.1.2', etype: 0x0800 };
    const v6 = { agent: '2001:db8:ffff::1', srcIp: '2001:db8::1', dstIp: '2001:db8::2', etype: 0x86dd };
    for (const addrs of [v4, v6, { ...v4, agent: v6.agent }])
      for (const tcpFlags of [0, 16, 200])
        for (const inVlan of [0, 5, 300])
          for (const tos of [0, 5, 200]) {
            const bytes = goflow2Protobuf({ ...flow, ...addrs, tcpFlags, inVlan, tos }, 1);
            if (bytes[0] === 0x7b || bytes[0] === 0x0a || bytes[0] === 0x20) tricky.push(bytes);
          }
    expect(tricky.some((b) => b[0] === 0x7b)).toBe(true);
    for (const bytes of tricky) {
      const { records, errors } = collect((s) => decodeValue(bytes, 'auto', undefined, s));
      expect(errors).toEqual([]);
      expect(records).toHaveLength(1);
    }
  });

  it('reads a protobuf message that both opens with "{" and closes with "}"', () => {
    // Fields are encoded by number; with no timestamps, dst_vlan (34) comes last: 125 is '}'.
    let found: Uint8Array | undefined;
    const sizes = [1, 200, 20_000, 3_000_000, 4_000_000_000]; // varints of 1 to 5 bytes
    for (const inIf of sizes)
      for (const outIf of sizes)
        for (const packets of sizes) {
          const bytes = FlowMessage.encodeDelimited(
            FlowMessage.fromObject({
              packets,
              sequence_num: 4_000_000_000,
              src_mac: 0xffffffffffff,
              dst_mac: 0xffffffffffff,
              sampling_rate: 512,
              sampler_address: new Uint8Array(16).fill(0x20),
              src_addr: new Uint8Array(16).fill(0x20),
              dst_addr: new Uint8Array(16).fill(0x21),
              bytes: 1500,
              etype: 0x86dd,
              proto: 6,
              src_port: 50_000,
              dst_port: 443,
              in_if: inIf,
              out_if: outIf,
              dst_vlan: 0x7d,
            }),
          ).finish();
          if (bytes[0] === 0x7b && bytes[bytes.length - 1] === 0x7d) found = bytes;
        }
    expect(found).toBeDefined();
    expect(detectFormat(found!)).toBe('goflow2-json');
    const { records, errors } = collect((s) => decodeValue(found!, 'auto', undefined, s));
    expect(errors).toEqual([]);
    expect(records).toMatchObject([{ outVlan: 0x7d, dstIp: '2121:2121:2121:2121:2121:2121:2121:2121' }]);
  });

  it('reports invalid UTF-8 in a text message instead of decoding mojibake', () => {
    const { errors } = collect((s) =>
      decodeValue(Uint8Array.from([0x46, 0x4c, 0x4f, 0x57, 0x2c, 0xff, 0xfe]), 'auto', undefined, s),
    );
    expect(errors).toEqual(['message is not valid UTF-8 (sflowtool is text)']);
  });
});
