/** A peek at one `sflowtool -l` line: the filter's fields, read in place by column. */
import { FLOW_NUMBER_MAX as MAX } from '../../record.js';
import { COUNTER, FLOW, fillAddresses, isAddress, type Peek, UNSURE } from '../peek-view.js';
import { interfaceValue, isIcmp, vlanOf } from '../rules.js';
import { decimalBytes, trimEnd } from '../wire.js';
import { FLOW_COLUMN as C, CNTR_TAG, FLOW_COLUMNS, FLOW_TAG } from './fields.js';

/** Column i is b[commas[i] + 1, commas[i + 1]). */
const commas = new Int32Array(FLOW_COLUMNS + 1);

function oneLine(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (b[i] === 0x0a) return false;
  return true;
}

/** Integer column `n` of the line whose commas were just found. */
const column = (b: Uint8Array, n: number, max: number): number =>
  decimalBytes(b, commas[n]! + 1, commas[n + 1]!, max);

function latin1(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]!);
  return s;
}

export const peekSflowtool: Peek = (b, start, end, needs, view) => {
  end = trimEnd(b, start, end);
  if (end - start < 5 || b[start + 4] !== 0x2c) return UNSURE;
  const tag = ((b[start]! << 24) | (b[start + 1]! << 16) | (b[start + 2]! << 8) | b[start + 3]!) >>> 0;
  if (tag === CNTR_TAG) return oneLine(b, start, end) ? COUNTER : UNSURE;
  if (tag !== FLOW_TAG) return UNSURE;
  // Non-ASCII or a second line means not one plain line: the full decoder judges it.
  let fields = 0;
  commas[0] = start - 1;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c === 0x2c) {
      if (++fields >= FLOW_COLUMNS) return UNSURE;
      commas[fields] = i;
    } else if (c >= 0x80 || c === 0x0a) return UNSURE;
  }
  if (fields !== FLOW_COLUMNS - 1) return UNSURE;
  commas[FLOW_COLUMNS] = end;
  // The rules of decode/rules.ts, as the full decoder applies them: a value they cannot place
  // (-1 for "no VLAN", ...) makes the peek unsure and the decoder settles it.
  view.inIf = column(b, C.inIf, MAX.inIf);
  view.outIf = column(b, C.outIf, MAX.outIf);
  view.inVlan = column(b, C.inVlan, MAX.inIf);
  view.outVlan = column(b, C.outVlan, MAX.outIf);
  view.proto = column(b, C.proto, MAX.proto);
  view.srcPort = column(b, C.srcPort, MAX.srcPort);
  view.dstPort = column(b, C.dstPort, MAX.dstPort);
  if (
    view.inVlan < 0 ||
    view.outVlan < 0 ||
    view.inIf < 0 ||
    view.outIf < 0 ||
    view.proto < 0 ||
    view.srcPort < 0 ||
    view.dstPort < 0
  )
    return UNSURE;
  view.inIf = interfaceValue(view.inIf);
  view.outIf = interfaceValue(view.outIf);
  view.inVlan = vlanOf(view.inVlan);
  view.outVlan = vlanOf(view.outVlan);
  if (isIcmp(view.proto)) {
    view.srcPort = 0;
    view.dstPort = 0;
  }
  if (!needs.any) return FLOW;
  return fillAddresses(needs, view, (which) => {
    const n = C[which];
    const text = latin1(b, commas[n]! + 1, commas[n + 1]!);
    return isAddress(text) ? text : undefined;
  });
};
