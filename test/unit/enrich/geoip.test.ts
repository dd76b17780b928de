import type { AsnResponse, CityResponse } from 'maxmind';
import { describe, expect, it } from 'vitest';
import { geoLookup, loadDatabase, openReader } from '../../../src/enrich/geoip.js';
import { EnrichmentSourceError } from '../../../src/errors.js';

const dir = new URL('../../fixtures/geoip/', import.meta.url).pathname;
const open = <T extends CityResponse | AsnResponse>(file: string, kind: 'City' | 'ASN') =>
  openReader<T>(loadDatabase(dir + file)!, dir + file, kind);

describe('GeoIP lookups on the MaxMind test databases', () => {
  const lookup = geoLookup(
    open<CityResponse>('GeoLite2-City-Test.mmdb', 'City'),
    open<AsnResponse>('GeoLite2-ASN-Test.mmdb', 'ASN'),
  );

  it('finds city, country and location', () => {
    expect(lookup.city('81.2.69.142')).toEqual({
      cityName: 'London',
      countryIsoCode: 'GB',
      countryName: 'United Kingdom',
      location: { lat: 51.5142, lon: -0.0931 },
    });
    expect(lookup.city('89.160.20.128')).toMatchObject({ cityName: 'Linköping', countryIsoCode: 'SE' });
    expect(lookup.city('2001:218::1')).toMatchObject({ cityName: undefined, countryIsoCode: 'JP' });
    expect(lookup.city('10.0.0.1')).toBeUndefined();
  });

  it('finds autonomous systems, IPv4 and IPv6', () => {
    expect(lookup.asn('89.160.20.128')).toEqual({ number: 29518, organization: 'Bredband2 AB' });
    expect(lookup.asn('12.81.92.0')).toEqual({ number: 7018, organization: 'AT&T Services' });
    expect(lookup.asn('2600:6000::1')).toEqual({ number: 237, organization: 'Merit Network Inc.' });
    expect(lookup.asn('10.0.0.1')).toBeUndefined();
  });

  it('answers nothing for a database that is off', () => {
    expect(geoLookup(undefined, undefined).city('81.2.69.142')).toBeUndefined();
  });
});

describe('opening databases', () => {
  it('treats a missing file as absent, not as an error', () => {
    expect(loadDatabase(`${dir}nope.mmdb`)).toBeUndefined();
  });

  it('refuses a corrupt search tree at open, naming the file', () => {
    expect(() => open('MaxMind-DB-test-broken-search-tree-24.mmdb', 'City')).toThrow(EnrichmentSourceError);
  });

  it('refuses a database of the wrong kind', () => {
    expect(() => open('GeoLite2-ASN-Test.mmdb', 'City')).toThrow(/is a GeoLite2-ASN database, expected City/);
  });

  it('survives a database whose doubles are corrupt: lookups answer, never throw', () => {
    // Its coordinates decode as tiny but valid numbers, indistinguishable from data at open time.
    const broken = geoLookup(
      open<CityResponse>('GeoIP2-City-Test-Broken-Double-Format.mmdb', 'City'),
      undefined,
    );
    const london = broken.city('81.2.69.142');
    expect(london?.cityName).toBe('London');
    expect(Math.abs(london?.location?.lat ?? 0)).toBeLessThanOrEqual(90);
  });
});
