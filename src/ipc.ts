/** Messages between the supervisor and its tenant workers (Node's IPC channel, JSON). */
import type { TenantStats, WorkerGauges } from './observability/stats.js';

/** Supervisor → worker. */
export type SupervisorMessage =
  /** The configuration to run, as text: the supervisor's validated snapshot, not the file now. */
  | { readonly type: 'config'; readonly file: string; readonly text: string; readonly tenant: string }
  /** Reopen the GeoIP databases and the IP map (SIGHUP with this tenant unchanged). */
  | { readonly type: 'reload-enrichment' }
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
  | { readonly type: 'enrichment-reloaded' }
  | { readonly type: 'enrichment-reload-failed'; readonly error: string };

export function isSupervisorMessage(m: unknown): m is SupervisorMessage {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';
}
