/**
 * The IP map: exact address → translated address (Smonnet's public→private NAT map) and
 * network → label, longest prefix winning, IPv4 and IPv6. File format:
 *   { "nat": { "203.0.113.42": "10.1.42.10" }, "labels": { "10.1.0.0/16": "campus-labs" } }
 * A flat { "address": "address" } object, as Smonnet used, is read as the NAT part.
 */
import { readFileSync } from 'node:fs';
import { EnrichmentSourceError } from '../errors.js';
import { canonicalIp, parseCidr } from '../net/ip.js';
import { PrefixSet } from '../net/prefix-set.js';

export interface IpMap {
  translate(ip: string): string | undefined;
  label(ip: string): string | undefined;
}

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

  const labels = new PrefixSet<string>();
  for (const [prefix, label] of Object.entries(labelDoc as Record<string, unknown>)) {
    if (typeof label !== 'string' || label.length === 0)
      fail(`labels: '${prefix}' needs a non-empty string label`);
    const c = parseCidr(prefix);
    if ('error' in c) fail(`labels: ${c.error}`);
    else labels.add(c, label as string);
  }

  return {
    translate: (ip) => nat.get(ip),
    label: (ip) => labels.lookup(ip),
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
