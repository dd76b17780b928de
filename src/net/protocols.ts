/** IANA protocol numbers by the names operators write in filters and ECS puts in network.transport. */
import { lookupTable } from '../util/lookup.js';

export const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = lookupTable({
  hopopt: 0,
  icmp: 1,
  igmp: 2,
  tcp: 6,
  udp: 17,
  gre: 47,
  esp: 50,
  ah: 51,
  icmpv6: 58,
  'ipv6-icmp': 58,
  ospf: 89,
  pim: 103,
  vrrp: 112,
  sctp: 132,
});

const NAMES: readonly string[] = (() => {
  const names: string[] = [];
  for (const [name, n] of Object.entries(PROTOCOL_NUMBERS)) names[n] ??= name;
  return names;
})();

/** Lowercase name of a protocol number, or undefined when it has none here. */
export function protocolName(n: number): string | undefined {
  return NAMES[n];
}
