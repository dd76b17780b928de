/**
 * A worker's alert rules at work: the engine fed with each indexed chunk's sums, evaluated every
 * second on a timer of its own, its events logged and posted to the rules' webhooks. A reload
 * hands it the new rules; a rule whose keys changed starts again, the others keep their state.
 */
import { AlertEngine, type FiringGroup, type RuleFigures } from '../alert/engine.js';
import type { AlertSum } from '../alert/sums.js';
import { type DeliveryFigures, WebhookSender } from '../alert/webhook.js';
import type { AppConfig, TenantConfig } from '../config/types.js';
import type { Logger } from '../observability/logger.js';

/** What the worker reports of its rules (observability/stats.ts WorkerGauges). */
export interface WorkerAlerts {
  readonly firing: readonly FiringGroup[];
  readonly rules: ReadonlyArray<RuleFigures & DeliveryFigures>;
}

const TICK_MS = 1000;

export class AlertRunner {
  private readonly engine: AlertEngine;
  private readonly sender: WebhookSender;
  private webhooks = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    config: AppConfig,
    tenant: TenantConfig,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.engine = new AlertEngine(tenant.name, tenant.schema, [], now());
    this.sender = new WebhookSender(logger);
    this.update(config);
  }

  update(config: AppConfig): void {
    const rules = config.alerts;
    this.engine.update(rules, this.now());
    this.webhooks = new Map(rules.map((r) => [r.name, r.webhook]));
    if (this.engine.size > 0 && this.timer === undefined) {
      this.timer = setInterval(() => this.tick(), TICK_MS);
      this.timer.unref();
    } else if (this.engine.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  add(sums: readonly AlertSum[]): void {
    this.engine.add(sums, this.now());
  }

  tick(): void {
    for (const event of this.engine.tick(this.now())) {
      this.logger.info(
        {
          rule: event.rule,
          group: event.group?.value ?? null,
          value: event.value,
          threshold: event.threshold,
        },
        event.kind === 'firing' ? 'alert firing' : 'alert recovered',
      );
      const webhook = this.webhooks.get(event.rule);
      if (webhook) this.sender.send(webhook, event);
    }
  }

  status(): WorkerAlerts | undefined {
    if (this.engine.size === 0) return undefined;
    return {
      firing: this.engine.firing(this.now()),
      rules: this.engine.figures().map((f) => ({ ...f, ...this.sender.figures(f.rule) })),
    };
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.sender.stop();
  }
}
