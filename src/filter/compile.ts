/**
 * A tenant's filter keys → predicates, compiled once per config. Keys AND together, a key's
 * list ORs. Cheap integer checks run before address checks, and an address is parsed only when
 * a tenant filters on it, so a rejected record costs a few comparisons.
 */
import { FILTER_KEYS, type FilterSpec, filterKeyRow, type IntRange } from '../config/filter-keys.js';
import type { PeekNeeds } from '../decode/peek.js';
import type { Cidr } from '../net/ip.js';
import { PrefixSet } from '../net/prefix-set.js';
import type { CounterRecord, FilterField, FlowView } from '../record.js';

/** What a flow check reads: a decoded record, or the view a peek filled from raw bytes. */
export type Filterable = Readonly<FlowView>;

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
  const networks = new PrefixSet<true>(cidrs.map((c) => [c, true] as const));
  return (text) => networks.lookup(text) === true;
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

/** A reader of one record field; a key with two fields matches when either does. */
const reader =
  <T>(field: FilterField) =>
  (r: Filterable): T =>
    r[field] as T;

function fieldCheck<T>(test: (v: T) => boolean, fields: readonly FilterField[]): Check<Filterable> {
  const a: Field<T> = reader(fields[0]!);
  if (fields.length === 1) return (r) => test(a(r));
  const b: Field<T> = reader(fields[1]!);
  return (r) => test(a(r)) || test(b(r));
}

export function compileFilter(spec: FilterSpec): CompiledFilter {
  const keys = FILTER_KEYS.filter((k) => spec[k] !== undefined);
  const checks: Check<Filterable>[] = [];
  // Integer keys first: they cost a comparison, address keys cost a parse.
  for (const key of keys) {
    const row = filterKeyRow(key);
    if (row.kind === 'int') checks.push(fieldCheck(rangeTest(spec[key] as IntRange[]), row.fields));
  }
  for (const key of keys) {
    const row = filterKeyRow(key);
    if (row.kind === 'address') checks.push(fieldCheck(addressTest(spec[key] as Cidr[]), row.fields));
  }

  const portScoped = keys.every((k) => filterKeyRow(k).portScoped === true);
  const counterChecks: Check<CounterRecord>[] = [];
  if (spec.agent) {
    const t = addressTest(spec.agent);
    counterChecks.push((r) => t(r.agent));
  }
  if (spec.in_if || spec.out_if) {
    const t = rangeTest([...(spec.in_if ?? []), ...(spec.out_if ?? [])]);
    counterChecks.push((r) => t(r.ifIndex));
  }
  const fields = [...new Set(keys.flatMap((k) => filterKeyRow(k).fields))];
  return {
    flow: all(checks),
    counter: portScoped ? all(counterChecks) : () => false,
    keepsAll: keys.length === 0,
    countersNever: !portScoped,
    needs: {
      agent: fields.includes('agent'),
      srcIp: fields.includes('srcIp'),
      dstIp: fields.includes('dstIp'),
      any: fields.includes('agent') || fields.includes('srcIp') || fields.includes('dstIp'),
      fields,
    },
  };
}
