/**
 * Forks one worker process per tenant replica, restarts crashed ones with exponential backoff,
 * gives up on a tenant that crash-loops (others are unaffected), and applies a reload as the
 * difference between the running and the new configuration.
 */

import { readFile } from 'node:fs/promises';
import { parseConfig } from '../config/parse.js';
import type { AppConfig, TenantConfig } from '../config/types.js';
import { ConfigErrors, SmonnetError } from '../errors.js';
import { runners, SEGREGATOR } from '../fanout/route.js';
import { KibanaProvisioner, type KibanaStatus } from '../kibana/provisioner.js';
import type { Logger } from '../observability/logger.js';
import { DaemonMetrics } from '../observability/metrics.js';
import {
  addSegregatorStats,
  addStats,
  emptySegregatorStats,
  emptyStats,
  type SegregatorStats,
  type TenantStats,
} from '../observability/stats.js';
import { doublingDelay } from '../util/backoff.js';
import type { WorkerAlerts } from '../worker/alerts.js';
import { planReload, type ReloadPlan, tenantIdentity } from './diff.js';
import { Replica, type ReplicaExit } from './replica.js';
import { type TenantState, tenantState } from './state.js';

export type { TenantState, WorkerState } from './state.js';

interface Tenant {
  config: TenantConfig;
  identity: string;
  replicas: Replica[];
  /** Times of recent unexpected exits, for crash-loop detection. */
  crashes: number[];
  failed: boolean;
  lastExit: { code: number | null; signal: string | null; at: number } | undefined;
  /** Totals of replicas that have exited, so figures do not go backwards on a restart. */
  retired: TenantStats;
  retiredSegregator: SegregatorStats;
}

export interface TenantStatus {
  readonly name: string;
  readonly state: TenantState;
  readonly pids: number[];
  readonly restarts: number;
  readonly stats: TenantStats;
  readonly lag: number | undefined;
  /** False when a worker of the tenant could not reach its Elasticsearch lately. */
  readonly elasticsearchReachable: boolean;
  readonly lastExit: Tenant['lastExit'];
  /** Why a running tenant is degraded: a replica down, or a worker failing or not advancing. */
  readonly problem: string | undefined;
  /** Provisioning of the tenant's Kibana; null without `kibana_url`. */
  readonly kibana: KibanaStatus | null;
  /** Its alert rules' figures and what fires now; null without rules. */
  readonly alerts: WorkerAlerts | null;
}

/** Fan-out mode's segregator as ProcAPI and `smonnet status` show it. */
export interface SegregatorStatus {
  readonly state: TenantState;
  readonly pids: number[];
  readonly restarts: number;
  readonly lag: number | undefined;
  readonly problem: string | undefined;
  readonly lastExit: Tenant['lastExit'];
  /** Records consumed, routed to at least one tenant, matching none, dead-lettered. */
  readonly stats: SegregatorStats;
  /** Messages of the source topic routed to each tenant since its processes started. */
  readonly routedTo: Readonly<Record<string, number>>;
}

export interface ReloadOutcome extends ReloadPlan {
  readonly ok: true;
}

/** 1 s, 2 s, 4 s, ... up to 60 s between restarts of a crashing worker. */
const CRASH_BACKOFF = { initialMs: 1000, maxMs: 60_000 };

export class Supervisor {
  private config: AppConfig;
  private text: string;
  private readonly tenants = new Map<string, Tenant>();
  private reloading: Promise<unknown> = Promise.resolve();
  private shuttingDown = false;
  /** The reason the last reload was refused, until one succeeds. */
  lastReloadError: string | undefined;
  readonly metrics = new DaemonMetrics({
    workers: () =>
      [...this.tenants.entries()].flatMap(([tenant, t]) =>
        t.replicas
          .filter((r) => r.alive)
          .map((r) => ({
            tenant,
            replica: r.index,
            running: r.state === 'running',
            gauges: r.gauges,
            segregator: r.segregatorGauges,
          })),
      ),
    tenants: () =>
      this.status().map((s) => ({ tenant: s.name, up: s.state === 'running', failed: s.state === 'failed' })),
  });

  private readonly kibana: KibanaProvisioner;

  constructor(
    config: AppConfig,
    text: string,
    private readonly logger: Logger,
  ) {
    this.config = config;
    this.text = text;
    this.kibana = new KibanaProvisioner(logger);
  }

  static async load(file: string, logger: Logger): Promise<Supervisor> {
    const text = await readFile(file, 'utf8');
    return new Supervisor(parseConfig(text, file), text, logger);
  }

  get current(): AppConfig {
    return this.config;
  }

  start(): void {
    for (const t of runners(this.config)) this.startTenant(t);
  }

  /**
   * Re-reads the file and applies the difference. An invalid file is refused: the running
   * tenants keep their configuration, and the reason is kept for status and ProcAPI.
   */
  reload(): Promise<ReloadOutcome> {
    const run = async (): Promise<ReloadOutcome> => {
      let next: AppConfig;
      let text: string;
      try {
        text = await readFile(this.config.file, 'utf8');
        next = parseConfig(text, this.config.file);
      } catch (err) {
        this.lastReloadError = err instanceof Error ? err.message : String(err);
        this.logger.error(
          { reason: this.lastReloadError },
          'reload refused: configuration invalid, the running configuration stays',
        );
        throw err instanceof ConfigErrors ? err : new SmonnetError('INVALID_CONFIG', this.lastReloadError);
      }
      const plan = planReload(this.config, next);
      this.config = next;
      this.text = text;
      this.lastReloadError = undefined;
      this.logger.info(plan, 'reloading');
      await Promise.all([...plan.removed, ...plan.changed].map((name) => this.stopTenant(name)));
      for (const name of [...plan.added, ...plan.changed])
        this.startTenant(runners(next).find((t) => t.name === name)!);
      // Unchanged tenants keep their processes; they reopen GeoIP databases and the IP map.
      for (const name of plan.removed) this.kibana.cancel(name);
      for (const name of plan.unchanged) {
        const tenant = this.tenants.get(name)!;
        // Kibana keys are not part of a worker's identity: a change re-provisions, nothing restarts.
        const config = runners(next).find((t) => t.name === name)!;
        tenant.config = config;
        this.kibana.ensure(config);
        if (tenant.failed) {
          // A reload is the operator's way to say "try again".
          this.stopTenantSync(name);
          this.startTenant(runners(next).find((t) => t.name === name)!);
          continue;
        }
        for (const r of tenant.replicas) r.send({ type: 'reload-enrichment', file: next.file, text });
      }
      return { ok: true, ...plan };
    };
    const result = this.reloading.then(run, run);
    this.reloading = result.catch(() => {});
    return result;
  }

  status(): TenantStatus[] {
    return [...this.tenants.entries()].map(([name, t]) => {
      const live = t.replicas.filter((r) => r.alive && r.state !== 'backoff');
      const { state, problem } = tenantState(t.failed, t.replicas, live);
      const lags = t.replicas.map((r) => r.lag).filter((l): l is number => l !== undefined);
      return {
        name,
        state,
        pids: live.flatMap((r) => (r.pid ? [r.pid] : [])),
        restarts: t.crashes.length,
        stats: t.replicas.reduce((sum, r) => addStats(sum, r.stats), t.retired),
        lag: lags.length > 0 ? lags.reduce((a, b) => a + b, 0) : undefined,
        elasticsearchReachable: live.every((r) => r.gauges?.elasticsearchReachable ?? true),
        problem,
        lastExit: t.lastExit,
        kibana: this.kibana.status(name) ?? null,
        // Rules need one replica (config/parse.ts): its view is the tenant's.
        alerts: live.map((r) => r.gauges?.alerts).find((a) => a !== undefined) ?? null,
      };
    });
  }

  /** Fan-out mode's segregator in its own terms; null in direct mode. */
  segregatorStatus(): SegregatorStatus | null {
    const t = this.tenants.get(SEGREGATOR);
    const seg = this.status().find((s) => s.name === SEGREGATOR);
    if (!t || !seg) return null;
    const live = t.replicas.filter((r) => r.alive && r.state !== 'backoff');
    const routedTo: Record<string, number> = {};
    for (const r of live)
      for (const [tenant, n] of Object.entries(r.segregatorGauges?.routedTo ?? {}))
        routedTo[tenant] = (routedTo[tenant] ?? 0) + n;
    const { state, pids, restarts, lag, problem, lastExit } = seg;
    return {
      state,
      pids,
      restarts,
      lag,
      problem,
      lastExit,
      stats: t.replicas.reduce((sum, r) => addSegregatorStats(sum, r.segregatorStats), t.retiredSegregator),
      routedTo,
    };
  }

  /** Every worker drains and commits; those still running at the deadline are killed. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    this.kibana.close();
    await Promise.all([...this.tenants.keys()].map((name) => this.stopTenant(name)));
  }

  private startTenant(config: TenantConfig): void {
    const tenant: Tenant = {
      config,
      identity: tenantIdentity(this.config, config),
      replicas: [],
      crashes: [],
      failed: false,
      lastExit: undefined,
      retired: emptyStats(),
      retiredSegregator: emptySegregatorStats(),
    };
    this.tenants.set(config.name, tenant);
    this.metrics.register(config.name);
    this.kibana.ensure(config);
    for (let index = 0; index < config.replicas; index++) {
      const replica: Replica = new Replica({
        tenant: config.name,
        index,
        logger: this.logger,
        configuration: () => ({
          type: 'config',
          file: this.config.file,
          text: this.text,
          tenant: config.name,
        }),
        shutdownTimeoutMs: () => this.config.supervisor.shutdownTimeoutMs,
        onReport: (previous, m) => this.metrics.report(config.name, previous, m.stats, m.bulks),
        onSegregatorReport: (previous, m) => this.metrics.reportSegregator(config.name, previous, m.stats),
        onExit: (exit) => this.onExit(tenant, replica, exit),
      });
      tenant.replicas.push(replica);
      replica.start();
    }
  }

  private onExit(tenant: Tenant, replica: Replica, exit: ReplicaExit): void {
    const { code, signal } = exit;
    tenant.lastExit = { code, signal, at: Date.now() };
    // Figures of the exited process are kept in the tenant's totals.
    tenant.retired = addStats(tenant.retired, exit.stats);
    tenant.retiredSegregator = addSegregatorStats(tenant.retiredSegregator, exit.segregatorStats);
    if (exit.asked) return;
    if (this.shuttingDown || this.tenants.get(tenant.config.name) !== tenant) {
      exit.logger.info({ code, signal }, 'worker stopped');
      return;
    }
    this.onCrash(tenant, replica, code, signal, exit.logger);
  }

  private onCrash(
    tenant: Tenant,
    replica: Replica,
    code: number | null,
    signal: string | null,
    log: Logger,
  ): void {
    const now = Date.now();
    const window = this.config.supervisor.restartWindowMs;
    tenant.crashes = [...tenant.crashes.filter((t) => now - t < window), now];
    if (tenant.crashes.length > this.config.supervisor.maxRestarts) {
      tenant.failed = true;
      for (const r of tenant.replicas) void r.stop();
      log.error(
        { code, signal, crashes: tenant.crashes.length, windowSeconds: window / 1000 },
        'tenant is crash-looping: marked failed, not restarting (fix it, then reload)',
      );
      return;
    }
    // 1 s, 2 s, 4 s, ... up to 60 s, by recent crashes; a worker that ran a full window starts over.
    const recent = now - replica.startedAt > window ? 1 : tenant.crashes.length;
    const delay = doublingDelay(recent - 1, CRASH_BACKOFF);
    this.metrics.restarted(tenant.config.name);
    log.warn({ code, signal, restartInMs: delay }, 'worker exited unexpectedly: restarting');
    replica.restartAfter(
      delay,
      () => !tenant.failed && this.tenants.get(tenant.config.name) === tenant && !this.shuttingDown,
    );
  }

  private async stopTenant(name: string): Promise<void> {
    const tenant = this.tenants.get(name);
    if (!tenant) return;
    await Promise.all(tenant.replicas.map((r) => r.stop()));
    if (this.tenants.get(name) === tenant) this.tenants.delete(name);
  }

  private stopTenantSync(name: string): void {
    const tenant = this.tenants.get(name);
    if (!tenant) return;
    for (const r of tenant.replicas) void r.stop();
    this.tenants.delete(name);
  }
}
