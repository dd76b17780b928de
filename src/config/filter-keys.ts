/**
 * The filter keys of a tenant, one row each: the record fields a key tests (a key with two fields
 * matches when either does), the values it accepts, and Smonnet's name for it. The config parser,
 * the filter compiler, the peek, the legacy [smonit] reader and ProcAPI's description all read
 * this table; adding a filter key is adding a row.
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
export type FilterKeyRow = IntKeyRow | AddressKeyRow;

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
} as const satisfies Readonly<Record<string, FilterKeyRow>>;

export type FilterKey = keyof typeof FILTER_KEY_TABLE;
export const FILTER_KEYS = Object.keys(FILTER_KEY_TABLE) as FilterKey[];

/** A key's parsed values: integer ranges or networks, by the key's kind. */
type ValuesOf<K extends FilterKey> = (typeof FILTER_KEY_TABLE)[K]['kind'] extends 'int'
  ? readonly IntRange[]
  : readonly Cidr[];

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
