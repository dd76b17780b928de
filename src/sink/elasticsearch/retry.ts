/** Which Elasticsearch answers are worth retrying (the waits: util/backoff.ts SERVICE_BACKOFF). */

/** HTTP statuses worth retrying unchanged: too many requests, and server-side failures. */
export function isRetryableStatus(status: number | undefined): boolean {
  return status === undefined || status === 429 || status >= 500;
}
