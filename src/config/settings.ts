/**
 * The daemon-wide sections of api.cfg: [kafka], [enrich], [procapi] (with the original ProcAPI's
 * [server] and [api] where [procapi] says nothing) and [supervisor].
 */
import { isAbsolute, resolve } from 'node:path';
import {
  type EnrichSettings,
  LOG_LEVELS,
  type LogLevel,
  type ProcApiSettings,
  type SupervisorSettings,
} from './types.js';
import { type Collector, flag, oneOf, pathIn, type Section, strings, wholeNumber } from './values.js';

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
/** A value of a section smonnet does not validate (the original ProcAPI's), as text. */
const textOf = (section: unknown, key: string): string | undefined => {
  const v = (section as Record<string, unknown> | undefined)?.[key];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
};

export function enrichSettings(c: Collector, section: Section | undefined, baseDir: string): EnrichSettings {
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

/**
 * [procapi], with the original ProcAPI's meanings where [procapi] says nothing: its `[server] port`
 * is the port to listen on (on 127.0.0.1 still), its `[api] user` / `pass` the basic auth.
 */
export function procApiSettings(
  c: Collector,
  doc: Record<string, unknown>,
  baseDir: string,
): ProcApiSettings {
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

export function supervisorSettings(
  c: Collector,
  section: Section | undefined,
  baseDir: string,
): SupervisorSettings {
  const s = strings(c, 'supervisor', section ?? {}, SUPERVISOR_KEYS);
  const runtimeDir = pathIn(baseDir, s['runtime_dir'] ?? 'run')!;
  const logLevel = oneOf<LogLevel>(c, 'supervisor', 'log_level', s['log_level'], 'info', LOG_LEVELS);
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
