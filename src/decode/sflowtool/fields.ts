/**
 * `sflowtool -l` lines, column by column: the decoder, the peek and the generator's encoder all
 * read these tables. A FLOW line has 20 columns, a CNTR line the agent and 19 counters.
 */
import type { CounterRecord, FlowRecord, NumericFlowField } from '../../record.js';
import { column } from '../../schema/flow-fields.js';

/** "FLOW" and "CNTR" as big-endian 32-bit numbers, as a peek reads a line's first four bytes. */
export const FLOW_TAG = 0x464c4f57;
export const CNTR_TAG = 0x434e5452;

/** The column of each flow field (schema/flow-fields.ts); column 0 is the tag. */
export const FLOW_COLUMN = column('sflowtool') satisfies Record<
  Exclude<keyof FlowRecord, 'kind' | 'timeMs' | 'inIfKind' | 'outIfKind' | 'icmpType' | 'icmpCode'>,
  number
>;

export const FLOW_COLUMNS = 20;

/** Numeric flow fields sflowtool prints in hexadecimal ("0x0800"); the others are decimal. */
export const HEX_FIELDS: ReadonlySet<NumericFlowField> = new Set(['etype', 'tos', 'tcpFlags']);

/** The numeric flow fields in column order: a line's first bad number is the one an error names. */
export const FLOW_NUMBERS = (Object.keys(FLOW_COLUMN) as (keyof typeof FLOW_COLUMN)[]).filter(
  (k): k is NumericFlowField => !['agent', 'srcMac', 'dstMac', 'srcIp', 'dstIp'].includes(k),
);

/** The counters of a CNTR line, in column order from column 2 (after the tag and the agent). */
export const COUNTER_FIELDS = [
  'ifIndex',
  'ifType',
  'ifSpeed',
  'ifDirection',
  'ifStatus',
  'ifInOctets',
  'ifInUcastPkts',
  'ifInMulticastPkts',
  'ifInBroadcastPkts',
  'ifInDiscards',
  'ifInErrors',
  'ifInUnknownProtos',
  'ifOutOctets',
  'ifOutUcastPkts',
  'ifOutMulticastPkts',
  'ifOutBroadcastPkts',
  'ifOutDiscards',
  'ifOutErrors',
  'ifPromiscuousMode',
] as const satisfies readonly Exclude<keyof CounterRecord, 'kind' | 'timeMs' | 'agent'>[];

export const COUNTER_AGENT_COLUMN = 1;
export const COUNTER_FIRST_COLUMN = 2;
export const CNTR_COLUMNS = COUNTER_FIRST_COLUMN + COUNTER_FIELDS.length;
