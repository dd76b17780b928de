/**
 * ECS `network.direction` of a flow, seen from a tenant: `inbound` from outside to inside,
 * `outbound` from inside out, `internal` inside to inside, `external` outside to outside. Inside
 * is the tenant's networks when it has any (its `networks` key, else the addresses of its filter);
 * else the interfaces' boundaries say it: in through an external interface means from outside.
 */
import type { Boundary, InterfaceInfo } from './interfaces.js';

export const DIRECTIONS = ['inbound', 'outbound', 'internal', 'external'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** Whether the source and the destination are inside; undefined when that is unknown. */
export function directionOf(
  srcInside: boolean | undefined,
  dstInside: boolean | undefined,
): Direction | undefined {
  if (srcInside === undefined || dstInside === undefined) return undefined;
  if (srcInside) return dstInside ? 'internal' : 'outbound';
  return dstInside ? 'inbound' : 'external';
}

const inside = (b: Boundary | undefined): boolean | undefined =>
  b === undefined ? undefined : b === 'internal';

/** From the boundaries of the interfaces a flow came in and went out by. */
export const directionByBoundary = (
  ingress: InterfaceInfo | undefined,
  egress: InterfaceInfo | undefined,
): Direction | undefined => directionOf(inside(ingress?.boundary), inside(egress?.boundary));
