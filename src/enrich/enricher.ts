/**
 * Everything smonnet knows about one address (GeoIP city, ASN, NAT translation, label), looked up
 * once and cached: flow data repeats the same addresses constantly, and four database walks plus a
 * prefix search per address per record would dominate the processing stage.
 */
import { remember } from '../util/cache.js';
import type { AsInfo, GeoInfo, GeoLookup } from './geoip.js';
import type { IpMap } from './ipmap.js';

export interface AddressInfo {
  readonly geo: GeoInfo | undefined;
  readonly as: AsInfo | undefined;
  readonly nat: string | undefined;
  readonly label: string | undefined;
}

export interface Enricher {
  lookup(ip: string): AddressInfo;
}

export const NOTHING_KNOWN: AddressInfo = Object.freeze({
  geo: undefined,
  as: undefined,
  nat: undefined,
  label: undefined,
});

/** Clearing when full bounds memory with no per-hit bookkeeping; hot addresses return at once. */
const CACHE_ENTRIES = 50_000;

export function createEnricher(geo: GeoLookup | undefined, ipmap: IpMap | undefined): Enricher {
  if (!geo && !ipmap) return { lookup: () => NOTHING_KNOWN };
  const cache = new Map<string, AddressInfo>();
  return {
    lookup(ip) {
      // A frame that is not IP has no address to look up.
      if (ip === '') return NOTHING_KNOWN;
      const info = cache.get(ip);
      if (info !== undefined) return info;
      const found = {
        geo: geo?.city(ip),
        as: geo?.asn(ip),
        nat: ipmap?.translate(ip),
        label: ipmap?.label(ip),
      };
      return remember(
        cache,
        CACHE_ENTRIES,
        ip,
        found.geo || found.as || found.nat || found.label ? found : NOTHING_KNOWN,
      );
    },
  };
}
