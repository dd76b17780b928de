/**
 * MaxMind GeoIP City and ASN lookups. A database file is read once into shared memory so every
 * enrichment thread of a worker reads the same bytes instead of holding its own copy.
 */

import { readFileSync } from 'node:fs';
import maxmind, { type AsnResponse, type CityResponse, Reader } from 'maxmind';
import { EnrichmentSourceError, SmonnetError } from '../errors.js';
import { remember } from '../util/cache.js';

export interface GeoInfo {
  readonly cityName: string | undefined;
  readonly countryIsoCode: string | undefined;
  readonly countryName: string | undefined;
  readonly location: { readonly lat: number; readonly lon: number } | undefined;
}

export interface AsInfo {
  readonly number: number;
  readonly organization: string | undefined;
}

export interface GeoLookup {
  city(ip: string): GeoInfo | undefined;
  asn(ip: string): AsInfo | undefined;
}

/** Reads a database into a SharedArrayBuffer; undefined when the file does not exist. */
export function loadDatabase(file: string): SharedArrayBuffer | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new EnrichmentSourceError(
      'GEOIP_DATABASE_INVALID',
      file,
      `cannot read: ${(err as NodeJS.ErrnoException).code}`,
    );
  }
  const shared = new SharedArrayBuffer(bytes.length);
  new Uint8Array(shared).set(bytes);
  return shared;
}

/**
 * Decoded records by data offset. Outside hosts repeat heavily in flow data, so most lookups hit;
 * clearing when full keeps memory bounded without the bookkeeping of an LRU.
 */
function boundedCache(max: number): {
  get(key: string | number): unknown;
  set(key: string | number, value: unknown): void;
} {
  const map = new Map<string | number, unknown>();
  return {
    get: (key) => map.get(key),
    set: (key, value) => {
      remember(map, max, key, value);
    },
  };
}

// Addresses from several corners of the tree: a damaged tree or data section fails on one of them.
const PROBES = [
  '1.1.1.1',
  '81.2.69.142',
  '89.160.20.128',
  '128.101.101.101',
  '2001:218::1',
  '2a02:d180::5',
  '::1',
];

/** Opens a database and proves it readable; a corrupt file is an error naming the file. */
export function openReader<T extends CityResponse | AsnResponse>(
  bytes: SharedArrayBuffer,
  file: string,
  kind: 'City' | 'ASN',
): Reader<T> {
  try {
    const reader = new Reader<T>(Buffer.from(bytes), { cache: boundedCache(20_000) });
    const type = reader.metadata.databaseType;
    const fits = kind === 'ASN' ? type.includes('ASN') : type.includes('City') || type.includes('Country');
    if (!fits) throw new SmonnetError('GEOIP_DATABASE_INVALID', `is a ${type} database, expected ${kind}`);
    for (const ip of PROBES) reader.get(ip);
    return reader;
  } catch (err) {
    throw new EnrichmentSourceError(
      'GEOIP_DATABASE_INVALID',
      file,
      `unreadable MaxMind ${kind} database: ${(err as Error).message}`,
    );
  }
}

/** A geo_point Elasticsearch accepts, or nothing: an out-of-range value would fail the whole document. */
function validLocation(lat: number | undefined, lon: number | undefined): GeoInfo['location'] {
  if (typeof lat !== 'number' || typeof lon !== 'number') return undefined;
  if (!(Math.abs(lat) <= 90 && Math.abs(lon) <= 180)) return undefined;
  return { lat, lon };
}

export function geoLookup(
  city: Reader<CityResponse> | undefined,
  asn: Reader<AsnResponse> | undefined,
): GeoLookup {
  return {
    city: (ip) => {
      if (!city || !maxmind.validate(ip)) return undefined;
      const r = city.get(ip);
      if (!r) return undefined;
      const loc = r.location;
      return {
        cityName: r.city?.names?.en,
        countryIsoCode: r.country?.iso_code,
        countryName: r.country?.names?.en,
        location: validLocation(loc?.latitude, loc?.longitude),
      };
    },
    asn: (ip) => {
      if (!asn || !maxmind.validate(ip)) return undefined;
      const r = asn.get(ip);
      if (!r || typeof r.autonomous_system_number !== 'number') return undefined;
      return { number: r.autonomous_system_number, organization: r.autonomous_system_organization };
    },
  };
}
