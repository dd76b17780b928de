/**
 * goflow2's protobuf \`flowpb.FlowMessage\`: the fields smonnet reads, with goflow2's field numbers.
 * The decoder decodes by this schema; the peek and the generator take their field numbers from it.
 */

import protobuf from 'protobufjs';
import { SmonnetError } from '../../errors.js';

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

/** Field numbers of the fields a filter reads, by record field. */
export const PB_FIELD = {
  agent: fieldNumber('sampler_address'),
  srcIp: fieldNumber('src_addr'),
  dstIp: fieldNumber('dst_addr'),
  inIf: fieldNumber('in_if'),
  outIf: fieldNumber('out_if'),
  proto: fieldNumber('proto'),
  srcPort: fieldNumber('src_port'),
  dstPort: fieldNumber('dst_port'),
  inVlan: fieldNumber('src_vlan'),
  outVlan: fieldNumber('dst_vlan'),
  /** The 802.1Q tag, read when src_vlan is 0. */
  vlanId: fieldNumber('vlan_id'),
} as const;
