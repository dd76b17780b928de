/**
 * goflow2's protobuf \`flowpb.FlowMessage\`: the fields smonnet reads, with goflow2's field numbers.
 * The decoder decodes by this schema; the peek and the generator take their field numbers from it.
 */

import protobuf from 'protobufjs';
import { SmonnetError } from '../../errors.js';
import type { PeekField } from '../../record.js';
import { FLOW_FIELDS } from '../../schema/flow-fields.js';

// Unknown fields are skipped by the decoder.
const FLOW_PROTO = `
syntax = "proto3";
package flowpb;
message FlowMessage {
  uint32 type = 1;
  uint64 time_received_ns = 110;
  uint32 sequence_num = 4;
  uint64 sampling_rate = 3;
  bytes sampler_address = 11;
  uint64 time_flow_start_ns = 111;
  uint64 bytes = 9;
  uint64 packets = 10;
  bytes src_addr = 6;
  bytes dst_addr = 7;
  uint32 etype = 30;
  uint32 proto = 20;
  uint32 src_port = 21;
  uint32 dst_port = 22;
  uint32 in_if = 18;
  uint32 out_if = 19;
  uint64 src_mac = 27;
  uint64 dst_mac = 28;
  uint32 src_vlan = 33;
  uint32 dst_vlan = 34;
  uint32 vlan_id = 29;
  uint32 ip_tos = 23;
  uint32 ip_ttl = 25;
  uint32 tcp_flags = 26;
  uint32 icmp_type = 31;
  uint32 icmp_code = 32;
}`;

export const FlowMessage = protobuf
  .parse(FLOW_PROTO, { keepCase: true })
  .root.lookupType('flowpb.FlowMessage');

/** The field number of a FlowMessage field, from the schema above. */
function fieldNumber(name: string): number {
  const field = FlowMessage.fields[name];
  if (!field) throw new SmonnetError('INTERNAL', `flowpb.FlowMessage has no field ${name}`);
  return field.id;
}

/** Field numbers of the fields a peek reads (schema/flow-fields.ts), by record field. */
export const PB_FIELD = {
  agent: fieldNumber(FLOW_FIELDS.agent.protobuf),
  srcIp: fieldNumber(FLOW_FIELDS.srcIp.protobuf),
  dstIp: fieldNumber(FLOW_FIELDS.dstIp.protobuf),
  inIf: fieldNumber(FLOW_FIELDS.inIf.protobuf),
  outIf: fieldNumber(FLOW_FIELDS.outIf.protobuf),
  proto: fieldNumber(FLOW_FIELDS.proto.protobuf),
  srcPort: fieldNumber(FLOW_FIELDS.srcPort.protobuf),
  dstPort: fieldNumber(FLOW_FIELDS.dstPort.protobuf),
  inVlan: fieldNumber(FLOW_FIELDS.inVlan.protobuf),
  outVlan: fieldNumber(FLOW_FIELDS.outVlan.protobuf),
  /** The 802.1Q tag, read when src_vlan is 0. */
  vlanId: fieldNumber('vlan_id'),
} as const satisfies Record<PeekField | 'vlanId', number>;
