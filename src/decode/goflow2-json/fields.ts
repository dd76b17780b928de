/**
 * goflow2's JSON keys for each record field: the v2 name (snake_case) first, then the v1 name
 * (CamelCase, as goflow2 v1.3 writes it: `IpTos`, `IpTtl`, `TcpFlags`). The decoder reads
 * `o[v2] ?? o[v1]`; the peek searches for the same names.
 */

import { ETYPE_IPV4, ETYPE_IPV6 } from '../../record.js';
import { lookupTable } from '../../util/lookup.js';

export const JSON_KEYS = {
  agent: ['sampler_address', 'SamplerAddress'],
  srcIp: ['src_addr', 'SrcAddr'],
  dstIp: ['dst_addr', 'DstAddr'],
  srcMac: ['src_mac', 'SrcMac'],
  dstMac: ['dst_mac', 'DstMac'],
  inIf: ['in_if', 'InIf'],
  outIf: ['out_if', 'OutIf'],
  inVlan: ['src_vlan', 'SrcVlan'],
  outVlan: ['dst_vlan', 'DstVlan'],
  /** The 802.1Q tag when src_vlan is 0: goflow2 writes both. */
  vlanId: ['vlan_id', 'VlanId'],
  tos: ['ip_tos', 'IpTos'],
  ttl: ['ip_ttl', 'IpTtl'],
  srcPort: ['src_port', 'SrcPort'],
  dstPort: ['dst_port', 'DstPort'],
  icmpType: ['icmp_type', 'IcmpType'],
  icmpCode: ['icmp_code', 'IcmpCode'],
  tcpFlags: ['tcp_flags', 'TcpFlags'],
  bytes: ['bytes', 'Bytes'],
  samplingRate: ['sampling_rate', 'SamplingRate'],
  etype: ['etype', 'Etype'],
  proto: ['proto', 'Proto'],
} as const satisfies Record<string, readonly [string, string]>;

export type JsonField = keyof typeof JSON_KEYS;

/** Ethertypes goflow2 v2 writes as names. */
export const ETYPE_NAMES: Readonly<Record<string, number>> = lookupTable({
  ipv4: ETYPE_IPV4,
  ipv6: ETYPE_IPV6,
  arp: 0x0806,
});

/** The record's own time: v2 nanoseconds, else v1 seconds, first key present wins. */
export const TIME_NS_KEYS = ['time_received_ns', 'time_flow_start_ns'] as const;
export const TIME_S_KEYS = ['TimeReceived', 'TimeFlowStart'] as const;
