/**
 * goflow2 JSON → flow records, one JSON object per line. goflow2 v2 writes snake_case names,
 * times in nanoseconds and etype/proto as names; v1 wrote CamelCase, times in seconds and numbers.
 * Both are read, by the key table in fields.ts.
 */

import { cachedCanonicalIp } from '../../net/ip.js';
import { macHex } from '../../net/mac.js';
import { PROTOCOL_NUMBERS } from '../../net/protocols.js';
import { ETYPE_IPV6, type FlowRecord, FLOW_NUMBER_MAX as MAX } from '../../record.js';
import { remember } from '../../util/cache.js';
import { interfaceKind, interfaceValue, isIcmp, isIpEtype, samplingRateOf, vlanOf } from '../rules.js';
import type { RecordSink } from '../types.js';
import { ETYPE_NAMES, JSON_KEYS, type JsonField, TIME_NS_KEYS, TIME_S_KEYS } from './fields.js';

type Json = Record<string, unknown>;

const DIGITS = /^\d+$/;

/** `o[v2] ?? o[v1]`; goflow2 v2 writes the first, v1 the second. */
const pick = (o: Json, field: JsonField): unknown => o[JSON_KEYS[field][0]] ?? o[JSON_KEYS[field][1]];

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
    hex = remember(macTexts, 50_000, v, macHex(v));
  }
  return hex;
}

const addressValue = (v: unknown): string | undefined =>
  typeof v === 'string' ? cachedCanonicalIp(v) : undefined;

/** The record's own time: v2 nanoseconds, else v1 seconds; undefined when it carries none. */
function timeOf(o: Json): number | undefined {
  for (const key of TIME_NS_KEYS) {
    const ns = o[key];
    if (typeof ns === 'number' && ns > 0) return Math.floor(ns / 1e6);
    if (typeof ns === 'string' && DIGITS.test(ns) && ns !== '0') return Number(BigInt(ns) / 1_000_000n);
  }
  for (const key of TIME_S_KEYS) {
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
  vlanId: 0,
  tos: 0,
  ttl: 0,
  srcPort: 0,
  dstPort: 0,
  icmpType: 0,
  icmpCode: 0,
  tcpFlags: 0,
  frameLength: 0,
  samplingRate: 0,
  etype: 0,
  proto: 0,
};

const U32 = 0xffffffff;

/**
 * The numeric fields in the order they are checked, each with its largest valid value (record.ts)
 * and names for those also written as words. VLANs and interfaces are read whole: decode/rules.ts
 * places every value of theirs.
 */
const NUMBERS: readonly (readonly [keyof typeof numbers, number, Readonly<Record<string, number>>?])[] = [
  ['inIf', U32],
  ['outIf', U32],
  ['inVlan', U32],
  ['outVlan', U32],
  ['vlanId', U32],
  ['tos', MAX.tos],
  ['ttl', MAX.ttl],
  ['srcPort', MAX.srcPort],
  ['dstPort', MAX.dstPort],
  ['icmpType', 255],
  ['icmpCode', 255],
  ['tcpFlags', MAX.tcpFlags],
  ['frameLength', MAX.frameLength],
  ['samplingRate', MAX.samplingRate],
  ['etype', MAX.etype, ETYPE_NAMES],
  ['proto', MAX.proto, PROTOCOL_NUMBERS],
];

/** An address, or '' where the frame is not IP (goflow2 writes "" then). */
function addressOf(o: Json, field: 'srcIp' | 'dstIp', etype: number): string | undefined {
  const text = pick(o, field);
  if ((text === '' || text === undefined || text === null) && !isIpEtype(etype)) return '';
  return addressValue(text);
}

export function flowFromGoflow2Json(o: Json, fallbackTimeMs: number | undefined): FlowRecord | string {
  const agentText = pick(o, 'agent');
  const agent = addressValue(agentText);
  if (agent === undefined) return `${JSON_KEYS.agent[0]} '${String(agentText)}' is not an IP address`;
  // In table order, so the first invalid number is the one named.
  for (let i = 0; i < NUMBERS.length; i++) {
    const [name, max, names] = NUMBERS[i]!;
    const v = pick(o, name);
    const n = names ? namedNumber(v, names) : uintValue(v);
    if (n === undefined || n > max) return invalid(JSON_KEYS[name][0], v);
    numbers[name] = n;
  }
  const { inIf, outIf, inVlan, outVlan, vlanId, frameLength, etype, proto } = numbers;
  const srcIp = addressOf(o, 'srcIp', etype);
  if (srcIp === undefined) return `${JSON_KEYS.srcIp[0]} '${String(pick(o, 'srcIp'))}' is not an IP address`;
  const dstIp = addressOf(o, 'dstIp', etype);
  if (dstIp === undefined) return `${JSON_KEYS.dstIp[0]} '${String(pick(o, 'dstIp'))}' is not an IP address`;
  const srcMac = macValue(pick(o, 'srcMac'));
  const dstMac = macValue(pick(o, 'dstMac'));
  if (srcMac === undefined || dstMac === undefined) return 'src_mac or dst_mac is not a MAC address';
  const icmp = isIcmp(proto);
  return {
    kind: 'flow',
    timeMs: timeOf(o) ?? fallbackTimeMs,
    agent,
    inIf: interfaceValue(inIf),
    outIf: interfaceValue(outIf),
    inIfKind: interfaceKind(inIf),
    outIfKind: interfaceKind(outIf),
    srcMac,
    dstMac,
    etype,
    // goflow2 puts the 802.1Q tag of the sampled frame in vlan_id when src_vlan is not reported.
    inVlan: vlanOf(inVlan) || vlanOf(vlanId),
    outVlan: vlanOf(outVlan),
    srcIp,
    dstIp,
    proto,
    tos: numbers.tos,
    ttl: numbers.ttl,
    srcPort: numbers.srcPort,
    dstPort: numbers.dstPort,
    icmpType: icmp ? numbers.icmpType : -1,
    icmpCode: icmp ? numbers.icmpCode : -1,
    tcpFlags: numbers.tcpFlags,
    frameLength,
    // goflow2 reports the sampled frame only; the IP length is the frame less Ethernet framing.
    ipSize: Math.max(isIpEtype(etype) ? (etype === ETYPE_IPV6 ? 40 : 20) : 0, frameLength - 18),
    samplingRate: samplingRateOf(numbers.samplingRate),
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
