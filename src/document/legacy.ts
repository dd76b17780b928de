/**
 * Documents with the field names of the original Smonnet, so its Kibana dashboards keep working:
 * the sflowtool field names prefixed `sflow_`, the enrichment as `sflow_src_*`/`sflow_dst_*`,
 * and the IP map's translation as `sflow_NEWsrcIP`/`sflow_NEWdstIP`.
 */
import type { DocumentWriter } from './types.js';

const hex = (n: number, width: number): string => `0x${n.toString(16).padStart(width, '0')}`;

export const legacyDocuments: DocumentWriter = {
  flow(r, src, dst, timeMs) {
    return JSON.stringify({
      '@timestamp': new Date(timeMs).toISOString(),
      sflow_type: 'FLOW',
      sflow_agent: r.agent,
      sflow_inputPort: r.inIf,
      sflow_outputPort: r.outIf,
      sflow_srcMAC: r.srcMac,
      sflow_dstMAC: r.dstMac,
      sflow_ethernetType: hex(r.etype, 4),
      sflow_srcVlan: r.inVlan,
      sflow_dstVlan: r.outVlan,
      // A frame that is not IP has no addresses: the fields are left out.
      sflow_srcIP: r.srcIp || undefined,
      sflow_dstIP: r.dstIp || undefined,
      sflow_IPProtocol: r.proto,
      sflow_IPTOS: hex(r.tos, 2),
      sflow_IPTTL: r.ttl,
      sflow_srcPort: r.srcPort,
      sflow_dstPort: r.dstPort,
      sflow_ICMPType: r.icmpType < 0 ? undefined : r.icmpType,
      sflow_ICMPCode: r.icmpCode < 0 ? undefined : r.icmpCode,
      sflow_tcpFlags: hex(r.tcpFlags, 2),
      sflow_packetSize: r.frameLength,
      sflow_IPSize: r.ipSize,
      sflow_samplingRate: r.samplingRate,
      sflow_src_location: src.geo?.location,
      sflow_src_country: src.geo?.countryIsoCode,
      sflow_src_city: src.geo?.cityName,
      sflow_src_as: src.as?.number,
      sflow_src_as_org: src.as?.organization,
      sflow_dst_location: dst.geo?.location,
      sflow_dst_country: dst.geo?.countryIsoCode,
      sflow_dst_city: dst.geo?.cityName,
      sflow_dst_as: dst.as?.number,
      sflow_dst_as_org: dst.as?.organization,
      sflow_NEWsrcIP: src.nat,
      sflow_NEWdstIP: dst.nat,
      sflow_src_label: src.label,
      sflow_dst_label: dst.label,
    });
  },
  counter(r, timeMs) {
    return JSON.stringify({
      '@timestamp': new Date(timeMs).toISOString(),
      sflow_type: 'CNTR',
      sflow_agent: r.agent,
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
