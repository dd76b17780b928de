/**
 * api.cfg → AppConfig. Every problem in the file is collected and reported together, each naming
 * the file, the section, the key and what is wrong; nothing half-valid is ever returned.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import ini from 'ini';
import { ConfigError, ConfigErrors } from '../errors.js';
import { type Cidr, parseCidr } from '../net/ip.js';
import { PROTOCOL_NUMBERS } from '../net/protocols.js';
import { LEGACY_KEYS, legacyTenants } from './legacy.js';
import {
  type AppConfig,
  type EnrichSettings,
  type FilterSpec,
  INPUT_FORMATS,
  type InputFormat,
  type IntRange,
  type KafkaSettings,
  type KibanaSettings,
  LOG_LEVELS,
  type LogLevel,
  type ProcApiSettings,
  SCHEMAS,
  type Schema,
  type SupervisorSettings,
  type TenantConfig,
} from './types.js';

/** Tenant names become consumer-group ids and parts of index names: keep them to what both allow. */
export const TENANT_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const INDEX_PREFIX = /^[a-z0-9][a-z0-9_.-]{0,99}$/;

type Section = Record<string, unknown>;

/**
 * `ini` turns `true`, `false` and `null` into JSON values (and a key without `=` into `true`);
 * every key here is read as text, so those become their spelling again, at every depth.
 */
function asText(value: unknown): unknown {
  if (typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value) || typeof value !== 'object') return value;
  const out: Record<string, unknown> = Object.create(null);
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = asText(v);
  return out;
}

/** The sections of an INI text, every scalar value a string (see `asText`). */
export function readIni(text: string): Record<string, unknown> {
  return asText(ini.parse(text)) as Record<string, unknown>;
}

const TRUE_WORDS = ['true', 'yes', 'on', '1'];
const FALSE_WORDS = ['false', 'no', 'off', '0'];

/** A yes/no key: one set of spellings, the same for every key that is a flag. */
function flag(
  c: Collector,
  section: string,
  key: string,
  value: string | undefined,
  fallback: boolean,
): boolean {
  if (value === undefined) return fallback;
  const word = value.toLowerCase();
  if (TRUE_WORDS.includes(word)) return true;
  if (FALSE_WORDS.includes(word)) return false;
  c.add(section, key, `'${value}' is not one of ${[...TRUE_WORDS, ...FALSE_WORDS].join(', ')}`);
  return fallback;
}

class Collector {
  readonly errors: ConfigError[] = [];
  constructor(readonly file: string) {}
  add(section: string | undefined, key: string | undefined, problem: string): void {
    this.errors.push(
      new ConfigError({ file: this.file, ...(section && { section }), ...(key && { key }) }, problem),
    );
  }
}

const list = (value: string): string[] =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v.length > 0);

function intRanges(
  value: string,
  min: number,
  max: number,
  names?: Readonly<Record<string, number>>,
): IntRange[] | string {
  const out: IntRange[] = [];
  const items = list(value);
  if (items.length === 0) return 'is empty';
  for (const item of items) {
    const named = names?.[item.toLowerCase()];
    if (named !== undefined) {
      out.push({ from: named, to: named });
      continue;
    }
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(item);
    if (!m) return `'${item}' is not a number or a range like 100-110${names ? ' or a protocol name' : ''}`;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from < min || to > max) return `'${item}' is outside ${min}..${max}`;
    if (from > to) return `range '${item}' runs backwards`;
    out.push({ from, to });
  }
  return out;
}

function cidrs(value: string): Cidr[] | string {
  const out: Cidr[] = [];
  const items = list(value);
  if (items.length === 0) return 'is empty';
  for (const item of items) {
    const c = parseCidr(item);
    if ('error' in c) return c.error;
    out.push(c);
  }
  return out;
}

const VLAN = [0, 4095] as const;
const PORT = [0, 65535] as const;
const IFINDEX = [0, 0xffffffff] as const;

type FilterKey = keyof FilterSpec;
const FILTER_PARSERS: Readonly<Record<FilterKey, (v: string) => IntRange[] | Cidr[] | string>> = {
  vlan: (v) => intRanges(v, ...VLAN),
  src_vlan: (v) => intRanges(v, ...VLAN),
  dst_vlan: (v) => intRanges(v, ...VLAN),
  ip: cidrs,
  src_ip: cidrs,
  dst_ip: cidrs,
  agent: cidrs,
  in_if: (v) => intRanges(v, ...IFINDEX),
  out_if: (v) => intRanges(v, ...IFINDEX),
  proto: (v) => intRanges(v, 0, 255, PROTOCOL_NUMBERS),
  port: (v) => intRanges(v, ...PORT),
  src_port: (v) => intRanges(v, ...PORT),
  dst_port: (v) => intRanges(v, ...PORT),
};
export const FILTER_KEYS = Object.keys(FILTER_PARSERS) as FilterKey[];

/** Keys that only concern the tenant's Kibana: changing them re-provisions, never restarts a worker. */
export const KIBANA_KEYS = [
  'kibana_url',
  'kibana_space',
  'kibana_username',
  'kibana_password',
  'kibana_api_key',
] as const;
const KIBANA_SPACE = /^[a-z0-9_-]{1,100}$/;

const TENANT_KEYS = [
  ...FILTER_KEYS,
  'es_nodes',
  'es_username',
  'es_password',
  'es_api_key',
  'es_ca_file',
  'index_prefix',
  'schema',
  'replicas',
  ...KIBANA_KEYS,
] as const;
const KAFKA_KEYS = ['brokers', 'topic', 'format', 'dead_letter_topic', 'group_prefix'] as const;
const ENRICH_KEYS = ['geoip_city', 'geoip_asn', 'ipmap', 'threads'] as const;
const PROCAPI_KEYS = [
  'enabled',
  'listen',
  'token_file',
  'username',
  'password',
  'tls_cert',
  'tls_key',
] as const;
const SUPERVISOR_KEYS = [
  'log_level',
  'runtime_dir',
  'pid_file',
  'shutdown_timeout',
  'max_restarts',
  'restart_window',
  'worker_memory',
] as const;
const KNOWN_SECTIONS = ['kafka', 'enrich', 'procapi', 'supervisor', 'smonit'];

function strings(
  c: Collector,
  sectionName: string,
  section: Section,
  allowed: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(section)) {
    if (!allowed.includes(key)) {
      c.add(sectionName, key, `unknown key (allowed: ${allowed.join(', ')})`);
    } else if (typeof value !== 'string') {
      c.add(sectionName, key, 'must be a single value (remove [] or repeated keys)');
    } else {
      out[key] = value.trim();
    }
  }
  return out;
}

function wholeNumber(
  c: Collector,
  section: string,
  key: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    c.add(section, key, `'${value}' is not a whole number in ${min}..${max}`);
    return fallback;
  }
  return Number(value);
}

function kafkaSettings(c: Collector, section: Section | undefined, required: boolean): KafkaSettings {
  if (section === undefined && required)
    c.add('kafka', undefined, 'section is missing (it names the brokers and the topic)');
  const s = strings(c, 'kafka', section ?? {}, KAFKA_KEYS);
  const format = (s['format'] ?? 'auto') as InputFormat;
  if (!INPUT_FORMATS.includes(format))
    c.add('kafka', 'format', `'${format}' is not one of ${INPUT_FORMATS.join(', ')}`);
  const topic = s['topic'] ?? 'sflow';
  for (const key of ['topic', 'dead_letter_topic'] as const) {
    const v = s[key];
    if (v !== undefined && !/^[a-zA-Z0-9._-]{1,249}$/.test(v))
      c.add('kafka', key, `'${v}' is not a valid Kafka topic name`);
  }
  const brokers = s['brokers'] ?? '127.0.0.1:9092';
  for (const b of list(brokers)) {
    if (!/^[^\s:/]+:\d{1,5}$/.test(b) && !/^\[[0-9a-fA-F:.]+\]:\d{1,5}$/.test(b))
      c.add('kafka', 'brokers', `'${b}' is not host:port`);
  }
  const groupPrefix = s['group_prefix'] ?? 'smonnet';
  if (!/^[a-zA-Z0-9._-]{1,100}$/.test(groupPrefix))
    c.add('kafka', 'group_prefix', `'${groupPrefix}' has characters a group id cannot carry`);
  return { brokers, topic, format, deadLetterTopic: s['dead_letter_topic'] ?? `${topic}.dlq`, groupPrefix };
}

/**
 * The pool size 'auto' stands for. Measured (bench/results.md): a pool of two threads makes one
 * worker about 1.5 times faster when the worker has two cores to itself, and costs CPU and memory
 * for nothing when workers share cores. So: two threads when a worker has two cores or more,
 * inline otherwise.
 */
export function poolThreads(config: Pick<AppConfig, 'enrich' | 'tenants'>, cores: number): number {
  if (config.enrich.threads !== 'auto') return config.enrich.threads;
  const workers = config.tenants.reduce((n, t) => n + t.replicas, 0);
  return cores / Math.max(1, workers) >= 2 ? 2 : 0;
}

function enrichSettings(c: Collector, section: Section | undefined, baseDir: string): EnrichSettings {
  const s = strings(c, 'enrich', section ?? {}, ENRICH_KEYS);
  const path = (key: string): string | undefined => {
    const v = s[key];
    if (v === undefined || v === '') return undefined;
    return isAbsolute(v) ? v : resolve(baseDir, v);
  };
  return {
    geoipCity: path('geoip_city'),
    geoipAsn: path('geoip_asn'),
    ipmap: path('ipmap'),
    threads:
      (s['threads'] ?? 'auto') === 'auto'
        ? 'auto'
        : wholeNumber(c, 'enrich', 'threads', s['threads'], 0, 0, 64),
  };
}

/** "h1:9200" becomes "http://h1:9200", as Smonnet's monitor_nodes wrote them. */
export function elasticsearchUrl(node: string): string | undefined {
  return httpUrl(/^[a-z]+:\/\//i.test(node) ? node : `http://${node}`);
}

/** An http(s) URL without trailing slashes, or undefined. */
function httpUrl(text: string): string | undefined {
  try {
    const url = new URL(text);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return text.replace(/\/+$/, '');
  } catch {
    return undefined;
  }
}

function pathIn(baseDir: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  return isAbsolute(value) ? value : resolve(baseDir, value);
}

function procApiSettings(c: Collector, section: Section | undefined, baseDir: string): ProcApiSettings {
  const s = strings(c, 'procapi', section ?? {}, PROCAPI_KEYS);
  const enabled = flag(c, 'procapi', 'enabled', s['enabled'], true);
  const listen = s['listen'] ?? '127.0.0.1:8080';
  const m = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(listen);
  if (!m || Number(m[2]) > 65535) c.add('procapi', 'listen', `'${listen}' is not host:port`);
  if ((s['username'] === undefined) !== (s['password'] === undefined)) {
    c.add(
      'procapi',
      s['username'] === undefined ? 'username' : 'password',
      'username and password go together',
    );
  }
  if ((s['tls_cert'] === undefined) !== (s['tls_key'] === undefined)) {
    c.add(
      'procapi',
      s['tls_cert'] === undefined ? 'tls_cert' : 'tls_key',
      'tls_cert and tls_key go together',
    );
  }
  return {
    enabled,
    host: m ? m[1]!.replace(/^\[|\]$/g, '') : '127.0.0.1',
    port: m ? Number(m[2]) : 8080,
    tokenFile: pathIn(baseDir, s['token_file']),
    username: s['username'],
    password: s['password'],
    tlsCert: pathIn(baseDir, s['tls_cert']),
    tlsKey: pathIn(baseDir, s['tls_key']),
  };
}

const MB = 1024 * 1024;

function supervisorSettings(c: Collector, section: Section | undefined, baseDir: string): SupervisorSettings {
  const s = strings(c, 'supervisor', section ?? {}, SUPERVISOR_KEYS);
  const runtimeDir = pathIn(baseDir, s['runtime_dir'] ?? 'run')!;
  const logLevel = (s['log_level'] ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel))
    c.add('supervisor', 'log_level', `'${logLevel}' is not one of ${LOG_LEVELS.join(', ')}`);
  return {
    logLevel,
    runtimeDir,
    pidFile: pathIn(baseDir, s['pid_file']) ?? resolve(runtimeDir, 'smonnet.pid'),
    shutdownTimeoutMs:
      wholeNumber(c, 'supervisor', 'shutdown_timeout', s['shutdown_timeout'], 30, 1, 3600) * 1000,
    maxRestarts: wholeNumber(c, 'supervisor', 'max_restarts', s['max_restarts'], 5, 1, 1000),
    restartWindowMs:
      wholeNumber(c, 'supervisor', 'restart_window', s['restart_window'], 120, 1, 86_400) * 1000,
    workerMemoryBytes: wholeNumber(c, 'supervisor', 'worker_memory', s['worker_memory'], 160, 0, 65_536) * MB,
  };
}

function tenantConfig(
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
    const parsed = FILTER_PARSERS[key](v);
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
  const schema = (s['schema'] ?? 'ecs') as Schema;
  if (!SCHEMAS.includes(schema)) c.add(where, 'schema', `'${schema}' is not one of ${SCHEMAS.join(', ')}`);
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
    source: s,
  };
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

/** Parses the text of a config file; `file` names it in errors and anchors relative paths. */
export function parseConfig(text: string, file: string): AppConfig {
  const c = new Collector(file);
  let doc: Record<string, unknown>;
  try {
    doc = readIni(text);
  } catch (err) {
    throw new ConfigErrors([new ConfigError({ file }, `not an INI file: ${(err as Error).message}`)]);
  }
  const baseDir = dirname(resolve(file));
  const tenants: TenantConfig[] = [];
  for (const [name, value] of Object.entries(doc)) {
    if (KNOWN_SECTIONS.includes(name) && value !== null && typeof value === 'object') continue;
    if (name === 'tenant' && value !== null && typeof value === 'object') {
      for (const [tenantName, section] of Object.entries(value as Section)) {
        if (section === null || typeof section !== 'object') {
          c.add('tenant', tenantName, 'tenants are sections: write [tenant.NAME]');
          continue;
        }
        tenants.push(tenantConfig(c, tenantName, section as Section, baseDir));
      }
      continue;
    }
    if (typeof value !== 'object') c.add(undefined, name, 'key outside any section');
    else
      c.add(
        name,
        undefined,
        'unknown section (expected [kafka], [enrich], [procapi], [supervisor], [tenant.NAME] or [smonit])',
      );
  }
  const smonit = doc['smonit'] as Section | undefined;
  if (smonit) {
    const legacy = legacyTenants(strings(c, 'smonit', smonit, LEGACY_KEYS));
    for (const e of legacy.errors) c.add('smonit', e.key, e.problem);
    for (const [name, keys] of Object.entries(legacy.tenants)) {
      if (tenants.some((t) => t.name === name))
        c.add('smonit', 'monitor_names', `tenant '${name}' is also a [tenant.${name}] section`);
      else tenants.push(tenantConfig(c, name, keys, baseDir, 'smonit'));
    }
  }
  // Two tenants writing the same indices would each see the other's traffic.
  const writers = new Map<string, string>();
  for (const t of tenants) {
    for (const node of t.elasticsearch.nodes) {
      const key = `${node} ${t.indexPrefix}`;
      const other = writers.get(key);
      if (other !== undefined && other !== t.name) {
        c.add(
          `tenant.${t.name}`,
          'index_prefix',
          `'${t.indexPrefix}' on ${node} is tenant ${other}'s too: each tenant needs its own indices`,
        );
      }
      writers.set(key, t.name);
    }
  }
  const kafka = kafkaSettings(c, doc['kafka'] as Section | undefined, smonit === undefined);
  const enrich = enrichSettings(c, doc['enrich'] as Section | undefined, baseDir);
  const procapi = procApiSettings(c, doc['procapi'] as Section | undefined, baseDir);
  const supervisor = supervisorSettings(c, doc['supervisor'] as Section | undefined, baseDir);
  if (c.errors.length > 0) throw new ConfigErrors(c.errors);
  return { file, kafka, enrich, procapi, supervisor, tenants, legacy: smonit !== undefined };
}

/**
 * Just what a client needs to reach a running supervisor ([procapi], [supervisor]), read even
 * when the rest of the file is invalid: that is exactly when `smonnet status` must still work.
 */
export function loadClientSettings(file: string): Pick<AppConfig, 'procapi' | 'supervisor'> {
  let doc: Record<string, unknown>;
  try {
    doc = readIni(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigErrors([
      new ConfigError({ file }, `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`),
    ]);
  }
  const c = new Collector(file);
  const baseDir = dirname(resolve(file));
  const procapi = procApiSettings(c, doc['procapi'] as Section | undefined, baseDir);
  const supervisor = supervisorSettings(c, doc['supervisor'] as Section | undefined, baseDir);
  if (c.errors.length > 0) throw new ConfigErrors(c.errors);
  return { procapi, supervisor };
}

export function loadConfig(file: string): AppConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigErrors([
      new ConfigError({ file }, `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`),
    ]);
  }
  return parseConfig(text, file);
}
