/**
 * Delivers alert events to webhooks: a JSON POST each, in order per webhook, retried with backoff
 * until a 2xx answer, on their own timers so indexing never waits for them. One webhook that is
 * down holds back only its own events; a queue that grows past its cap drops its oldest event.
 */
import type { Logger } from '../observability/logger.js';
import { type Backoff, jitteredDelay, sleep } from '../util/backoff.js';
import type { AlertEvent } from './engine.js';

export interface DeliveryFigures {
  sent: number;
  /** Attempts that failed (each is retried). */
  failed: number;
  /** Events given up because their queue was full. */
  dropped: number;
}

export interface WebhookOptions {
  readonly backoff: Backoff;
  readonly timeoutMs: number;
  readonly maxQueued: number;
}

export const WEBHOOK_DEFAULTS: WebhookOptions = {
  backoff: { initialMs: 500, maxMs: 60_000 },
  timeoutMs: 10_000,
  maxQueued: 1000,
};

export class WebhookSender {
  private readonly queues = new Map<string, AlertEvent[]>();
  private readonly running = new Set<string>();
  private readonly byRule = new Map<string, DeliveryFigures>();
  private stopped = false;

  constructor(
    private readonly logger: Logger,
    private readonly options: WebhookOptions = WEBHOOK_DEFAULTS,
  ) {}

  send(url: string, event: AlertEvent): void {
    if (this.stopped) return;
    let queue = this.queues.get(url);
    if (queue === undefined) {
      queue = [];
      this.queues.set(url, queue);
    }
    queue.push(event);
    if (queue.length > this.options.maxQueued) {
      // The head is in flight while the queue drains: the oldest event not yet being sent goes.
      const [lost] = queue.splice(this.running.has(url) ? 1 : 0, 1) as [AlertEvent];
      this.figures(lost.rule).dropped++;
      this.logger.warn({ rule: lost.rule, webhook: url }, 'alert event dropped: its webhook queue is full');
    }
    if (!this.running.has(url)) void this.drain(url, queue);
  }

  figures(rule: string): DeliveryFigures {
    let f = this.byRule.get(rule);
    if (f === undefined) {
      f = { sent: 0, failed: 0, dropped: 0 };
      this.byRule.set(rule, f);
    }
    return f;
  }

  /** Events still waiting, over every webhook. */
  get queued(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  stop(): void {
    this.stopped = true;
  }

  private async drain(url: string, queue: AlertEvent[]): Promise<void> {
    this.running.add(url);
    try {
      for (let attempt = 0; queue.length > 0 && !this.stopped; ) {
        const event = queue[0]!;
        const problem = await this.post(url, event);
        if (problem === undefined) {
          this.figures(event.rule).sent++;
          queue.shift();
          attempt = 0;
          continue;
        }
        this.figures(event.rule).failed++;
        const delay = jitteredDelay(attempt++, this.options.backoff);
        this.logger.warn(
          { rule: event.rule, webhook: url, problem, retryInMs: delay },
          'alert webhook failed',
        );
        await sleep(delay);
      }
    } finally {
      this.running.delete(url);
    }
  }

  /** undefined when delivered, else what went wrong. */
  private async post(url: string, event: AlertEvent): Promise<string | undefined> {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(event),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      return res.ok ? undefined : `HTTP ${res.status}`;
    } catch (err) {
      return (err as Error).message;
    }
  }
}
