/**
 * Which tenants a record may concern, found by one lookup instead of T filters in a row. The index
 * is built on the filter key most tenants use (VLAN, port, address, interface...): a record's value
 * of that key leads to the tenants whose filter accepts that value, and only they, with the tenants
 * that do not filter on the key, have their whole filter tested. The candidates always include
 * every tenant whose filter keeps the record, so routing through the index is exact.
 */
import {
  FILTER_KEYS,
  type FilterKey,
  type FilterSpec,
  filterKeyRow,
  type IntRange,
} from '../config/filter-keys.js';
import type { Filterable } from '../filter/compile.js';
import { type Cidr, cidrContains } from '../net/ip.js';
import { PrefixSet } from '../net/prefix-set.js';
import type { FilterField } from '../record.js';

/** Tenants (indices into the specs) accepting a value of the indexed key; sorted, never empty. */
type Tenants = readonly number[];

export interface FilterIndex {
  /** The key the index is built on. */
  readonly key: FilterKey;
  /** Fills `into` with the tenants that may keep `record`, each once, and returns their count. */
  candidates(record: Filterable, into: number[]): number;
}

/** Keys an index can be built on: read by a peek, compared by value or network. */
function indexable(key: FilterKey): boolean {
  const row = filterKeyRow(key);
  return (row.kind === 'int' || row.kind === 'address') && row.decoded !== true;
}

/** The index for these filters, or undefined when no key is shared by two tenants or more. */
export function indexFilters(specs: readonly FilterSpec[]): FilterIndex | undefined {
  let key: FilterKey | undefined;
  let users = 1;
  for (const k of FILTER_KEYS) {
    if (!indexable(k)) continue;
    const n = specs.filter((s) => s[k] !== undefined).length;
    if (n > users) [key, users] = [k, n];
  }
  if (key === undefined) return undefined;
  const row = filterKeyRow(key);
  const fields = row.fields as readonly FilterField[];
  const always = specs.flatMap((s, i) => (s[key] === undefined ? [i] : []));
  const lookup =
    row.kind === 'int'
      ? intLookup(specs.map((s) => s[key] as IntRange[] | undefined))
      : addressLookup(specs.map((s) => s[key] as Cidr[] | undefined));
  // A stamp per tenant marks it taken for the current record: no set to allocate per record.
  const taken = new Uint32Array(specs.length);
  let stamp = 0;
  return {
    key,
    candidates(record, into) {
      stamp = stamp === 0xffffffff ? 1 : stamp + 1;
      if (stamp === 1) taken.fill(0);
      let n = 0;
      for (const i of always) {
        taken[i] = stamp;
        into[n++] = i;
      }
      for (const field of fields) {
        const hits = lookup((record as Record<string, unknown>)[field]);
        if (hits === undefined) continue;
        for (const i of hits)
          if (taken[i] !== stamp) {
            taken[i] = stamp;
            into[n++] = i;
          }
      }
      return n;
    },
  };
}

/**
 * Integer ranges as elementary segments: the sorted points where some range starts or ends, and
 * for each segment between two points the tenants whose ranges cover it. A value costs a binary
 * search.
 */
function intLookup(
  ranges: ReadonlyArray<readonly IntRange[] | undefined>,
): (v: unknown) => Tenants | undefined {
  const points = [...new Set(ranges.flatMap((rs) => (rs ?? []).flatMap((r) => [r.from, r.to + 1])))].sort(
    (a, b) => a - b,
  );
  const segments: number[][] = points.map(() => []);
  ranges.forEach((rs, tenant) => {
    for (const r of rs ?? [])
      for (let j = points.indexOf(r.from); points[j]! <= r.to; j++)
        if (segments[j]!.at(-1) !== tenant) segments[j]!.push(tenant);
  });
  const found: Array<Tenants | undefined> = segments.map((s) => (s.length > 0 ? s : undefined));
  return (v) => {
    if (typeof v !== 'number' || !(v >= points[0]!)) return undefined;
    let lo = 0;
    let hi = points.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (points[mid]! <= v) lo = mid;
      else hi = mid - 1;
    }
    return found[lo];
  };
}

/**
 * Networks in a prefix set whose value, for each network, is every tenant with that network or
 * one holding it: the longest network holding an address then names all the tenants that do.
 */
function addressLookup(
  networks: ReadonlyArray<readonly Cidr[] | undefined>,
): (v: unknown) => Tenants | undefined {
  const all = networks.flatMap((cidrs, tenant) => (cidrs ?? []).map((cidr) => ({ cidr, tenant })));
  const set = new PrefixSet<Tenants>(
    all.map(({ cidr }) => {
      const holders = all.filter((o) => cidrContains(o.cidr, cidr)).map((o) => o.tenant);
      return [cidr, [...new Set(holders)].sort((a, b) => a - b)] as const;
    }),
  );
  return (v) => (typeof v === 'string' && v !== '' ? set.lookup(v) : undefined);
}
