/**
 * goflow2 protobuf (`flowpb.FlowMessage`) → flow records. goflow2 writes each message with a
 * varint length prefix; producers that send one message per Kafka record sometimes leave it out.
 * Both are accepted: a buffer that splits exactly into prefixed messages is read as such.
 */
import protobuf from 'protobufjs';
import { ipFromBytes } from '../net/ip.js';
import type { FlowRecord } from '../record.js';
import { ETYPE_IPV6 } from '../record.js';
import type { RecordSink } from './types.js';

// The fields smonnet reads, with goflow2's field numbers; unknown fields are skipped by the decoder.
const FLOW_PROTO = `
syntax = "proto3";
package flowpb;
message FlowMessage {
  uint32 type = 1;
  uint64 time_received_ns = 110;
  uint32 sequence_num = 4;
  uint64 sampling_rate = 3;
  bytes sampler_address = 11;
  uint64 time_flow_start_ns = 111;
  uint64 bytes = 9;
  uint64 packets = 10;
  bytes src_addr = 6;
  bytes dst_addr = 7;
  uint32 etype = 30;
  uint32 proto = 20;
  uint32 src_port = 21;
  uint32 dst_port = 22;
  uint32 in_if = 18;
  uint32 out_if = 19;
  uint64 src_mac = 27;
  uint64 dst_mac = 28;
  uint32 src_vlan = 33;
  uint32 dst_vlan = 34;
  uint32 vlan_id = 29;
  uint32 ip_tos = 23;
  uint32 ip_ttl = 25;
  uint32 tcp_flags = 26;
}`;

export const FlowMessage = protobuf
  .parse(FLOW_PROTO, { keepCase: true })
  .root.lookupType('flowpb.FlowMessage');

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
    let length = 0;
    let shift = 0;
    let byte: number;
    do {
      if (pos >= buf.length || shift > 28) return undefined;
      byte = buf[pos++]!;
      length += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    if (length === 0 || pos + length > buf.length) return undefined;
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
