/**
 * Networks (IPv4 and IPv6), each with a value; a lookup finds the longest network holding an
 * address. One table per prefix length, keyed by the masked address, so a lookup costs one map
 * probe per distinct length. Tenant filters (membership) and the IP map (labels) both use it.
 */
import { type Cidr, ipv4Mask, maskIpv6, parseIpv4, parseIpv6 } from './ip.js';

interface ByLength<K, V> {
  /** Prefix lengths present, longest first. */
  readonly lengths: number[];
  readonly tables: Map<number, Map<K, V>>;
}

const byLength = <K, V>(): ByLength<K, V> => ({ lengths: [], tables: new Map() });

function put<K, V>(t: ByLength<K, V>, bits: number, key: K, value: V): void {
  let table = t.tables.get(bits);
  if (!table) {
    table = new Map();
    t.tables.set(bits, table);
    t.lengths.push(bits);
    t.lengths.sort((a, b) => b - a);
  }
  table.set(key, value);
}

const v6Key = (w: readonly number[]): string => `${w[0]},${w[1]},${w[2]},${w[3]}`;

export class PrefixSet<V> {
  private readonly v4 = byLength<number, V>();
  private readonly v6 = byLength<string, V>();

  constructor(entries: Iterable<readonly [Cidr, V]> = []) {
    for (const [cidr, value] of entries) this.add(cidr, value);
  }

  add(cidr: Cidr, value: V): void {
    if (cidr.family === 4) put(this.v4, cidr.bits, cidr.network, value);
    else put(this.v6, cidr.bits, v6Key(cidr.network), value);
  }

  /** The value of the longest network holding the address in `text`; undefined if none does. */
  lookup(text: string): V | undefined {
    if (text.indexOf(':') < 0) {
      if (this.v4.lengths.length === 0) return undefined;
      const a = parseIpv4(text);
      if (a === undefined) return undefined;
      for (const bits of this.v4.lengths) {
        const hit = this.v4.tables.get(bits)!.get((a & ipv4Mask(bits)) >>> 0);
        if (hit !== undefined) return hit;
      }
      return undefined;
    }
    if (this.v6.lengths.length === 0) return undefined;
    const a = parseIpv6(text);
    if (a === undefined) return undefined;
    for (const bits of this.v6.lengths) {
      const hit = this.v6.tables.get(bits)!.get(v6Key(maskIpv6(a, bits)));
      if (hit !== undefined) return hit;
    }
    return undefined;
  }
}
