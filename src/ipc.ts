/** Messages between the supervisor and its tenant workers (Node's IPC channel, JSON). */
import type { SegregatorGauges, SegregatorStats, TenantStats, WorkerGauges } from './observability/stats.js';

/** Supervisor → worker. */
export type SupervisorMessage =
  /** The configuration to run, as text: the supervisor's validated snapshot, not the file now. */
  | { readonly type: 'config'; readonly file: string; readonly text: string; readonly tenant: string }
  /**
   * SIGHUP with this tenant's worker kept: reopen the enrichment files, and take from `text` (the
   * new configuration) what changes without a restart: [enrich], [sampling], networks, retention.
   */
  | { readonly type: 'reload-enrichment'; readonly file?: string; readonly text?: string }
  /** Drain, commit and exit 0. */
  | { readonly type: 'stop' };

/** Worker → supervisor. */
export type WorkerMessage =
  | { readonly type: 'ready' }
  | {
      readonly type: 'stats';
      /** Cumulative since the process started. */
      readonly stats: TenantStats;
      readonly lag: number | undefined;
      readonly gauges: WorkerGauges;
      /** Bulk requests since the previous report: [milliseconds, body bytes]. */
      readonly bulks: ReadonlyArray<readonly [number, number]>;
    }
  | {
      readonly type: 'segregator-stats';
      /** Cumulative since the process started. */
      readonly stats: SegregatorStats;
      readonly lag: number | undefined;
      readonly gauges: SegregatorGauges;
    }
  | { readonly type: 'enrichment-reloaded' }
  | { readonly type: 'enrichment-reload-failed'; readonly error: string };

export function isSupervisorMessage(m: unknown): m is SupervisorMessage {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';
}
