/**
 * Errors callers branch on. Each has a stable `code`; callers test `code` or the class, never the
 * message text. `canRetry` says whether the same operation may succeed later unchanged.
 */

export const ERROR_CODES = [
  'CONFIG_INVALID',
  'GEOIP_DATABASE_INVALID',
  'IPMAP_INVALID',
  'ES_UNAVAILABLE',
  'ES_REJECTED',
  'KIBANA_UNAVAILABLE',
  'KIBANA_REJECTED',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export abstract class SmonnetError extends Error {
  abstract readonly code: ErrorCode;
  abstract readonly canRetry: boolean;
}

/** Where in a config file a problem is; `section` and `key` are absent for whole-file problems. */
export interface ConfigLocation {
  readonly file: string;
  readonly section?: string;
  readonly key?: string;
}

export class ConfigError extends SmonnetError {
  readonly code = 'CONFIG_INVALID';
  readonly canRetry = false;
  constructor(
    readonly location: ConfigLocation,
    readonly problem: string,
  ) {
    const where = [location.file, location.section && `[${location.section}]`, location.key]
      .filter(Boolean)
      .join(' ');
    super(`${where}: ${problem}`);
    this.name = 'ConfigError';
  }
}

/** Several config problems at once: an operator fixes a file in one pass, not one error per run. */
export class ConfigErrors extends SmonnetError {
  readonly code = 'CONFIG_INVALID';
  readonly canRetry = false;
  constructor(readonly errors: readonly ConfigError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'ConfigErrors';
  }
}

export class EnrichmentSourceError extends SmonnetError {
  readonly canRetry = false;
  constructor(
    readonly code: 'GEOIP_DATABASE_INVALID' | 'IPMAP_INVALID',
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'EnrichmentSourceError';
  }
}

/** A failed request to a tenant's Elasticsearch; `status` is absent when no answer came. */
abstract class ElasticsearchError extends SmonnetError {
  constructor(
    readonly tenant: string,
    readonly status: number | undefined,
    what: string,
    message: string,
  ) {
    super(`tenant ${tenant}: Elasticsearch ${what}${status ? ` (HTTP ${status})` : ''}: ${message}`);
  }
}

/** Elasticsearch could not be reached or answered 429/5xx: the same request may succeed later. */
export class ElasticsearchUnavailableError extends ElasticsearchError {
  readonly code = 'ES_UNAVAILABLE';
  readonly canRetry = true;
  constructor(tenant: string, status: number | undefined, message: string) {
    super(tenant, status, 'unavailable', message);
    this.name = 'ElasticsearchUnavailableError';
  }
}

/** Elasticsearch refused a request for good (4xx other than 429): retrying cannot help. */
export class ElasticsearchRejectedError extends ElasticsearchError {
  readonly code = 'ES_REJECTED';
  readonly canRetry = false;
  constructor(tenant: string, status: number | undefined, message: string) {
    super(tenant, status, 'rejected the request', message);
    this.name = 'ElasticsearchRejectedError';
  }
}

/**
 * Provisioning a tenant's Kibana failed. `canRetry` is true when Kibana could not be reached or
 * answered 429/5xx; a 4xx or refused saved objects need the operator (credentials, version).
 */
export class KibanaError extends SmonnetError {
  readonly code: 'KIBANA_UNAVAILABLE' | 'KIBANA_REJECTED';
  readonly canRetry: boolean;
  constructor(
    readonly tenant: string,
    readonly url: string,
    readonly status: number | undefined,
    message: string,
  ) {
    super(`tenant ${tenant}: Kibana ${url}${status ? ` (HTTP ${status})` : ''}: ${message}`);
    this.name = 'KibanaError';
    this.canRetry = status === undefined || status === 429 || status >= 500;
    this.code = this.canRetry ? 'KIBANA_UNAVAILABLE' : 'KIBANA_REJECTED';
  }
}
