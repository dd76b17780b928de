/**
 * What an alert rule can group traffic by, one row each: how a record gives its group, and the
 * Kibana query that finds a group's flows in each schema. The config parser, the aggregation in
 * the processing threads and the events all read this table.
 */
import type { Schema } from '../config/types.js';
import type { FlowRecord } from '../record.js';
import { IF_SINGLE } from '../record.js';

interface GroupByRow {
  /** The group of a record, as text ('' for the one group of `none`). */
  readonly of: (r: FlowRecord) => string;
  /** A KQL query selecting the group's flows, per schema (group quoted already). */
  readonly query: (group: string, schema: Schema) => string;
}

const quoted = (v: string): string => `"${v.replace(/["\\]/g, '\\$&')}"`;

/** agent/ifIndex: an ifIndex alone names an interface of some agent, not one interface. */
const port = (agent: string, kind: number, ifIndex: number): string =>
  kind === IF_SINGLE ? `${agent}/${ifIndex}` : `${agent}/-`;

function portQuery(group: string, side: 'in' | 'out', schema: Schema): string {
  const cut = group.lastIndexOf('/');
  const [agent, ifIndex] = [group.slice(0, cut), group.slice(cut + 1)];
  if (schema === 'legacy')
    return `sflow_ReporterIP:${quoted(agent)} and sflow_${side === 'in' ? 'input' : 'output'}Port:${ifIndex}`;
  return `observer.ip:${quoted(agent)} and observer.${side === 'in' ? 'ingress' : 'egress'}.interface.id:${quoted(ifIndex)}`;
}

export const GROUP_BY_TABLE = {
  none: { of: () => '', query: () => '' },
  'source.ip': {
    of: (r) => r.srcIp,
    query: (g, schema) =>
      schema === 'legacy'
        ? `sflow_srcIP:${quoted(g)} or smonnet_srcIPv6:${quoted(g)}`
        : `source.ip:${quoted(g)}`,
  },
  'destination.ip': {
    of: (r) => r.dstIp,
    query: (g, schema) =>
      schema === 'legacy'
        ? `sflow_dstIP:${quoted(g)} or smonnet_dstIPv6:${quoted(g)}`
        : `destination.ip:${quoted(g)}`,
  },
  'destination.port': {
    of: (r) => String(r.dstPort),
    query: (g, schema) => (schema === 'legacy' ? `sflow_dstPort:${g}` : `destination.port:${g}`),
  },
  in_if: { of: (r) => port(r.agent, r.inIfKind, r.inIf), query: (g, s) => portQuery(g, 'in', s) },
  out_if: { of: (r) => port(r.agent, r.outIfKind, r.outIf), query: (g, s) => portQuery(g, 'out', s) },
  vlan: {
    of: (r) => String(r.inVlan),
    query: (g, schema) =>
      schema === 'legacy'
        ? `sflow_srcVlan:${g}`
        : g === '0'
          ? 'not observer.ingress.vlan.id:*'
          : `observer.ingress.vlan.id:${quoted(g)}`,
  },
} as const satisfies Readonly<Record<string, GroupByRow>>;

export type GroupBy = keyof typeof GROUP_BY_TABLE;
export const GROUP_BYS = Object.keys(GROUP_BY_TABLE) as GroupBy[];
export const groupByRow = (g: GroupBy): GroupByRow => GROUP_BY_TABLE[g];

/** What a rule measures, per second; each record adds to all three. */
export const ALERT_VALUES = ['bits_per_second', 'packets_per_second', 'flows_per_second'] as const;
export type AlertValue = (typeof ALERT_VALUES)[number];
