/**
 * api.cfg → AppConfig. Every problem in the file is collected and reported together, each naming
 * the file, the section, the key and what is wrong; nothing half-valid is ever returned.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, ConfigErrors } from '../errors.js';
import { alertRules } from './alerts.js';
import { kafkaSettings } from './kafka.js';
import { LEGACY_KEYS, legacyTenants } from './legacy.js';
import { samplingRules } from './sampling.js';
import { enrichSettings, procApiSettings, supervisorSettings } from './settings.js';
import { enrichmentKeysHaveDatabases, tenantConfig } from './tenant.js';
import type { AppConfig, TenantConfig } from './types.js';
import { Collector, readIni, repeats, type Section, strings, wholeNumber } from './values.js';

export { KIBANA_KEYS, TENANT_NAME } from './tenant.js';
export { elasticsearchUrl, readIni } from './values.js';

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
  const kafka = kafkaSettings(c, doc['kafka'] as Section | undefined, smonit === undefined, baseDir);
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
