/**
 * One rule per value, the same for every wire format and for both the decoders and the peeks:
 * what sFlow's special values mean and what an impossible value becomes. A value a rule cannot
 * place is the decoder's to refuse (the record is dead-lettered with the value named).
 *
 * | value          | rule                                                                  |
 * | -------------- | --------------------------------------------------------------------- |
 * | VLAN           | 1-4094 is a VLAN; anything else (0, -1, 4095, 0xFFFFFFFF) is none: 0   |
 * | interface      | sFlow's top two bits are its kind: single ifIndex, discarded (reason), |
 * |                | several (count); 0x3FFFFFFF is internal. sflowtool prints the low bits |
 * | ports          | only TCP, UDP and SCTP have them; ICMP's type and code are their own   |
 * | sampling rate  | at least 1: 0 means "not reported" and counts the sample as itself     |
 * | addresses      | '' only where the frame is not IP (ethertype not IPv4 or IPv6)         |
 * | time           | within a year of the Kafka message's time, else the Kafka time (counted)|
 */
import {
  ETYPE_IPV4,
  ETYPE_IPV6,
  IF_DISCARDED,
  IF_INTERNAL,
  IF_MULTIPLE,
  IF_SINGLE,
  type IfKind,
} from '../record.js';

export const NO_VLAN = 0;

/** A VLAN id, or NO_VLAN for anything that is not one (sFlow's 0xFFFFFFFF, QinQ misreads). */
export const vlanOf = (n: number): number => (n >= 1 && n <= 4094 && Number.isInteger(n) ? n : NO_VLAN);

const LOW_30 = 0x3fffffff;

/** The value without sFlow's format bits, as sflowtool prints it and as filters compare it. */
export const interfaceValue = (raw: number): number => raw & LOW_30;

/** The kind of a raw 32-bit sFlow interface value. */
export function interfaceKind(raw: number): IfKind {
  const format = raw >>> 30;
  if (format === 1) return IF_DISCARDED;
  if (format === 2) return IF_MULTIPLE;
  if (format === 0) return (raw & LOW_30) === LOW_30 ? IF_INTERNAL : IF_SINGLE;
  return IF_INTERNAL; // format 3 is not defined by sFlow: nothing to say about the interface
}

/** The raw 32-bit value of an interface of this kind (what goflow2 passes on). */
export function rawInterface(kind: IfKind, value: number): number {
  if (kind === IF_INTERNAL) return LOW_30;
  if (kind === IF_DISCARDED) return (0x40000000 | value) >>> 0;
  if (kind === IF_MULTIPLE) return (0x80000000 | value) >>> 0;
  return value;
}

/**
 * The kind of a value sflowtool printed: it prints compact samples without their format bits, so
 * only "internal" shows; a larger value still carries its bits.
 */
export const printedInterfaceKind = (value: number): IfKind =>
  value > LOW_30 ? interfaceKind(value) : value === LOW_30 ? IF_INTERNAL : IF_SINGLE;

export const PROTO_ICMP = 1;
export const PROTO_ICMPV6 = 58;
export const isIcmp = (proto: number): boolean => proto === PROTO_ICMP || proto === PROTO_ICMPV6;

/** A sampling rate of 0 means "not reported": the sample then counts as itself. */
export const samplingRateOf = (n: number): number => (n === 0 ? 1 : n);

/** Whether an ethertype's frames carry IP addresses. */
export const isIpEtype = (etype: number): boolean => etype === ETYPE_IPV4 || etype === ETYPE_IPV6;

/**
 * A record's own time further than this from its Kafka message's is not believed. Wide on purpose:
 * an archive re-read into Kafka keeps its records' times; what it catches is a broken clock or a
 * broken value (0, 1e30, 2106).
 */
const TIME_WINDOW_MS = 366 * 24 * 3600 * 1000;

/** The record's time if it is plausible next to the Kafka message's; else undefined (use Kafka's). */
export function plausibleTime(recordMs: number | undefined, kafkaMs: number): number | undefined {
  if (recordMs === undefined || !(recordMs >= 0 && recordMs <= LAST_DATE_MS)) return undefined;
  // A message without a time of its own (0) leaves nothing to compare with.
  if (kafkaMs > 0 && Math.abs(recordMs - kafkaMs) > TIME_WINDOW_MS) return undefined;
  return recordMs;
}

/** The last millisecond an ISO-8601 date of four year digits can name. */
const LAST_DATE_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
