/**
 * The flow fields, one row each: where each input format carries it, where each document schema
 * writes it and with which Elasticsearch type, and whether a peek at raw bytes can read it. The
 * sflowtool columns, goflow2's JSON keys and protobuf fields, and the peek's field set are read from
 * here (decode/*\/fields.ts); a test holds the index templates to the `ecs` and `legacy` columns.
 * The document writers stay hand-written for speed; the mapping test checks what they emit.
 *
 * A field a format lacks has no entry for it: sflowtool prints no ICMP columns (its port columns
 * carry them), and no goflow2 format has the IP packet's size (the decoder derives it).
 */
import type { FlowRecord } from '../record.js';

/** Elasticsearch mapping types the templates give flow fields. */
export type MappingType = 'ip' | 'keyword' | 'integer' | 'long';

export interface FlowFieldRow {
  /** Column of an `sflowtool -l` FLOW line (0 is the tag). */
  readonly sflowtool?: number;
  /** goflow2's JSON key: v2 (snake_case), then v1 (CamelCase). */
  readonly json?: readonly [string, string];
  /** goflow2's `flowpb.FlowMessage` field name. */
  readonly protobuf?: string;
  /** Where the ecs schema writes it, and its type there. */
  readonly ecs: readonly [string, MappingType];
  /** Where the legacy (Smonnet) schema writes it, and its type there; absent when it does not. */
  readonly legacy?: readonly [string, MappingType];
  /** A peek at raw bytes reads it: a filter on it needs no full decode. */
  readonly peek?: true;
}

export type FlowField = Exclude<keyof FlowRecord, 'kind' | 'timeMs'>;

export const FLOW_FIELDS = {
  agent: {
    sflowtool: 1,
    json: ['sampler_address', 'SamplerAddress'],
    protobuf: 'sampler_address',
    ecs: ['observer.ip', 'ip'],
    legacy: ['sflow_ReporterIP', 'ip'],
    peek: true,
  },
  inIf: {
    sflowtool: 2,
    json: ['in_if', 'InIf'],
    protobuf: 'in_if',
    ecs: ['observer.ingress.interface.id', 'keyword'],
    legacy: ['sflow_inputPort', 'long'],
    peek: true,
  },
  outIf: {
    sflowtool: 3,
    json: ['out_if', 'OutIf'],
    protobuf: 'out_if',
    ecs: ['observer.egress.interface.id', 'keyword'],
    legacy: ['sflow_outputPort', 'long'],
    peek: true,
  },
  // The format bits of inIf and outIf, split off by the decoders (decode/rules.ts).
  inIfKind: { ecs: ['sflow.in_interface_format', 'keyword'] },
  outIfKind: { ecs: ['sflow.out_interface_format', 'keyword'] },
  srcMac: {
    sflowtool: 4,
    json: ['src_mac', 'SrcMac'],
    protobuf: 'src_mac',
    ecs: ['source.mac', 'keyword'],
    legacy: ['sflow_srcMAC', 'keyword'],
  },
  dstMac: {
    sflowtool: 5,
    json: ['dst_mac', 'DstMac'],
    protobuf: 'dst_mac',
    ecs: ['destination.mac', 'keyword'],
    legacy: ['sflow_dstMAC', 'keyword'],
  },
  etype: {
    sflowtool: 6,
    json: ['etype', 'Etype'],
    protobuf: 'etype',
    ecs: ['sflow.ethernet_type', 'integer'],
    legacy: ['sflow_EtherType', 'keyword'],
  },
  inVlan: {
    sflowtool: 7,
    json: ['src_vlan', 'SrcVlan'],
    protobuf: 'src_vlan',
    ecs: ['observer.ingress.vlan.id', 'keyword'],
    legacy: ['sflow_srcVlan', 'integer'],
    peek: true,
  },
  outVlan: {
    sflowtool: 8,
    json: ['dst_vlan', 'DstVlan'],
    protobuf: 'dst_vlan',
    ecs: ['observer.egress.vlan.id', 'keyword'],
    legacy: ['sflow_dstVlan', 'integer'],
    peek: true,
  },
  srcIp: {
    sflowtool: 9,
    json: ['src_addr', 'SrcAddr'],
    protobuf: 'src_addr',
    ecs: ['source.ip', 'ip'],
    legacy: ['sflow_srcIP', 'ip'],
    peek: true,
  },
  dstIp: {
    sflowtool: 10,
    json: ['dst_addr', 'DstAddr'],
    protobuf: 'dst_addr',
    ecs: ['destination.ip', 'ip'],
    legacy: ['sflow_dstIP', 'ip'],
    peek: true,
  },
  proto: {
    sflowtool: 11,
    json: ['proto', 'Proto'],
    protobuf: 'proto',
    ecs: ['network.iana_number', 'keyword'],
    legacy: ['sflow_IP_Protocol', 'integer'],
    peek: true,
  },
  tos: {
    sflowtool: 12,
    json: ['ip_tos', 'IpTos'],
    protobuf: 'ip_tos',
    ecs: ['sflow.tos', 'integer'],
    legacy: ['sflow_IPTOS', 'keyword'],
  },
  ttl: {
    sflowtool: 13,
    json: ['ip_ttl', 'IpTtl'],
    protobuf: 'ip_ttl',
    ecs: ['sflow.ttl', 'integer'],
    legacy: ['sflow_IPTTL', 'integer'],
  },
  srcPort: {
    sflowtool: 14,
    json: ['src_port', 'SrcPort'],
    protobuf: 'src_port',
    ecs: ['source.port', 'integer'],
    legacy: ['sflow_srcPort', 'integer'],
    peek: true,
  },
  dstPort: {
    sflowtool: 15,
    json: ['dst_port', 'DstPort'],
    protobuf: 'dst_port',
    ecs: ['destination.port', 'integer'],
    legacy: ['sflow_dstPort', 'integer'],
    peek: true,
  },
  icmpType: {
    json: ['icmp_type', 'IcmpType'],
    protobuf: 'icmp_type',
    ecs: ['sflow.icmp_type', 'long'],
    legacy: ['smonnet_ICMPType', 'integer'],
  },
  icmpCode: {
    json: ['icmp_code', 'IcmpCode'],
    protobuf: 'icmp_code',
    ecs: ['sflow.icmp_code', 'long'],
    legacy: ['smonnet_ICMPCode', 'integer'],
  },
  tcpFlags: {
    sflowtool: 16,
    json: ['tcp_flags', 'TcpFlags'],
    protobuf: 'tcp_flags',
    ecs: ['sflow.tcp_flags', 'integer'],
    legacy: ['sflow_tcpFlags', 'keyword'],
  },
  // goflow2's bytes of an sFlow sample are the sampled frame's length.
  frameLength: {
    sflowtool: 17,
    json: ['bytes', 'Bytes'],
    protobuf: 'bytes',
    ecs: ['sflow.frame_length', 'long'],
    legacy: ['sflow_PacketSize', 'long'],
  },
  ipSize: { sflowtool: 18, ecs: ['sflow.ip_size', 'long'], legacy: ['sflow_IPSize', 'long'] },
  samplingRate: {
    sflowtool: 19,
    json: ['sampling_rate', 'SamplingRate'],
    protobuf: 'sampling_rate',
    ecs: ['sflow.sampling_rate', 'long'],
    legacy: ['sflow_SampleRate', 'long'],
  },
} as const satisfies Record<FlowField, FlowFieldRow>;

type Rows = typeof FLOW_FIELDS;

/** The fields a peek reads straight from a message's bytes (record.ts PeekField). */
export type PeekableField = { [K in keyof Rows]: Rows[K] extends { peek: true } ? K : never }[keyof Rows];
type WithColumn<C extends keyof FlowFieldRow> = {
  [K in keyof Rows as Rows[K] extends Record<C, unknown> ? K : never]: Rows[K] extends Record<C, infer V>
    ? V
    : never;
};

/** One column of the table: the fields that have it, and their value in it. */
export function column<C extends keyof FlowFieldRow>(name: C): WithColumn<C> {
  const out: Record<string, unknown> = {};
  for (const [field, row] of Object.entries(FLOW_FIELDS) as [string, FlowFieldRow][])
    if (row[name] !== undefined) out[field] = row[name];
  return out as WithColumn<C>;
}
