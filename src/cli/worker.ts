/** `smonnet worker`: one tenant in the foreground; the supervisor forks exactly this. */
import { Command } from 'commander';
import { loadConfig } from '../config/parse.js';
import { createLogger } from '../observability/logger.js';
import { balanced } from '../worker/stats.js';
import { TenantWorker } from '../worker/tenant-worker.js';
import { nonNegativeInt } from './options.js';

export function workerCommand(): Command {
  return new Command('worker')
    .description("run one tenant's pipeline in the foreground: Kafka → filter → enrich → Elasticsearch")
    .requiredOption('-c, --config <file>', 'configuration file', 'config/api.cfg')
    .requiredOption('-t, --tenant <name>', 'tenant to run (a [tenant.NAME] section)')
    .option('--threads <n>', 'enrichment threads (overrides [enrich] threads; 0 runs inline)', nonNegativeInt)
    .option('--stats-interval <s>', 'seconds between progress log lines; 0 for none', nonNegativeInt, 10)
    .action(async (opts) => {
      const config = loadConfig(opts.config);
      const tenant = config.tenants.find((t) => t.name === opts.tenant);
      if (!tenant) {
        const known = config.tenants.map((t) => t.name).join(', ') || 'none';
        throw new Error(`${opts.config}: no [tenant.${opts.tenant}] section (tenants: ${known})`);
      }
      const logger = createLogger({ name: 'smonnet-worker' }).child({ tenant: tenant.name });
      const worker = new TenantWorker(config, tenant, logger, {
        ...(opts.threads !== undefined && { threads: opts.threads }),
      });

      let last = { ...worker.stats, at: Date.now() };
      const timer =
        opts.statsInterval > 0
          ? setInterval(() => {
              const s = worker.stats;
              const seconds = (Date.now() - last.at) / 1000;
              logger.info(
                {
                  ...s,
                  consumedPerSecond: Math.round((s.consumed - last.consumed) / seconds),
                  indexedPerSecond: Math.round((s.indexed - last.indexed) / seconds),
                },
                'progress',
              );
              last = { ...s, at: Date.now() };
            }, opts.statsInterval * 1000)
          : undefined;

      let stopping: Promise<void> | undefined;
      const stop = (signal: string): void => {
        if (stopping) return;
        logger.info({ signal }, 'stopping: draining in-flight work');
        stopping = worker.stop().then(() => {
          if (timer) clearInterval(timer);
          const s = worker.stats;
          logger.info(
            {
              consumed: s.consumed,
              indexed: s.indexed,
              filteredOut: s.filteredOut,
              deadLettered: s.deadLettered,
              balanced: balanced(s),
            },
            'stopped: consumed = indexed + filtered_out + dead_lettered',
          );
          process.exit(balanced(s) ? 0 : 1);
        });
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
      await worker.start();
    });
}
