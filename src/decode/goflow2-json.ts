/**
 * goflow2 JSON → flow records. goflow2 v2 writes snake_case names (`src_addr`, `sampling_rate`,
 * `time_received_ns`, etype/proto as names), v1 wrote CamelCase (`SrcAddr`, `SamplingRate`,
 * `TimeReceived` in seconds, etype/proto as numbers). Both are read; one JSON object per line.
 */
import { cachedCanonicalIp } from '../net/ip.js';
import { PROTOCOL_NUMBERS } from '../net/protocols.js';
import type { FlowRecord } from '../record.js';
import { ETYPE_IPV4, ETYPE_IPV6 } from '../record.js';
import type { RecordSink } from './types.js';

type Json = Record<string, unknown>;

const ETYPE_NAMES: Readonly<Record<string, number>> = { ipv4: ETYPE_IPV4, ipv6: ETYPE_IPV6, arp: 0x0806 };

const DIGITS = /^\d+$/;

/** `o[v2] ?? o[v1]`; goflow2 v2 writes the first, v1 the second. */
const pick = (o: Json, v2: string, v1: string): unknown => o[v2] ?? o[v1];

/** A non-negative integer from a number or a numeric string (goflow2 prints uint64s either way). */
function uintValue(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? v : undefined;
  if (v === undefined || v === null) return 0;
  return typeof v === 'string' && DIGITS.test(v) ? Number(v) : undefined;
}

function namedNumber(v: unknown, names: Readonly<Record<string, number>>): number | undefined {
  if (typeof v === 'string' && !DIGITS.test(v)) return names[v.toLowerCase()];
  return uintValue(v);
}

/** MACs come as "aa:bb:cc:dd:ee:ff" (v2) or as a 48-bit number (v1 and some v2 setups). */
const macTexts = new Map<string, string | undefined>();
function macValue(v: unknown): string | undefined {
  if (v === undefined || v === null) return '000000000000';
  if (typeof v === 'number')
    return Number.isInteger(v) && v >= 0 && v < 2 ** 48 ? v.toString(16).padStart(12, '0') : undefined;
  if (typeof v !== 'string') return undefined;
  // MACs recur with their hosts: normalize each text once.
  let hex = macTexts.get(v);
  if (hex === undefined && !macTexts.has(v)) {
    const h = v.replace(/[:.-]/g, '').toLowerCase();
    hex = /^[0-9a-f]{12}$/.test(h) ? h : undefined;
    if (macTexts.size >= 50_000) macTexts.clear();
    macTexts.set(v, hex);
  }
  return hex;
}

const addressValue = (v: unknown): string | undefined =>
  typeof v === 'string' ? cachedCanonicalIp(v) : undefined;

/** The record's own time: v2 nanoseconds, else v1 seconds; undefined when it carries none. */
function timeOf(o: Json): number | undefined {
  for (const key of ['time_received_ns', 'time_flow_start_ns']) {
    const ns = o[key];
    if (typeof ns === 'number' && ns > 0) return Math.floor(ns / 1e6);
    if (typeof ns === 'string' && DIGITS.test(ns) && ns !== '0') return Number(BigInt(ns) / 1_000_000n);
  }
  for (const key of ['TimeReceived', 'TimeFlowStart']) {
    const s = o[key];
    if (typeof s === 'number' && s > 0) return s * 1000;
  }
  return undefined;
}

const invalid = (name: string, v: unknown): string => `${name} '${String(v)}' is not a valid value`;

/** Reused for every record: its numeric fields, as read. */
const numbers = {
  inIf: 0,
  outIf: 0,
  inVlan: 0,
  outVlan: 0,
  tos: 0,
  ttl: 0,
  srcPort: 0,
  dstPort: 0,
  tcpFlags: 0,
  bytes: 0,
  samplingRate: 0,
  etype: 0,
  proto: 0,
};

/** Each numeric field: its v2 and v1 keys, and names for those also written as words. */
const NUMBERS: readonly (readonly [
  keyof typeof numbers,
  string,
  string,
  Readonly<Record<string, number>>?,
])[] = [
  ['inIf', 'in_if', 'InIf'],
  ['outIf', 'out_if', 'OutIf'],
  ['inVlan', 'src_vlan', 'SrcVlan'],
  ['outVlan', 'dst_vlan', 'DstVlan'],
  ['tos', 'ip_tos', 'IPTos'],
  ['ttl', 'ip_ttl', 'IPTTL'],
  ['srcPort', 'src_port', 'SrcPort'],
  ['dstPort', 'dst_port', 'DstPort'],
  ['tcpFlags', 'tcp_flags', 'TCPFlags'],
  ['bytes', 'bytes', 'Bytes'],
  ['samplingRate', 'sampling_rate', 'SamplingRate'],
  ['etype', 'etype', 'Etype', ETYPE_NAMES],
  ['proto', 'proto', 'Proto', PROTOCOL_NUMBERS],
];

export function flowFromGoflow2Json(o: Json, fallbackTimeMs: number | undefined): FlowRecord | string {
  const agentText = pick(o, 'sampler_address', 'SamplerAddress');
  const agent = addressValue(agentText);
  if (agent === undefined) return `sampler_address '${String(agentText)}' is not an IP address`;
  const srcText = pick(o, 'src_addr', 'SrcAddr');
  const srcIp = addressValue(srcText);
  if (srcIp === undefined) return `src_addr '${String(srcText)}' is not an IP address`;
  const dstText = pick(o, 'dst_addr', 'DstAddr');
  const dstIp = addressValue(dstText);
  if (dstIp === undefined) return `dst_addr '${String(dstText)}' is not an IP address`;
  const srcMac = macValue(pick(o, 'src_mac', 'SrcMac'));
  const dstMac = macValue(pick(o, 'dst_mac', 'DstMac'));
  if (srcMac === undefined || dstMac === undefined) return 'src_mac or dst_mac is not a MAC address';
  // In table order, so the first invalid number is the one named.
  for (let i = 0; i < NUMBERS.length; i++) {
    const [name, v2, v1, names] = NUMBERS[i]!;
    const v = pick(o, v2, v1);
    const n = names ? namedNumber(v, names) : uintValue(v);
    if (n === undefined) return invalid(name, v);
    numbers[name] = n;
  }
  const {
    inIf,
    outIf,
    inVlan: srcVlan,
    outVlan,
    tos,
    ttl,
    srcPort,
    dstPort,
    tcpFlags,
    bytes,
    samplingRate,
    etype,
    proto,
  } = numbers;
  const ipHeader = etype === ETYPE_IPV6 ? 40 : 20;
  return {
    kind: 'flow',
    timeMs: timeOf(o) ?? fallbackTimeMs,
    agent,
    inIf,
    outIf,
    srcMac,
    dstMac,
    etype,
    inVlan: srcVlan === 0 ? (uintValue(pick(o, 'vlan_id', 'VlanId')) ?? 0) : srcVlan,
    outVlan,
    srcIp,
    dstIp,
    proto,
    tos,
    ttl,
    srcPort,
    dstPort,
    tcpFlags,
    frameLength: bytes,
    // goflow2 reports the sampled frame only; the IP length is the frame less Ethernet framing.
    ipSize: Math.max(ipHeader, bytes - 18),
    // A sampling rate of 0 means "not reported": count the sample as itself rather than as nothing.
    samplingRate: samplingRate === 0 ? 1 : samplingRate,
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
