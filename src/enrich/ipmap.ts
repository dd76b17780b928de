/**
 * The IP map: exact address → translated address (Smonnet's public→private NAT map) and
 * network → label, longest prefix winning, IPv4 and IPv6. File format:
 *   { "nat": { "203.0.113.42": "10.1.42.10" }, "labels": { "10.1.0.0/16": "campus-labs" } }
 * A flat { "address": "address" } object, as Smonnet used, is read as the NAT part.
 */
import { readFileSync } from 'node:fs';
import { EnrichmentSourceError } from '../errors.js';
import { canonicalIp, ipv4Mask, maskIpv6, parseCidr, parseIpv4, parseIpv6 } from '../net/ip.js';

export interface IpMap {
  translate(ip: string): string | undefined;
  label(ip: string): string | undefined;
}

interface PrefixTable {
  /** Prefix lengths present, longest first. */
  readonly lengths: number[];
  readonly byLength: Map<number, Map<string | number, string>>;
}

const emptyTable = (): PrefixTable => ({ lengths: [], byLength: new Map() });

function addPrefix(table: PrefixTable, bits: number, key: string | number, label: string): void {
  let m = table.byLength.get(bits);
  if (!m) {
    m = new Map();
    table.byLength.set(bits, m);
    table.lengths.push(bits);
    table.lengths.sort((a, b) => b - a);
  }
  m.set(key, label);
}

const v6Key = (w: readonly number[]): string => `${w[0]},${w[1]},${w[2]},${w[3]}`;

export function buildIpMap(doc: unknown, file: string): IpMap {
  const fail = (problem: string): never => {
    throw new EnrichmentSourceError('IPMAP_INVALID', file, problem);
  };
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) fail('must be a JSON object');
  const o = doc as Record<string, unknown>;
  const structured = 'nat' in o || 'labels' in o;
  const natDoc = structured ? (o['nat'] ?? {}) : o;
  const labelDoc = structured ? (o['labels'] ?? {}) : {};
  if (structured) {
    for (const key of Object.keys(o))
      if (key !== 'nat' && key !== 'labels') fail(`unknown key '${key}' (expected nat, labels)`);
  }
  for (const [name, part] of [
    ['nat', natDoc],
    ['labels', labelDoc],
  ] as const) {
    if (part === null || typeof part !== 'object' || Array.isArray(part)) fail(`'${name}' must be an object`);
  }

  const nat = new Map<string, string>();
  for (const [from, to] of Object.entries(natDoc as Record<string, unknown>)) {
    const a = canonicalIp(from);
    const b = typeof to === 'string' ? canonicalIp(to) : undefined;
    if (a === undefined) fail(`nat: '${from}' is not an IP address`);
    if (b === undefined) fail(`nat: '${from}' maps to '${String(to)}', which is not an IP address`);
    nat.set(a!, b!);
  }

  const v4 = emptyTable();
  const v6 = emptyTable();
  for (const [prefix, label] of Object.entries(labelDoc as Record<string, unknown>)) {
    if (typeof label !== 'string' || label.length === 0)
      fail(`labels: '${prefix}' needs a non-empty string label`);
    const c = parseCidr(prefix);
    if ('error' in c) fail(`labels: ${c.error}`);
    else if (c.family === 4) addPrefix(v4, c.bits, c.network, label as string);
    else addPrefix(v6, c.bits, v6Key(c.network), label as string);
  }

  return {
    translate: (ip) => nat.get(ip),
    label: (ip) => {
      if (ip.indexOf(':') < 0) {
        if (v4.lengths.length === 0) return undefined;
        const a = parseIpv4(ip);
        if (a === undefined) return undefined;
        for (const bits of v4.lengths) {
          const hit = v4.byLength.get(bits)!.get((a & ipv4Mask(bits)) >>> 0);
          if (hit !== undefined) return hit;
        }
        return undefined;
      }
      if (v6.lengths.length === 0) return undefined;
      const a = parseIpv6(ip);
      if (a === undefined) return undefined;
      for (const bits of v6.lengths) {
        const hit = v6.byLength.get(bits)!.get(v6Key(maskIpv6(a, bits)));
        if (hit !== undefined) return hit;
      }
      return undefined;
    },
  };
}

export function readIpMapFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new EnrichmentSourceError(
      'IPMAP_INVALID',
      file,
      `cannot read: ${(err as NodeJS.ErrnoException).code}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new EnrichmentSourceError('IPMAP_INVALID', file, `not JSON: ${(err as Error).message}`);
  }
}
