import { describe, expect, it } from 'vitest';
import { decodeValue, detectFormat } from '../../../src/decode/detect.js';
import { FlowMessage } from '../../../src/decode/goflow2-pb/decode.js';
import { goflow2Protobuf } from '../../../src/gen/encode.js';
import { collect, flow } from '../../fixtures/records.js';

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
