/**
 * The process a tenant worker runs in: it takes its configuration (from the supervisor or a file),
 * reports its figures to the supervisor once a second, obeys its messages, guards its memory, and
 * exits 0 only when every record it consumed is accounted for.
 */
import { parseConfig } from '../config/parse.js';
import type { AppConfig } from '../config/types.js';
import { SmonnetError } from '../errors.js';
import { runners, SEGREGATOR } from '../fanout/route.js';
import { Segregator } from '../fanout/segregator.js';
import { isSupervisorMessage, type SupervisorMessage, type WorkerMessage } from '../ipc.js';
import { createLogger } from '../observability/logger.js';
import { type Hosted, hostedSegregator, hostedWorker } from './hosted.js';
import { guardMemory } from './memory-guard.js';
import { TenantWorker } from './tenant-worker.js';

const IDLE_REPORT_MS = 5000;
const ORPHAN_DRAIN_MS = 1000;

function send(message: WorkerMessage): void {
  if (process.connected) process.send?.(message);
}

/**
 * Messages that arrive before the worker listens for them. A tenant removed right after it was
 * added gets its 'stop' while its worker is still starting: lost, the worker ran on until the
 * supervisor killed it at shutdown_timeout. Kept here, it is obeyed as soon as the worker listens.
 */
const early: SupervisorMessage[] = [];
const keepEarly = (m: unknown): void => {
  if (isSupervisorMessage(m) && m.type !== 'config') early.push(m as SupervisorMessage);
};

/** Under a supervisor: the configuration arrives as its first message. */
export function configFromSupervisor(): Promise<{ config: AppConfig; tenant: string }> {
  process.on('message', keepEarly);
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

/** Runs one tenant until a signal, the supervisor or its departure stops it; then exits. */
export async function runWorker(
  config: AppConfig,
  tenantName: string,
  opts: { threads?: number; statsInterval: number; ipc: boolean },
) {
  const tenant = runners(config).find((t) => t.name === tenantName);
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
  const worker: Hosted =
    tenant.name === SEGREGATOR
      ? hostedSegregator(new Segregator(config, logger))
      : hostedWorker(
          new TenantWorker(config, tenant, logger, {
            ...(opts.threads !== undefined && { threads: opts.threads }),
          }),
        );

  let last = { rates: {} as Readonly<Record<string, number>>, at: Date.now() };
  const progress =
    opts.statsInterval > 0
      ? setInterval(() => {
          const { figures, rates } = worker.progress();
          const seconds = (Date.now() - last.at) / 1000;
          const perSecond = Object.entries(rates).map(([k, n]) => [
            `${k}PerSecond`,
            Math.round((n - (last.rates[k] ?? 0)) / seconds),
          ]);
          logger.info({ ...figures, ...Object.fromEntries(perSecond) }, 'progress');
          last = { rates, at: Date.now() };
        }, opts.statsInterval * 1000)
      : undefined;
  // The supervisor's status and metrics come from these reports: one a second while the worker
  // works; an idle one (same counters, same lag) reports every 5 s, as many idle tenants add up.
  let reported = '';
  let reportedAt = 0;
  const sendStats = (force = true): void => {
    const { message, watched } = worker.report();
    const key = JSON.stringify(watched);
    if (!force && key === reported && Date.now() - reportedAt < IDLE_REPORT_MS) return;
    reported = key;
    reportedAt = Date.now();
    send(message);
  };
  const report = opts.ipc ? setInterval(() => sendStats(false), 1000) : undefined;

  let stopping: Promise<void> | undefined;
  /** `drainMs`: how long in-flight chunks may take to settle; the worker's default when absent. */
  const stop = (reason: string, drainMs?: number): void => {
    if (stopping) return;
    logger.info({ reason }, 'stopping: draining in-flight work');
    stopping = worker.stop(drainMs).then(() => {
      if (progress) clearInterval(progress);
      if (report) clearInterval(report);
      stopGuard();
      sendStats();
      const end = worker.final();
      logger.info({ ...end.figures, balanced: end.balanced }, `stopped: ${end.rule}`);
      process.exit(end.balanced ? 0 : 1);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  if (opts.ipc) {
    // No orphans: a worker whose supervisor is gone stops consuming.
    // Its partitions go to the group's other members at once: a chunk not settled within a
    // second is read again by them, not waited for (the supervisor that would restart us is gone).
    process.on('disconnect', () => stop('supervisor gone', ORPHAN_DRAIN_MS));
    const obey = (m: unknown): void => {
      if (!isSupervisorMessage(m)) return;
      const message = m as SupervisorMessage;
      if (message.type === 'stop') stop('supervisor asked');
      else if (message.type === 'reload-enrichment') {
        let next: AppConfig | undefined;
        try {
          next =
            message.text === undefined ? undefined : parseConfig(message.text, message.file ?? config.file);
        } catch (err) {
          // The supervisor sends only what it validated: a refusal here is a bug, reported as such.
          send({ type: 'enrichment-reload-failed', error: (err as Error).message });
          return;
        }
        worker.reloadEnrichment(next).then(
          () => send({ type: 'enrichment-reloaded' }),
          (err: Error) => {
            logger.error({ err: err.message }, 'enrichment reload failed; the previous sources stay in use');
            send({ type: 'enrichment-reload-failed', error: err.message });
          },
        );
      }
    };
    process.off('message', keepEarly);
    process.on('message', obey);
    for (const m of early.splice(0)) obey(m);
  }
  try {
    await worker.start();
  } catch (err) {
    // Told to stop while starting: the start gives up, and the stop ends the process.
    if (stopping) return;
    throw err;
  }
  if (!stopping) send({ type: 'ready' });
}
