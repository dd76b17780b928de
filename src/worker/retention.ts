/**
 * When a worker applies its tenant's retention_days: at start, then once a day; after a failure
 * (cluster away, no permission) an hour later. Deleting is the sink's business; this only keeps
 * time and reports.
 */
import type { Logger } from '../observability/logger.js';
import type { TenantStats } from '../observability/stats.js';

const DAY_MS = 86_400_000;
const RETRY_MS = 3_600_000;

export interface RetentionSchedule {
  /** Applies the retention now (and starts the daily timer on the first call). */
  run(): Promise<void>;
  stop(): void;
}

export function retentionSchedule(opts: {
  /** The tenant's retention now: a reload may change it. */
  readonly days: () => number | 'ilm' | undefined;
  readonly expire: (days: number) => Promise<string[]>;
  readonly stats: TenantStats;
  readonly logger: Logger;
}): RetentionSchedule {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = (ms: number): void => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => void run(), ms);
    timer.unref();
  };
  const run = async (): Promise<void> => {
    const days = opts.days();
    if (typeof days !== 'number') {
      // Kept forever, or left to an ILM policy: nothing to do, but a reload may change that.
      schedule(DAY_MS);
      return;
    }
    try {
      const deleted = await opts.expire(days);
      opts.stats.indicesDeleted += deleted.length;
      if (deleted.length > 0) opts.logger.info({ deleted, retentionDays: days }, 'expired indices deleted');
      schedule(DAY_MS);
    } catch (err) {
      opts.logger.warn(
        { err: (err as Error).message, retentionDays: days },
        'retention not applied; retrying in an hour',
      );
      schedule(RETRY_MS);
    }
  };
  return {
    run,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
