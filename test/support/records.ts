/** A flow record and a record sink that collects, shared by the decoder tests. */
import type { FlowRecord, SflowRecord } from '../../src/record.js';

export const flow: FlowRecord = {
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

export function collect(
  run: (sink: { record: (i: number, r: SflowRecord) => void; error: (i: number, e: string) => void }) => void,
) {
  const records: SflowRecord[] = [];
  const errors: string[] = [];
  run({ record: (_i, r) => records.push(r), error: (_i, e) => errors.push(e) });
  return { records, errors };
}
