/**
 * A tenant's filter keys → predicates, compiled once per config. Keys AND together, a key's
 * list ORs. Cheap integer checks run before address checks, and an address is parsed only when
 * a tenant filters on it, so a rejected record costs a few comparisons.
 */
import type { FilterSpec, IntRange } from '../config/types.js';
import type { PeekNeeds } from '../decode/peek.js';
import { type Cidr, ipv4Mask, maskIpv6, parseIpv4, parseIpv6 } from '../net/ip.js';
import type { CounterRecord, FlowRecord } from '../record.js';

/** What a flow check reads: a decoded record, or the view a peek filled from raw bytes. */
export type Filterable = Pick<
  FlowRecord,
  'inVlan' | 'outVlan' | 'inIf' | 'outIf' | 'proto' | 'srcPort' | 'dstPort' | 'agent' | 'srcIp' | 'dstIp'
>;

export interface CompiledFilter {
  flow(record: Filterable): boolean;
  /**
   * Interface counters describe a whole port, every tenant's traffic on it together. A tenant
   * receives them only when its filter is about ports (agent, in_if, out_if) or it has no filter.
   */
  counter(record: CounterRecord): boolean;
  /** No filter key: every record is kept, and peeking would be wasted work. */
  readonly keepsAll: boolean;
  /** Counter records are never kept (the filter is not only about ports). */
  readonly countersNever: boolean;
  /** The address fields the flow check reads; a peek builds text only for these. */
  readonly needs: PeekNeeds;
}

type Check<T> = (r: T) => boolean;

function rangeTest(ranges: readonly IntRange[]): (v: number) => boolean {
  if (ranges.length === 1) {
    const { from, to } = ranges[0]!;
    return from === to ? (v) => v === from : (v) => v >= from && v <= to;
  }
  const from = ranges.map((r) => r.from);
  const to = ranges.map((r) => r.to);
  return (v) => {
    for (let i = 0; i < from.length; i++) if (v >= from[i]! && v <= to[i]!) return true;
    return false;
  };
}

/** Membership in a list of networks, for addresses in text form. */
export function addressTest(cidrs: readonly Cidr[]): (text: string) => boolean {
  const v4 = cidrs
    .filter((c) => c.family === 4)
    .map((c) => ({ network: c.network as number, mask: ipv4Mask(c.bits) }));
  const v6 = cidrs.filter((c) => c.family === 6) as Extract<Cidr, { family: 6 }>[];
  return (text) => {
    if (text.indexOf(':') < 0) {
      if (v4.length === 0) return false;
      const ip = parseIpv4(text);
      if (ip === undefined) return false;
      for (const c of v4) if ((ip & c.mask) >>> 0 === c.network) return true;
      return false;
    }
    if (v6.length === 0) return false;
    const ip = parseIpv6(text);
    if (ip === undefined) return false;
    for (const c of v6) {
      const m = maskIpv6(ip, c.bits);
      if (m[0] === c.network[0] && m[1] === c.network[1] && m[2] === c.network[2] && m[3] === c.network[3])
        return true;
    }
    return false;
  };
}

function all<T>(checks: Check<T>[]): Check<T> {
  if (checks.length === 0) return () => true;
  if (checks.length === 1) return checks[0]!;
  return (r) => {
    for (const check of checks) if (!check(r)) return false;
    return true;
  };
}

type Field<T> = (r: Filterable) => T;

/** Which record fields each key looks at; a key with two fields matches when either does. */
const INT_FIELDS: Readonly<Partial<Record<keyof FilterSpec, readonly Field<number>[]>>> = {
  vlan: [(r) => r.inVlan, (r) => r.outVlan],
  src_vlan: [(r) => r.inVlan],
  dst_vlan: [(r) => r.outVlan],
  in_if: [(r) => r.inIf],
  out_if: [(r) => r.outIf],
  proto: [(r) => r.proto],
  port: [(r) => r.srcPort, (r) => r.dstPort],
  src_port: [(r) => r.srcPort],
  dst_port: [(r) => r.dstPort],
};
const ADDRESS_FIELDS: Readonly<Partial<Record<keyof FilterSpec, readonly Field<string>[]>>> = {
  agent: [(r) => r.agent],
  src_ip: [(r) => r.srcIp],
  dst_ip: [(r) => r.dstIp],
  ip: [(r) => r.srcIp, (r) => r.dstIp],
};

function fieldCheck<T>(test: (v: T) => boolean, fields: readonly Field<T>[]): Check<Filterable> {
  const [a, b] = fields as [Field<T>, Field<T> | undefined];
  return b === undefined ? (r) => test(a(r)) : (r) => test(a(r)) || test(b(r));
}

/** The record fields each key reads, by name (the peek extracts just these). */
const VIEW_FIELDS: Readonly<Record<keyof FilterSpec, readonly (keyof Filterable)[]>> = {
  vlan: ['inVlan', 'outVlan'],
  src_vlan: ['inVlan'],
  dst_vlan: ['outVlan'],
  in_if: ['inIf'],
  out_if: ['outIf'],
  proto: ['proto'],
  port: ['srcPort', 'dstPort'],
  src_port: ['srcPort'],
  dst_port: ['dstPort'],
  agent: ['agent'],
  src_ip: ['srcIp'],
  dst_ip: ['dstIp'],
  ip: ['srcIp', 'dstIp'],
};

const PORT_SCOPED_KEYS: readonly (keyof FilterSpec)[] = ['agent', 'in_if', 'out_if'];

export function compileFilter(spec: FilterSpec): CompiledFilter {
  const checks: Check<Filterable>[] = [];
  // Integer keys first: they cost a comparison, address keys cost a parse.
  for (const [key, fields] of Object.entries(INT_FIELDS) as [keyof FilterSpec, Field<number>[]][]) {
    const ranges = spec[key] as readonly IntRange[] | undefined;
    if (ranges) checks.push(fieldCheck(rangeTest(ranges), fields));
  }
  for (const [key, fields] of Object.entries(ADDRESS_FIELDS) as [keyof FilterSpec, Field<string>[]][]) {
    const cidrs = spec[key] as readonly Cidr[] | undefined;
    if (cidrs) checks.push(fieldCheck(addressTest(cidrs), fields));
  }

  const keys = Object.keys(spec) as (keyof FilterSpec)[];
  const portScoped = keys.every((k) => PORT_SCOPED_KEYS.includes(k));
  const counterChecks: Check<CounterRecord>[] = [];
  if (spec.agent) {
    const t = addressTest(spec.agent);
    counterChecks.push((r) => t(r.agent));
  }
  if (spec.in_if || spec.out_if) {
    const t = rangeTest([...(spec.in_if ?? []), ...(spec.out_if ?? [])]);
    counterChecks.push((r) => t(r.ifIndex));
  }
  return {
    flow: all(checks),
    counter: portScoped ? all(counterChecks) : () => false,
    keepsAll: keys.length === 0,
    countersNever: !portScoped,
    needs: {
      agent: spec.agent !== undefined,
      srcIp: spec.src_ip !== undefined || spec.ip !== undefined,
      dstIp: spec.dst_ip !== undefined || spec.ip !== undefined,
      any:
        spec.agent !== undefined ||
        spec.src_ip !== undefined ||
        spec.dst_ip !== undefined ||
        spec.ip !== undefined,
      fields: [...new Set(keys.flatMap((k) => VIEW_FIELDS[k]))],
    },
  };
}
