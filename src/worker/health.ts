/**
 * Whether a running worker is well: it is not when something failed in the last minute, or when
 * records wait (lag) while nothing was committed for a minute although Elasticsearch answers.
 */

/** How long a failure (or a standstill with lag) keeps a worker unhealthy. */
export const TROUBLE_MS = 60_000;

export interface Progress {
  /** Why the worker cannot read from Kafka now (credentials, certificate, codec), or undefined. */
  readonly kafka?: string | undefined;
  readonly lag: number | undefined;
  readonly lastCommitAt: number;
  readonly sinkReachable: boolean;
}

export class Health {
  private lastFailure: { message: string; at: number } | undefined;

  failed(what: string, err: unknown, now = Date.now()): void {
    this.lastFailure = { message: `${what}: ${err instanceof Error ? err.message : String(err)}`, at: now };
  }

  /** Why the worker is unwell, or undefined. */
  trouble(progress: Progress, now = Date.now()): string | undefined {
    if (progress.kafka) return progress.kafka;
    if (this.lastFailure && now - this.lastFailure.at < TROUBLE_MS) return this.lastFailure.message;
    const lag = progress.lag ?? 0;
    const idle = now - progress.lastCommitAt;
    if (lag > 0 && idle > TROUBLE_MS && progress.sinkReachable)
      return `not advancing: ${lag} records behind, nothing committed for ${Math.round(idle / 1000)} s`;
    return undefined;
  }
}
