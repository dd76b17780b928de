/**
 * Sample campus traffic: what a few sFlow agents at a university edge would report. Seeded, so
 * tests can compute exactly which records each tenant filter must keep.
 *
 * The campus is 10.0.0.0/8 and 2001:db8::/32, one /24 (and for some VLANs one /64) per VLAN.
 * Outside hosts come from networks the MaxMind test databases know, so enrichment has answers.
 */

import { isIcmp } from '../decode/rules.js';
import type { CounterRecord, FlowRecord, SflowRecord } from '../record.js';
import { ETYPE_IPV4, ETYPE_IPV6, IF_SINGLE } from '../record.js';
import { type Random, seededRandom } from './random.js';

export interface TrafficOptions {
  seed: number;
  /** Time of the first record, ms since the epoch. */
  startMs: number;
  /** Spacing of record timestamps; the generated stream spans count × intervalMs. */
  intervalMs: number;
  /** One counter record after every N flow records; 0 for none. */
  counterEvery: number;
  /** Every flow goes to this address (a load or alert test); else destinations vary. */
  destination?: string | undefined;
}

interface Vlan {
  readonly id: number;
  readonly ifIndex: number;
  readonly v4Prefix: string; // first three octets
  readonly v6Prefix: string | undefined; // a /64, written without its trailing "::"
}

interface Agent {
  readonly address: string;
  readonly samplingRate: number;
  readonly uplinkIf: number;
}

export const CAMPUS_VLANS: readonly Vlan[] = [
  { id: 42, ifIndex: 12, v4Prefix: '10.1.42', v6Prefix: '2001:db8:42:1' },
  ...[100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110].map((id) => ({
    id,
    ifIndex: id - 80,
    v4Prefix: `10.1.${id}`,
    v6Prefix: undefined,
  })),
  { id: 200, ifIndex: 40, v4Prefix: '10.2.0', v6Prefix: '2001:db8:200:1' },
  { id: 300, ifIndex: 41, v4Prefix: '10.3.0', v6Prefix: '2001:db8:300:1' },
];

export const AGENTS: readonly Agent[] = [
  { address: '192.0.2.1', samplingRate: 512, uplinkIf: 1 },
  { address: '192.0.2.2', samplingRate: 1024, uplinkIf: 1 },
  { address: '192.0.2.3', samplingRate: 2048, uplinkIf: 2 },
  { address: '2001:db8:ffff::1', samplingRate: 4096, uplinkIf: 1 },
];

/** Outside hosts with known GeoIP City and/or ASN answers in the MaxMind test databases. */
export const EXTERNAL_V4: readonly string[] = [
  '81.2.69.142', // London, GB
  '81.2.69.170', // London, GB
  '2.125.160.217', // Boxford, GB
  '89.160.20.130', // Linköping, SE; AS29518
  '175.16.199.10', // Changchun, CN
  '216.160.83.57', // Milton, US
  '1.128.4.20', // AS1221 Telstra
  '12.81.92.5', // AS7018 AT&T
  '18.9.22.69', // AS3 MIT
  '8.8.8.8', // unknown to both test databases
];
export const EXTERNAL_V6: readonly string[] = [
  '2001:218::1', // JP
  '2001:220::8', // KR
  '2a02:d180::5', // DE
  '2600:6000::1', // AS237 Merit
];

const ROUTER_MAC = '00005e0001fe';

interface Service {
  readonly port: number;
  readonly proto: number;
}
const SERVICES: readonly (readonly [Service, number])[] = [
  [{ port: 443, proto: 6 }, 35],
  [{ port: 80, proto: 6 }, 10],
  [{ port: 53, proto: 17 }, 12],
  [{ port: 443, proto: 17 }, 10],
  [{ port: 22, proto: 6 }, 4],
  [{ port: 123, proto: 17 }, 3],
  [{ port: 25, proto: 6 }, 2],
  [{ port: 993, proto: 6 }, 3],
  [{ port: 3389, proto: 6 }, 2],
  [{ port: 5201, proto: 6 }, 2],
  [{ port: 0, proto: 1 }, 3],
  [{ port: 0, proto: 47 }, 1],
];
const TCP_FLAGS: readonly (readonly [number, number])[] = [
  [0x10, 60],
  [0x18, 25],
  [0x02, 5],
  [0x12, 4],
  [0x11, 4],
  [0x04, 2],
];
const TOS: readonly (readonly [number, number])[] = [
  [0x00, 90],
  [0x28, 5],
  [0xb8, 5],
];

interface Endpoint {
  readonly ip: string;
  readonly mac: string;
  readonly vlan: Vlan | undefined;
}

function macFor(ip: string): string {
  // A stable, locally administered MAC per address: the same host always shows the same MAC.
  let h = 2166136261;
  for (let i = 0; i < ip.length; i++) h = Math.imul(h ^ ip.charCodeAt(i), 16777619) >>> 0;
  return `02${h.toString(16).padStart(8, '0')}00`.slice(0, 12);
}

function campusHost(rnd: Random, v6: boolean): Endpoint {
  const withV6 = CAMPUS_VLANS.filter((v) => v.v6Prefix !== undefined);
  const vlan = v6 ? rnd.pick(withV6) : rnd.pick(CAMPUS_VLANS);
  const ip = v6 ? `${vlan.v6Prefix}::${rnd.int(1, 0x40).toString(16)}` : `${vlan.v4Prefix}.${rnd.int(2, 60)}`;
  return { ip, mac: macFor(ip), vlan };
}

function externalHost(rnd: Random, v6: boolean): Endpoint {
  return { ip: rnd.pick(v6 ? EXTERNAL_V6 : EXTERNAL_V4), mac: ROUTER_MAC, vlan: undefined };
}

function ipSizeFor(rnd: Random, service: Service, v6: boolean): number {
  const header = v6 ? 40 : 20;
  switch (service.proto) {
    case 6:
      return rnd.weighted<() => number>([
        [() => header + 20 + rnd.int(0, 12), 40],
        [() => 1500, 45],
        [() => rnd.int(header + 40, 1500), 15],
      ])();
    case 17:
      if (service.port === 53) return header + 8 + rnd.int(30, 300);
      if (service.port === 443) return header + 8 + rnd.int(1180, 1340);
      return header + 8 + 48;
    default:
      return header + 64;
  }
}

function flowRecord(rnd: Random, timeMs: number, destination: string | undefined): FlowRecord {
  const agent = rnd.pick(AGENTS);
  const v6 = destination === undefined ? rnd.next() < 0.25 : destination.includes(':');
  const kind = rnd.weighted([
    ['outbound', 45],
    ['inbound', 40],
    ['internal', 15],
  ] as const);
  const campus = campusHost(rnd, v6);
  const other = kind === 'internal' ? campusHost(rnd, v6) : externalHost(rnd, v6);
  const [src, dst] = kind === 'inbound' ? [other, campus] : [campus, other];

  let service = rnd.weighted(SERVICES);
  if (v6 && service.proto === 1) service = { port: 0, proto: 58 };
  const clientPort = rnd.int(32768, 60999);
  // The campus side is the client of outbound flows; replies travel back the other way.
  const towardServer = rnd.next() < 0.55;
  const ports =
    service.port === 0 ? [0, 0] : towardServer ? [clientPort, service.port] : [service.port, clientPort];

  const inVlan = src.vlan?.id ?? 0;
  const outVlan = dst.vlan?.id ?? 0;
  const ipSize = ipSizeFor(rnd, service, v6);
  const hops = src.vlan ? 1 : rnd.int(5, 20);
  return {
    kind: 'flow',
    timeMs,
    agent: agent.address,
    inIf: src.vlan?.ifIndex ?? agent.uplinkIf,
    outIf: dst.vlan?.ifIndex ?? agent.uplinkIf,
    inIfKind: IF_SINGLE,
    outIfKind: IF_SINGLE,
    srcMac: src.mac,
    dstMac: dst.vlan ? dst.mac : ROUTER_MAC,
    etype: v6 ? ETYPE_IPV6 : ETYPE_IPV4,
    inVlan,
    outVlan,
    srcIp: src.ip,
    dstIp: destination ?? dst.ip,
    proto: service.proto,
    tos: rnd.weighted(TOS),
    ttl: rnd.pick([64, 128, 255]) - hops,
    srcPort: ports[0]!,
    dstPort: ports[1]!,
    // Echo requests one way, replies the other.
    icmpType: !isIcmp(service.proto)
      ? -1
      : service.proto === 58
        ? towardServer
          ? 128
          : 129
        : towardServer
          ? 8
          : 0,
    icmpCode: isIcmp(service.proto) ? 0 : -1,
    tcpFlags: service.proto === 6 ? rnd.weighted(TCP_FLAGS) : 0,
    // Ethernet header, a VLAN tag when the ingress port is tagged, and the frame check sequence.
    frameLength: ipSize + 14 + (inVlan !== 0 ? 4 : 0) + 4,
    ipSize,
    samplingRate: agent.samplingRate,
  };
}

interface InterfaceState {
  inOctets: number;
  outOctets: number;
  inPkts: number;
  outPkts: number;
}

function counterRecord(rnd: Random, timeMs: number, state: Map<string, InterfaceState>): CounterRecord {
  const agent = rnd.pick(AGENTS);
  const ifIndex = rnd.weighted([
    [agent.uplinkIf, 3],
    [rnd.pick(CAMPUS_VLANS).ifIndex, 2],
  ]);
  const key = `${agent.address}/${ifIndex}`;
  const s = state.get(key) ?? { inOctets: 0, outOctets: 0, inPkts: 0, outPkts: 0 };
  // Counters only grow: a dashboard computing rates from successive values must see sane deltas.
  s.inPkts += rnd.int(10_000, 200_000);
  s.outPkts += rnd.int(10_000, 200_000);
  s.inOctets += s.inPkts * rnd.int(300, 900);
  s.outOctets += s.outPkts * rnd.int(300, 900);
  state.set(key, s);
  return {
    kind: 'counter',
    timeMs,
    agent: agent.address,
    ifIndex,
    ifType: 6,
    ifSpeed: ifIndex === agent.uplinkIf ? 10_000_000_000 : 1_000_000_000,
    ifDirection: 1,
    ifStatus: 3,
    ifInOctets: s.inOctets,
    ifInUcastPkts: s.inPkts,
    ifInMulticastPkts: rnd.int(0, 50),
    ifInBroadcastPkts: rnd.int(0, 20),
    ifInDiscards: rnd.int(0, 3),
    ifInErrors: 0,
    ifInUnknownProtos: 0,
    ifOutOctets: s.outOctets,
    ifOutUcastPkts: s.outPkts,
    ifOutMulticastPkts: rnd.int(0, 50),
    ifOutBroadcastPkts: rnd.int(0, 20),
    ifOutDiscards: rnd.int(0, 3),
    ifOutErrors: 0,
    ifPromiscuousMode: 0,
  };
}

/** An endless, reproducible stream of records; take as many as needed. */
export function* generateTraffic(options: TrafficOptions): Generator<SflowRecord> {
  const rnd = seededRandom(options.seed);
  const counters = new Map<string, InterfaceState>();
  for (let i = 0; ; i++) {
    const timeMs = options.startMs + Math.floor(i * options.intervalMs);
    yield flowRecord(rnd, timeMs, options.destination);
    if (options.counterEvery > 0 && (i + 1) % options.counterEvery === 0) {
      yield counterRecord(rnd, timeMs, counters);
    }
  }
}
