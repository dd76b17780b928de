/**
 * Writes records the way the collectors in front of smonnet write them: `sflowtool -l` lines,
 * goflow2's JSON (v2, snake_case) and goflow2's length-prefixed protobuf. goflow2 exports no
 * counter samples, so counters exist only as sflowtool `CNTR` lines.
 */

import { FlowMessage } from '../decode/goflow2-pb.js';
import { parseIpv6 } from '../net/ip.js';
import type { CounterRecord, FlowRecord, SflowRecord } from '../record.js';
import { ETYPE_IPV4, ETYPE_IPV6 } from '../record.js';

export const GEN_FORMATS = ['sflowtool', 'goflow2-json', 'goflow2-pb', 'mixed'] as const;
export type GenFormat = (typeof GEN_FORMATS)[number];

const hex = (n: number, width: number): string => `0x${n.toString(16).padStart(width, '0')}`;

export function flowLine(r: FlowRecord): string {
  return [
    'FLOW',
    r.agent,
    r.inIf,
    r.outIf,
    r.srcMac,
    r.dstMac,
    hex(r.etype, 4),
    r.inVlan,
    r.outVlan,
    r.srcIp,
    r.dstIp,
    r.proto,
    hex(r.tos, 2),
    r.ttl,
    r.srcPort,
    r.dstPort,
    hex(r.tcpFlags, 2),
    r.frameLength,
    r.ipSize,
    r.samplingRate,
  ].join(',');
}

export function counterLine(r: CounterRecord): string {
  return [
    'CNTR',
    r.agent,
    r.ifIndex,
    r.ifType,
    r.ifSpeed,
    r.ifDirection,
    r.ifStatus,
    r.ifInOctets,
    r.ifInUcastPkts,
    r.ifInMulticastPkts,
    r.ifInBroadcastPkts,
    r.ifInDiscards,
    r.ifInErrors,
    r.ifInUnknownProtos,
    r.ifOutOctets,
    r.ifOutUcastPkts,
    r.ifOutMulticastPkts,
    r.ifOutBroadcastPkts,
    r.ifOutDiscards,
    r.ifOutErrors,
    r.ifPromiscuousMode,
  ].join(',');
}

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
    sampling_rate: r.samplingRate,
    sampler_address: r.agent,
    time_flow_start_ns: Number(ns),
    time_flow_end_ns: Number(ns),
    bytes: r.frameLength,
    packets: 1,
    src_addr: r.srcIp,
    dst_addr: r.dstIp,
    etype: r.etype === ETYPE_IPV4 ? 'IPv4' : r.etype === ETYPE_IPV6 ? 'IPv6' : r.etype,
    proto: PROTO_NAMES[r.proto] ?? r.proto,
    src_port: r.srcPort,
    dst_port: r.dstPort,
    in_if: r.inIf,
    out_if: r.outIf,
    src_mac: colonMac(r.srcMac),
    dst_mac: colonMac(r.dstMac),
    src_vlan: r.inVlan,
    dst_vlan: r.outVlan,
    vlan_id: r.inVlan,
    ip_tos: r.tos,
    forwarding_status: 0,
    ip_ttl: r.ttl,
    ip_flags: 0,
    tcp_flags: r.tcpFlags,
    icmp_type: 0,
    icmp_code: 0,
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
      src_addr: addressBytes(r.srcIp),
      dst_addr: addressBytes(r.dstIp),
      etype: r.etype,
      proto: r.proto,
      src_port: r.srcPort,
      dst_port: r.dstPort,
      in_if: r.inIf,
      out_if: r.outIf,
      src_mac: Number.parseInt(r.srcMac, 16),
      dst_mac: Number.parseInt(r.dstMac, 16),
      src_vlan: r.inVlan,
      dst_vlan: r.outVlan,
      vlan_id: r.inVlan,
      ip_tos: r.tos,
      ip_ttl: r.ttl,
      tcp_flags: r.tcpFlags,
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
