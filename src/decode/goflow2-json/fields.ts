/**
 * goflow2's JSON keys for each record field (schema/flow-fields.ts), and the one key of no field
 * of its own: the v2 name (snake_case) first, then the v1 name (CamelCase, as goflow2 v1.3 writes
 * it: `IpTos`, `IpTtl`, `TcpFlags`). The decoder reads `o[v2] ?? o[v1]`; the peek searches for the
 * same names.
 */

import { ETYPE_IPV4, ETYPE_IPV6 } from '../../record.js';
import { column } from '../../schema/flow-fields.js';
import { lookupTable } from '../../util/lookup.js';

export const JSON_KEYS = {
  ...column('json'),
  /** The 802.1Q tag when src_vlan is 0: goflow2 writes both. */
  vlanId: ['vlan_id', 'VlanId'],
} as const satisfies Record<string, readonly [string, string]>;

export type JsonField = keyof typeof JSON_KEYS;

/** Ethertypes goflow2 v2 writes as names. */
export const ETYPE_NAMES: Readonly<Record<string, number>> = lookupTable({
  ipv4: ETYPE_IPV4,
  ipv6: ETYPE_IPV6,
  arp: 0x0806,
});

/** The record's own time: v2 nanoseconds, else v1 seconds, first key present wins. */
export const TIME_NS_KEYS = ['time_received_ns', 'time_flow_start_ns'] as const;
export const TIME_S_KEYS = ['TimeReceived', 'TimeFlowStart'] as const;
