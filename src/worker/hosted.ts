/**
 * What a worker process runs, as its host (worker/host.ts) drives it: a tenant's worker, or fan-out
 * mode's segregator. Each says in its own terms what it reports and when it is balanced.
 */
import type { AppConfig } from '../config/types.js';
import type { Segregator } from '../fanout/segregator.js';
import type { WorkerMessage } from '../ipc.js';
import { balanced, segregatorBalanced } from '../observability/stats.js';
import type { TenantWorker } from './tenant-worker.js';

export interface Hosted {
  start(): Promise<void>;
  stop(drainMs?: number): Promise<void>;
  reloadEnrichment(config?: AppConfig): Promise<void>;
  /** The report for the supervisor, and the part of it whose change makes a report due at once. */
  report(): { readonly message: WorkerMessage; readonly watched: unknown };
  /** For the progress log: its counters, and the counts the log gives per second as well. */
  progress(): { readonly figures: object; readonly rates: Readonly<Record<string, number>> };
  /** At exit: its counters, and whether every record consumed is accounted for (the rule says how). */
  final(): { readonly figures: object; readonly balanced: boolean; readonly rule: string };
}

export function hostedWorker(worker: TenantWorker): Hosted {
  return {
    start: () => worker.start(),
    stop: (drainMs) => worker.stop(drainMs),
    reloadEnrichment: (config) => worker.reloadEnrichment(config),
    report: () => {
      const gauges = worker.gauges();
      const stats = { ...worker.stats };
      return {
        message: { type: 'stats', stats, lag: worker.lag, gauges, bulks: worker.drainBulkSamples() },
        // What an operator watches change: counters, lag, health, reachability, alerts and their
        // rules (a webhook failure counted must not wait for the idle report).
        watched: [
          stats,
          worker.lag,
          gauges.trouble,
          gauges.elasticsearchReachable,
          gauges.alerts?.firing,
          gauges.alerts?.rules,
        ],
      };
    },
    progress: () => {
      const s = worker.stats;
      return { figures: { ...s, lag: worker.lag }, rates: { consumed: s.consumed, indexed: s.indexed } };
    },
    final: () => {
      const { consumed, indexed, filteredOut, deadLettered } = worker.stats;
      return {
        figures: { consumed, indexed, filteredOut, deadLettered },
        balanced: balanced(worker.stats),
        rule: 'consumed = indexed + filtered_out + dead_lettered',
      };
    },
  };
}

export function hostedSegregator(segregator: Segregator): Hosted {
  return {
    start: () => segregator.start(),
    stop: (drainMs) => segregator.stop(drainMs),
    reloadEnrichment: (config) => segregator.reloadEnrichment(config),
    report: () => {
      const gauges = segregator.gauges();
      const stats = { ...segregator.stats };
      return {
        message: { type: 'segregator-stats', stats, lag: segregator.lag, gauges },
        watched: [stats, segregator.lag, gauges.trouble],
      };
    },
    progress: () => {
      const s = segregator.stats;
      return { figures: { ...s, lag: segregator.lag }, rates: { consumed: s.consumed, routed: s.routed } };
    },
    final: () => ({
      figures: { ...segregator.stats },
      balanced: segregatorBalanced(segregator.stats),
      rule: 'consumed = routed + unmatched + dead_lettered',
    }),
  };
}
