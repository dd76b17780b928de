/** The validated configuration: what every process receives after `loadConfig` accepted a file. */
export type { FilterKey, FilterSpec, IntRange } from './filter-keys.js';

import type { AlertRule } from '../alert/rule.js';
import type { SamplingRule } from '../enrich/sampling.js';
import type { Cidr } from '../net/ip.js';
import type { FilterSpec } from './filter-keys.js';

export const INPUT_FORMATS = ['auto', 'sflowtool', 'goflow2-json', 'goflow2-pb'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

export const SCHEMAS = ['ecs', 'legacy'] as const;
export type Schema = (typeof SCHEMAS)[number];

/** direct: every tenant reads the topic; fanout: a segregator routes records to a topic per tenant. */
export const KAFKA_MODES = ['direct', 'fanout'] as const;
export type KafkaMode = (typeof KAFKA_MODES)[number];

export interface KafkaSettings {
  readonly brokers: string;
  readonly topic: string;
  readonly format: InputFormat;
  readonly deadLetterTopic: string;
  /** Consumer group of tenant T: `${groupPrefix}-${T}`. */
  readonly groupPrefix: string;
  readonly mode: KafkaMode;
  /** fanout: segregator processes (one consumer group, `${groupPrefix}-segregator`). */
  readonly segregatorReplicas: number;
  /** fanout: how long the tenant topics keep what the segregator routed. */
  readonly tenantTopicRetentionHours: number;
  /**
   * A worker's fetch waits at the broker until this much is there (or IDLE_FETCH_WAIT_MS passed):
   * fewer, larger fetches, chunks, bulk requests and commits when each tenant gets a trickle.
   */
  readonly fetchMinBytes: number;
  /** How every smonnet process reaches the brokers: TLS, SASL. */
  readonly security: KafkaSecurity;
  /** [kafka] compression: what smonnet writes (fan-out packs, dead letters) is compressed with it. */
  readonly compression: KafkaCompression;
}

export const KAFKA_SECURITY_PROTOCOLS = ['plaintext', 'ssl', 'sasl_plaintext', 'sasl_ssl'] as const;
export type KafkaSecurityProtocol = (typeof KAFKA_SECURITY_PROTOCOLS)[number];
export const KAFKA_SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];
export const KAFKA_COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type KafkaCompression = (typeof KAFKA_COMPRESSIONS)[number];

/** Paths are absolute; secrets given inline stay in memory and are never written out. */
export interface KafkaSecurity {
  readonly protocol: KafkaSecurityProtocol;
  readonly tls?: {
    readonly caFile: string | undefined;
    readonly certFile: string | undefined;
    readonly keyFile: string | undefined;
    readonly keyPassword: string | undefined;
    /** Whether the broker's certificate must name the host connected to (default true). */
    readonly checkHostname: boolean;
  };
  readonly sasl?: {
    readonly mechanism: KafkaSaslMechanism;
    readonly username: string | undefined;
    /** Inline, or read from `passwordFile` each time a client is built (a rotated file is picked up). */
    readonly password: string | undefined;
    readonly passwordFile: string | undefined;
    /** oauthbearer: a client-credentials token endpoint. */
    readonly oauth?: {
      readonly tokenUrl: string;
      readonly clientId: string;
      readonly clientSecret: string | undefined;
      readonly clientSecretFile: string | undefined;
      readonly scope: string | undefined;
    };
  };
}

export interface EnrichSettings {
  /** Absolute paths, or undefined when the key is absent (that enrichment is off). */
  readonly geoipCity: string | undefined;
  readonly geoipAsn: string | undefined;
  readonly ipmap: string | undefined;
  /** Interface names, descriptions, speeds, boundaries (JSON or CSV, enrich/interfaces.ts). */
  readonly interfaces: string | undefined;
  /** Enrichment threads per worker; 'auto' decides by cores per worker (see poolThreads). */
  readonly threads: number | 'auto';
}

export interface ElasticsearchSettings {
  readonly nodes: readonly string[];
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly apiKey: string | undefined;
  readonly caFile: string | undefined;
}

/** A tenant's own Kibana, provisioned with its data view and dashboard; absent without `kibana_url`. */
export interface KibanaSettings {
  readonly url: string;
  /** Kibana space id; undefined is the default space. */
  readonly space: string | undefined;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly apiKey: string | undefined;
}

export interface TenantConfig {
  readonly name: string;
  readonly filter: FilterSpec;
  readonly elasticsearch: ElasticsearchSettings;
  readonly indexPrefix: string;
  readonly schema: Schema;
  readonly replicas: number;
  /** Its consumer group; undefined: `<group_prefix>-<name>`. */
  readonly groupId: string | undefined;
  readonly kibana: KibanaSettings | undefined;
  /** The tenant's own networks, which give flows a direction: `networks`, else its filter's addresses. */
  readonly networks: readonly Cidr[];
  /** Days its daily indices are kept; 'ilm' leaves deletion to a lifecycle policy; undefined: forever. */
  readonly retentionDays: number | 'ilm' | undefined;
  /** The section's keys as written, for comparing two versions of a tenant. */
  readonly source: Readonly<Record<string, string>>;
}

export interface ProcApiSettings {
  readonly enabled: boolean;
  readonly host: string;
  readonly port: number;
  /** A file holding the bearer token; SMONNET_API_TOKEN overrides it. */
  readonly tokenFile: string | undefined;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly tlsCert: string | undefined;
  readonly tlsKey: string | undefined;
  /** Elasticsearch of a tenant added by Smonnet's ProcAPI call without `nodes`. */
  readonly defaultEsNodes: string | undefined;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface SupervisorSettings {
  /** Of the supervisor and every worker; SMONNET_LOG_LEVEL overrides it. */
  readonly logLevel: LogLevel;
  /** Pid file, generated API token, ...; relative to the config file's folder. */
  readonly runtimeDir: string;
  readonly pidFile: string;
  /** SIGTERM: how long workers get to drain and commit before they are killed. */
  readonly shutdownTimeoutMs: number;
  /** A tenant restarted more often than this within restartWindowMs is marked failed. */
  readonly maxRestarts: number;
  readonly restartWindowMs: number;
  /** A worker above this resident size runs a full garbage collection; 0 leaves it to V8. */
  readonly workerMemoryBytes: number;
}

export interface AppConfig {
  readonly file: string;
  readonly kafka: KafkaSettings;
  readonly enrich: EnrichSettings;
  readonly procapi: ProcApiSettings;
  readonly supervisor: SupervisorSettings;
  readonly tenants: readonly TenantConfig[];
  /** [sampling]: default and override sampling rates per agent or interface. */
  readonly sampling: readonly SamplingRule[];
  /** [alert.NAME]: stream alert rules, each about one tenant. */
  readonly alerts: readonly AlertRule[];
  /** True when the tenants came from Smonnet's [smonit] section. */
  readonly legacy: boolean;
  /** [smonit] max_param_filters: most field/value pairs the legacy ProcAPI route takes; 0 for no limit. */
  readonly legacyMaxFilters: number;
  /** Where [smonit] is read differently from Smonnet (config check prints them, run logs them). */
  readonly legacyNotes: readonly string[];
}
