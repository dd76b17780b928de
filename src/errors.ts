/**
 * The error catalogue: every error smonnet raises is a SmonnetError with one of these codes, and
 * its code decides how it is handled. `canRetry`: the same operation may succeed later unchanged.
 * `httpStatus`: what ProcAPI answers. `exitCode`: what the CLI exits with. Callers test `code` or
 * these fields, never the message text. README.md lists the same codes (a test keeps them in step).
 */

interface CodeRow {
  readonly canRetry: boolean;
  readonly httpStatus: number;
  readonly exitCode: number;
  /** What it means, for the README's list. */
  readonly means: string;
}

export const ERROR_CATALOGUE = {
  INVALID_CONFIG: {
    canRetry: false,
    httpStatus: 400,
    exitCode: 1,
    means: 'a configuration file or change is invalid',
  },
  USAGE: { canRetry: false, httpStatus: 400, exitCode: 2, means: 'a command line is wrong' },
  GEOIP_DATABASE_INVALID: {
    canRetry: false,
    httpStatus: 500,
    exitCode: 1,
    means: 'a GeoIP database cannot be read',
  },
  IPMAP_INVALID: { canRetry: false, httpStatus: 500, exitCode: 1, means: 'the IP map cannot be read' },
  INTERFACES_INVALID: {
    canRetry: false,
    httpStatus: 500,
    exitCode: 1,
    means: 'the interface file cannot be read',
  },
  KAFKA_NOT_READY: {
    canRetry: true,
    httpStatus: 503,
    exitCode: 1,
    means: 'a Kafka topic does not exist yet',
  },
  ES_UNAVAILABLE: {
    canRetry: true,
    httpStatus: 503,
    exitCode: 1,
    means: "a tenant's Elasticsearch cannot be reached, answered 429/5xx, or refused the credentials",
  },
  ES_TOO_LARGE: {
    canRetry: false,
    httpStatus: 413,
    exitCode: 1,
    means: 'a bulk request was too large: it is split',
  },
  ES_REJECTED: {
    canRetry: false,
    httpStatus: 502,
    exitCode: 1,
    means: 'Elasticsearch refused a request for good',
  },
  KIBANA_UNAVAILABLE: {
    canRetry: true,
    httpStatus: 503,
    exitCode: 1,
    means: "a tenant's Kibana cannot be reached",
  },
  KIBANA_REJECTED: { canRetry: false, httpStatus: 502, exitCode: 1, means: 'Kibana refused provisioning' },
  DELIVERY_ABORTED: {
    canRetry: false,
    httpStatus: 503,
    exitCode: 1,
    means: 'a worker stopped before a chunk was settled: it stays uncommitted',
  },
  BAD_REQUEST: { canRetry: false, httpStatus: 400, exitCode: 1, means: 'a ProcAPI request is malformed' },
  UNAUTHORIZED: { canRetry: false, httpStatus: 401, exitCode: 1, means: 'no or a wrong ProcAPI credential' },
  NOT_FOUND: { canRetry: false, httpStatus: 404, exitCode: 1, means: 'no such tenant or endpoint' },
  PAYLOAD_TOO_LARGE: { canRetry: false, httpStatus: 413, exitCode: 1, means: 'a ProcAPI body over 64 kB' },
  UNSUPPORTED_MEDIA_TYPE: {
    canRetry: false,
    httpStatus: 415,
    exitCode: 1,
    means: 'a ProcAPI body in a charset or content encoding it does not read',
  },
  CONFLICT: { canRetry: false, httpStatus: 409, exitCode: 1, means: 'the tenant exists already' },
  UNREACHABLE: {
    canRetry: true,
    httpStatus: 503,
    exitCode: 3,
    means: "the supervisor's ProcAPI cannot be reached",
  },
  REFUSED: { canRetry: false, httpStatus: 400, exitCode: 1, means: 'the supervisor refused a command' },
  CANNOT_LISTEN: {
    canRetry: false,
    httpStatus: 500,
    exitCode: 1,
    means: 'ProcAPI cannot listen on its address',
  },
  ALREADY_RUNNING: {
    canRetry: false,
    httpStatus: 409,
    exitCode: 1,
    means: 'a supervisor runs on that pid file',
  },
  INTERNAL: { canRetry: false, httpStatus: 500, exitCode: 1, means: 'a bug: something nobody expected' },
} as const satisfies Readonly<Record<string, CodeRow>>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

export class SmonnetError extends Error {
  readonly canRetry: boolean;
  readonly httpStatus: number;
  readonly exitCode: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Further lines a reader needs (every problem of a config, every bad key of a request). */
    readonly details: readonly string[] = [],
  ) {
    super(message);
    this.name = 'SmonnetError';
    const row: CodeRow = ERROR_CATALOGUE[code];
    this.canRetry = row.canRetry;
    this.httpStatus = row.httpStatus;
    this.exitCode = row.exitCode;
  }
}

/** Whatever was thrown, as a catalogued error: anything else is a bug. */
export function catalogued(err: unknown): SmonnetError {
  if (err instanceof SmonnetError) return err;
  return new SmonnetError('INTERNAL', err instanceof Error ? err.message : String(err));
}

/** Where in a config file a problem is; `section` and `key` are absent for whole-file problems. */
export interface ConfigLocation {
  readonly file: string;
  readonly section?: string;
  readonly key?: string;
}

export class ConfigError extends SmonnetError {
  constructor(
    readonly location: ConfigLocation,
    readonly problem: string,
  ) {
    const where = [location.file, location.section && `[${location.section}]`, location.key]
      .filter(Boolean)
      .join(' ');
    super('INVALID_CONFIG', `${where}: ${problem}`);
    this.name = 'ConfigError';
  }
}

/** Several config problems at once: an operator fixes a file in one pass, not one error per run. */
export class ConfigErrors extends SmonnetError {
  constructor(readonly errors: readonly ConfigError[]) {
    super(
      'INVALID_CONFIG',
      errors.map((e) => e.message).join('\n'),
      errors.map((e) => e.message),
    );
    this.name = 'ConfigErrors';
  }
}

export class EnrichmentSourceError extends SmonnetError {
  constructor(
    code: 'GEOIP_DATABASE_INVALID' | 'IPMAP_INVALID' | 'INTERFACES_INVALID',
    readonly file: string,
    problem: string,
  ) {
    super(code, `${file}: ${problem}`);
    this.name = 'EnrichmentSourceError';
  }
}

/**
 * A failed request to a tenant's Elasticsearch; `status` is absent when no answer came. The code
 * follows from the status: 429, 5xx, 401 and 403 (an operator's fix, waited for like an outage)
 * and no answer may succeed later; 413 is too large as one request; other 4xx never succeed.
 */
export class ElasticsearchError extends SmonnetError {
  constructor(
    readonly tenant: string,
    readonly status: number | undefined,
    message: string,
  ) {
    const code = elasticsearchCode(status);
    const what = code === 'ES_UNAVAILABLE' ? 'unavailable' : 'rejected the request';
    super(code, `tenant ${tenant}: Elasticsearch ${what}${status ? ` (HTTP ${status})` : ''}: ${message}`);
    this.name = 'ElasticsearchError';
  }
}

function elasticsearchCode(status: number | undefined): ErrorCode {
  if (status === undefined || status === 429 || status >= 500 || status === 401 || status === 403)
    return 'ES_UNAVAILABLE';
  return status === 413 ? 'ES_TOO_LARGE' : 'ES_REJECTED';
}

/**
 * Provisioning a tenant's Kibana failed: unavailable when Kibana could not be reached or answered
 * 429/5xx; a 4xx or refused saved objects need the operator (credentials, version).
 */
export class KibanaError extends SmonnetError {
  constructor(
    readonly tenant: string,
    readonly url: string,
    readonly status: number | undefined,
    message: string,
  ) {
    super(
      status === undefined || status === 429 || status >= 500 ? 'KIBANA_UNAVAILABLE' : 'KIBANA_REJECTED',
      `tenant ${tenant}: Kibana ${url}${status ? ` (HTTP ${status})` : ''}: ${message}`,
    );
    this.name = 'KibanaError';
  }
}

/** A worker stopped waiting before every item of a chunk was settled. */
export class DeliveryAborted extends SmonnetError {
  constructor() {
    super('DELIVERY_ABORTED', 'delivery stopped before every item was settled');
    this.name = 'DeliveryAborted';
  }
}
