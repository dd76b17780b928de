/** `sflowtool -l` lines → records; a message may carry several lines, each one record. */
import { cachedCanonicalIp } from '../../net/ip.js';
import { COUNTER_MAX, type CounterRecord, type FlowRecord, FLOW_NUMBER_MAX as MAX } from '../../record.js';
import {
  interfaceValue,
  isIcmp,
  isIpEtype,
  NO_VLAN,
  printedInterfaceKind,
  samplingRateOf,
  vlanOf,
} from '../rules.js';
import type { RecordSink } from '../types.js';
import { decimal as dec, hexadecimal as hex } from '../wire.js';
import {
  FLOW_COLUMN as C,
  CNTR_COLUMNS,
  COUNTER_AGENT_COLUMN,
  COUNTER_FIELDS,
  COUNTER_FIRST_COLUMN,
  FLOW_COLUMNS,
  FLOW_NUMBERS,
} from './fields.js';

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

/** sflowtool prints sFlow's "no VLAN" (0xFFFFFFFF) as -1. */
const vlanColumn = (text: string | undefined): number => (text === '-1' ? NO_VLAN : dec(text, MAX.inIf));

/** An address column: '-' where the sampled frame had none (not IP). */
const addressColumn = (text: string | undefined): string | undefined => (text === '-' ? '' : address(text));

/** Parses one FLOW line; returns the record or the reason it is not one. */
export function parseFlowLine(line: string, timeMs: number | undefined): FlowRecord | string {
  const f = line.split(',');
  if (f.length !== FLOW_COLUMNS) return `FLOW line has ${f.length} fields, expected ${FLOW_COLUMNS}`;
  const agent = address(f[C.agent]);
  if (agent === undefined) return `agent '${f[C.agent]}' is not an IP address`;
  const etype = hex(f[C.etype], MAX.etype);
  const srcIp = addressColumn(f[C.srcIp]);
  const dstIp = addressColumn(f[C.dstIp]);
  if (srcIp === undefined || (srcIp === '' && isIpEtype(etype)))
    return `source address '${f[C.srcIp]}' is not an IP address`;
  if (dstIp === undefined || (dstIp === '' && isIpEtype(etype)))
    return `destination address '${f[C.dstIp]}' is not an IP address`;
  const srcMac = mac(f[C.srcMac]);
  const dstMac = mac(f[C.dstMac]);
  if (srcMac === undefined || dstMac === undefined)
    return `MAC '${srcMac === undefined ? f[C.srcMac] : f[C.dstMac]}' is not 12 hex digits`;
  const inIf = dec(f[C.inIf], MAX.inIf);
  const outIf = dec(f[C.outIf], MAX.outIf);
  const inVlan = vlanColumn(f[C.inVlan]);
  const outVlan = vlanColumn(f[C.outVlan]);
  const proto = dec(f[C.proto], MAX.proto);
  const srcPort = dec(f[C.srcPort], MAX.srcPort);
  const dstPort = dec(f[C.dstPort], MAX.dstPort);
  // For ICMP, sflowtool prints the type and code in the port columns.
  const icmp = isIcmp(proto);
  // One literal, so every record has the same shape; hex columns per fields.ts HEX_FIELDS.
  const record: FlowRecord = {
    kind: 'flow',
    timeMs,
    agent,
    inIf: interfaceValue(inIf),
    outIf: interfaceValue(outIf),
    inIfKind: printedInterfaceKind(inIf),
    outIfKind: printedInterfaceKind(outIf),
    srcMac,
    dstMac,
    etype,
    inVlan: inVlan < 0 ? inVlan : vlanOf(inVlan),
    outVlan: outVlan < 0 ? outVlan : vlanOf(outVlan),
    srcIp,
    dstIp,
    proto,
    tos: hex(f[C.tos], MAX.tos),
    ttl: dec(f[C.ttl], MAX.ttl),
    srcPort: icmp ? 0 : srcPort,
    dstPort: icmp ? 0 : dstPort,
    icmpType: icmp ? srcPort : -1,
    icmpCode: icmp ? dstPort : -1,
    tcpFlags: hex(f[C.tcpFlags], MAX.tcpFlags),
    frameLength: dec(f[C.frameLength], MAX.frameLength),
    ipSize: dec(f[C.ipSize], MAX.ipSize),
    samplingRate: samplingRateOf(dec(f[C.samplingRate], MAX.samplingRate)),
  };
  // Every numeric field came back -1 if it was not a number in range: one check names the first.
  for (const key of FLOW_NUMBERS) {
    if (record[key] < 0) return `${key} '${f[C[key]]}' is not a valid value`;
  }
  if (icmp && (srcPort < 0 || dstPort < 0))
    return `ICMP type or code '${f[C.srcPort]}/${f[C.dstPort]}' is not a valid value`;
  return record;
}

export function parseCounterLine(line: string, timeMs: number | undefined): CounterRecord | string {
  const f = line.split(',');
  if (f.length !== CNTR_COLUMNS) return `CNTR line has ${f.length} fields, expected ${CNTR_COLUMNS}`;
  const agent = address(f[COUNTER_AGENT_COLUMN]);
  if (agent === undefined) return `agent '${f[COUNTER_AGENT_COLUMN]}' is not an IP address`;
  const record: Record<string, unknown> = { kind: 'counter', timeMs, agent };
  for (let i = 0; i < COUNTER_FIELDS.length; i++) {
    const text = f[i + COUNTER_FIRST_COLUMN];
    const v = dec(text, COUNTER_MAX);
    if (v < 0) return `${COUNTER_FIELDS[i]} '${text}' is not a whole number`;
    record[COUNTER_FIELDS[i]!] = v;
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
