/**
 * Summarizes repeated warnings: the first occurrence of a kind is logged at once, later ones are
 * counted and reported as one line per interval, so a stream of bad records cannot flood the log.
 */
import type { Logger } from './logger.js';

export class RateLimitedLog {
  private readonly suppressed = new Map<string, { count: number; example: object }>();
  private readonly lastLogged = new Map<string, number>();

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  warn(kind: string, fields: object, message: string): void {
    const last = this.lastLogged.get(kind);
    const t = this.now();
    if (last === undefined || t - last >= this.intervalMs) {
      const held = this.suppressed.get(kind);
      this.suppressed.delete(kind);
      this.lastLogged.set(kind, t);
      this.logger.warn({ ...fields, kind, ...(held && { suppressed: held.count }) }, message);
      return;
    }
    const held = this.suppressed.get(kind);
    if (held) held.count++;
    else this.suppressed.set(kind, { count: 1, example: fields });
  }

  /** Logs what is still held back (at shutdown). */
  flush(): void {
    for (const [kind, held] of this.suppressed) {
      this.logger.warn(
        { ...held.example, kind, suppressed: held.count },
        `${held.count} more '${kind}' warnings`,
      );
    }
    this.suppressed.clear();
  }
}
