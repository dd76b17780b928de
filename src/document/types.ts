import type { AsInfo, GeoInfo } from '../enrich/geoip.js';
import type { CounterRecord, FlowRecord } from '../record.js';

/** What enrichment found for one flow; absent fields were not found or that enrichment is off. */
export interface Enrichment {
  srcGeo?: GeoInfo | undefined;
  dstGeo?: GeoInfo | undefined;
  srcAs?: AsInfo | undefined;
  dstAs?: AsInfo | undefined;
  srcNat?: string | undefined;
  dstNat?: string | undefined;
  srcLabel?: string | undefined;
  dstLabel?: string | undefined;
}

export interface DocumentBuilder {
  flow(record: FlowRecord, enrichment: Enrichment, timeMs: number): Record<string, unknown>;
  counter(record: CounterRecord, timeMs: number): Record<string, unknown>;
}
