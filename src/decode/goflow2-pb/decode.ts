/**
 * goflow2 protobuf (`flowpb.FlowMessage`) → flow records. goflow2 writes each message with a
 * varint length prefix; producers that send one message per Kafka record sometimes leave it out.
 * Both are accepted: a buffer that splits exactly into prefixed messages is read as such.
 */
import type protobuf from 'protobufjs';
import { ipFromBytes } from '../../net/ip.js';
import { ETYPE_IPV6, type FlowRecord, FLOW_NUMBER_MAX as MAX } from '../../record.js';
import { interfaceKind, interfaceValue, isIcmp, isIpEtype, samplingRateOf, vlanOf } from '../rules.js';
import type { RecordSink } from '../types.js';
import { cursor, varint } from '../wire.js';
import { FlowMessage } from './fields.js';

export { FlowMessage } from './fields.js';

interface Decoded {
  time_received_ns?: number | protobuf.Long;
  time_flow_start_ns?: number | protobuf.Long;
  sampling_rate?: number | protobuf.Long;
  sampler_address?: Uint8Array;
  bytes?: number | protobuf.Long;
  src_addr?: Uint8Array;
  dst_addr?: Uint8Array;
  etype?: number;
  proto?: number;
  src_port?: number;
  dst_port?: number;
  in_if?: number;
  out_if?: number;
  src_mac?: number | protobuf.Long;
  dst_mac?: number | protobuf.Long;
  src_vlan?: number;
  dst_vlan?: number;
  vlan_id?: number;
  ip_tos?: number;
  ip_ttl?: number;
  tcp_flags?: number;
  icmp_type?: number;
  icmp_code?: number;
}

const num = (v: number | protobuf.Long | undefined): number =>
  v === undefined ? 0 : typeof v === 'number' ? v : (v.high >>> 0) * 2 ** 32 + (v.low >>> 0);
const macText = (v: number | protobuf.Long | undefined): string =>
  num(v).toString(16).padStart(12, '0').slice(-12);

/** An address, '' for none where the frame is not IP; undefined when neither. */
function addressOf(bytes: Uint8Array | undefined, etype: number): string | undefined {
  if ((bytes === undefined || bytes.length === 0) && !isIpEtype(etype)) return '';
  return ipFromBytes(bytes ?? new Uint8Array());
}

/** Fields whose wire type allows more than the value may be (record.ts), checked in this order. */
const LIMITED: readonly (readonly [keyof Decoded, number])[] = [
  ['ip_tos', MAX.tos],
  ['ip_ttl', MAX.ttl],
  ['src_port', MAX.srcPort],
  ['dst_port', MAX.dstPort],
  ['icmp_type', 255],
  ['icmp_code', 255],
  ['tcp_flags', MAX.tcpFlags],
  ['bytes', MAX.frameLength],
  ['sampling_rate', MAX.samplingRate],
  ['etype', MAX.etype],
  ['proto', MAX.proto],
];

export function flowFromProto(m: Decoded, fallbackTimeMs: number | undefined): FlowRecord | string {
  const agent = ipFromBytes(m.sampler_address ?? new Uint8Array());
  if (agent === undefined)
    return `sampler_address has ${m.sampler_address?.length ?? 0} bytes, expected 4 or 16`;
  // One comparison per field on the common path; the table names the first bad one.
  if (
    (m.ip_tos ?? 0) > MAX.tos ||
    (m.ip_ttl ?? 0) > MAX.ttl ||
    (m.src_port ?? 0) > MAX.srcPort ||
    (m.dst_port ?? 0) > MAX.dstPort ||
    (m.icmp_type ?? 0) > 255 ||
    (m.icmp_code ?? 0) > 255 ||
    (m.tcp_flags ?? 0) > MAX.tcpFlags ||
    num(m.bytes) > MAX.frameLength ||
    num(m.sampling_rate) > MAX.samplingRate ||
    (m.etype ?? 0) > MAX.etype ||
    (m.proto ?? 0) > MAX.proto
  ) {
    for (const [field, max] of LIMITED) {
      const v = num(m[field] as number | protobuf.Long | undefined);
      if (v > max) return `${field} '${v}' is not a valid value`;
    }
  }
  const etype = m.etype ?? 0;
  const srcIp = addressOf(m.src_addr, etype);
  if (srcIp === undefined) return `src_addr has ${m.src_addr?.length ?? 0} bytes, expected 4 or 16`;
  const dstIp = addressOf(m.dst_addr, etype);
  if (dstIp === undefined) return `dst_addr has ${m.dst_addr?.length ?? 0} bytes, expected 4 or 16`;
  const ns = num(m.time_received_ns) || num(m.time_flow_start_ns);
  const bytes = num(m.bytes);
  const proto = m.proto ?? 0;
  const icmp = isIcmp(proto);
  const inIf = m.in_if ?? 0;
  const outIf = m.out_if ?? 0;
  return {
    kind: 'flow',
    timeMs: ns > 0 ? Math.floor(ns / 1e6) : fallbackTimeMs,
    agent,
    inIf: interfaceValue(inIf),
    outIf: interfaceValue(outIf),
    inIfKind: interfaceKind(inIf),
    outIfKind: interfaceKind(outIf),
    srcMac: macText(m.src_mac),
    dstMac: macText(m.dst_mac),
    etype,
    inVlan: vlanOf(m.src_vlan ?? 0) || vlanOf(m.vlan_id ?? 0),
    outVlan: vlanOf(m.dst_vlan ?? 0),
    srcIp,
    dstIp,
    proto,
    tos: m.ip_tos ?? 0,
    ttl: m.ip_ttl ?? 0,
    srcPort: m.src_port ?? 0,
    dstPort: m.dst_port ?? 0,
    icmpType: icmp ? (m.icmp_type ?? 0) : -1,
    icmpCode: icmp ? (m.icmp_code ?? 0) : -1,
    tcpFlags: m.tcp_flags ?? 0,
    frameLength: bytes,
    ipSize: Math.max(isIpEtype(etype) ? (etype === ETYPE_IPV6 ? 40 : 20) : 0, bytes - 18),
    samplingRate: samplingRateOf(num(m.sampling_rate)),
  };
}

/** Splits `buf` into varint-length-prefixed parts, or undefined if it is not exactly that. */
export function splitDelimited(buf: Uint8Array): Uint8Array[] | undefined {
  const parts: Uint8Array[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const length = varint(buf, pos, buf.length);
    if (length <= 0) return undefined;
    pos = cursor.pos;
    if (pos + length > buf.length) return undefined;
    parts.push(buf.subarray(pos, pos + length));
    pos += length;
  }
  return parts.length > 0 ? parts : undefined;
}

function decodeOne(part: Uint8Array): Decoded | string {
  try {
    return FlowMessage.decode(part) as unknown as Decoded;
  } catch (err) {
    return `not a goflow2 protobuf FlowMessage: ${(err as Error).message}`;
  }
}

export function decodeGoflow2Pb(buf: Uint8Array, timeMs: number | undefined, sink: RecordSink): void {
  const parts = splitDelimited(buf);
  if (parts) {
    const decoded = parts.map(decodeOne);
    // A prefix reading that yields undecodable parts was a coincidence: read it whole instead.
    if (decoded.every((d) => typeof d !== 'string')) {
      decoded.forEach((d, index) => {
        const result = flowFromProto(d as Decoded, timeMs);
        if (typeof result === 'string') sink.error(index, result);
        else sink.record(index, result);
      });
      return;
    }
  }
  const whole = decodeOne(buf);
  if (typeof whole === 'string') {
    sink.error(0, whole);
    return;
  }
  const result = flowFromProto(whole, timeMs);
  if (typeof result === 'string') sink.error(0, result);
  else sink.record(0, result);
}
