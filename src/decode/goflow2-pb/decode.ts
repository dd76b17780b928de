/**
 * goflow2 protobuf (`flowpb.FlowMessage`) → flow records. goflow2 writes each message with a
 * varint length prefix; producers that send one message per Kafka record sometimes leave it out.
 * Both are accepted: a buffer that splits exactly into prefixed messages is read as such.
 */
import type protobuf from 'protobufjs';
import { ipFromBytes } from '../../net/ip.js';
import type { FlowRecord } from '../../record.js';
import { ETYPE_IPV6 } from '../../record.js';
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
}

const num = (v: number | protobuf.Long | undefined): number =>
  v === undefined ? 0 : typeof v === 'number' ? v : (v.high >>> 0) * 2 ** 32 + (v.low >>> 0);
const macText = (v: number | protobuf.Long | undefined): string =>
  num(v).toString(16).padStart(12, '0').slice(-12);

export function flowFromProto(m: Decoded, fallbackTimeMs: number | undefined): FlowRecord | string {
  const agent = ipFromBytes(m.sampler_address ?? new Uint8Array());
  if (agent === undefined)
    return `sampler_address has ${m.sampler_address?.length ?? 0} bytes, expected 4 or 16`;
  const srcIp = ipFromBytes(m.src_addr ?? new Uint8Array());
  if (srcIp === undefined) return `src_addr has ${m.src_addr?.length ?? 0} bytes, expected 4 or 16`;
  const dstIp = ipFromBytes(m.dst_addr ?? new Uint8Array());
  if (dstIp === undefined) return `dst_addr has ${m.dst_addr?.length ?? 0} bytes, expected 4 or 16`;
  const ns = num(m.time_received_ns) || num(m.time_flow_start_ns);
  const bytes = num(m.bytes);
  const etype = m.etype ?? 0;
  const rate = num(m.sampling_rate);
  return {
    kind: 'flow',
    timeMs: ns > 0 ? Math.floor(ns / 1e6) : fallbackTimeMs,
    agent,
    inIf: m.in_if ?? 0,
    outIf: m.out_if ?? 0,
    srcMac: macText(m.src_mac),
    dstMac: macText(m.dst_mac),
    etype,
    inVlan: m.src_vlan || m.vlan_id || 0,
    outVlan: m.dst_vlan ?? 0,
    srcIp,
    dstIp,
    proto: m.proto ?? 0,
    tos: m.ip_tos ?? 0,
    ttl: m.ip_ttl ?? 0,
    srcPort: m.src_port ?? 0,
    dstPort: m.dst_port ?? 0,
    tcpFlags: m.tcp_flags ?? 0,
    frameLength: bytes,
    ipSize: Math.max(etype === ETYPE_IPV6 ? 40 : 20, bytes - 18),
    samplingRate: rate === 0 ? 1 : rate,
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
