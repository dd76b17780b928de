/**
 * [kafka]: the brokers, the topic, the mode, and how every smonnet process reaches the brokers
 * (TLS, SASL) and compresses what it writes.
 */
import { existsSync } from 'node:fs';
import {
  INPUT_FORMATS,
  type InputFormat,
  KAFKA_COMPRESSIONS,
  KAFKA_MODES,
  KAFKA_SASL_MECHANISMS,
  KAFKA_SECURITY_PROTOCOLS,
  type KafkaCompression,
  type KafkaMode,
  type KafkaSaslMechanism,
  type KafkaSecurity,
  type KafkaSecurityProtocol,
  type KafkaSettings,
} from './types.js';
import {
  type Collector,
  flag,
  httpUrl,
  list,
  oneOf,
  pathIn,
  type Section,
  strings,
  wholeNumber,
} from './values.js';

const TLS_KEYS = [
  'ssl_ca_file',
  'ssl_cert_file',
  'ssl_key_file',
  'ssl_key_password',
  'ssl_check_hostname',
] as const;
const SASL_KEYS = ['sasl_mechanism', 'sasl_username', 'sasl_password', 'sasl_password_file'] as const;
const OAUTH_KEYS = [
  'sasl_oauth_token_url',
  'sasl_oauth_client_id',
  'sasl_oauth_client_secret',
  'sasl_oauth_client_secret_file',
  'sasl_oauth_scope',
] as const;
const KAFKA_KEYS = [
  'brokers',
  'topic',
  'format',
  'dead_letter_topic',
  'group_prefix',
  'mode',
  'segregator_replicas',
  'tenant_topic_retention_hours',
  'fetch_min_kb',
  'security_protocol',
  'compression',
  ...TLS_KEYS,
  ...SASL_KEYS,
  ...OAUTH_KEYS,
] as const;
/** Keys whose values are never shown (status, ProcAPI, logs, `config check`). */
export const KAFKA_SECRET_KEYS = ['ssl_key_password', 'sasl_password', 'sasl_oauth_client_secret'] as const;

/**
 * Half a worker's fetch (2 MB, kafka/consumer.ts): a minimum a fetch cannot reach would hold every
 * fetch for the whole second and cap a worker at 2 MB a second.
 */
const FETCH_MIN_KB_MAX = 1024;
/**
 * Measured on packs of sflowtool lines (bench/results.md, section 4b, 8 fan-out tenants): zstd
 * left 23 % of the uncompressed bytes on the broker (gzip 23 %, snappy 39 %, lz4 43 %) at no CPU
 * measurable beside none, for the segregator or the workers; gzip cost the segregator a quarter
 * more.
 */
export const DEFAULT_COMPRESSION: KafkaCompression = 'zstd';

export function kafkaSettings(
  c: Collector,
  section: Section | undefined,
  required: boolean,
  baseDir: string,
): KafkaSettings {
  if (section === undefined && required)
    c.add('kafka', undefined, 'section is missing (it names the brokers and the topic)');
  const s = strings(c, 'kafka', section ?? {}, KAFKA_KEYS);
  const format = oneOf<InputFormat>(c, 'kafka', 'format', s['format'], 'auto', INPUT_FORMATS);
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
  const mode = oneOf<KafkaMode>(c, 'kafka', 'mode', s['mode'], 'direct', KAFKA_MODES);
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
    fetchMinBytes:
      1024 * wholeNumber(c, 'kafka', 'fetch_min_kb', s['fetch_min_kb'], 256, 0, FETCH_MIN_KB_MAX),
    security: securitySettings(c, s, baseDir),
    compression: oneOf<KafkaCompression>(
      c,
      'kafka',
      'compression',
      s['compression'],
      DEFAULT_COMPRESSION,
      KAFKA_COMPRESSIONS,
    ),
  };
}

function securitySettings(c: Collector, s: Record<string, string>, baseDir: string): KafkaSecurity {
  const protocol = oneOf<KafkaSecurityProtocol>(
    c,
    'kafka',
    'security_protocol',
    s['security_protocol'],
    'plaintext',
    KAFKA_SECURITY_PROTOCOLS,
  );
  const usesTls = protocol === 'ssl' || protocol === 'sasl_ssl';
  const usesSasl = protocol === 'sasl_plaintext' || protocol === 'sasl_ssl';
  // A key that would be ignored is a mistake the operator should hear of, not a silent no-op.
  const notFor = (keys: readonly string[], why: string) => {
    for (const k of keys) if (s[k] !== undefined) c.add('kafka', k, why);
  };
  if (!usesTls) notFor(TLS_KEYS, `needs security_protocol = ssl or sasl_ssl (it is ${protocol})`);
  if (!usesSasl)
    notFor(
      [...SASL_KEYS, ...OAUTH_KEYS],
      `needs security_protocol = sasl_plaintext or sasl_ssl (it is ${protocol})`,
    );
  const file = (key: string): string | undefined => {
    const path = pathIn(baseDir, s[key]);
    if (path !== undefined && !existsSync(path)) c.add('kafka', key, `file '${path}' does not exist`);
    return path;
  };
  const tls = usesTls ? tlsSettings(c, s, file) : undefined;
  const sasl = usesSasl ? saslSettings(c, s, file) : undefined;
  return { protocol, ...(tls && { tls }), ...(sasl && { sasl }) };
}

function tlsSettings(
  c: Collector,
  s: Record<string, string>,
  file: (key: string) => string | undefined,
): KafkaSecurity['tls'] {
  const certFile = file('ssl_cert_file');
  const keyFile = file('ssl_key_file');
  if ((certFile === undefined) !== (keyFile === undefined))
    c.add(
      'kafka',
      certFile === undefined ? 'ssl_cert_file' : 'ssl_key_file',
      'ssl_cert_file and ssl_key_file go together',
    );
  if (s['ssl_key_password'] !== undefined && keyFile === undefined)
    c.add('kafka', 'ssl_key_password', 'needs ssl_key_file');
  return {
    caFile: file('ssl_ca_file'),
    certFile,
    keyFile,
    keyPassword: s['ssl_key_password'],
    checkHostname: flag(c, 'kafka', 'ssl_check_hostname', s['ssl_check_hostname'], true),
  };
}

function saslSettings(
  c: Collector,
  s: Record<string, string>,
  file: (key: string) => string | undefined,
): KafkaSecurity['sasl'] {
  const mechanism = oneOf<KafkaSaslMechanism>(
    c,
    'kafka',
    'sasl_mechanism',
    s['sasl_mechanism']?.toLowerCase(),
    'plain',
    KAFKA_SASL_MECHANISMS,
  );
  if (s['sasl_mechanism'] === undefined)
    c.add('kafka', 'sasl_mechanism', `is required (${KAFKA_SASL_MECHANISMS.join(', ')})`);
  const passwordFile = file('sasl_password_file');
  if (mechanism === 'oauthbearer') {
    if (s['sasl_username'] !== undefined || s['sasl_password'] !== undefined || passwordFile !== undefined)
      c.add('kafka', 'sasl_mechanism', 'oauthbearer takes sasl_oauth_* keys, not a username and password');
    return {
      mechanism,
      username: undefined,
      password: undefined,
      passwordFile: undefined,
      oauth: oauthSettings(c, s, file),
    };
  }
  for (const k of OAUTH_KEYS) if (s[k] !== undefined) c.add('kafka', k, `needs sasl_mechanism = oauthbearer`);
  if (s['sasl_username'] === undefined) c.add('kafka', 'sasl_username', `is required for ${mechanism}`);
  if ((s['sasl_password'] === undefined) === (passwordFile === undefined))
    c.add('kafka', 'sasl_password', 'give one of sasl_password or sasl_password_file');
  return { mechanism, username: s['sasl_username'], password: s['sasl_password'], passwordFile };
}

function oauthSettings(
  c: Collector,
  s: Record<string, string>,
  file: (key: string) => string | undefined,
): NonNullable<KafkaSecurity['sasl']>['oauth'] {
  const tokenUrl = s['sasl_oauth_token_url'] === undefined ? undefined : httpUrl(s['sasl_oauth_token_url']);
  if (tokenUrl === undefined)
    c.add('kafka', 'sasl_oauth_token_url', 'is required: the http(s) URL of the token endpoint');
  if (s['sasl_oauth_client_id'] === undefined)
    c.add('kafka', 'sasl_oauth_client_id', 'is required for oauthbearer');
  const clientSecretFile = file('sasl_oauth_client_secret_file');
  if ((s['sasl_oauth_client_secret'] === undefined) === (clientSecretFile === undefined))
    c.add(
      'kafka',
      'sasl_oauth_client_secret',
      'give one of sasl_oauth_client_secret or sasl_oauth_client_secret_file',
    );
  return {
    tokenUrl: tokenUrl ?? '',
    clientId: s['sasl_oauth_client_id'] ?? '',
    clientSecret: s['sasl_oauth_client_secret'],
    clientSecretFile,
    scope: s['sasl_oauth_scope'],
  };
}
