/**
 * Documents with the field names of the original Smonnet, so its Kibana dashboards keep working:
 * the sflowtool field names prefixed `sflow_`, the enrichment as `sflow_src_*`/`sflow_dst_*`,
 * and the IP map's translation as `sflow_NEWsrcIP`/`sflow_NEWdstIP`.
 */
import type { DocumentBuilder } from './types.js';

const hex = (n: number, width: number): string => `0x${n.toString(16).padStart(width, '0')}`;

export const legacyDocuments: DocumentBuilder = {
  flow(r, e, timeMs) {
    return {
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
      sflow_srcIP: r.srcIp,
      sflow_dstIP: r.dstIp,
      sflow_IPProtocol: r.proto,
      sflow_IPTOS: hex(r.tos, 2),
      sflow_IPTTL: r.ttl,
      sflow_srcPort: r.srcPort,
      sflow_dstPort: r.dstPort,
      sflow_tcpFlags: hex(r.tcpFlags, 2),
      sflow_packetSize: r.frameLength,
      sflow_IPSize: r.ipSize,
      sflow_samplingRate: r.samplingRate,
      sflow_src_location: e.srcGeo?.location,
      sflow_src_country: e.srcGeo?.countryIsoCode,
      sflow_src_city: e.srcGeo?.cityName,
      sflow_src_as: e.srcAs?.number,
      sflow_src_as_org: e.srcAs?.organization,
      sflow_dst_location: e.dstGeo?.location,
      sflow_dst_country: e.dstGeo?.countryIsoCode,
      sflow_dst_city: e.dstGeo?.cityName,
      sflow_dst_as: e.dstAs?.number,
      sflow_dst_as_org: e.dstAs?.organization,
      sflow_NEWsrcIP: e.srcNat,
      sflow_NEWdstIP: e.dstNat,
      sflow_src_label: e.srcLabel,
      sflow_dst_label: e.dstLabel,
    };
  },
  counter(r, timeMs) {
    return {
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
    };
  },
};
