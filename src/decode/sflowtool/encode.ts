/**
 * Records → `sflowtool -l` lines, the inverse of decode.ts over the same column table: the
 * generator writes them, and legacy documents carry one as Smonnet's `@message`.
 */

import type { CounterRecord, FlowRecord, NumericFlowField } from '../../record.js';
import { isIcmp } from '../rules.js';
import { COUNTER_FIELDS, FLOW_COLUMN, FLOW_COLUMNS, HEX_FIELDS } from './fields.js';

const hex = (n: number, width: number): string => `0x${n.toString(16).padStart(width, '0')}`;

/**
 * A FLOW line as sflowtool prints it: each field in its column (decode/sflowtool/fields.ts), hex
 * columns as 0x..., '-' for the addresses of a frame that is not IP, ICMP's type and code in the
 * port columns, interfaces without their format bits.
 */
export function flowLine(r: FlowRecord): string {
  const columns: (string | number)[] = new Array(FLOW_COLUMNS);
  columns[0] = 'FLOW';
  for (const [field, column] of Object.entries(FLOW_COLUMN) as [keyof typeof FLOW_COLUMN, number][]) {
    const value = r[field];
    columns[column] =
      typeof value === 'number' && HEX_FIELDS.has(field as NumericFlowField)
        ? hex(value, HEX_WIDTH[field as 'etype' | 'tos' | 'tcpFlags'])
        : value === ''
          ? '-'
          : value;
  }
  if (isIcmp(r.proto)) {
    columns[FLOW_COLUMN.srcPort] = r.icmpType;
    columns[FLOW_COLUMN.dstPort] = r.icmpCode;
  }
  return columns.join(',');
}

/** Digits sflowtool pads each hex column to. */
const HEX_WIDTH = { etype: 4, tos: 2, tcpFlags: 2 } as const;

export function counterLine(r: CounterRecord): string {
  return ['CNTR', r.agent, ...COUNTER_FIELDS.map((f) => r[f])].join(',');
}
