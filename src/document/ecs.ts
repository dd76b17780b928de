/**
 * Flow and counter documents in Elastic Common Schema names, so Kibana's network views and any
 * ECS-aware dashboard work on them. Estimates: network.bytes = sampled frame × sampling rate,
 * network.packets = sampling rate (each sample stands for that many packets).
 */
import type { GeoInfo } from '../enrich/geoip.js';
import { protocolName } from '../net/protocols.js';
import { ETYPE_IPV4, ETYPE_IPV6, type FlowRecord } from '../record.js';
import type { DocumentBuilder, Enrichment } from './types.js';

/** ECS writes MACs uppercase, hyphen-separated. */
export function ecsMac(hex12: string): string {
  const u = hex12.toUpperCase();
  return `${u.slice(0, 2)}-${u.slice(2, 4)}-${u.slice(4, 6)}-${u.slice(6, 8)}-${u.slice(8, 10)}-${u.slice(10, 12)}`;
}

function geo(g: GeoInfo | undefined): Record<string, unknown> | undefined {
  if (!g) return undefined;
  return {
    city_name: g.cityName,
    country_iso_code: g.countryIsoCode,
    country_name: g.countryName,
    location: g.location,
  };
}

function endpoint(
  ip: string,
  port: number,
  mac: string,
  g: GeoInfo | undefined,
  as: Enrichment['srcAs'],
  nat: string | undefined,
) {
  return {
    ip,
    port,
    mac: ecsMac(mac),
    geo: geo(g),
    as: as
      ? { number: as.number, organization: as.organization ? { name: as.organization } : undefined }
      : undefined,
    nat: nat ? { ip: nat } : undefined,
  };
}

function networkType(etype: number): string | undefined {
  return etype === ETYPE_IPV4 ? 'ipv4' : etype === ETYPE_IPV6 ? 'ipv6' : undefined;
}

export const ecsDocuments: DocumentBuilder = {
  flow(r: FlowRecord, e: Enrichment, timeMs: number) {
    const labels =
      e.srcLabel || e.dstLabel ? { source_network: e.srcLabel, destination_network: e.dstLabel } : undefined;
    return {
      '@timestamp': new Date(timeMs).toISOString(),
      event: { kind: 'event', dataset: 'sflow.flow' },
      source: endpoint(r.srcIp, r.srcPort, r.srcMac, e.srcGeo, e.srcAs, e.srcNat),
      destination: endpoint(r.dstIp, r.dstPort, r.dstMac, e.dstGeo, e.dstAs, e.dstNat),
      network: {
        transport: protocolName(r.proto) ?? String(r.proto),
        iana_number: String(r.proto),
        type: networkType(r.etype),
        bytes: r.frameLength * r.samplingRate,
        packets: r.samplingRate,
      },
      observer: {
        ip: r.agent,
        ingress: { interface: { id: String(r.inIf) }, vlan: r.inVlan ? { id: String(r.inVlan) } : undefined },
        egress: {
          interface: { id: String(r.outIf) },
          vlan: r.outVlan ? { id: String(r.outVlan) } : undefined,
        },
      },
      sflow: {
        sampling_rate: r.samplingRate,
        frame_length: r.frameLength,
        ip_size: r.ipSize,
        ethernet_type: r.etype,
        tcp_flags: r.tcpFlags,
        tos: r.tos,
        ttl: r.ttl,
      },
      labels,
    };
  },
  counter(r, timeMs) {
    return {
      '@timestamp': new Date(timeMs).toISOString(),
      event: { kind: 'metric', dataset: 'sflow.counters' },
      observer: { ip: r.agent, ingress: { interface: { id: String(r.ifIndex) } } },
      sflow: {
        counters: {
          if_index: r.ifIndex,
          if_type: r.ifType,
          if_speed: r.ifSpeed,
          if_direction: r.ifDirection,
          if_status: r.ifStatus,
          in_octets: r.ifInOctets,
          in_ucast_pkts: r.ifInUcastPkts,
          in_multicast_pkts: r.ifInMulticastPkts,
          in_broadcast_pkts: r.ifInBroadcastPkts,
          in_discards: r.ifInDiscards,
          in_errors: r.ifInErrors,
          in_unknown_protos: r.ifInUnknownProtos,
          out_octets: r.ifOutOctets,
          out_ucast_pkts: r.ifOutUcastPkts,
          out_multicast_pkts: r.ifOutMulticastPkts,
          out_broadcast_pkts: r.ifOutBroadcastPkts,
          out_discards: r.ifOutDiscards,
          out_errors: r.ifOutErrors,
          promiscuous_mode: r.ifPromiscuousMode,
        },
      },
    };
  },
};
