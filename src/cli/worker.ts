/** `smonnet worker`: one tenant in the foreground; the supervisor forks exactly this, with --ipc. */

import { Command, Option } from 'commander';
import { loadConfig, parseConfig } from '../config/parse.js';
import type { AppConfig } from '../config/types.js';
import { SmonnetError } from '../errors.js';
import { isSupervisorMessage, type SupervisorMessage, type WorkerMessage } from '../ipc.js';
import { createLogger } from '../observability/logger.js';
import { guardMemory } from '../worker/memory-guard.js';
import { balanced } from '../worker/stats.js';
import { TenantWorker } from '../worker/tenant-worker.js';
import { nonNegativeInt } from './options.js';

function send(message: WorkerMessage): void {
  if (process.connected) process.send?.(message);
}

/** Under a supervisor: the configuration arrives as its first message. */
function configFromSupervisor(): Promise<{ config: AppConfig; tenant: string }> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown): void => {
      if (!isSupervisorMessage(m) || m.type !== 'config') return;
      process.off('message', onMessage);
      try {
        resolve({ config: parseConfig(m.text, m.file), tenant: m.tenant });
      } catch (err) {
        reject(err);
      }
    };
    process.on('message', onMessage);
    process.once('disconnect', () =>
      reject(new SmonnetError('UNREACHABLE', 'supervisor went away before sending the configuration')),
    );
  });
}

async function runWorker(
  config: AppConfig,
  tenantName: string,
  opts: { threads?: number; statsInterval: number; ipc: boolean },
) {
  const tenant = config.tenants.find((t) => t.name === tenantName);
  if (!tenant) {
    const known = config.tenants.map((t) => t.name).join(', ') || 'none';
    throw new SmonnetError(
      'INVALID_CONFIG',
      `${config.file}: no [tenant.${tenantName}] section (tenants: ${known})`,
    );
  }
  const logger = createLogger({ name: 'smonnet-worker', level: config.supervisor.logLevel }).child({
    tenant: tenant.name,
  });
  const stopGuard = guardMemory(config.supervisor.workerMemoryBytes, (residentBytes) =>
    logger.debug({ residentBytes }, 'above the worker memory budget: full garbage collection'),
  );
  const worker = new TenantWorker(config, tenant, logger, {
    ...(opts.threads !== undefined && { threads: opts.threads }),
  });

  let last = { ...worker.stats, at: Date.now() };
  const progress =
    opts.statsInterval > 0
      ? setInterval(() => {
          const s = worker.stats;
          const seconds = (Date.now() - last.at) / 1000;
          logger.info(
            {
              ...s,
              lag: worker.lag,
              consumedPerSecond: Math.round((s.consumed - last.consumed) / seconds),
              indexedPerSecond: Math.round((s.indexed - last.indexed) / seconds),
            },
            'progress',
          );
          last = { ...s, at: Date.now() };
        }, opts.statsInterval * 1000)
      : undefined;
  // The supervisor's status and metrics come from these reports: one a second is plenty.
  const sendStats = (): void =>
    send({
      type: 'stats',
      stats: { ...worker.stats },
      lag: worker.lag,
      gauges: worker.gauges(),
      bulks: worker.drainBulkSamples(),
    });
  const report = opts.ipc ? setInterval(sendStats, 1000) : undefined;

  let stopping: Promise<void> | undefined;
  const stop = (reason: string): void => {
    if (stopping) return;
    logger.info({ reason }, 'stopping: draining in-flight work');
    stopping = worker.stop().then(() => {
      if (progress) clearInterval(progress);
      if (report) clearInterval(report);
      stopGuard();
      const s = worker.stats;
      sendStats();
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
  if (opts.ipc) {
    // No orphans: a worker whose supervisor is gone stops consuming.
    process.on('disconnect', () => stop('supervisor gone'));
    process.on('message', (m: unknown) => {
      if (!isSupervisorMessage(m)) return;
      const message = m as SupervisorMessage;
      if (message.type === 'stop') stop('supervisor asked');
      else if (message.type === 'reload-enrichment') {
        worker.reloadEnrichment().then(
          () => send({ type: 'enrichment-reloaded' }),
          (err: Error) => {
            logger.error({ err: err.message }, 'enrichment reload failed; the previous sources stay in use');
            send({ type: 'enrichment-reload-failed', error: err.message });
          },
        );
      }
    });
  }
  await worker.start();
  send({ type: 'ready' });
}

export function workerCommand(): Command {
  return new Command('worker')
    .description("run one tenant's pipeline in the foreground: Kafka → filter → enrich → Elasticsearch")
    .option('-c, --config <file>', 'configuration file', 'config/api.cfg')
    .option('-t, --tenant <name>', 'tenant to run (a [tenant.NAME] section)')
    .option('--threads <n>', 'enrichment threads (overrides [enrich] threads; 0 runs inline)', nonNegativeInt)
    .option('--stats-interval <s>', 'seconds between progress log lines; 0 for none', nonNegativeInt, 10)
    .addOption(new Option('--ipc', 'take the configuration from the supervisor').hideHelp())
    .action(async (opts) => {
      if (opts.ipc) {
        const { config, tenant } = await configFromSupervisor();
        await runWorker(config, tenant, { threads: opts.threads, statsInterval: 0, ipc: true });
        return;
      }
      if (!opts.tenant) throw new SmonnetError('USAGE', "option '--tenant <name>' is required");
      await runWorker(loadConfig(opts.config), opts.tenant, {
        threads: opts.threads,
        statsInterval: opts.statsInterval,
        ipc: false,
      });
    });
}
