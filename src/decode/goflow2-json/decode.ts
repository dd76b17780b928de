/**
 * goflow2 JSON → flow records, one JSON object per line. goflow2 v2 writes snake_case names,
 * times in nanoseconds and etype/proto as names; v1 wrote CamelCase, times in seconds and numbers.
 * Both are read, by the key table in fields.ts.
 */

import { cachedCanonicalIp } from '../../net/ip.js';
import { PROTOCOL_NUMBERS } from '../../net/protocols.js';
import type { FlowRecord } from '../../record.js';
import { ETYPE_IPV6 } from '../../record.js';
import { remember } from '../../util/cache.js';
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
    const h = v.replace(/[:.-]/g, '').toLowerCase();
    hex = remember(macTexts, 50_000, v, /^[0-9a-f]{12}$/.test(h) ? h : undefined);
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

/** The numeric fields in the order they are checked, with names for those also written as words. */
const NUMBERS: readonly (readonly [keyof typeof numbers, Readonly<Record<string, number>>?])[] = [
  ['inIf'],
  ['outIf'],
  ['inVlan'],
  ['outVlan'],
  ['tos'],
  ['ttl'],
  ['srcPort'],
  ['dstPort'],
  ['tcpFlags'],
  ['bytes'],
  ['samplingRate'],
  ['etype', ETYPE_NAMES],
  ['proto', PROTOCOL_NUMBERS],
];

export function flowFromGoflow2Json(o: Json, fallbackTimeMs: number | undefined): FlowRecord | string {
  const agentText = pick(o, 'agent');
  const agent = addressValue(agentText);
  if (agent === undefined) return `${JSON_KEYS.agent[0]} '${String(agentText)}' is not an IP address`;
  const srcText = pick(o, 'srcIp');
  const srcIp = addressValue(srcText);
  if (srcIp === undefined) return `${JSON_KEYS.srcIp[0]} '${String(srcText)}' is not an IP address`;
  const dstText = pick(o, 'dstIp');
  const dstIp = addressValue(dstText);
  if (dstIp === undefined) return `${JSON_KEYS.dstIp[0]} '${String(dstText)}' is not an IP address`;
  const srcMac = macValue(pick(o, 'srcMac'));
  const dstMac = macValue(pick(o, 'dstMac'));
  if (srcMac === undefined || dstMac === undefined) return 'src_mac or dst_mac is not a MAC address';
  // In table order, so the first invalid number is the one named.
  for (let i = 0; i < NUMBERS.length; i++) {
    const [name, names] = NUMBERS[i]!;
    const v = pick(o, name);
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
    inVlan: srcVlan === 0 ? (uintValue(pick(o, 'vlanId')) ?? 0) : srcVlan,
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
