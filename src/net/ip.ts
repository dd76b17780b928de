/**
 * IP addresses as the hot path needs them: IPv4 as one unsigned 32-bit number, IPv6 as four,
 * so filters and prefix lookups compare integers instead of strings or BigInts.
 */
import { remember } from '../util/cache.js';

/** An IPv6 address as four big-endian 32-bit words. */
export type Ipv6Words = readonly [number, number, number, number];

/** Parses a dotted quad; undefined when `text` is not exactly one. */
export function parseIpv4(text: string): number | undefined {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      // A leading zero ("010") is ambiguous (octal in some tools): refuse it.
      if (digits === 1 && octet === 0) return undefined;
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return undefined;
    } else if (c === 46) {
      if (digits === 0 || ++dots > 3) return undefined;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || digits === 0) return undefined;
  return value * 256 + octet;
}

export function formatIpv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

function parseGroups(part: string, into: number[]): boolean {
  if (part === '') return true;
  for (const group of part.split(':')) {
    if (group.length === 0 || group.length > 4 || !/^[0-9a-fA-F]+$/.test(group)) return false;
    into.push(Number.parseInt(group, 16));
  }
  return true;
}

/** Parses any RFC 4291 text form, including "::" and an embedded dotted quad; no zone index. */
export function parseIpv6(text: string): Ipv6Words | undefined {
  if (text.length < 2 || text.length > 45 || text.indexOf(':') < 0) return undefined;
  let body = text;
  const tail: number[] = [];
  const lastColon = body.lastIndexOf(':');
  if (body.indexOf('.', lastColon) > 0) {
    const v4 = parseIpv4(body.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail.push(v4 >>> 16, v4 & 0xffff);
    body = `${body.slice(0, lastColon + 1)}`;
    // "::1.2.3.4" leaves "::"; "a:b::c:1.2.3.4" leaves "a:b::c:" whose trailing colon we drop.
    if (body.endsWith(':') && !body.endsWith('::')) body = body.slice(0, -1);
  }
  const head: number[] = [];
  const back: number[] = [];
  const gap = body.indexOf('::');
  if (gap >= 0) {
    if (body.indexOf('::', gap + 1) >= 0) return undefined;
    if (!parseGroups(body.slice(0, gap), head) || !parseGroups(body.slice(gap + 2), back)) return undefined;
    if (head.length + back.length + tail.length > 7) return undefined;
  } else {
    if (!parseGroups(body, head)) return undefined;
    if (head.length + tail.length !== 8) return undefined;
  }
  const groups = new Array<number>(8).fill(0);
  head.forEach((g, i) => {
    groups[i] = g;
  });
  const end = [...back, ...tail];
  end.forEach((g, i) => {
    groups[8 - end.length + i] = g;
  });
  return [
    ((groups[0]! << 16) | groups[1]!) >>> 0,
    ((groups[2]! << 16) | groups[3]!) >>> 0,
    ((groups[4]! << 16) | groups[5]!) >>> 0,
    ((groups[6]! << 16) | groups[7]!) >>> 0,
  ];
}

/** RFC 5952 text: lowercase, no leading zeros, the longest run (2+) of zero groups as "::". */
export function formatIpv6(words: Ipv6Words): string {
  const groups: number[] = [];
  for (const w of words) groups.push(w >>> 16, w & 0xffff);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

/** Canonical text of an address in any accepted form; undefined when it is not an address. */
export function canonicalIp(text: string): string | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return text;
  const v6 = parseIpv6(text);
  return v6 === undefined ? undefined : formatIpv6(v6);
}

/** IPv6 text → canonical text. The same addresses recur in every batch; parse each once. */
const canonicalV6 = new Map<string, string | undefined>();

/** canonicalIp for the hot path: IPv4 checked in place, IPv6 answers cached (bounded). */
export function cachedCanonicalIp(text: string): string | undefined {
  if (text.indexOf(':') < 0) return parseIpv4(text) === undefined ? undefined : text;
  let canonical = canonicalV6.get(text);
  if (canonical === undefined && !canonicalV6.has(text)) {
    canonical = remember(canonicalV6, 20_000, text, canonicalIp(text));
  }
  return canonical;
}

/** Text of a 4- or 16-byte address (goflow2 protobuf); undefined for any other length. */
export function ipFromBytes(bytes: Uint8Array): string | undefined {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  if (bytes.length !== 16) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, 16);
  return formatIpv6([view.getUint32(0), view.getUint32(4), view.getUint32(8), view.getUint32(12)]);
}

/** A network in CIDR form; `bits` counts from the most significant bit. */
export type Cidr =
  | { readonly family: 4; readonly network: number; readonly bits: number }
  | { readonly family: 6; readonly network: Ipv6Words; readonly bits: number };

const v4Mask = (bits: number): number => (bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0);

function v6Masked(words: Ipv6Words, bits: number): Ipv6Words {
  const out = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) {
    const keep = Math.max(0, Math.min(32, bits - i * 32));
    out[i] = (words[i]! & v4Mask(keep)) >>> 0;
  }
  return out as unknown as Ipv6Words;
}

/** Parses "a.b.c.d/n", "x::/n" or a bare address (a /32 or /128). Host bits must be zero. */
export function parseCidr(text: string): Cidr | { error: string } {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const bitsText = slash < 0 ? undefined : text.slice(slash + 1);
  const v4 = parseIpv4(addr);
  const v6 = v4 === undefined ? parseIpv6(addr) : undefined;
  if (v4 === undefined && v6 === undefined) return { error: `'${addr}' is not an IPv4 or IPv6 address` };
  const max = v4 !== undefined ? 32 : 128;
  const bits = bitsText === undefined ? max : /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : Number.NaN;
  if (!(bits >= 0 && bits <= max)) return { error: `prefix length '${bitsText}' is not 0..${max}` };
  if (v4 !== undefined) {
    const network = (v4 & v4Mask(bits)) >>> 0;
    if (network !== v4)
      return { error: `'${text}' has host bits set (did you mean ${formatIpv4(network)}/${bits}?)` };
    return { family: 4, network, bits };
  }
  const network = v6Masked(v6!, bits);
  if (network.some((w, i) => w !== v6![i])) {
    return { error: `'${text}' has host bits set (did you mean ${formatIpv6(network)}/${bits}?)` };
  }
  return { family: 6, network, bits };
}

/** Whether network `outer` holds all of network `inner`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== inner.family || outer.bits > inner.bits) return false;
  if (outer.family === 4) return ((inner.network as number) & v4Mask(outer.bits)) >>> 0 === outer.network;
  const masked = v6Masked(inner.network as Ipv6Words, outer.bits);
  return masked.every((w, i) => w === outer.network[i]);
}

export { v4Mask as ipv4Mask, v6Masked as maskIpv6 };
