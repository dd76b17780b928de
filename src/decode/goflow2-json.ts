/**
 * goflow2 JSON → flow records. goflow2 v2 writes snake_case names (`src_addr`, `sampling_rate`,
 * `time_received_ns`, etype/proto as names), v1 wrote CamelCase (`SrcAddr`, `SamplingRate`,
 * `TimeReceived` in seconds, etype/proto as numbers). Both are read; one JSON object per line.
 */
import { canonicalIp } from '../net/ip.js';
import { PROTOCOL_NUMBERS } from '../net/protocols.js';
import type { FlowRecord } from '../record.js';
import { ETYPE_IPV4, ETYPE_IPV6 } from '../record.js';
import type { RecordSink } from './types.js';

type Json = Record<string, unknown>;

const ETYPE_NAMES: Readonly<Record<string, number>> = { ipv4: ETYPE_IPV4, ipv6: ETYPE_IPV6, arp: 0x0806 };

/** A non-negative integer from a number or a numeric string (goflow2 prints uint64s either way). */
function uintField(o: Json, v2: string, v1: string): number | undefined {
  const v = o[v2] ?? o[v1];
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : Number.NaN;
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

function namedNumber(
  o: Json,
  v2: string,
  v1: string,
  names: Readonly<Record<string, number>>,
): number | undefined {
  const v = o[v2] ?? o[v1];
  if (typeof v === 'string' && !/^\d+$/.test(v)) return names[v.toLowerCase()];
  return uintField(o, v2, v1);
}

/** MACs come as "aa:bb:cc:dd:ee:ff" (v2) or as a 48-bit number (v1 and some v2 setups). */
function macField(o: Json, v2: string, v1: string): string | undefined {
  const v = o[v2] ?? o[v1];
  if (v === undefined || v === null) return '000000000000';
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 2 ** 48)
    return v.toString(16).padStart(12, '0');
  if (typeof v !== 'string') return undefined;
  const hex = v.replace(/[:.-]/g, '').toLowerCase();
  return /^[0-9a-f]{12}$/.test(hex) ? hex : undefined;
}

function addressField(o: Json, v2: string, v1: string): string | undefined {
  const v = o[v2] ?? o[v1];
  return typeof v === 'string' ? canonicalIp(v) : undefined;
}

/** The record's own time: v2 nanoseconds, else v1 seconds; undefined when it carries none. */
function timeOf(o: Json): number | undefined {
  for (const key of ['time_received_ns', 'time_flow_start_ns']) {
    const ns = o[key];
    if (typeof ns === 'number' && ns > 0) return Math.floor(ns / 1e6);
    if (typeof ns === 'string' && /^\d+$/.test(ns) && ns !== '0') return Number(BigInt(ns) / 1_000_000n);
  }
  for (const key of ['TimeReceived', 'TimeFlowStart']) {
    const s = o[key];
    if (typeof s === 'number' && s > 0) return s * 1000;
  }
  return undefined;
}

export function flowFromGoflow2Json(o: Json, fallbackTimeMs: number | undefined): FlowRecord | string {
  const agent = addressField(o, 'sampler_address', 'SamplerAddress');
  if (agent === undefined)
    return `sampler_address '${String(o['sampler_address'] ?? o['SamplerAddress'])}' is not an IP address`;
  const srcIp = addressField(o, 'src_addr', 'SrcAddr');
  if (srcIp === undefined) return `src_addr '${String(o['src_addr'] ?? o['SrcAddr'])}' is not an IP address`;
  const dstIp = addressField(o, 'dst_addr', 'DstAddr');
  if (dstIp === undefined) return `dst_addr '${String(o['dst_addr'] ?? o['DstAddr'])}' is not an IP address`;
  const srcMac = macField(o, 'src_mac', 'SrcMac');
  const dstMac = macField(o, 'dst_mac', 'DstMac');
  if (srcMac === undefined || dstMac === undefined) return 'src_mac or dst_mac is not a MAC address';
  const etype = namedNumber(o, 'etype', 'Etype', ETYPE_NAMES);
  const proto = namedNumber(o, 'proto', 'Proto', PROTOCOL_NUMBERS);
  const fields = {
    inIf: uintField(o, 'in_if', 'InIf'),
    outIf: uintField(o, 'out_if', 'OutIf'),
    inVlan: uintField(o, 'src_vlan', 'SrcVlan'),
    outVlan: uintField(o, 'dst_vlan', 'DstVlan'),
    tos: uintField(o, 'ip_tos', 'IPTos'),
    ttl: uintField(o, 'ip_ttl', 'IPTTL'),
    srcPort: uintField(o, 'src_port', 'SrcPort'),
    dstPort: uintField(o, 'dst_port', 'DstPort'),
    tcpFlags: uintField(o, 'tcp_flags', 'TCPFlags'),
    bytes: uintField(o, 'bytes', 'Bytes'),
    samplingRate: uintField(o, 'sampling_rate', 'SamplingRate'),
  };
  for (const [key, value] of Object.entries({ ...fields, etype, proto })) {
    if (value === undefined) return `${key} is not a valid value`;
  }
  const f = fields as { [K in keyof typeof fields]: number };
  const ipHeader = etype === ETYPE_IPV6 ? 40 : 20;
  return {
    kind: 'flow',
    timeMs: timeOf(o) ?? fallbackTimeMs,
    agent,
    inIf: f.inIf,
    outIf: f.outIf,
    srcMac,
    dstMac,
    etype: etype!,
    inVlan: f.inVlan === 0 ? (uintField(o, 'vlan_id', 'VlanId') ?? 0) : f.inVlan,
    outVlan: f.outVlan,
    srcIp,
    dstIp,
    proto: proto!,
    tos: f.tos,
    ttl: f.ttl,
    srcPort: f.srcPort,
    dstPort: f.dstPort,
    tcpFlags: f.tcpFlags,
    frameLength: f.bytes,
    // goflow2 reports the sampled frame only; the IP length is the frame less Ethernet framing.
    ipSize: Math.max(ipHeader, f.bytes - 18),
    // A sampling rate of 0 means "not reported": count the sample as itself rather than as nothing.
    samplingRate: f.samplingRate === 0 ? 1 : f.samplingRate,
  };
}

export function decodeGoflow2Json(text: string, timeMs: number | undefined, sink: RecordSink): void {
  const lines = text.indexOf('\n') < 0 ? [text] : text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (line.length === 0) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (err) {
      sink.error(index, `invalid JSON: ${(err as Error).message}`, line);
      continue;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      sink.error(index, 'JSON message is not an object', line);
      continue;
    }
    const result = flowFromGoflow2Json(parsed as Json, timeMs);
    if (typeof result === 'string') sink.error(index, result, line);
    else sink.record(index, result);
  }
}
