/** Waiting between attempts: one doubling rule, with or without jitter, and a retry loop on it. */

export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

/** For a service that may come back any moment (Elasticsearch, the broker): 200 ms up to 10 s. */
export const SERVICE_BACKOFF: Backoff = { initialMs: 200, maxMs: 10_000 };

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** initial × 2^attempt, at most max (attempt is 0-based). */
export function doublingDelay(attempt: number, backoff: Backoff): number {
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt, 30));
}

/**
 * The same ceiling with full jitter: uniform in [initial / 2, ceiling], so that many workers
 * retrying one service do not retry in step.
 */
export function jitteredDelay(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  return Math.max(backoff.initialMs / 2, Math.floor(random() * doublingDelay(attempt, backoff)));
}

/**
 * Runs `attempt` until it succeeds, waiting a jittered delay between failures. `onFailure` sees
 * each error and the coming delay and may throw to give up (for instance when the process stops).
 */
export async function retryUntilDone<T>(
  attempt: () => Promise<T>,
  onFailure: (err: unknown, delayMs: number) => void | Promise<void>,
  backoff: Backoff,
): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      const delay = jitteredDelay(n, backoff);
      await onFailure(err, delay);
      await sleep(delay);
    }
  }
}
