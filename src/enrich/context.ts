/**
 * What a flow means to one tenant beyond its addresses: the interfaces it came in and went out by
 * (from the interface file) and its direction (from the tenant's networks or those interfaces).
 */
import type { Cidr } from '../net/ip.js';
import { PrefixSet } from '../net/prefix-set.js';
import { type FlowRecord, IF_SINGLE } from '../record.js';
import { remember } from '../util/cache.js';
import { type Direction, directionByBoundary, directionOf } from './direction.js';
import type { InterfaceInfo, InterfaceMap } from './interfaces.js';

export interface FlowContext {
  readonly ingress: InterfaceInfo | undefined;
  readonly egress: InterfaceInfo | undefined;
  readonly direction: Direction | undefined;
}

export const NO_CONTEXT: FlowContext = Object.freeze({
  ingress: undefined,
  egress: undefined,
  direction: undefined,
});

/**
 * The context of a record. The answer is one object reused for every record: it is read at once
 * by the filter and the document writer, and a record's worth of garbage is saved.
 */
export type ContextOf = (r: FlowRecord) => FlowContext;

/** Membership in the tenant's networks, answered once per address. */
function insideTest(networks: readonly Cidr[]): (ip: string) => boolean | undefined {
  const set = new PrefixSet<true>(networks.map((c) => [c, true] as const));
  const answers = new Map<string, boolean>();
  return (ip) => {
    if (ip === '') return undefined;
    let inside = answers.get(ip);
    if (inside === undefined) inside = remember(answers, 50_000, ip, set.lookup(ip) === true);
    return inside;
  };
}

/** undefined when the tenant has neither networks nor an interface file: nothing to add. */
export function flowContexts(
  interfaces: InterfaceMap | undefined,
  networks: readonly Cidr[],
): ContextOf | undefined {
  if (!interfaces && networks.length === 0) return undefined;
  const inside = networks.length > 0 ? insideTest(networks) : undefined;
  const scratch: { -readonly [K in keyof FlowContext]: FlowContext[K] } = { ...NO_CONTEXT };
  return (r) => {
    const ingress = interfaces && r.inIfKind === IF_SINGLE ? interfaces.find(r.agent, r.inIf) : undefined;
    const egress = interfaces && r.outIfKind === IF_SINGLE ? interfaces.find(r.agent, r.outIf) : undefined;
    scratch.ingress = ingress;
    scratch.egress = egress;
    scratch.direction = inside
      ? directionOf(inside(r.srcIp), inside(r.dstIp))
      : directionByBoundary(ingress, egress);
    return scratch;
  };
}
