/**
 * The records every decoder produces and every later stage consumes. Field names follow the
 * sflowtool `-l` line, the oldest format smonnet reads; goflow2 messages are mapped onto them.
 */

/** One sampled packet header, as an sFlow agent reported it. */
export interface FlowRecord {
  readonly kind: 'flow';
  /** Milliseconds since the epoch when the record carries its own time (goflow2); else undefined. */
  readonly timeMs: number | undefined;
  /** Address of the sFlow agent (switch or router) that sampled the packet. */
  readonly agent: string;
  readonly inIf: number;
  readonly outIf: number;
  /** 12 lowercase hex digits, no separators. */
  readonly srcMac: string;
  readonly dstMac: string;
  readonly etype: number;
  readonly inVlan: number;
  readonly outVlan: number;
  /** Canonical text form: dotted quad for IPv4, RFC 5952 compressed form for IPv6. */
  readonly srcIp: string;
  readonly dstIp: string;
  readonly proto: number;
  readonly tos: number;
  readonly ttl: number;
  readonly srcPort: number;
  readonly dstPort: number;
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

export const ETYPE_IPV4 = 0x0800;
export const ETYPE_IPV6 = 0x86dd;
