/** A [tenant.NAME] section (or a tenant of [smonit]) → TenantConfig. */
import { isAbsolute, resolve } from 'node:path';
import type { Cidr } from '../net/ip.js';
import { FILTER_KEYS, type FilterKey, filterKeyRow } from './filter-keys.js';
import {
  type EnrichSettings,
  type FilterSpec,
  type KibanaSettings,
  SCHEMAS,
  type Schema,
  type TenantConfig,
} from './types.js';
import {
  type Collector,
  cidrs,
  elasticsearchUrl,
  filterValues,
  httpUrl,
  list,
  oneOf,
  type Section,
  strings,
  wholeNumber,
} from './values.js';

/** Tenant names become consumer-group ids and parts of index names: keep them to what both allow. */
export const TENANT_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const INDEX_PREFIX = /^[a-z0-9][a-z0-9_.-]{0,99}$/;

/** Keys that only concern the tenant's Kibana: changing them re-provisions, never restarts a worker. */
export const KIBANA_KEYS = [
  'kibana_url',
  'kibana_space',
  'kibana_username',
  'kibana_password',
  'kibana_api_key',
] as const;
const KIBANA_SPACE = /^[a-z0-9_-]{1,100}$/;

export const TENANT_KEYS = [
  ...FILTER_KEYS,
  'es_nodes',
  'es_username',
  'es_password',
  'es_api_key',
  'es_ca_file',
  'index_prefix',
  'schema',
  'replicas',
  'group_id',
  'networks',
  'retention_days',
  ...KIBANA_KEYS,
] as const;

export function tenantConfig(
  c: Collector,
  name: string,
  section: Section,
  baseDir: string,
  where = `tenant.${name}`,
): TenantConfig {
  if (!TENANT_NAME.test(name)) {
    c.add(
      where,
      undefined,
      `tenant name '${name}' must be 1-63 of a-z, 0-9, '_' and '-', starting with a letter or digit`,
    );
  }
  const s = strings(c, where, section, TENANT_KEYS);
  const filter: Record<string, unknown> = {};
  for (const key of FILTER_KEYS) {
    const v = s[key];
    if (v === undefined) continue;
    const parsed = filterValues(key, v);
    if (typeof parsed === 'string') c.add(where, key, parsed);
    else filter[key] = parsed;
  }
  const nodes: string[] = [];
  if (s['es_nodes'] === undefined)
    c.add(where, 'es_nodes', "is required (the tenant's Elasticsearch, e.g. http://127.0.0.1:9200)");
  for (const node of list(s['es_nodes'] ?? '')) {
    const url = elasticsearchUrl(node);
    if (url === undefined) c.add(where, 'es_nodes', `'${node}' is not an http(s) URL or host:port`);
    else nodes.push(url);
  }
  const indexPrefix = s['index_prefix'] ?? 'sflow';
  if (!INDEX_PREFIX.test(indexPrefix))
    c.add(where, 'index_prefix', `'${indexPrefix}' must be lowercase a-z, 0-9, '_', '-', '.'`);
  const schema = oneOf<Schema>(c, where, 'schema', s['schema'], 'ecs', SCHEMAS);
  if ((s['es_username'] === undefined) !== (s['es_password'] === undefined)) {
    c.add(
      where,
      s['es_username'] === undefined ? 'es_username' : 'es_password',
      'es_username and es_password go together',
    );
  }
  const caFile = s['es_ca_file'];
  return {
    kibana: kibanaSettings(c, where, s),
    name,
    filter: filter as FilterSpec,
    elasticsearch: {
      nodes,
      username: s['es_username'],
      password: s['es_password'],
      apiKey: s['es_api_key'],
      caFile: caFile === undefined ? undefined : isAbsolute(caFile) ? caFile : resolve(baseDir, caFile),
    },
    indexPrefix,
    schema,
    replicas: wholeNumber(c, where, 'replicas', s['replicas'], 1, 1, 64),
    groupId: groupId(c, where, s['group_id']),
    networks: tenantNetworks(c, where, s['networks'], filter as FilterSpec),
    retentionDays: retention(c, where, s['retention_days']),
    source: s,
  };
}

/** `networks`, else the addresses its filter names: where the tenant is "inside". */
function tenantNetworks(c: Collector, where: string, value: string | undefined, filter: FilterSpec): Cidr[] {
  if (value === undefined) return [...(filter.ip ?? []), ...(filter.src_ip ?? []), ...(filter.dst_ip ?? [])];
  const parsed = cidrs(value);
  if (typeof parsed === 'string') {
    c.add(where, 'networks', parsed);
    return [];
  }
  return parsed;
}

function retention(c: Collector, where: string, value: string | undefined): number | 'ilm' | undefined {
  if (value === undefined) return undefined;
  if (value.toLowerCase() === 'ilm') return 'ilm';
  if (!/^\d{1,5}$/.test(value) || Number(value) < 1) {
    c.add(where, 'retention_days', `'${value}' is not a number of days (1 or more) or 'ilm'`);
    return undefined;
  }
  return Number(value);
}

/** A consumer group id of its own (Smonnet's tenants used their names), else undefined. */
function groupId(c: Collector, where: string, value: string | undefined): string | undefined {
  if (value !== undefined && !/^[a-zA-Z0-9._-]{1,249}$/.test(value))
    c.add(where, 'group_id', `'${value}' has characters a group id cannot carry`);
  return value;
}

function kibanaSettings(
  c: Collector,
  where: string,
  s: Readonly<Record<string, string>>,
): KibanaSettings | undefined {
  const url = s['kibana_url'];
  if (url === undefined) {
    for (const key of KIBANA_KEYS)
      if (s[key] !== undefined) c.add(where, key, 'needs kibana_url (the Kibana to provision)');
    return undefined;
  }
  const normalized = httpUrl(url);
  if (normalized === undefined) c.add(where, 'kibana_url', `'${url}' is not an http(s) URL`);
  const space = s['kibana_space'];
  if (space !== undefined && !KIBANA_SPACE.test(space))
    c.add(where, 'kibana_space', `'${space}' is not a Kibana space id (lowercase a-z, 0-9, '_', '-')`);
  if ((s['kibana_username'] === undefined) !== (s['kibana_password'] === undefined)) {
    c.add(
      where,
      s['kibana_username'] === undefined ? 'kibana_username' : 'kibana_password',
      'kibana_username and kibana_password go together',
    );
  }
  return {
    url: normalized ?? url,
    space: space === undefined || space === 'default' ? undefined : space,
    username: s['kibana_username'],
    password: s['kibana_password'],
    apiKey: s['kibana_api_key'],
  };
}

/** A key about countries or AS needs the database that answers it, or it would never match. */
export function enrichmentKeysHaveDatabases(
  c: Collector,
  tenants: readonly TenantConfig[],
  enrich: EnrichSettings,
  fromSmonit: ReadonlySet<string>,
): void {
  for (const t of tenants) {
    for (const key of Object.keys(t.filter) as FilterKey[]) {
      const kind = filterKeyRow(key).kind;
      const missing =
        kind === 'country' && !enrich.geoipCity
          ? 'geoip_city'
          : kind === 'as' && !enrich.geoipAsn
            ? 'geoip_asn'
            : '';
      if (missing !== '')
        c.add(
          fromSmonit.has(t.name) ? 'smonit' : `tenant.${t.name}`,
          key,
          `tests what [enrich] ${missing} gives, but it is not set: it would never match`,
        );
    }
  }
}
