/**
 * api.cfg → AppConfig. Every problem in the file is collected and reported together, each naming
 * the file, the section, the key and what is wrong; nothing half-valid is ever returned.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { AlertRule } from '../alert/rule.js';
import type { SamplingRule } from '../enrich/sampling.js';
import { ConfigError, ConfigErrors } from '../errors.js';
import { canonicalIp, parseCidr } from '../net/ip.js';
import { alertRule } from './alerts.js';
import { type FilterKey, filterKeyRow } from './filter-keys.js';
import { LEGACY_KEYS, legacyTenants } from './legacy.js';
import { tenantConfig } from './tenant.js';
import {
  type AppConfig,
  type EnrichSettings,
  INPUT_FORMATS,
  type InputFormat,
  KAFKA_MODES,
  type KafkaMode,
  type KafkaSettings,
  LOG_LEVELS,
  type LogLevel,
  type ProcApiSettings,
  type SupervisorSettings,
  type TenantConfig,
} from './types.js';
import {
  Collector,
  flag,
  list,
  pathIn,
  readIni,
  repeats,
  type Section,
  strings,
  wholeNumber,
} from './values.js';

export { KIBANA_KEYS, TENANT_NAME } from './tenant.js';
export { elasticsearchUrl, readIni } from './values.js';

const KAFKA_KEYS = [
  'brokers',
  'topic',
  'format',
  'dead_letter_topic',
  'group_prefix',
  'mode',
  'segregator_replicas',
  'tenant_topic_retention_hours',
] as const;
const ENRICH_KEYS = ['geoip_city', 'geoip_asn', 'ipmap', 'interfaces', 'threads'] as const;
const PROCAPI_KEYS = [
  'enabled',
  'listen',
  'token_file',
  'username',
  'password',
  'tls_cert',
  'tls_key',
  'default_es_nodes',
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
/** Sections of the original ProcAPI's own file, which an install may share with Smonnet's. */
const ORIGINAL_PROCAPI_SECTIONS = ['server', 'api', 'logging', 'cache', 'tornado'];
const KNOWN_SECTIONS = [
  'kafka',
  'enrich',
  'sampling',
  'procapi',
  'supervisor',
  'smonit',
  ...ORIGINAL_PROCAPI_SECTIONS,
];

/** A value of a section smonnet does not validate (the original ProcAPI's), as text. */
const textOf = (section: unknown, key: string): string | undefined => {
  const v = (section as Record<string, unknown> | undefined)?.[key];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
};

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
  const mode = (s['mode'] ?? 'direct') as KafkaMode;
  if (!KAFKA_MODES.includes(mode))
    c.add('kafka', 'mode', `'${mode}' is not one of ${KAFKA_MODES.join(', ')}`);
  return {
    brokers,
    topic,
    format,
    deadLetterTopic: s['dead_letter_topic'] ?? `${topic}.dlq`,
    groupPrefix,
    mode,
    segregatorReplicas: wholeNumber(c, 'kafka', 'segregator_replicas', s['segregator_replicas'], 1, 1, 64),
    tenantTopicRetentionHours: wholeNumber(
      c,
      'kafka',
      'tenant_topic_retention_hours',
      s['tenant_topic_retention_hours'],
      24,
      1,
      8760,
    ),
  };
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
    interfaces: path('interfaces'),
    threads:
      (s['threads'] ?? 'auto') === 'auto'
        ? 'auto'
        : wholeNumber(c, 'enrich', 'threads', s['threads'], 0, 0, 64),
  };
}

function alertRules(
  c: Collector,
  sections: Section | undefined,
  tenants: readonly TenantConfig[],
): AlertRule[] {
  const rules: AlertRule[] = [];
  const names = tenants.map((t) => t.name);
  for (const [name, section] of Object.entries(sections ?? {})) {
    if (section === null || typeof section !== 'object') {
      c.add('alert', name, 'alert rules are sections: write [alert.NAME]');
      continue;
    }
    const rule = alertRule(c, name, section as Section, names);
    // Each replica sees only its partitions: a threshold would apply to a share of the traffic.
    if (rule && (tenants.find((t) => t.name === rule.tenant)?.replicas ?? 1) > 1)
      c.add(
        `alert.${name}`,
        'tenant',
        `${rule.tenant} runs several replicas; alert rules need it to run one`,
      );
    else if (rule) rules.push(rule);
  }
  return rules;
}

/**
 * [sampling]: `default = RATE` for records that carry none, and per agent or interface
 * `default AGENT = RATE` / `override AGENT = RATE`, AGENT an address, a network or `address@ifIndex`.
 */
function samplingRules(c: Collector, section: Section | undefined): SamplingRule[] {
  const rules: SamplingRule[] = [];
  for (const [key, value] of Object.entries(section ?? {})) {
    const m = /^(default|override)(?:\s+(\S+?)(?:@(\d{1,10}))?)?$/.exec(key);
    const rate = typeof value === 'string' && /^\d{1,10}$/.test(value.trim()) ? Number(value) : 0;
    if (!m || (m[1] === 'override' && m[2] === undefined)) {
      c.add(
        'sampling',
        key,
        "is not 'default', 'default AGENT' or 'override AGENT' (AGENT: address, network or address@ifIndex)",
      );
      continue;
    }
    if (rate < 1 || rate > 0xffffffff) {
      c.add('sampling', key, `'${String(value)}' is not a sampling rate (1 or more)`);
      continue;
    }
    const kind = m[1] as SamplingRule['kind'];
    if (m[2] === undefined) {
      rules.push({ kind, agent: undefined, rate });
      continue;
    }
    const agent = parseCidr(m[2]);
    if ('error' in agent) c.add('sampling', key, agent.error);
    else if (m[3] !== undefined && agent.bits !== (agent.family === 4 ? 32 : 128))
      c.add('sampling', key, 'an interface rule names one agent address, not a network');
    else
      rules.push({
        kind,
        agent,
        rate,
        ...(m[3] !== undefined && { address: canonicalIp(m[2]), ifIndex: Number(m[3]) }),
      });
  }
  return rules;
}

/** A key about countries or AS needs the database that answers it, or it would never match. */
function enrichmentKeysHaveDatabases(
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

/**
 * [procapi], with the original ProcAPI's meanings where [procapi] says nothing: its `[server] port`
 * is the port to listen on (on 127.0.0.1 still), its `[api] user` / `pass` the basic auth.
 */
function procApiSettings(c: Collector, doc: Record<string, unknown>, baseDir: string): ProcApiSettings {
  const s = strings(c, 'procapi', (doc['procapi'] as Section | undefined) ?? {}, PROCAPI_KEYS);
  const originalPort = textOf(doc['server'], 'port');
  const originalUser = textOf(doc['api'], 'user');
  const originalPass = textOf(doc['api'], 'pass');
  if (s['username'] === undefined && s['password'] === undefined && originalUser && originalPass) {
    s['username'] = originalUser;
    s['password'] = originalPass;
  }
  const enabled = flag(c, 'procapi', 'enabled', s['enabled'], true);
  const listen = s['listen'] ?? `127.0.0.1:${originalPort ?? 8080}`;
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
    defaultEsNodes: s['default_es_nodes'],
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

/** Parses the text of a config file; `file` names it in errors and anchors relative paths. */
export function parseConfig(text: string, file: string): AppConfig {
  const c = new Collector(file);
  let doc: Record<string, unknown>;
  try {
    doc = readIni(text);
  } catch (err) {
    throw new ConfigErrors([new ConfigError({ file }, `not an INI file: ${(err as Error).message}`)]);
  }
  for (const r of repeats(text)) c.add(r.section, r.key, r.problem);
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
    // Read once every tenant is known: a rule names one.
    if (name === 'alert' && value !== null && typeof value === 'object') continue;
    if (typeof value !== 'object') c.add(undefined, name, 'key outside any section');
    else
      c.add(
        name,
        undefined,
        'unknown section (expected [kafka], [enrich], [sampling], [procapi], [supervisor], [tenant.NAME], [alert.NAME] or [smonit])',
      );
  }
  const smonit = doc['smonit'] as Section | undefined;
  let legacyMaxFilters = 0;
  let legacyNotes: string[] = [];
  const fromSmonit = new Set<string>();
  if (smonit) {
    const s = strings(c, 'smonit', smonit, LEGACY_KEYS);
    const maxKey = s['max_param_filters'] !== undefined ? 'max_param_filters' : 'max_filters';
    legacyMaxFilters = wholeNumber(c, 'smonit', maxKey, s[maxKey], 0, 0, 1000);
    if (s['processing_pid'] !== undefined && s['processing_pid'] !== '')
      wholeNumber(c, 'smonit', 'processing_pid', s['processing_pid'], 0, 0, 2 ** 31);
    const legacy = legacyTenants(s);
    legacyNotes = legacy.notes;
    for (const e of legacy.errors) c.add('smonit', e.key, e.problem);
    for (const [name, keys] of Object.entries(legacy.tenants)) {
      if (tenants.some((t) => t.name === name))
        c.add('smonit', 'monitor_names', `tenant '${name}' is also a [tenant.${name}] section`);
      else {
        tenants.push(tenantConfig(c, name, keys, baseDir, 'smonit'));
        fromSmonit.add(name);
      }
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
  // `<p>-counters-DAY` is tenant p's counter index: a tenant named so would mix with it.
  for (const t of tenants) {
    for (const node of t.elasticsearch.nodes) {
      const owner = writers.get(`${node} ${t.indexPrefix}-counters`);
      if (owner !== undefined)
        c.add(
          `tenant.${owner}`,
          'index_prefix',
          `'${t.indexPrefix}-counters' on ${node} would share indices with tenant ${t.name}'s counters`,
        );
    }
  }
  const alerts = alertRules(c, doc['alert'] as Section | undefined, tenants);
  const kafka = kafkaSettings(c, doc['kafka'] as Section | undefined, smonit === undefined);
  const enrich = enrichSettings(c, doc['enrich'] as Section | undefined, baseDir);
  enrichmentKeysHaveDatabases(c, tenants, enrich, fromSmonit);
  const sampling = samplingRules(c, doc['sampling'] as Section | undefined);
  const procapi = procApiSettings(c, doc, baseDir);
  const supervisor = supervisorSettings(c, doc['supervisor'] as Section | undefined, baseDir);
  if (c.errors.length > 0) throw new ConfigErrors(c.errors);
  return {
    file,
    kafka,
    enrich,
    procapi,
    supervisor,
    tenants,
    legacy: smonit !== undefined,
    legacyMaxFilters,
    legacyNotes,
    sampling,
    alerts,
  };
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
  const procapi = procApiSettings(c, doc, baseDir);
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
