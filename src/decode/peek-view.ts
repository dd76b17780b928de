/**
 * What every format's peek shares: the view it fills, what the filter needs of it, and its answer.
 * A peek either fills the view or gives up (`UNSURE`): then the message takes the full decoder,
 * which also reports whatever is malformed in it.
 */

import { parseIpv4, parseIpv6 } from '../net/ip.js';
import type { FlowView, PeekField } from '../record.js';
import { remember } from '../util/cache.js';

export type { FlowView } from '../record.js';

/** Which address fields to extract: text is built only for those a filter tests. */
export interface PeekNeeds {
  readonly agent: boolean;
  readonly srcIp: boolean;
  readonly dstIp: boolean;
  /** Any of the three. */
  readonly any: boolean;
  /** Every view field the filter reads. */
  readonly fields: readonly PeekField[];
}

export const UNSURE = 0;
export const FLOW = 1;
export const COUNTER = 2;
export type PeekResult = typeof UNSURE | typeof FLOW | typeof COUNTER;

/**
 * A format's peek at message b[start, end) of a batch's bytes (a Buffer, for its native search):
 * fills `view` with what `needs` asks for, or says UNSURE.
 */
export type Peek = (b: Buffer, start: number, end: number, needs: PeekNeeds, view: FlowView) => PeekResult;

export function emptyView(): FlowView {
  return {
    inVlan: 0,
    outVlan: 0,
    inIf: 0,
    outIf: 0,
    proto: 0,
    srcPort: 0,
    dstPort: 0,
    agent: '',
    srcIp: '',
    dstIp: '',
  };
}

const valid = new Map<string, boolean>();

/** Whether the full decoder would accept `text` as an address; answers are cached, addresses recur. */
export function isAddress(text: string): boolean {
  let ok = valid.get(text);
  if (ok === undefined) {
    ok = remember(
      valid,
      20_000,
      text,
      text.indexOf(':') < 0 ? parseIpv4(text) !== undefined : parseIpv6(text) !== undefined,
    );
  }
  return ok;
}

export type AddressField = 'agent' | 'srcIp' | 'dstIp';

/** Sets the addresses the filter needs; any that is absent or not an address makes the peek UNSURE. */
export function fillAddresses(
  needs: PeekNeeds,
  view: FlowView,
  read: (which: AddressField) => string | undefined,
): PeekResult {
  for (const which of ['agent', 'srcIp', 'dstIp'] as const) {
    if (!needs[which]) continue;
    const text = read(which);
    if (text === undefined) return UNSURE;
    view[which] = text;
  }
  return FLOW;
}
