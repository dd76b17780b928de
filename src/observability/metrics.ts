/**
 * Prometheus metrics of the whole daemon, served by the supervisor: one scrape shows every tenant,
 * collected from the workers' reports over IPC (no per-worker ports to discover). Counters grow by
 * the difference between a worker's successive reports, so a restarted worker, which counts from
 * zero again, never makes a counter go backwards.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import {
  emptyStats,
  type SegregatorGauges,
  type SegregatorStats,
  type TenantStats,
  type WorkerGauges,
} from './stats.js';

/** What the supervisor knows of one worker process at scrape time. */
type AlertRuleView = NonNullable<WorkerGauges['alerts']>['rules'][number];

export interface WorkerView {
  readonly tenant: string;
  readonly replica: number;
  readonly running: boolean;
  readonly gauges: WorkerGauges | undefined;
  /** Fan-out mode's segregator: its gauges instead. */
  readonly segregator?: SegregatorGauges | undefined;
}

export interface TenantView {
  readonly tenant: string;
  readonly up: boolean;
  readonly failed: boolean;
}

export class DaemonMetrics {
  readonly registry = new Registry();
  private readonly records: Record<'consumed' | 'indexed' | 'filteredOut', Counter<'tenant'>>;
  private readonly deadLettered: Counter<'tenant' | 'reason'>;
  private readonly restarts: Counter<'tenant'>;
  private readonly trouble: Record<
    'timesReplaced' | 'chunkFailures' | 'consumerRestarts' | 'indicesDeleted',
    Counter<'tenant'>
  >;
  private readonly bulkSeconds: Histogram<'tenant'>;
  private readonly bulkBytes: Histogram<'tenant'>;

  constructor(views: { workers: () => WorkerView[]; tenants: () => TenantView[] }) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'smonnet_supervisor_' });
    const counter = (name: string, help: string) =>
      new Counter({ name, help, labelNames: ['tenant'], registers });
    this.records = {
      consumed: counter('smonnet_records_consumed_total', 'Records read from Kafka'),
      indexed: counter('smonnet_records_indexed_total', 'Records Elasticsearch acknowledged'),
      filteredOut: counter('smonnet_records_filtered_out_total', "Records outside the tenant's filter"),
    };
    this.deadLettered = new Counter({
      name: 'smonnet_records_dead_lettered_total',
      help: 'Records sent to the dead-letter topic, by reason (decode, oversized, rejected)',
      labelNames: ['tenant', 'reason'],
      registers,
    });
    this.restarts = counter(
      'smonnet_worker_restarts_total',
      'Worker processes restarted after an unexpected exit',
    );
    this.trouble = {
      timesReplaced: counter(
        'smonnet_record_times_replaced_total',
        "Records whose own time was implausible and took their Kafka message's time",
      ),
      chunkFailures: counter(
        'smonnet_chunk_failures_total',
        'Chunks that failed as a whole and were processed again message by message',
      ),
      consumerRestarts: counter(
        'smonnet_consumer_restarts_total',
        'Consumer restarts from the last commit after an unexpected failure',
      ),
      indicesDeleted: counter(
        'smonnet_retention_deleted_indices_total',
        "Daily indices deleted because they were older than the tenant's retention_days",
      ),
    };
    this.bulkSeconds = new Histogram({
      name: 'smonnet_bulk_request_duration_seconds',
      help: 'Elasticsearch bulk request latency',
      labelNames: ['tenant'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.bulkBytes = new Histogram({
      name: 'smonnet_bulk_request_bytes',
      help: 'Elasticsearch bulk request body size',
      labelNames: ['tenant'],
      buckets: [16_384, 65_536, 262_144, 1_048_576, 2_097_152, 4_194_304, 8_388_608],
      registers,
    });
    const gauge = (name: string, help: string, labelNames: string[], collect: (g: Gauge) => void) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        collect(this: Gauge) {
          this.reset();
          collect(this);
        },
      });
    gauge(
      'smonnet_consumer_lag',
      'Messages of the topic the tenant has yet to read, per partition',
      ['tenant', 'partition'],
      (g) => {
        for (const w of views.workers()) {
          for (const [partition, lag] of Object.entries((w.gauges ?? w.segregator)?.lagByPartition ?? {}))
            g.inc({ tenant: w.tenant, partition }, lag);
        }
      },
    );
    gauge(
      'smonnet_in_flight_messages',
      'Kafka messages being processed or indexed, not yet committed',
      ['tenant'],
      (g) => {
        for (const t of views.tenants()) g.set({ tenant: t.tenant }, 0);
        for (const w of views.workers()) g.inc({ tenant: w.tenant }, w.gauges?.inFlightMessages ?? 0);
      },
    );
    gauge(
      'smonnet_pool_utilization',
      "Share of a worker's enrichment threads in use, 0..1",
      ['tenant', 'replica'],
      (g) => {
        for (const w of views.workers())
          if (w.gauges) g.set({ tenant: w.tenant, replica: String(w.replica) }, w.gauges.poolUtilization);
      },
    );
    gauge(
      'smonnet_worker_resident_memory_bytes',
      'Resident memory of each worker process',
      ['tenant', 'replica'],
      (g) => {
        for (const w of views.workers()) {
          const gauges = w.gauges ?? w.segregator;
          if (gauges) g.set({ tenant: w.tenant, replica: String(w.replica) }, gauges.residentBytes);
        }
      },
    );
    gauge(
      'smonnet_elasticsearch_reachable',
      '1 when every worker of the tenant reached its Elasticsearch lately',
      ['tenant'],
      (g) => {
        for (const t of views.tenants()) {
          const workers = views.workers().filter((w) => w.tenant === t.tenant && w.gauges);
          g.set(
            { tenant: t.tenant },
            workers.length > 0 && workers.every((w) => w.gauges!.elasticsearchReachable) ? 1 : 0,
          );
        }
      },
    );
    // Alert figures are the worker's since it started: reported as they are, a restart is a reset.
    const alertFigure = (
      name: string,
      help: string,
      type: 'gauge' | 'counter',
      pick: (r: AlertRuleView) => number,
    ) => {
      const collect = (m: Gauge | Counter) => {
        m.reset();
        for (const w of views.workers())
          for (const r of w.gauges?.alerts?.rules ?? []) m.inc({ tenant: w.tenant, rule: r.rule }, pick(r));
      };
      if (type === 'gauge') gauge(name, help, ['tenant', 'rule'], collect);
      else
        new Counter({
          name,
          help,
          labelNames: ['tenant', 'rule'],
          registers,
          collect(this: Counter) {
            collect(this);
          },
        });
    };
    new Counter({
      name: 'smonnet_fanout_routed_records_total',
      help: "Messages of the source topic the segregator routed to each tenant's topic (fan-out mode)",
      labelNames: ['tenant'],
      registers,
      collect(this: Counter) {
        this.reset();
        for (const w of views.workers())
          for (const [tenant, n] of Object.entries(w.segregator?.routedTo ?? {})) this.inc({ tenant }, n);
      },
    });
    alertFigure('smonnet_alert_firing', 'Groups of the rule firing now', 'gauge', (r) => r.firing);
    alertFigure('smonnet_alert_groups', 'Groups the rule tracks', 'gauge', (r) => r.groups);
    alertFigure(
      'smonnet_alert_events_sent_total',
      'Alert events the webhook accepted',
      'counter',
      (r) => r.sent,
    );
    alertFigure(
      'smonnet_alert_webhook_failures_total',
      'Webhook attempts that failed (each is retried)',
      'counter',
      (r) => r.failed,
    );
    alertFigure(
      'smonnet_alert_events_dropped_total',
      'Alert events dropped because their webhook queue was full',
      'counter',
      (r) => r.dropped,
    );
    alertFigure(
      'smonnet_alert_groups_dropped_total',
      'Groups not tracked because the rule had max_groups',
      'counter',
      (r) => r.groupsDropped,
    );
    alertFigure(
      'smonnet_alert_late_flows_total',
      "Flows outside the rule's window when they arrived",
      'counter',
      (r) => r.late,
    );
    gauge('smonnet_tenant_up', '1 when every worker of the tenant is consuming', ['tenant'], (g) => {
      for (const t of views.tenants()) g.set({ tenant: t.tenant }, t.up ? 1 : 0);
    });
    gauge(
      'smonnet_tenant_failed',
      '1 when the tenant crash-looped and is no longer restarted',
      ['tenant'],
      (g) => {
        for (const t of views.tenants()) g.set({ tenant: t.tenant }, t.failed ? 1 : 0);
      },
    );
  }

  /** A worker's new report: counters grow by what changed since its previous one. */
  /**
   * The segregator's counters under the records' names, as `tenant` (its own): consumed, matching
   * no tenant as filtered out, and dead-lettered. What it routed is smonnet_fanout_routed_records_total.
   */
  reportSegregator(tenant: string, previous: SegregatorStats, next: SegregatorStats): void {
    const grow = (c: Counter<string>, labels: Record<string, string>, key: keyof SegregatorStats) => {
      const delta = next[key] - previous[key];
      if (delta > 0) c.inc(labels, delta);
    };
    grow(this.records.consumed, { tenant }, 'consumed');
    grow(this.records.filteredOut, { tenant }, 'unmatched');
    grow(this.deadLettered, { tenant, reason: 'decode' }, 'deadLetteredDecode');
    grow(this.deadLettered, { tenant, reason: 'oversized' }, 'deadLetteredOversized');
  }

  report(
    tenant: string,
    previous: TenantStats,
    next: TenantStats,
    bulks: ReadonlyArray<readonly [number, number]>,
  ): void {
    const grow = (c: Counter<string>, labels: Record<string, string>, key: keyof TenantStats) => {
      const delta = next[key] - previous[key];
      if (delta > 0) c.inc(labels, delta);
    };
    grow(this.records.consumed, { tenant }, 'consumed');
    grow(this.records.indexed, { tenant }, 'indexed');
    grow(this.records.filteredOut, { tenant }, 'filteredOut');
    grow(this.deadLettered, { tenant, reason: 'decode' }, 'deadLetteredDecode');
    grow(this.deadLettered, { tenant, reason: 'oversized' }, 'deadLetteredOversized');
    grow(this.deadLettered, { tenant, reason: 'rejected' }, 'deadLetteredRejected');
    for (const [key, c] of Object.entries(this.trouble)) grow(c, { tenant }, key as keyof TenantStats);
    for (const [ms, bytes] of bulks) {
      this.bulkSeconds.observe({ tenant }, ms / 1000);
      this.bulkBytes.observe({ tenant }, bytes);
    }
  }

  restarted(tenant: string): void {
    this.restarts.inc({ tenant });
  }

  /** Starts a tenant's series at zero, so a new tenant shows up before its first record. */
  register(tenant: string): void {
    const zero = emptyStats();
    this.report(tenant, zero, zero, []);
    for (const c of [...Object.values(this.records), ...Object.values(this.trouble)]) c.inc({ tenant }, 0);
    for (const reason of ['decode', 'oversized', 'rejected']) this.deadLettered.inc({ tenant, reason }, 0);
    this.restarts.inc({ tenant }, 0);
  }
}
