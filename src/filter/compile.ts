/**
 * A tenant's filter keys → predicates, compiled once per config. Keys AND together, a key's
 * list ORs. Cheap integer checks run before address checks, and an address is parsed only when
 * a tenant filters on it, so a rejected record costs a few comparisons. Keys about what
 * enrichment found are a second check, run once the record's addresses were looked up.
 */

import {
  type EnrichedKeyRow,
  FILTER_KEYS,
  type FilterKey,
  type FilterSpec,
  filterKeyRow,
  type IntRange,
} from '../config/filter-keys.js';
import type { PeekNeeds } from '../decode/peek.js';
import type { AddressInfo } from '../enrich/enricher.js';
import type { InterfaceMap } from '../enrich/interfaces.js';
import type { Cidr } from '../net/ip.js';
import { PrefixSet } from '../net/prefix-set.js';
import {
  type CounterRecord,
  type FilterField,
  type FlowRecord,
  type FlowView,
  IF_SINGLE,
  type PeekField,
} from '../record.js';
import { literal } from '../util/regexp.js';

/**
 * What a flow check reads: a decoded record, or the view a peek filled from raw bytes (only when
 * the filter is `peekable`).
 */
export type Filterable = Readonly<FlowView>;

export interface CompiledFilter {
  flow(record: Filterable): boolean;
  /** The check on what enrichment found for the source and destination; true when none. */
  enriched(record: FlowRecord, source: AddressInfo, destination: AddressInfo): boolean;
  /** Some key tests enrichment: `enriched` must run. */
  readonly testsEnrichment: boolean;
  /** Every key tests a field the peek reads, so a peek can settle the flow check. */
  readonly peekable: boolean;
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
    // A field outside the view is read only when the filter is not peekable: r is a whole record.
    (r as FlowRecord)[field] as T;

function fieldCheck<T>(test: (v: T) => boolean, fields: readonly FilterField[]): Check<Filterable> {
  const a: Field<T> = reader(fields[0]!);
  if (fields.length === 1) return (r) => test(a(r));
  const b: Field<T> = reader(fields[1]!);
  return (r) => test(a(r)) || test(b(r));
}

const PEEK_FIELDS: ReadonlySet<FilterField> = new Set<PeekField>([
  'inVlan',
  'outVlan',
  'inIf',
  'outIf',
  'proto',
  'srcPort',
  'dstPort',
  'agent',
  'srcIp',
  'dstIp',
]);

type EnrichedCheck = (r: FlowRecord, source: AddressInfo, destination: AddressInfo) => boolean;

/** One enrichment key's check: values were lowercased (config/values.ts), so is what is found. */
function enrichedCheck(row: EnrichedKeyRow, values: readonly string[] | readonly Cidr[]): EnrichedCheck {
  const src = row.side === 'src';
  if (row.kind === 'nat') {
    const test = addressTest(values as Cidr[]);
    // Smonnet's sflow_NEW*IP: the translation, else the address itself.
    return (r, s, d) => {
      const nat = src ? (s.nat ?? r.srcIp) : (d.nat ?? r.dstIp);
      return nat !== '' && test(nat);
    };
  }
  const wanted = new Set(values as string[]);
  if (row.kind === 'country')
    return (_r, s, d) => {
      const geo = (src ? s : d).geo;
      return (
        geo !== undefined &&
        ((geo.countryIsoCode !== undefined && wanted.has(geo.countryIsoCode.toLowerCase())) ||
          (geo.countryName !== undefined && wanted.has(geo.countryName.toLowerCase())))
      );
    };
  return (_r, s, d) => {
    const as = (src ? s : d).as;
    return (
      as !== undefined &&
      (wanted.has(String(as.number)) ||
        (as.organization !== undefined && wanted.has(as.organization.toLowerCase())))
    );
  };
}

/** Interface names as globs (`*` any run, `?` one character), case ignored. */
export function nameTest(globs: readonly string[]): (name: string | undefined) => boolean {
  const escaped = globs.map((g) =>
    g
      .split('')
      .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : literal(ch)))
      .join(''),
  );
  const re = new RegExp(`^(?:${escaped.join('|')})$`, 'i');
  return (name) => name !== undefined && re.test(name);
}

/** A name key's check: the interface must be one ifIndex, named in the interface file. */
function interfaceNameCheck(
  fields: readonly ('inIf' | 'outIf')[],
  globs: readonly string[],
  interfaces: InterfaceMap | undefined,
): Check<Filterable> {
  const test = nameTest(globs);
  const one = (r: FlowRecord, field: 'inIf' | 'outIf'): boolean =>
    (field === 'inIf' ? r.inIfKind : r.outIfKind) === IF_SINGLE &&
    test(interfaces?.find(r.agent, r[field])?.name);
  // Not peekable: r is a whole record.
  return (v) => fields.some((f) => one(v as FlowRecord, f));
}

function flowCheck(
  key: FilterKey,
  spec: FilterSpec,
  interfaces: InterfaceMap | undefined,
): Check<Filterable> | undefined {
  const row = filterKeyRow(key);
  if (row.kind === 'ifname') return interfaceNameCheck(row.fields, spec[key] as string[], interfaces);
  if (row.kind === 'int') return fieldCheck(rangeTest(spec[key] as IntRange[]), row.fields);
  if (row.kind === 'address') return fieldCheck(addressTest(spec[key] as Cidr[]), row.fields);
  if (row.kind === 'mac') {
    const wanted = new Set(spec[key] as string[]);
    return fieldCheck((mac: string) => wanted.has(mac), row.fields);
  }
  return undefined;
}

/** `interfaces`: the interface file, which the interface name keys look names up in. */
export function compileFilter(spec: FilterSpec, interfaces?: InterfaceMap): CompiledFilter {
  const keys = FILTER_KEYS.filter((k) => spec[k] !== undefined);
  // Integer keys first: they cost a comparison; address keys cost a parse.
  const ordered = [
    ...keys.filter((k) => filterKeyRow(k).kind === 'int'),
    ...keys.filter((k) => filterKeyRow(k).kind !== 'int'),
  ];
  const checks = ordered.map((k) => flowCheck(k, spec, interfaces)).filter((c) => c !== undefined);
  const enrichedChecks: EnrichedCheck[] = [];
  for (const key of keys) {
    const row = filterKeyRow(key);
    if (row.kind === 'country' || row.kind === 'as' || row.kind === 'nat')
      enrichedChecks.push(enrichedCheck(row, spec[key] as string[] | Cidr[]));
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
  const names = [...(spec.if_name ?? []), ...(spec.in_if_name ?? []), ...(spec.out_if_name ?? [])];
  if (names.length > 0) {
    const t = nameTest(names);
    counterChecks.push((r) => t(interfaces?.find(r.agent, r.ifIndex)?.name));
  }
  const fields = [...new Set(keys.flatMap((k) => filterKeyRow(k).fields as readonly FilterField[]))];
  const peekFields = fields.filter((f): f is PeekField => PEEK_FIELDS.has(f));
  return {
    flow: all(checks),
    enriched:
      enrichedChecks.length === 0
        ? () => true
        : (r, s, d) => {
            for (const check of enrichedChecks) if (!check(r, s, d)) return false;
            return true;
          },
    testsEnrichment: enrichedChecks.length > 0,
    peekable: keys.every((k) => filterKeyRow(k).decoded !== true),
    counter: portScoped ? all(counterChecks) : () => false,
    keepsAll: keys.length === 0,
    countersNever: !portScoped,
    needs: {
      agent: fields.includes('agent'),
      srcIp: fields.includes('srcIp'),
      dstIp: fields.includes('dstIp'),
      any: fields.includes('agent') || fields.includes('srcIp') || fields.includes('dstIp'),
      fields: peekFields,
    },
  };
}
