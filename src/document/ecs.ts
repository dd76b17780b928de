/**
 * Flow and counter documents in Elastic Common Schema names, so Kibana's network views and any
 * ECS-aware dashboard work on them. Estimates: network.bytes = sampled frame × sampling rate,
 * network.packets = sampling rate (each sample stands for that many packets).
 *
 * Documents are written straight to JSON text: this is the hottest step of the pipeline, and
 * building an object only to stringify it costs twice. Addresses, MACs and numbers come from the
 * decoders already validated (no character needs escaping); strings from the GeoIP databases and
 * the IP map go through JSON.stringify, once per address thanks to the fragment cache.
 */

import { interfaceKind, NO_VLAN } from '../decode/rules.js';
import type { FlowContext } from '../enrich/context.js';
import type { AddressInfo } from '../enrich/enricher.js';
import type { InterfaceInfo } from '../enrich/interfaces.js';
import { protocolName } from '../net/protocols.js';
import { ETYPE_IPV4, ETYPE_IPV6, IF_DISCARDED, IF_MULTIPLE, IF_SINGLE, type IfKind } from '../record.js';
import { remember } from '../util/cache.js';
import type { DocumentWriter } from './types.js';

/** ECS writes MACs uppercase, hyphen-separated. */
export function ecsMac(hex12: string): string {
  const u = hex12.toUpperCase();
  return `${u.slice(0, 2)}-${u.slice(2, 4)}-${u.slice(4, 6)}-${u.slice(6, 8)}-${u.slice(8, 10)}-${u.slice(10, 12)}`;
}

const str = (s: string): string => JSON.stringify(s);

/** MACs repeat with their hosts: format each once. */
const macs = new Map<string, string>();
function mac(hex12: string): string {
  let m = macs.get(hex12);
  if (m === undefined) {
    m = remember(macs, 50_000, hex12, ecsMac(hex12));
  }
  return m;
}

/** ISO-8601 UTC with milliseconds; the part up to the second is formatted once per second. */
let isoSecond = Number.NaN;
let isoPrefix = '';
export function isoTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== isoSecond) {
    isoSecond = second;
    isoPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  const frac = ms - second * 1000;
  return `${isoPrefix}${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}Z`;
}

/** The `geo`, `as` and `nat` members of an endpoint, with a leading comma; '' when none is known. */
function enrichmentMembers(info: AddressInfo): string {
  let out = '';
  const g = info.geo;
  if (g) {
    const parts: string[] = [];
    if (g.cityName !== undefined) parts.push(`"city_name":${str(g.cityName)}`);
    if (g.countryIsoCode !== undefined) parts.push(`"country_iso_code":${str(g.countryIsoCode)}`);
    if (g.countryName !== undefined) parts.push(`"country_name":${str(g.countryName)}`);
    if (g.location) parts.push(`"location":{"lat":${g.location.lat},"lon":${g.location.lon}}`);
    out += `,"geo":{${parts.join(',')}}`;
  }
  if (info.as) {
    const org =
      info.as.organization === undefined ? '' : `,"organization":{"name":${str(info.as.organization)}}`;
    out += `,"as":{"number":${info.as.number}${org}}`;
  }
  if (info.nat !== undefined) out += `,"nat":{"ip":"${info.nat}"}`;
  return out;
}

const fragments = new WeakMap<AddressInfo, string>();
function membersOf(info: AddressInfo): string {
  let f = fragments.get(info);
  if (f === undefined) {
    f = enrichmentMembers(info);
    fragments.set(info, f);
  }
  return f;
}

const TRANSPORTS: string[] = Array.from({ length: 256 }, (_, n) => protocolName(n) ?? String(n));

function networkType(etype: number): string {
  return etype === ETYPE_IPV4 ? ',"type":"ipv4"' : etype === ETYPE_IPV6 ? ',"type":"ipv6"' : '';
}

function vlan(id: number): string {
  return id === NO_VLAN ? '' : `,"vlan":{"id":"${id}"}`;
}

/** What the interface file says of an interface, as ECS members; each interface formatted once. */
interface InterfaceText {
  /** `,"name":…,"alias":…` inside observer.*.interface */
  readonly names: string;
  /** `,"zone":…` inside observer.* */
  readonly zone: string;
}
const interfaceTexts = new WeakMap<InterfaceInfo, InterfaceText>();
const NO_INTERFACE: InterfaceText = { names: '', zone: '' };
function interfaceText(info: InterfaceInfo | undefined): InterfaceText {
  if (info === undefined) return NO_INTERFACE;
  let t = interfaceTexts.get(info);
  if (t === undefined) {
    const alias = info.description === undefined ? '' : `,"alias":${str(info.description)}`;
    t = {
      names: `,"name":${str(info.name)}${alias}`,
      zone: info.boundary === undefined ? '' : `,"zone":"${info.boundary}"`,
    };
    interfaceTexts.set(info, t);
  }
  return t;
}

/** Speed and provider have no ECS field: sflow.in_if_* and sflow.out_if_*. */
function interfaceExtras(side: 'in' | 'out', info: InterfaceInfo | undefined): string {
  if (info === undefined) return '';
  const speed = info.speed === undefined ? '' : `,"${side}_if_speed":${info.speed}`;
  const provider = info.provider === undefined ? '' : `,"${side}_if_provider":${str(info.provider)}`;
  return speed + provider;
}

const direction = (ctx: FlowContext): string =>
  ctx.direction === undefined ? '' : `,"direction":"${ctx.direction}"`;

const IF_FORMATS = ['single', 'discarded', 'multiple', 'internal'] as const;

/** An observer side: the interface id only when the sample names one interface, and the VLAN. */
function observerSide(kind: IfKind, value: number, vlanId: number, info: InterfaceInfo | undefined): string {
  const t = interfaceText(info);
  const id = kind === IF_SINGLE ? `"interface":{"id":"${value}"${t.names}}${t.zone}` : '';
  const tag = vlanId === NO_VLAN ? '' : `${id === '' ? '' : ','}"vlan":{"id":"${vlanId}"}`;
  return `{${id}${tag}}`;
}

/** sflow.* members for an interface that is not one ifIndex: what it is, and its count or reason. */
function ifaceFormat(side: 'in' | 'out', kind: IfKind, value: number): string {
  if (kind === IF_SINGLE) return '';
  const detail =
    kind === IF_MULTIPLE
      ? `,"${side}_interface_count":${value}`
      : kind === IF_DISCARDED
        ? `,"${side}_discard_reason":${value}`
        : '';
  return `,"${side}_interface_format":"${IF_FORMATS[kind]}"${detail}`;
}

/** An endpoint: address and port where the frame had them, MAC always. */
function endpoint(ip: string, port: number, withPort: boolean, hex12: string, info: AddressInfo): string {
  const address = ip === '' ? '' : `"ip":"${ip}",`;
  const ports = withPort ? `"port":${port},` : '';
  return `{${address}${ports}"mac":"${mac(hex12)}"${membersOf(info)}}`;
}

function labels(source: AddressInfo, destination: AddressInfo): string {
  if (source.label === undefined && destination.label === undefined) return '';
  const parts: string[] = [];
  if (source.label !== undefined) parts.push(`"source_network":${str(source.label)}`);
  if (destination.label !== undefined) parts.push(`"destination_network":${str(destination.label)}`);
  return `,"labels":{${parts.join(',')}}`;
}

export const ecsDocuments: DocumentWriter = {
  flow(r, s, d, timeMs, ctx) {
    const extras = interfaceExtras('in', ctx.ingress) + interfaceExtras('out', ctx.egress);
    // The common sample, in one template: IP with ports, one interface each way.
    if (r.icmpType < 0 && r.srcIp !== '' && r.inIfKind === IF_SINGLE && r.outIfKind === IF_SINGLE) {
      const i = interfaceText(ctx.ingress);
      const e = interfaceText(ctx.egress);
      return (
        `{"@timestamp":"${isoTime(timeMs)}","event":{"kind":"event","dataset":"sflow.flow"},` +
        `"source":{"ip":"${r.srcIp}","port":${r.srcPort},"mac":"${mac(r.srcMac)}"${membersOf(s)}},` +
        `"destination":{"ip":"${r.dstIp}","port":${r.dstPort},"mac":"${mac(r.dstMac)}"${membersOf(d)}},` +
        `"network":{"transport":"${TRANSPORTS[r.proto]}","iana_number":"${r.proto}"${networkType(r.etype)},` +
        `"bytes":${r.frameLength * r.samplingRate},"packets":${r.samplingRate}${direction(ctx)}},` +
        `"observer":{"ip":"${r.agent}","ingress":{"interface":{"id":"${r.inIf}"${i.names}}${i.zone}${vlan(r.inVlan)}},` +
        `"egress":{"interface":{"id":"${r.outIf}"${e.names}}${e.zone}${vlan(r.outVlan)}}},` +
        `"sflow":{"sampling_rate":${r.samplingRate},"frame_length":${r.frameLength},"ip_size":${r.ipSize},` +
        `"ethernet_type":${r.etype},"tcp_flags":${r.tcpFlags},"tos":${r.tos},"ttl":${r.ttl}${extras}}` +
        `${labels(s, d)}}`
      );
    }
    const ip = r.srcIp !== '';
    // Ports only where the frame is IP and not ICMP (whose type and code are sflow.icmp_*).
    const ports = ip && r.icmpType < 0;
    const icmp = r.icmpType < 0 ? '' : `,"icmp_type":${r.icmpType},"icmp_code":${r.icmpCode}`;
    const transport = ip
      ? `"transport":"${TRANSPORTS[r.proto]}","iana_number":"${r.proto}"${networkType(r.etype)},`
      : '';
    return (
      `{"@timestamp":"${isoTime(timeMs)}","event":{"kind":"event","dataset":"sflow.flow"},` +
      `"source":${endpoint(r.srcIp, r.srcPort, ports, r.srcMac, s)},` +
      `"destination":${endpoint(r.dstIp, r.dstPort, ports, r.dstMac, d)},` +
      `"network":{${transport}` +
      `"bytes":${r.frameLength * r.samplingRate},"packets":${r.samplingRate}${direction(ctx)}},` +
      `"observer":{"ip":"${r.agent}","ingress":${observerSide(r.inIfKind, r.inIf, r.inVlan, ctx.ingress)},` +
      `"egress":${observerSide(r.outIfKind, r.outIf, r.outVlan, ctx.egress)}},` +
      `"sflow":{"sampling_rate":${r.samplingRate},"frame_length":${r.frameLength},"ip_size":${r.ipSize},` +
      `"ethernet_type":${r.etype},"tcp_flags":${r.tcpFlags},"tos":${r.tos},"ttl":${r.ttl}${icmp}${extras}` +
      `${ifaceFormat('in', r.inIfKind, r.inIf)}${ifaceFormat('out', r.outIfKind, r.outIf)}}` +
      `${labels(s, d)}}`
    );
  },
  counter(r, timeMs) {
    return JSON.stringify({
      '@timestamp': new Date(timeMs).toISOString(),
      event: { kind: 'metric', dataset: 'sflow.counters' },
      // pmacct reports a counter sample of its internal interface as 0x3FFFFFFF: no interface id.
      observer: {
        ip: r.agent,
        ...(interfaceKind(r.ifIndex) === IF_SINGLE && { ingress: { interface: { id: String(r.ifIndex) } } }),
      },
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
    });
  },
};
