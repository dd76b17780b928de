/**
 * A peek at one goflow2 protobuf FlowMessage: its fields are walked in place, and only those a
 * filter reads are kept (field numbers from fields.ts).
 */
import { SmonnetError } from '../../errors.js';
import { ipFromBytes } from '../../net/ip.js';
import { FLOW_NUMBER_MAX as MAX } from '../../record.js';
import { FLOW, fillAddresses, type Peek, UNSURE } from '../peek-view.js';
import { interfaceValue, vlanOf } from '../rules.js';
import { cursor, varint } from '../wire.js';
import { splitDelimited } from './decode.js';
import { PB_FIELD } from './fields.js';

const IN_IF = PB_FIELD.inIf;
const OUT_IF = PB_FIELD.outIf;
const PROTO = PB_FIELD.proto;
const SRC_PORT = PB_FIELD.srcPort;
const DST_PORT = PB_FIELD.dstPort;
const VLAN_ID = PB_FIELD.vlanId;
const SRC_VLAN = PB_FIELD.inVlan;
const DST_VLAN = PB_FIELD.outVlan;
const AGENT = PB_FIELD.agent;
const SRC_ADDR = PB_FIELD.srcIp;
const DST_ADDR = PB_FIELD.dstIp;

/** Fields read as uint32: another wire type there is for the full decoder to judge. */
const SCALAR_FIELDS = new Set([IN_IF, OUT_IF, PROTO, SRC_PORT, DST_PORT, VLAN_ID, SRC_VLAN, DST_VLAN]);
const FIRST_SCALAR = Math.min(...SCALAR_FIELDS);
const LAST_SCALAR = Math.max(...SCALAR_FIELDS);
/** Tags of two varint bytes cover field numbers up to 2047, the largest the peek can name. */
if (Math.max(LAST_SCALAR, AGENT, SRC_ADDR, DST_ADDR) > 2047)
  throw new SmonnetError('INTERNAL', 'a peeked field needs a longer tag');

/** Walks the fields of one FlowMessage; scalars keep their last value, as protobuf decoders do. */
const peekProtoMessage: Peek = (b, start, end, needs, view) => {
  let inVlan = 0;
  let vlanId = 0;
  let outVlan = 0;
  let inIf = 0;
  let outIf = 0;
  let proto = 0;
  let srcPort = 0;
  let dstPort = 0;
  let agent = -1;
  let src = -1;
  let dst = -1;
  let agentLength = 0;
  let srcLength = 0;
  let dstLength = 0;
  let pos = start;
  while (pos < end) {
    // Tags of the fields read here take one or two bytes; longer ones only need skipping.
    let tag = b[pos++]!;
    if (tag & 0x80) {
      tag = (tag & 0x7f) | ((b[pos++]! & 0x7f) << 7);
      if (b[pos - 1]! & 0x80) {
        while (pos < end && b[pos]! & 0x80) pos++;
        pos++;
        tag = 0; // a field number beyond 2047: none the filter reads
      }
    }
    const wire = tag & 7;
    const field = tag >>> 3;
    if (wire === 0) {
      // The low 32 bits, as a uint32 reader keeps them.
      let value = 0;
      let shift = 0;
      let byte: number;
      do {
        if (pos >= end || shift > 63) return UNSURE;
        byte = b[pos++]!;
        if (shift < 32) value |= (byte & 0x7f) << shift;
        shift += 7;
      } while (byte & 0x80);
      value >>>= 0;
      if (field === IN_IF) inIf = value;
      else if (field === OUT_IF) outIf = value;
      else if (field === PROTO) proto = value;
      else if (field === SRC_PORT) srcPort = value;
      else if (field === DST_PORT) dstPort = value;
      else if (field === VLAN_ID) vlanId = value;
      else if (field === SRC_VLAN) inVlan = value;
      else if (field === DST_VLAN) outVlan = value;
    } else if (wire === 2) {
      const length = varint(b, pos, end);
      if (length < 0) return UNSURE;
      pos = cursor.pos;
      if (pos + length > end) return UNSURE;
      if (field === AGENT) {
        agent = pos;
        agentLength = length;
      } else if (field === SRC_ADDR) {
        src = pos;
        srcLength = length;
      } else if (field === DST_ADDR) {
        dst = pos;
        dstLength = length;
      } else if (field >= FIRST_SCALAR && field <= LAST_SCALAR && SCALAR_FIELDS.has(field)) return UNSURE;
      pos += length;
    } else if (wire === 1 || wire === 5) {
      if (field >= FIRST_SCALAR && field <= LAST_SCALAR && SCALAR_FIELDS.has(field)) return UNSURE;
      pos += wire === 1 ? 8 : 4;
    } else return UNSURE;
  }
  if (pos !== end) return UNSURE;
  // The full decoder refuses a flow without its three addresses: so must a peek, or random bytes
  // that happen to walk as protobuf would be filtered out instead of dead-lettered.
  if (!isAddressLength(agentLength) || !isAddressLength(srcLength) || !isAddressLength(dstLength))
    return UNSURE;
  // Values the full decoder refuses are for it to report.
  if (proto > MAX.proto || srcPort > MAX.srcPort || dstPort > MAX.dstPort) return UNSURE;
  view.inVlan = vlanOf(inVlan) || vlanOf(vlanId);
  view.outVlan = vlanOf(outVlan);
  view.inIf = interfaceValue(inIf);
  view.outIf = interfaceValue(outIf);
  view.proto = proto;
  view.srcPort = srcPort;
  view.dstPort = dstPort;
  if (!needs.any) return FLOW;
  return fillAddresses(needs, view, (which) => {
    const from = which === 'agent' ? agent : which === 'srcIp' ? src : dst;
    const length = which === 'agent' ? agentLength : which === 'srcIp' ? srcLength : dstLength;
    return from < 0 ? undefined : ipFromBytes(b.subarray(from, from + length));
  });
};

const isAddressLength = (n: number): boolean => n === 4 || n === 16;

/** A varint length prefix covering exactly the rest of b[start, end): the start of the message, or -1. */
function delimitedStart(b: Uint8Array, start: number, end: number): number {
  const length = varint(b, start, end);
  return length > 0 && cursor.pos + length === end ? cursor.pos : -1;
}

export const peekProtobuf: Peek = (b, start, end, needs, view) => {
  // One prefixed message, as goflow2 writes: read it. Several: the full decoder. No prefix: whole.
  const body = delimitedStart(b, start, end);
  if (body >= 0) return peekProtoMessage(b, body, end, needs, view);
  if (splitDelimited(b.subarray(start, end)) !== undefined) return UNSURE;
  return peekProtoMessage(b, start, end, needs, view);
};
