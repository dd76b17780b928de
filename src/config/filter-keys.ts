/**
 * The filter keys of a tenant, one row each: the record fields a key tests (a key with two fields
 * matches when either does), the values it accepts, and Smonnet's name for it. The config parser,
 * the filter compiler, the peek, the legacy [smonit] reader and ProcAPI's description all read
 * this table; adding a filter key is adding a row.
 *
 * Most keys test what a peek reads from raw bytes. Keys marked `decoded` test fields only the full
 * decoder produces (a tenant using one has every record decoded), and the `country`, `as` and
 * `nat` kinds test what enrichment found for an address (checked after enrichment): the original
 * Smonnet let a tenant name any document field, these included.
 */

import type { Cidr } from '../net/ip.js';
import { PROTOCOL_NUMBERS } from '../net/protocols.js';
import { type FilterField, FLOW_NUMBER_MAX } from '../record.js';
import { lookupTable } from '../util/lookup.js';

/** An inclusive range of integers; a single value is a range of one. */
export interface IntRange {
  readonly from: number;
  readonly to: number;
}

interface KeyRow {
  /** Record fields the key tests, integer checks before address checks. */
  readonly fields: readonly FilterField[];
  /** Smonnet's `monitor_params` field names for the key (its document field, then older spellings). */
  readonly legacy?: readonly string[];
  /** Interface counters match a key about where traffic is seen (agent, interface). */
  readonly portScoped?: boolean;
  /** Only a decoded record has the field: the peek cannot settle this key. */
  readonly decoded?: boolean;
}
export interface IntKeyRow extends KeyRow {
  readonly kind: 'int';
  readonly max: number;
  /** Names accepted for numbers (protocol names). */
  readonly names?: Readonly<Record<string, number>>;
}
export interface AddressKeyRow extends KeyRow {
  readonly kind: 'address';
}
/** A MAC address, compared as 12 lowercase hex digits. */
export interface MacKeyRow extends KeyRow {
  readonly kind: 'mac';
  readonly decoded: true;
}
/** What enrichment found for the source or destination address. */
export interface EnrichedKeyRow {
  /** country: ISO code or English name; as: AS number or organization; nat: the IP map's answer. */
  readonly kind: 'country' | 'as' | 'nat';
  readonly side: 'src' | 'dst';
  readonly fields: readonly [];
  readonly legacy: readonly string[];
  readonly portScoped?: undefined;
  readonly decoded: true;
}
/** An interface's name in the interface file ([enrich] interfaces), exact or a glob. */
export interface InterfaceNameKeyRow extends KeyRow {
  readonly kind: 'ifname';
  readonly fields: readonly ('inIf' | 'outIf')[];
  readonly decoded: true;
}
export type FilterKeyRow = IntKeyRow | AddressKeyRow | MacKeyRow | EnrichedKeyRow | InterfaceNameKeyRow;

const M = FLOW_NUMBER_MAX;

export const FILTER_KEY_TABLE = {
  vlan: { kind: 'int', fields: ['inVlan', 'outVlan'], max: M.inVlan },
  src_vlan: { kind: 'int', fields: ['inVlan'], max: M.inVlan, legacy: ['sflow_srcVlan'] },
  dst_vlan: { kind: 'int', fields: ['outVlan'], max: M.outVlan, legacy: ['sflow_dstVlan'] },
  ip: { kind: 'address', fields: ['srcIp', 'dstIp'] },
  src_ip: { kind: 'address', fields: ['srcIp'], legacy: ['sflow_srcIP'] },
  dst_ip: { kind: 'address', fields: ['dstIp'], legacy: ['sflow_dstIP'] },
  agent: {
    kind: 'address',
    fields: ['agent'],
    legacy: ['sflow_ReporterIP', 'sflow_agent'],
    portScoped: true,
  },
  in_if: { kind: 'int', fields: ['inIf'], max: M.inIf, legacy: ['sflow_inputPort'], portScoped: true },
  out_if: { kind: 'int', fields: ['outIf'], max: M.outIf, legacy: ['sflow_outputPort'], portScoped: true },
  proto: {
    kind: 'int',
    fields: ['proto'],
    max: M.proto,
    names: PROTOCOL_NUMBERS,
    legacy: ['sflow_IP_Protocol', 'sflow_IPProtocol'],
  },
  port: { kind: 'int', fields: ['srcPort', 'dstPort'], max: M.srcPort },
  src_port: { kind: 'int', fields: ['srcPort'], max: M.srcPort, legacy: ['sflow_srcPort'] },
  dst_port: { kind: 'int', fields: ['dstPort'], max: M.dstPort, legacy: ['sflow_dstPort'] },
  if_name: { kind: 'ifname', fields: ['inIf', 'outIf'], portScoped: true, decoded: true },
  in_if_name: { kind: 'ifname', fields: ['inIf'], portScoped: true, decoded: true },
  out_if_name: { kind: 'ifname', fields: ['outIf'], portScoped: true, decoded: true },
  ether_type: { kind: 'int', fields: ['etype'], max: M.etype, legacy: ['sflow_EtherType'], decoded: true },
  tos: { kind: 'int', fields: ['tos'], max: M.tos, legacy: ['sflow_IPTOS'], decoded: true },
  ttl: { kind: 'int', fields: ['ttl'], max: M.ttl, legacy: ['sflow_IPTTL'], decoded: true },
  tcp_flags: {
    kind: 'int',
    fields: ['tcpFlags'],
    max: M.tcpFlags,
    legacy: ['sflow_tcpFlags'],
    decoded: true,
  },
  packet_size: {
    kind: 'int',
    fields: ['frameLength'],
    max: M.frameLength,
    legacy: ['sflow_PacketSize'],
    decoded: true,
  },
  ip_size: { kind: 'int', fields: ['ipSize'], max: M.ipSize, legacy: ['sflow_IPSize'], decoded: true },
  sampling_rate: {
    kind: 'int',
    fields: ['samplingRate'],
    max: M.samplingRate,
    legacy: ['sflow_SampleRate'],
    decoded: true,
  },
  src_mac: { kind: 'mac', fields: ['srcMac'], legacy: ['sflow_srcMAC'], decoded: true },
  dst_mac: { kind: 'mac', fields: ['dstMac'], legacy: ['sflow_dstMAC'], decoded: true },
  src_country: { kind: 'country', side: 'src', fields: [], legacy: ['sflow_src_country'], decoded: true },
  dst_country: { kind: 'country', side: 'dst', fields: [], legacy: ['sflow_dst_country'], decoded: true },
  src_as: { kind: 'as', side: 'src', fields: [], legacy: ['sflow_src_as'], decoded: true },
  dst_as: { kind: 'as', side: 'dst', fields: [], legacy: ['sflow_dst_as'], decoded: true },
  src_nat: { kind: 'nat', side: 'src', fields: [], legacy: ['sflow_NEWsrcIP'], decoded: true },
  dst_nat: { kind: 'nat', side: 'dst', fields: [], legacy: ['sflow_NEWdstIP'], decoded: true },
} as const satisfies Readonly<Record<string, FilterKeyRow>>;

export type FilterKey = keyof typeof FILTER_KEY_TABLE;
export const FILTER_KEYS = Object.keys(FILTER_KEY_TABLE) as FilterKey[];

/** The values each kind of key takes, once parsed. */
interface KindValues {
  int: readonly IntRange[];
  address: readonly Cidr[];
  nat: readonly Cidr[];
  /** 12 lowercase hex digits each. */
  mac: readonly string[];
  /** Lowercased ISO codes or names. */
  country: readonly string[];
  /** Lowercased organization names or AS numbers as digits. */
  as: readonly string[];
  /** Interface names or globs (`*`, `?`), as written. */
  ifname: readonly string[];
}

/** A key's parsed values, by the key's kind. */
type ValuesOf<K extends FilterKey> = KindValues[(typeof FILTER_KEY_TABLE)[K]['kind']];

/** Filter keys of a tenant: AND across keys, OR within one key's list. Absent keys match all. */
export type FilterSpec = { readonly [K in FilterKey]?: ValuesOf<K> };

/** The table's row for a key, typed as a row (not as its literal). */
export const filterKeyRow = (key: FilterKey): FilterKeyRow => FILTER_KEY_TABLE[key];

/** Smonnet's field names → filter keys. */
export const LEGACY_FILTER_FIELDS: Readonly<Record<string, FilterKey>> = lookupTable(
  Object.fromEntries(
    FILTER_KEYS.flatMap((key) => (filterKeyRow(key).legacy ?? []).map((name) => [name, key] as const)),
  ),
);
