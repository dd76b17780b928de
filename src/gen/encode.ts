/**
 * Writes records the way the collectors in front of smonnet write them: `sflowtool -l` lines,
 * goflow2's JSON (v2, snake_case) and goflow2's length-prefixed protobuf. goflow2 exports no
 * counter samples, so counters exist only as sflowtool `CNTR` lines.
 */

import { JSON_KEYS as K } from '../decode/goflow2-json/fields.js';
import { FlowMessage } from '../decode/goflow2-pb/fields.js';
import { isIcmp, rawInterface } from '../decode/rules.js';
import { counterLine, flowLine } from '../decode/sflowtool/encode.js';
import { parseIpv6 } from '../net/ip.js';
import type { FlowRecord, SflowRecord } from '../record.js';
import { ETYPE_IPV4, ETYPE_IPV6 } from '../record.js';

export { counterLine, flowLine } from '../decode/sflowtool/encode.js';

export const GEN_FORMATS = ['sflowtool', 'goflow2-json', 'goflow2-pb', 'mixed'] as const;
export type GenFormat = (typeof GEN_FORMATS)[number];

const PROTO_NAMES: Readonly<Record<number, string>> = {
  1: 'ICMP',
  6: 'TCP',
  17: 'UDP',
  47: 'GRE',
  58: 'ICMPv6',
};
const colonMac = (mac: string): string => mac.replace(/(..)(?!$)/g, '$1:');

export function goflow2Json(r: FlowRecord, sequence: number): string {
  const ns = BigInt(r.timeMs ?? 0) * 1_000_000n;
  // Field order and rendering (names for etype/proto, colon MACs) as goflow2 v2 prints them.
  return JSON.stringify({
    type: 'SFLOW_5',
    time_received_ns: Number(ns),
    sequence_num: sequence,
    [K.samplingRate[0]]: r.samplingRate,
    [K.agent[0]]: r.agent,
    time_flow_start_ns: Number(ns),
    time_flow_end_ns: Number(ns),
    [K.frameLength[0]]: r.frameLength,
    packets: 1,
    [K.srcIp[0]]: r.srcIp,
    [K.dstIp[0]]: r.dstIp,
    [K.etype[0]]: r.etype === ETYPE_IPV4 ? 'IPv4' : r.etype === ETYPE_IPV6 ? 'IPv6' : r.etype,
    [K.proto[0]]: PROTO_NAMES[r.proto] ?? r.proto,
    [K.srcPort[0]]: r.srcPort,
    [K.dstPort[0]]: r.dstPort,
    [K.inIf[0]]: rawInterface(r.inIfKind, r.inIf),
    [K.outIf[0]]: rawInterface(r.outIfKind, r.outIf),
    [K.srcMac[0]]: colonMac(r.srcMac),
    [K.dstMac[0]]: colonMac(r.dstMac),
    [K.inVlan[0]]: r.inVlan,
    [K.outVlan[0]]: r.outVlan,
    [K.vlanId[0]]: r.inVlan,
    [K.tos[0]]: r.tos,
    forwarding_status: 0,
    [K.ttl[0]]: r.ttl,
    ip_flags: 0,
    [K.tcpFlags[0]]: r.tcpFlags,
    [K.icmpType[0]]: Math.max(0, r.icmpType),
    [K.icmpCode[0]]: Math.max(0, r.icmpCode),
    ipv6_flow_label: 0,
    fragment_id: 0,
    fragment_offset: 0,
    src_as: 0,
    dst_as: 0,
    next_hop: '',
    next_hop_as: 0,
    src_net: r.etype === ETYPE_IPV6 ? '::/0' : '0.0.0.0/0',
    dst_net: r.etype === ETYPE_IPV6 ? '::/0' : '0.0.0.0/0',
  });
}

function addressBytes(ip: string): Uint8Array {
  if (ip.indexOf(':') < 0) return Uint8Array.from(ip.split('.').map(Number));
  const words = parseIpv6(ip)!;
  const out = new Uint8Array(16);
  const view = new DataView(out.buffer);
  words.forEach((w, i) => {
    view.setUint32(i * 4, w);
  });
  return out;
}

/** goflow2's binary output: a varint-length-prefixed flowpb.FlowMessage. */
export function goflow2Protobuf(r: FlowRecord, sequence: number): Uint8Array {
  const ns = BigInt(r.timeMs ?? 0) * 1_000_000n;
  return FlowMessage.encodeDelimited(
    FlowMessage.fromObject({
      type: 1,
      time_received_ns: ns.toString(),
      time_flow_start_ns: ns.toString(),
      sequence_num: sequence,
      sampling_rate: r.samplingRate,
      sampler_address: addressBytes(r.agent),
      bytes: r.frameLength,
      packets: 1,
      src_addr: r.srcIp === '' ? new Uint8Array() : addressBytes(r.srcIp),
      dst_addr: r.dstIp === '' ? new Uint8Array() : addressBytes(r.dstIp),
      etype: r.etype,
      proto: r.proto,
      src_port: r.srcPort,
      dst_port: r.dstPort,
      in_if: rawInterface(r.inIfKind, r.inIf),
      out_if: rawInterface(r.outIfKind, r.outIf),
      src_mac: Number.parseInt(r.srcMac, 16),
      dst_mac: Number.parseInt(r.dstMac, 16),
      src_vlan: r.inVlan,
      dst_vlan: r.outVlan,
      vlan_id: r.inVlan,
      ip_tos: r.tos,
      ip_ttl: r.ttl,
      tcp_flags: r.tcpFlags,
      ...(isIcmp(r.proto) && { icmp_type: r.icmpType, icmp_code: r.icmpCode }),
    }),
  ).finish();
}

export interface EncodedMessage {
  /** Kafka message key: the agent, so one agent's records keep their order in one partition. */
  readonly key: string;
  readonly value: string | Uint8Array;
  /** The records the message carries, in order (tests compute expectations from them). */
  readonly records: readonly SflowRecord[];
}

/**
 * Groups records into Kafka messages. sflowtool lines may share a message (`linesPerMessage`);
 * a goflow2 message is one flow. In `mixed`, each flow picks its format by a stable rotation
 * so all three share one topic; counters always travel as CNTR lines.
 */
export function* encodeMessages(
  records: Iterable<SflowRecord>,
  format: GenFormat,
  linesPerMessage = 1,
): Generator<EncodedMessage> {
  let sequence = 0;
  let pending: SflowRecord[] = [];
  const flushLines = (): EncodedMessage | undefined => {
    if (pending.length === 0) return undefined;
    const lines = pending.map((r) => (r.kind === 'flow' ? flowLine(r) : counterLine(r)));
    const message = { key: pending[0]!.agent, value: lines.join('\n'), records: pending };
    pending = [];
    return message;
  };
  for (const record of records) {
    sequence++;
    if (record.kind === 'flow') {
      // In `mixed`, a third of the flows each: lines, JSON, protobuf.
      const wire =
        format === 'mixed' ? (['sflowtool', 'goflow2-json', 'goflow2-pb'] as const)[sequence % 3]! : format;
      if (wire === 'goflow2-json') {
        yield { key: record.agent, value: goflow2Json(record, sequence), records: [record] };
        continue;
      }
      if (wire === 'goflow2-pb') {
        yield { key: record.agent, value: goflow2Protobuf(record, sequence), records: [record] };
        continue;
      }
    } else if (format === 'goflow2-json' || format === 'goflow2-pb') {
      continue; // goflow2 carries no counters
    }
    pending.push(record);
    if (pending.length >= linesPerMessage) yield flushLines()!;
  }
  const rest = flushLines();
  if (rest) yield rest;
}
