/**
 * `sflowtool -l` lines → records. A FLOW line has 20 comma-separated fields, a CNTR line the
 * agent and 19 counters. A message may carry several lines; each line is one record.
 */
import { cachedCanonicalIp } from '../net/ip.js';
import type { CounterRecord, FlowRecord } from '../record.js';
import type { RecordSink } from './types.js';

const FLOW_FIELDS = 20;
const CNTR_FIELDS = 21;

/** A decimal integer in [0, max], or -1. Faster than Number() plus checks, and stricter. */
export function uint(text: string | undefined, max: number): number {
  if (text === undefined || text.length === 0 || text.length > 20) return -1;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n <= max ? n : -1;
}

/** "0x1f" (any case, 1+ hex digits) in [0, max], or -1. */
function hexUint(text: string | undefined, max: number): number {
  if (text === undefined || text.length < 3 || text.charCodeAt(0) !== 48 || (text.charCodeAt(1) | 32) !== 120)
    return -1;
  let n = 0;
  for (let i = 2; i < text.length; i++) {
    const c = text.charCodeAt(i) | 32;
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (d < 0) return -1;
    n = n * 16 + d;
    if (n > max) return -1;
  }
  return n;
}

function mac(text: string | undefined): string | undefined {
  if (text === undefined || text.length !== 12) return undefined;
  for (let i = 0; i < 12; i++) {
    const c = text.charCodeAt(i) | 32;
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return undefined;
  }
  return text.toLowerCase();
}

/** Fast path for the common IPv4 case; IPv6 goes through canonicalIp, cached. */
function address(text: string | undefined): string | undefined {
  return text === undefined ? undefined : cachedCanonicalIp(text);
}

const U16 = 0xffff;
const U32 = 0xffffffff;
const U64 = Number.MAX_SAFE_INTEGER;

/** Parses one FLOW line; returns the record or the reason it is not one. */
export function parseFlowLine(line: string, timeMs: number | undefined): FlowRecord | string {
  const f = line.split(',');
  if (f.length !== FLOW_FIELDS) return `FLOW line has ${f.length} fields, expected ${FLOW_FIELDS}`;
  const agent = address(f[1]);
  if (agent === undefined) return `agent '${f[1]}' is not an IP address`;
  const srcIp = address(f[9]);
  if (srcIp === undefined) return `source address '${f[9]}' is not an IP address`;
  const dstIp = address(f[10]);
  if (dstIp === undefined) return `destination address '${f[10]}' is not an IP address`;
  const srcMac = mac(f[4]);
  const dstMac = mac(f[5]);
  if (srcMac === undefined || dstMac === undefined)
    return `MAC '${srcMac === undefined ? f[4] : f[5]}' is not 12 hex digits`;
  const record: FlowRecord = {
    kind: 'flow',
    timeMs,
    agent,
    inIf: uint(f[2], U32),
    outIf: uint(f[3], U32),
    srcMac,
    dstMac,
    etype: hexUint(f[6], U16),
    inVlan: uint(f[7], 4095),
    outVlan: uint(f[8], 4095),
    srcIp,
    dstIp,
    proto: uint(f[11], 255),
    tos: hexUint(f[12], 255),
    ttl: uint(f[13], 255),
    srcPort: uint(f[14], U16),
    dstPort: uint(f[15], U16),
    tcpFlags: hexUint(f[16], U16),
    frameLength: uint(f[17], U32),
    ipSize: uint(f[18], U32),
    samplingRate: uint(f[19], U32),
  };
  // Every numeric field came back -1 if it was not a number in range: one check names the first.
  const numeric: readonly (readonly [keyof FlowRecord, number])[] = [
    ['inIf', 2],
    ['outIf', 3],
    ['etype', 6],
    ['inVlan', 7],
    ['outVlan', 8],
    ['proto', 11],
    ['tos', 12],
    ['ttl', 13],
    ['srcPort', 14],
    ['dstPort', 15],
    ['tcpFlags', 16],
    ['frameLength', 17],
    ['ipSize', 18],
    ['samplingRate', 19],
  ];
  for (const [key, index] of numeric) {
    if ((record[key] as number) < 0) return `${key} '${f[index]}' is not a valid value`;
  }
  return record;
}

const COUNTER_KEYS = [
  'ifIndex',
  'ifType',
  'ifSpeed',
  'ifDirection',
  'ifStatus',
  'ifInOctets',
  'ifInUcastPkts',
  'ifInMulticastPkts',
  'ifInBroadcastPkts',
  'ifInDiscards',
  'ifInErrors',
  'ifInUnknownProtos',
  'ifOutOctets',
  'ifOutUcastPkts',
  'ifOutMulticastPkts',
  'ifOutBroadcastPkts',
  'ifOutDiscards',
  'ifOutErrors',
  'ifPromiscuousMode',
] as const;

export function parseCounterLine(line: string, timeMs: number | undefined): CounterRecord | string {
  const f = line.split(',');
  if (f.length !== CNTR_FIELDS) return `CNTR line has ${f.length} fields, expected ${CNTR_FIELDS}`;
  const agent = address(f[1]);
  if (agent === undefined) return `agent '${f[1]}' is not an IP address`;
  const record: Record<string, unknown> = { kind: 'counter', timeMs, agent };
  for (let i = 0; i < COUNTER_KEYS.length; i++) {
    const v = uint(f[i + 2], U64);
    if (v < 0) return `${COUNTER_KEYS[i]} '${f[i + 2]}' is not a whole number`;
    record[COUNTER_KEYS[i]!] = v;
  }
  return record as unknown as CounterRecord;
}

/** Decodes every line of a message; blank lines are skipped, but still count for line indices. */
export function decodeSflowtool(text: string, timeMs: number | undefined, sink: RecordSink): void {
  let start = 0;
  let index = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let line = text.slice(start, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.length > 0) {
      const kind = line.slice(0, 5);
      const result =
        kind === 'FLOW,'
          ? parseFlowLine(line, timeMs)
          : kind === 'CNTR,'
            ? parseCounterLine(line, timeMs)
            : `line starts with '${line.slice(0, 12)}', expected FLOW or CNTR`;
      if (typeof result === 'string') sink.error(index, result, line);
      else sink.record(index, result);
    }
    index++;
    start = end + 1;
  }
}
