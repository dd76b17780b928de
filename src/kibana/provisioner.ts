/**
 * Keeps every tenant's Kibana provisioned from the supervisor: on start, on add, and when a
 * tenant's Kibana settings change. Kibana being down never holds a worker back: provisioning
 * retries in the background with backoff, and a refusal (credentials, version) waits for the
 * operator's next reload.
 */

import type { TenantConfig } from '../config/types.js';
import { KibanaError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { type Backoff, doublingDelay } from '../util/backoff.js';
import { type ProvisionResult, provisionKibana } from './provision.js';

export type KibanaState = 'provisioning' | 'provisioned' | 'retrying' | 'failed';

export interface KibanaStatus {
  readonly state: KibanaState;
  readonly url: string;
  readonly error?: string;
  readonly at?: number;
}

interface Job {
  readonly key: string;
  readonly abort: AbortController;
  status: KibanaStatus;
  timer: NodeJS.Timeout | undefined;
}

type Provision = (tenant: TenantConfig, signal: AbortSignal) => Promise<ProvisionResult>;

const settingsKey = (t: TenantConfig): string =>
  JSON.stringify({ kibana: t.kibana, prefix: t.indexPrefix, schema: t.schema });

export class KibanaProvisioner {
  private readonly jobs = new Map<string, Job>();

  constructor(
    private readonly logger: Logger,
    private readonly provision: Provision = (t, signal) => provisionKibana(t, { signal }),
    private readonly backoff: Backoff = { initialMs: 5_000, maxMs: 300_000 },
  ) {}

  /** Provisions unless the same settings are provisioned or in progress; a failed one is retried. */
  ensure(tenant: TenantConfig): void {
    const job = this.jobs.get(tenant.name);
    if (tenant.kibana === undefined) {
      this.cancel(tenant.name);
      return;
    }
    if (job && job.key === settingsKey(tenant) && job.status.state !== 'failed') return;
    this.cancel(tenant.name);
    const next: Job = {
      key: settingsKey(tenant),
      abort: new AbortController(),
      status: { state: 'provisioning', url: tenant.kibana.url },
      timer: undefined,
    };
    this.jobs.set(tenant.name, next);
    void this.attempt(tenant, next, 1);
  }

  cancel(name: string): void {
    const job = this.jobs.get(name);
    if (!job) return;
    job.abort.abort();
    if (job.timer) clearTimeout(job.timer);
    this.jobs.delete(name);
  }

  status(name: string): KibanaStatus | undefined {
    return this.jobs.get(name)?.status;
  }

  close(): void {
    for (const name of [...this.jobs.keys()]) this.cancel(name);
  }

  private async attempt(tenant: TenantConfig, job: Job, n: number): Promise<void> {
    const log = this.logger.child({ tenant: tenant.name, kibana: tenant.kibana!.url });
    try {
      const result = await this.provision(tenant, job.abort.signal);
      if (job.abort.signal.aborted) return;
      job.status = { state: 'provisioned', url: result.url, at: Date.now() };
      log.info({ objects: result.imported }, 'Kibana provisioned: data view and dashboard');
    } catch (err) {
      if (job.abort.signal.aborted) return;
      const message = err instanceof Error ? err.message : String(err);
      const retry = err instanceof KibanaError && err.canRetry;
      if (!retry) {
        job.status = { state: 'failed', url: tenant.kibana!.url, error: message, at: Date.now() };
        log.error({ err: message }, 'Kibana refused provisioning: fix the tenant settings, then reload');
        return;
      }
      const delay = doublingDelay(n - 1, this.backoff);
      job.status = { state: 'retrying', url: tenant.kibana!.url, error: message, at: Date.now() };
      log.warn({ err: message, retryInMs: delay }, 'cannot provision Kibana yet');
      job.timer = setTimeout(() => {
        job.timer = undefined;
        void this.attempt(tenant, job, n + 1);
      }, delay);
    }
  }
}
