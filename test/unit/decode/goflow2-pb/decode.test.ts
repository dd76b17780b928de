import { describe, expect, it } from 'vitest';
import { decodeGoflow2Pb, FlowMessage, splitDelimited } from '../../../../src/decode/goflow2-pb/decode.js';
import { goflow2Protobuf } from '../../../../src/gen/encode.js';
import type { FlowRecord } from '../../../../src/record.js';
import { collect, flow } from '../../../fixtures/records.js';

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
