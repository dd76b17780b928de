/**
 * A tenant's Elasticsearch side: its client, its index templates (waited for, as Elasticsearch may
 * be down when a worker starts), whether it is reachable, and delivering bulk bodies with the
 * figures each request gives.
 */
import type { Client } from '@elastic/elasticsearch';
import type { TenantConfig } from '../../config/types.js';
import type { RateLimitedLog } from '../../observability/rate-limited.js';
import type { TenantStats } from '../../observability/stats.js';
import { retryUntilDone, SERVICE_BACKOFF, sleep } from '../../util/backoff.js';
import { createElasticsearchClient } from './client.js';
import { type Delivery, deliver } from './deliver.js';
import { applyRetention } from './retention.js';
import { installTemplates } from './template.js';

const CLOSE_WAIT_MS = 2_000;

/** With no bulk for this long, a ping tells whether Elasticsearch is there. */
const PING_EVERY_MS = 5_000;

export class ElasticsearchSink {
  private readonly client: Client;
  /** Whether the tenant's Elasticsearch answered the last request or ping. */
  reachable = true;
  private lastBulkAt = 0;
  private bulkSamples: Array<[number, number]> = [];
  private pingTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly tenant: TenantConfig,
    private readonly warn: RateLimitedLog,
    /** The worker's counters: bulk requests, their time and bytes are added here. */
    private readonly stats: TenantStats,
  ) {
    this.client = createElasticsearchClient(tenant.elasticsearch);
  }

  /** Installs the index templates, retrying until they are in or `stopping()` says to give up. */
  installTemplates(stopping: () => boolean): Promise<void> {
    return retryUntilDone(
      () => installTemplates(this.client, this.tenant.indexPrefix, this.tenant.schema),
      (err, delay) => {
        if (stopping()) throw err;
        this.warn.warn(
          'es-templates',
          { retryInMs: delay, err: (err as Error).message },
          'cannot install index templates yet',
        );
      },
      SERVICE_BACKOFF,
    );
  }

  /**
   * With no traffic no bulk tells whether Elasticsearch is there: ask it now and then. The
   * question is whether the tenant's indices exist (any answer will do), not a ping of `/`: it
   * needs only the index privileges the worker has anyway, and some distributions serve no `/`.
   */
  watch(): void {
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastBulkAt < PING_EVERY_MS) return;
      this.client.indices.exists({ index: `${this.tenant.indexPrefix}-*`, allow_no_indices: true }).then(
        () => {
          this.reachable = true;
        },
        () => {
          this.reachable = false;
        },
      );
    }, PING_EVERY_MS);
    this.pingTimer.unref();
  }

  /** Indexes a bulk body (deliver.ts): resolves once every item is indexed or refused for good. */
  deliver(body: Uint8Array, documents: number, halted: () => boolean): Promise<Delivery> {
    return deliver(
      {
        client: this.client,
        tenant: this.tenant.name,
        warn: this.warn,
        halted,
        onBulk: (ms, _items, bytes) => {
          this.stats.bulkRequests++;
          this.stats.bulkMs += ms;
          this.stats.bulkBytes += bytes;
          this.bulkSamples.push([ms, bytes]);
          this.lastBulkAt = Date.now();
          this.reachable = true;
        },
        onUnavailable: () => {
          this.reachable = false;
        },
      },
      body,
      documents,
    );
  }

  /** Bulk requests since the last call: [milliseconds, body bytes]. */
  drainBulkSamples(): Array<[number, number]> {
    const samples = this.bulkSamples;
    this.bulkSamples = [];
    return samples;
  }

  /**
   * Closing waits for requests in flight, and a bulk may take up to the request timeout (60 s)
   * on a loaded cluster: its chunk stays uncommitted anyway, so a stopping worker waits 2 s at most.
   */
  /** Deletes this tenant's daily indices older than `days` days; their names. */
  expire(days: number): Promise<string[]> {
    return applyRetention(this.client, this.tenant.indexPrefix, days);
  }

  async close(): Promise<void> {
    if (this.pingTimer) clearInterval(this.pingTimer);
    await Promise.race([this.client.close().catch(() => {}), sleep(CLOSE_WAIT_MS)]);
  }
}
