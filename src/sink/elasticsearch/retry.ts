/** How Elasticsearch requests are retried: which answers are worth retrying, and how long to wait. */
import type { Backoff } from '../../util/backoff.js';

/** Exponential with full jitter (util/backoff.ts), from 200 ms to 10 s. */
export const ES_BACKOFF: Backoff = { initialMs: 200, maxMs: 10_000 };

/** HTTP statuses worth retrying unchanged: too many requests, and server-side failures. */
export function isRetryableStatus(status: number | undefined): boolean {
  return status === undefined || status === 429 || status >= 500;
}
