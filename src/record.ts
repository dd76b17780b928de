/**
 * The records every decoder produces and every later stage consumes. Field names follow the
 * sflowtool `-l` line, the oldest format smonnet reads; goflow2 messages are mapped onto them.
 */
import type { PeekableField } from './schema/flow-fields.js';

/** One sampled packet header, as an sFlow agent reported it. */
export interface FlowRecord {
  readonly kind: 'flow';
  /** Milliseconds since the epoch when the record carries its own time (goflow2); else undefined. */
  readonly timeMs: number | undefined;
  /** Address of the sFlow agent (switch or router) that sampled the packet. */
  readonly agent: string;
  /**
   * sFlow's interface value without its format bits: the ifIndex when the kind is SINGLE, a count
   * of interfaces when MULTIPLE, a discard reason when DISCARDED, 0x3FFFFFFF when INTERNAL.
   */
  readonly inIf: number;
  readonly outIf: number;
  /** What inIf / outIf hold (decode/rules.ts IF_*). */
  readonly inIfKind: IfKind;
  readonly outIfKind: IfKind;
  /** 12 lowercase hex digits, no separators. */
  readonly srcMac: string;
  readonly dstMac: string;
  readonly etype: number;
  /** 802.1Q VLAN id, 1-4094; 0 when the frame had none (or an impossible one). */
  readonly inVlan: number;
  readonly outVlan: number;
  /**
   * Canonical text form: dotted quad for IPv4, RFC 5952 compressed form for IPv6; '' for a sample
   * of a frame that is not IP (ARP, ...), which still has MACs, VLANs, interfaces and bytes.
   */
  readonly srcIp: string;
  readonly dstIp: string;
  readonly proto: number;
  readonly tos: number;
  readonly ttl: number;
  /** 0 unless TCP, UDP or SCTP (sflowtool's ICMP type and code go to icmpType and icmpCode). */
  readonly srcPort: number;
  readonly dstPort: number;
  /** ICMP or ICMPv6 type and code; -1 for other protocols. */
  readonly icmpType: number;
  readonly icmpCode: number;
  readonly tcpFlags: number;
  /** Length of the sampled frame in bytes. */
  readonly frameLength: number;
  /** Length of the sampled IP packet in bytes. */
  readonly ipSize: number;
  /** One packet in `samplingRate` was sampled: estimates scale by it. */
  readonly samplingRate: number;
}

/** Generic interface counters (sFlow if_counters), one interface of one agent. */
export interface CounterRecord {
  readonly kind: 'counter';
  readonly timeMs: number | undefined;
  readonly agent: string;
  readonly ifIndex: number;
  readonly ifType: number;
  readonly ifSpeed: number;
  readonly ifDirection: number;
  readonly ifStatus: number;
  readonly ifInOctets: number;
  readonly ifInUcastPkts: number;
  readonly ifInMulticastPkts: number;
  readonly ifInBroadcastPkts: number;
  readonly ifInDiscards: number;
  readonly ifInErrors: number;
  readonly ifInUnknownProtos: number;
  readonly ifOutOctets: number;
  readonly ifOutUcastPkts: number;
  readonly ifOutMulticastPkts: number;
  readonly ifOutBroadcastPkts: number;
  readonly ifOutDiscards: number;
  readonly ifOutErrors: number;
  readonly ifPromiscuousMode: number;
}

export type SflowRecord = FlowRecord | CounterRecord;

/** sFlow's interface formats (its top two bits), and the value that means "internal". */
export const IF_SINGLE = 0;
export const IF_DISCARDED = 1;
export const IF_MULTIPLE = 2;
export const IF_INTERNAL = 3;
export type IfKind = typeof IF_SINGLE | typeof IF_DISCARDED | typeof IF_MULTIPLE | typeof IF_INTERNAL;

/** The flow fields a peek reads straight from a message's bytes (and a decoded record has). */
export type PeekField = PeekableField;

/** The flow fields a tenant filter can test: the peek's, and some only a decoded record has. */
export type FilterField =
  | PeekField
  | 'etype'
  | 'tos'
  | 'ttl'
  | 'tcpFlags'
  | 'frameLength'
  | 'ipSize'
  | 'samplingRate'
  | 'srcMac'
  | 'dstMac';

/** The peekable fields alone, filled in place by a peek at raw bytes. */
export type FlowView = { -readonly [K in PeekField]: FlowRecord[K] };

/** The flow fields that hold numbers. */
export type NumericFlowField = {
  [K in keyof FlowRecord]-?: FlowRecord[K] extends number
    ? K extends 'timeMs' | 'inIfKind' | 'outIfKind' | 'icmpType' | 'icmpCode'
      ? never
      : K
    : never;
}[keyof FlowRecord];

const U16 = 0xffff;
const U32 = 0xffffffff;

/**
 * The largest valid value of each numeric flow field (all are unsigned): every format's reader
 * checks against this one table.
 */
export const FLOW_NUMBER_MAX: Readonly<Record<NumericFlowField, number>> = {
  inIf: U32,
  outIf: U32,
  etype: U16,
  inVlan: 4095,
  outVlan: 4095,
  proto: 255,
  tos: 255,
  ttl: 255,
  srcPort: U16,
  dstPort: U16,
  tcpFlags: U16,
  frameLength: U32,
  ipSize: U32,
  samplingRate: U32,
};

/** Counter values are 64-bit in sFlow; beyond 2^53 a JavaScript number is no longer exact. */
export const COUNTER_MAX = Number.MAX_SAFE_INTEGER;

export const ETYPE_IPV4 = 0x0800;
export const ETYPE_IPV6 = 0x86dd;
