/**
 * Builds the pipeline stages of one tenant from plain data, so a thread can build them from its
 * workerData and the benchmark can build them inline the same way.
 */
import type { AsnResponse, CityResponse } from 'maxmind';
import type { GroupBy } from '../alert/group-by.js';
import type { AppConfig, FilterSpec, InputFormat, Schema, TenantConfig } from '../config/types.js';
import { ecsDocuments } from '../document/ecs.js';
import { indexNamer } from '../document/index-name.js';
import { legacyDocuments } from '../document/legacy.js';
import { flowContexts } from '../enrich/context.js';
import { createEnricher } from '../enrich/enricher.js';
import { geoLookup, loadDatabase, openReader } from '../enrich/geoip.js';
import { buildInterfaceMap, type InterfaceRows, isCsvFile, readInterfaceFile } from '../enrich/interfaces.js';
import { buildIpMap, readIpMapFile } from '../enrich/ipmap.js';
import { type SamplingRule, samplingRates } from '../enrich/sampling.js';
import { compileFilter } from '../filter/compile.js';
import type { Cidr } from '../net/ip.js';
import type { Logger } from '../observability/logger.js';
import type { PipelineStages } from './process.js';

/** Everything a thread needs, all of it structured-clonable (databases as shared memory). */
export interface StageSpec {
  readonly tenant: string;
  readonly format: InputFormat;
  readonly filter: FilterSpec;
  readonly schema: Schema;
  readonly indexPrefix: string;
  readonly geoipCity: { readonly file: string; readonly bytes: SharedArrayBuffer } | undefined;
  readonly geoipAsn: { readonly file: string; readonly bytes: SharedArrayBuffer } | undefined;
  /** The parsed ipmap.json document. */
  readonly ipmap: { readonly file: string; readonly doc: unknown } | undefined;
  /** The interface file's rows, checked when the stages are built. */
  readonly interfaces: { readonly file: string; readonly rows: InterfaceRows } | undefined;
  readonly sampling: readonly SamplingRule[];
  /** The tenant's networks, for directions. */
  readonly networks: readonly Cidr[];
  /** What the tenant's alert rules group by. */
  readonly alertGroupBys: readonly GroupBy[];
}

export function buildStages(spec: StageSpec): PipelineStages {
  const city = spec.geoipCity
    ? openReader<CityResponse>(spec.geoipCity.bytes, spec.geoipCity.file, 'City')
    : undefined;
  const asn = spec.geoipAsn
    ? openReader<AsnResponse>(spec.geoipAsn.bytes, spec.geoipAsn.file, 'ASN')
    : undefined;
  const interfaces = spec.interfaces
    ? buildInterfaceMap(spec.interfaces.rows, spec.interfaces.file, isCsvFile(spec.interfaces.file))
    : undefined;
  return {
    format: spec.format,
    filter: compileFilter(spec.filter, interfaces),
    sampling: samplingRates(spec.sampling),
    context: flowContexts(interfaces, spec.networks),
    alertGroupBys: spec.alertGroupBys,
    documents: spec.schema === 'legacy' ? legacyDocuments : ecsDocuments,
    namer: indexNamer(spec.indexPrefix),
    enricher: createEnricher(
      city || asn ? geoLookup(city, asn) : undefined,
      spec.ipmap ? buildIpMap(spec.ipmap.doc, spec.ipmap.file) : undefined,
    ),
  };
}

/** Reads the enrichment sources once; a missing database turns its enrichment off with one warning. */
export function loadStageSpec(config: AppConfig, tenant: TenantConfig, logger: Logger): StageSpec {
  const e = config.enrich;
  const database = (file: string | undefined, what: string) => {
    if (!file) return undefined;
    const bytes = loadDatabase(file);
    if (!bytes) {
      logger.warn({ file }, `${what} database not found: ${what} enrichment is off`);
      return undefined;
    }
    return { file, bytes };
  };
  return {
    tenant: tenant.name,
    format: config.kafka.format,
    filter: tenant.filter,
    schema: tenant.schema,
    indexPrefix: tenant.indexPrefix,
    geoipCity: database(e.geoipCity, 'GeoIP City'),
    geoipAsn: database(e.geoipAsn, 'GeoIP ASN'),
    ipmap: e.ipmap ? { file: e.ipmap, doc: readIpMapFile(e.ipmap) } : undefined,
    interfaces: e.interfaces ? { file: e.interfaces, rows: readInterfaceFile(e.interfaces) } : undefined,
    sampling: config.sampling,
    networks: tenant.networks,
    alertGroupBys: [...new Set(config.alerts.filter((a) => a.tenant === tenant.name).map((a) => a.groupBy))],
  };
}
