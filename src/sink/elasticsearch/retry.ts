/** Backoff for Elasticsearch retries: exponential with full jitter, so many workers do not retry in step. */

export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 200, maxMs: 10_000 };

/** Delay before retry number `attempt` (0-based): uniform in [0, min(max, initial × 2^attempt)]. */
export function backoffDelay(
  attempt: number,
  backoff: Backoff = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt, 30));
  return Math.max(backoff.initialMs / 2, Math.floor(random() * ceiling));
}

/** HTTP statuses worth retrying unchanged: too many requests, and server-side failures. */
export function isRetryableStatus(status: number | undefined): boolean {
  return status === undefined || status === 429 || status >= 500;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it succeeds, waiting a backoff delay between failures. `onFailure` sees each
 * error and the coming delay and may throw to give up (for instance when the process is stopping).
 */
export async function retryUntilDone<T>(
  attempt: () => Promise<T>,
  onFailure: (err: unknown, delayMs: number) => void | Promise<void>,
  backoff: Backoff = DEFAULT_BACKOFF,
): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      const delay = backoffDelay(n, backoff);
      await onFailure(err, delay);
      await sleep(delay);
    }
  }
}
