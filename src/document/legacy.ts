/**
 * Documents with the original Smonnet's fields, names and types (shared/smonnet-original.md), so
 * its `sflow-*` dashboards and saved searches keep working: `@message` (the sflowtool line),
 * `@version`, `type`, `SampleType`, `sflow_ReporterIP`, ..., the country's name and the AS
 * organization's name, and the IP map's translation or the address itself. What smonnet knows
 * beyond the original (IPv6 addresses, city, ASN number, labels, ICMP) goes in `smonnet_*` fields,
 * never in a field the original used with another meaning.
 */
import { flowLine } from '../decode/sflowtool/encode.js';
import type { InterfaceInfo } from '../enrich/interfaces.js';
import type { DocumentWriter } from './types.js';

const hex = (n: number, width: number): string => `0x${n.toString(16).padStart(width, '0')}`;

/** The original wrote 0.0.0.0 for anything not IPv4 in its address fields. */
const ipv4Or0 = (ip: string): string => (ip !== '' && ip.indexOf(':') < 0 ? ip : '0.0.0.0');
const ipv6 = (ip: string): string | undefined => (ip.indexOf(':') >= 0 ? ip : undefined);

/** What the interface file says of a port, in fields of smonnet's own (the original had none). */
const portFields = (prefix: string, p: InterfaceInfo): Record<string, string | number | undefined> => ({
  [`${prefix}Name`]: p.name,
  [`${prefix}Description`]: p.description,
  [`${prefix}Speed`]: p.speed,
  [`${prefix}Boundary`]: p.boundary,
  [`${prefix}Provider`]: p.provider,
});

export const legacyDocuments: DocumentWriter = {
  flow(r, src, dst, timeMs, ctx) {
    return JSON.stringify({
      '@message': flowLine(r),
      '@timestamp': new Date(timeMs).toISOString(),
      '@version': 1,
      type: 'sflow',
      SampleType: 'FLOW',
      sflow_ReporterIP: r.agent,
      sflow_inputPort: r.inIf,
      sflow_outputPort: r.outIf,
      sflow_srcMAC: r.srcMac,
      sflow_dstMAC: r.dstMac,
      sflow_EtherType: hex(r.etype, 4),
      sflow_srcVlan: r.inVlan,
      sflow_dstVlan: r.outVlan,
      sflow_srcIP: ipv4Or0(r.srcIp),
      sflow_dstIP: ipv4Or0(r.dstIp),
      sflow_IP_Protocol: r.proto,
      sflow_IPTOS: hex(r.tos, 2),
      sflow_IPTTL: r.ttl,
      sflow_srcPort: r.srcPort,
      sflow_dstPort: r.dstPort,
      sflow_tcpFlags: hex(r.tcpFlags, 2),
      sflow_PacketSize: r.frameLength,
      sflow_IPSize: r.ipSize,
      sflow_SampleRate: r.samplingRate,
      sflow_src_location: src.geo?.location,
      sflow_src_country: src.geo?.countryName,
      sflow_src_as: src.as?.organization,
      sflow_dst_location: dst.geo?.location,
      sflow_dst_country: dst.geo?.countryName,
      sflow_dst_as: dst.as?.organization,
      // Always present in the original: the translation, else the address itself.
      sflow_NEWsrcIP: src.nat ?? (r.srcIp || undefined),
      sflow_NEWdstIP: dst.nat ?? (r.dstIp || undefined),
      smonnet_srcIPv6: ipv6(r.srcIp),
      smonnet_dstIPv6: ipv6(r.dstIp),
      smonnet_src_city: src.geo?.cityName,
      smonnet_dst_city: dst.geo?.cityName,
      smonnet_src_country_iso: src.geo?.countryIsoCode,
      smonnet_dst_country_iso: dst.geo?.countryIsoCode,
      smonnet_src_asn: src.as?.number,
      smonnet_dst_asn: dst.as?.number,
      smonnet_src_label: src.label,
      smonnet_dst_label: dst.label,
      smonnet_ICMPType: r.icmpType < 0 ? undefined : r.icmpType,
      smonnet_ICMPCode: r.icmpCode < 0 ? undefined : r.icmpCode,
      ...(ctx.ingress && portFields('smonnet_inputPort', ctx.ingress)),
      ...(ctx.egress && portFields('smonnet_outputPort', ctx.egress)),
      smonnet_direction: ctx.direction,
    });
  },
  counter(r, timeMs) {
    return JSON.stringify({
      '@timestamp': new Date(timeMs).toISOString(),
      // Smonnet indexed no counters: these carry its envelope and names of their own.
      '@version': 1,
      type: 'sflow',
      SampleType: 'CNTR',
      sflow_ReporterIP: r.agent,
      sflow_ifIndex: r.ifIndex,
      sflow_ifType: r.ifType,
      sflow_ifSpeed: r.ifSpeed,
      sflow_ifDirection: r.ifDirection,
      sflow_ifStatus: r.ifStatus,
      sflow_ifInOctets: r.ifInOctets,
      sflow_ifInUcastPkts: r.ifInUcastPkts,
      sflow_ifInMulticastPkts: r.ifInMulticastPkts,
      sflow_ifInBroadcastPkts: r.ifInBroadcastPkts,
      sflow_ifInDiscards: r.ifInDiscards,
      sflow_ifInErrors: r.ifInErrors,
      sflow_ifInUnknownProtos: r.ifInUnknownProtos,
      sflow_ifOutOctets: r.ifOutOctets,
      sflow_ifOutUcastPkts: r.ifOutUcastPkts,
      sflow_ifOutMulticastPkts: r.ifOutMulticastPkts,
      sflow_ifOutBroadcastPkts: r.ifOutBroadcastPkts,
      sflow_ifOutDiscards: r.ifOutDiscards,
      sflow_ifOutErrors: r.ifOutErrors,
      sflow_ifPromiscuousMode: r.ifPromiscuousMode,
    });
  },
};
